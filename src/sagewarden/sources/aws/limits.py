"""Defaults for live scans, importable without boto3 (the CLI's help text shows them)."""

DEFAULT_MAX_WORKERS = 16  # a botocore call costs ~3 ms of CPU: 16 x 50 ms calls fill a core
DEFAULT_MAX_RATE = 100.0  # API calls per second per account and region
DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"
DEFAULT_TIMEOUT = 900.0  # seconds one account and region may take, from its first call
DEFAULT_READ_TIMEOUT = 20.0  # seconds a call may wait for its answer (one attempt)
CONNECT_TIMEOUT = 10.0
PAGE_CEILING = 10_000  # pages of one list (a million items): past that it never ends
