"""Defaults for live scans, importable without boto3 (the CLI's help text shows them)."""

DEFAULT_MAX_WORKERS = 16  # a botocore call costs ~3 ms of CPU: 16 x 50 ms calls fill a core
DEFAULT_MAX_RATE = 100.0  # API calls per second per account and region
DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"
