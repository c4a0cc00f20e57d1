teams = {
  fraud = "Disabled"
  churn = "Enabled"
}
