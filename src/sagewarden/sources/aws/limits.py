"""Defaults for live scans, importable without boto3 (the CLI's help text shows them)."""

DEFAULT_MAX_WORKERS = 16  # a botocore call costs ~3 ms of CPU: 16 x 50 ms calls fill a core
# API calls per second per account and region: AWS publishes no rate for SageMaker's API,
# so this only bounds a scan (above what 16 workers at 50 ms a call ask, 320 a second);
# AWS's throttling sets the pace below it (ratelimit halves the rate, docs/performance.md).
DEFAULT_MAX_RATE = 400.0
DEFAULT_ORG_ROLE = "OrganizationAccountAccessRole"
DEFAULT_TIMEOUT = 900.0  # seconds one account and region may take, from its first call
DEFAULT_READ_TIMEOUT = 20.0  # seconds a call may wait for its answer (one attempt)
CONNECT_TIMEOUT = 10.0
PAGE_CEILING = 10_000  # pages of one list (a million items): past that it never ends
