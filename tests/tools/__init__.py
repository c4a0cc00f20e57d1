"""Scripts that regenerate test data from their sources."""
