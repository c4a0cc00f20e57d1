"""Defaults for live scans, importable without boto3 (the CLI's help text shows them)."""

DEFAULT_MAX_WORKERS = 32
DEFAULT_MAX_RATE = 100.0  # API calls per second per account and region
DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"
