"""What a run reads and how: typed options, so the library never sees the command line."""

from __future__ import annotations

from dataclasses import dataclass

from sagewarden.sources.aws.limits import (
    DEFAULT_MAX_RATE,
    DEFAULT_MAX_WORKERS,
    DEFAULT_ORG_ROLE,
    DEFAULT_TIMEOUT,
)


@dataclass(frozen=True)
class LiveOptions:
    """Which accounts and regions to read, with whose credentials, and how hard."""

    profile: str | None = None
    regions: tuple[str, ...] = ()  # empty: the profile's region
    all_regions: bool = False
    org: bool = False
    org_role: str = DEFAULT_ORG_ROLE
    accounts: tuple[str, ...] = ()  # with org: only these
    role_arn: str | None = None
    external_id: str | None = None
    max_workers: int = DEFAULT_MAX_WORKERS
    max_rate: float = DEFAULT_MAX_RATE
    timeout: float = DEFAULT_TIMEOUT  # seconds one account and region may take


@dataclass(frozen=True)
class ConfigApiOptions:
    """AWS Config's own data: an aggregator of the caller's account, or its recorder."""

    aggregator: str | None = None  # None: the account's own recorder
    profile: str | None = None
    regions: tuple[str, ...] = ()  # where the aggregator or recorder is; empty: the profile's
    max_workers: int = DEFAULT_MAX_WORKERS
    timeout: float = DEFAULT_TIMEOUT  # seconds one Region may take, from its first call


@dataclass(frozen=True)
class ScanOptions:
    """One scan: its sources, how it judges, and where its results go besides the report."""

    paths: tuple[str, ...] = ()  # AWS Config files, templates, plans, directories
    live: LiveOptions | None = None  # None: no live account is read
    controls: tuple[str, ...] = ()  # control ids as typed; empty: every control
    params: tuple[str, ...] = ()  # SageMaker.N.NAME=VALUE
    cfn_params: tuple[str, ...] = ()  # KEY=VALUE
    cfn_params_file: str | None = None
    tf_vars: tuple[str, ...] = ()  # NAME=VALUE, for Terraform sources
    tf_var_files: tuple[str, ...] = ()
    suppressions: str | None = None  # None: the default file in the working directory, if any
    skip_other_files: bool = False
    db: str | None = None  # the history database; None: the default path
    record: bool = True  # record the scan in the history
    push_security_hub: bool = False
    scope_endpoint: str | None = None  # names the endpoint in the scope instead of its URL
    config_api: ConfigApiOptions | None = None  # None: no aggregator or recorder is read
    command_line: tuple[str, ...] = ()  # as typed, for the report (runinfo redacts it)
    trend: bool = False  # read the pass-rate trend of the scope from the history (HTML)

    @property
    def where(self) -> list[str]:
        """The inputs by name, for messages: the paths, and `aws` for live accounts."""
        named = [*self.paths, *(["aws"] if self.live else [])]
        if self.config_api is not None:
            a = self.config_api.aggregator
            named.append(f"config aggregator {a}" if a else "config recorder")
        return named
