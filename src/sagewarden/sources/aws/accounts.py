"""Which accounts and regions to scan, and a boto3 session for each account.

Credentials come from the standard chain (or `--profile`); other accounts are reached by
assuming a role, with credentials that refresh themselves so a long scan does not expire
half-way. Credentials are never printed: errors name the account, role and error code
(answers.error_text, which also masks every credential this process has seen), and
every answer is checked before use, so a damaged one is an error for its scope, never a
traceback quoting the body (an AssumeRole body holds the new secret key).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, SSOError

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.sources.aws.answers import (
    MALFORMED,
    AnswerError,
    call,
    error_text,
    pages,
    quiet_sdk_logs,
    remember_secrets,
)
from sagewarden.sources.aws.answers import error_code as error_code  # its historic home
from sagewarden.sources.aws.botocore_tuning import tune
from sagewarden.sources.aws.deadline import Deadline, bound_timeouts, read_timeout
from sagewarden.sources.aws.limits import (
    CONNECT_TIMEOUT,
    DEFAULT_MAX_WORKERS,
    DEFAULT_ORG_ROLE,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
)
from sagewarden.sources.aws.regions import partition_of, region_problem

SESSION_NAME = "sagewarden"
DEFAULT_MAX_ATTEMPTS = 8


@dataclass
class AccountOptions:
    profile: str | None = None
    regions: list[str] = field(default_factory=list)
    all_regions: bool = False
    org: bool = False
    org_role: str = DEFAULT_ORG_ROLE
    accounts: list[str] = field(default_factory=list)
    role_arn: str | None = None
    external_id: str | None = None
    timeout: float | None = DEFAULT_TIMEOUT  # seconds for finding the accounts (and regions)
    max_workers: int = DEFAULT_MAX_WORKERS  # roles assumed at once in an organization


@dataclass
class Target:
    account_id: str  # "" when not even the account is known (the credentials failed)
    session: boto3.Session
    partition: str
    regions: list[str] = field(default_factory=list)
    error: str | None = None  # the account could not be reached (assume role failed)
    caller: str | None = None  # the ARN of the identity that reached it (GetCallerIdentity)


class Identity(NamedTuple):
    """What GetCallerIdentity says: the account, its partition, and who is calling (ARN)."""

    account: str
    partition: str
    arn: str


NO_CREDENTIALS = (
    "no AWS credentials found; give them in one of three ways: the environment variables "
    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for temporary ones), "
    "a profile (--profile NAME or AWS_PROFILE; create one with `aws configure` or "
    "`aws sso login`), or an instance or container role (EC2, ECS, Lambda, CodeBuild)"
)


def control_config(
    max_workers: int = 10, read_timeout: float = DEFAULT_READ_TIMEOUT, retry_mode: str = "adaptive"
) -> Config:
    """Client settings for every call: retries, a pool sized for our threads, a read
    timeout per attempt (a Deadline bounds the attempts together).

    Adaptive mode rate-limits a client once AWS throttles it; the scan's clients use
    standard mode and their scope's RateLimiter instead, whose waits end at the deadline.
    AWS_MAX_ATTEMPTS wins over our default of 8 attempts.
    """
    retries: dict[str, Any] = {"mode": retry_mode}
    if "AWS_MAX_ATTEMPTS" not in os.environ:
        retries["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
    return Config(
        retries=retries,  # type: ignore[arg-type]
        max_pool_connections=max(10, max_workers),
        connect_timeout=min(CONNECT_TIMEOUT, read_timeout),
        read_timeout=read_timeout,
        user_agent_extra="sagewarden",
    )


def endpoint_override(session: boto3.Session, region: str) -> str | None:
    """The SageMaker endpoint URL that replaces AWS's (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_
    SAGEMAKER or a profile's endpoint_url), or None: botocore resolves both, no call made."""
    own = Config(ignore_configured_endpoint_urls=True)  # type: ignore[call-arg]  # stubs lag
    try:
        default = session.client("sagemaker", region_name=region, config=own).meta.endpoint_url
        used = session.client("sagemaker", region_name=region).meta.endpoint_url
    except (ValueError, BotoCoreError):  # an endpoint URL botocore refuses: said by the scan
        return None
    return None if used == default else str(used)


CLIENT_CONFIG = (
    "cannot make an AWS client (check AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> and the "
    "profile's endpoint_url)"
)
ASSUME_ROLE_READS = tuple(
    f"Credentials.{m}" for m in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
)


@dataclass(frozen=True)
class Sts:
    """STS clients of the base session: `now` honours the deadline of finding the
    accounts; `later` refreshes assumed credentials mid-scan, long after it passed."""

    now: Any
    later: Any

    @classmethod
    def of(cls, base: boto3.Session, region: str | None, deadline: Deadline) -> Sts:
        quick = control_config(read_timeout=read_timeout(deadline.seconds))
        now = deadline.attach(base.client("sts", region_name=region, config=quick))
        later = bound_timeouts(base.client("sts", region_name=region, config=control_config()))
        return cls(now, later)


def assumed_session(
    base: boto3.Session,
    role_arn: str,
    external_id: str | None,
    region: str | None,
    sts: Sts | None = None,
) -> boto3.Session:
    """A session whose credentials come from AssumeRole and refresh before they expire."""
    if sts is None:
        sts = Sts.of(base, region, Deadline(None, "could not assume the role"))

    def fetch_with(client: Any) -> Callable[[], dict[str, Any]]:
        def fetch() -> dict[str, Any]:
            kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": SESSION_NAME}
            if external_id:
                kwargs["ExternalId"] = external_id
            creds = call(client, "AssumeRole", ASSUME_ROLE_READS, **kwargs)["Credentials"]
            remember_secrets(
                [creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]]
            )
            return {
                "access_key": creds["AccessKeyId"],
                "secret_key": creds["SecretAccessKey"],
                "token": creds["SessionToken"],
                "expiry_time": creds["Expiration"].isoformat(),
            }

        return fetch

    credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetch_with(sts.now)(),
        refresh_using=fetch_with(sts.later),
        method="sts-assume-role",
    )
    core = botocore.session.get_session()
    core._credentials = credentials  # type: ignore[attr-defined]  # the usual injection point
    # The base session's loader: botocore's models (SageMaker's is ~2 MB of JSON, 0.1 s of
    # CPU or more) are read once for an organization, not once per member account.
    core.register_component("data_loader", base._session.get_component("data_loader"))
    tune(core)
    return boto3.Session(botocore_session=core, region_name=region)


def caller_identity(
    session: boto3.Session, region: str | None, deadline: Deadline | None = None
) -> tuple[str, str]:
    """(account, partition) of the session's credentials (noted first: no error text may
    show them)."""
    found = identity(session, region, deadline)
    return found.account, found.partition


def identity(
    session: boto3.Session, region: str | None, deadline: Deadline | None = None
) -> Identity:
    """The session's caller identity, its ARN kept for the reports that say who scanned."""
    _remember(session)
    deadline = deadline or Deadline(None, "could not check the credentials")
    config = control_config(read_timeout=read_timeout(deadline.seconds))
    sts = deadline.attach(session.client("sts", region_name=region, config=config))
    ident = call(sts, "GetCallerIdentity", ("Account", "Arn"))
    parts = str(ident["Arn"]).split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[1]:
        raise AnswerError(MALFORMED, "the GetCallerIdentity answer's Arn is not an ARN")
    return Identity(str(ident["Account"]), parts[1], str(ident["Arn"]))


def _remember(session: boto3.Session) -> None:
    """Note the session's own credentials, so no error text can show them."""
    try:
        found = session.get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except Exception:  # resolving them fails again in GetCallerIdentity, and is said there
        return
    if frozen is not None:
        remember_secrets([frozen.access_key, frozen.secret_key, frozen.token])


def check_regions(names: list[str], diags: list[Diagnostic]) -> list[str]:
    """The --region names that are AWS regions; one input error for each that is not."""
    good: list[str] = []
    for name in names:
        problem = region_problem(name)
        if problem:
            diags.append(Diagnostic(f"--region {name}", problem))
        elif name not in good:
            good.append(name)
    return good


def resolve_targets(
    opts: AccountOptions,
    diags: list[Diagnostic],
    session_factory: Callable[..., boto3.Session] = boto3.Session,
) -> list[Target]:
    """The accounts to scan, each with a session (or the reason it cannot be reached).

    Credentials that cannot be used, or an organization that cannot be listed, give one
    target with `error` set and no account id, so the scan reports ERROR verdicts for what
    it could not read instead of an empty, green report.
    """
    quiet_sdk_logs()
    base = session_factory(profile_name=opts.profile) if opts.profile else session_factory()
    tune(base._session)
    if not opts.regions and base.region_name and region_problem(base.region_name):
        where = f"region {base.region_name} (from AWS_REGION, AWS_DEFAULT_REGION or the profile)"
        diags.append(Diagnostic(where, str(region_problem(base.region_name))))
        return []
    home = opts.regions[0] if opts.regions else base.region_name or "us-east-1"
    deadline = Deadline(opts.timeout, "could not find the accounts")
    try:
        _remember(base)  # before AssumeRole, whose errors may quote the base session token
        sts = Sts.of(base, home, deadline) if opts.role_arn or opts.org else None
        if opts.role_arn:
            session = assumed_session(base, opts.role_arn, opts.external_id, home, sts)
            assumed = identity(session, home, deadline)
            return [Target(assumed.account, session, assumed.partition, caller=assumed.arn)]
        account, partition, caller = identity(base, home, deadline)
    except (ClientError, BotoCoreError) as exc:
        who = f"role {opts.role_arn}" if opts.role_arn else "credentials"
        diags.append(Diagnostic("aws", _credentials_problem(who, exc, opts.profile), Kind.SCOPE))
        return [_unreachable(base, home, opts, f"{who}: {error_code(exc)}")]
    except ValueError as exc:  # botocore refuses the configuration before any call
        diags.append(Diagnostic("aws", f"{CLIENT_CONFIG}: {error_text(exc)}"))
        return []
    if not opts.org:
        return [Target(account, base, partition, caller=caller)]
    assert sts is not None
    targets = _org_targets(base, account, partition, home, opts, diags, deadline, sts)
    for t in targets:
        t.caller = caller  # the organization's members were reached from these credentials
    return targets


def _credentials_problem(who: str, exc: Exception, profile: str | None) -> str:
    """What is wrong with the credentials, pointing at the fix where botocore says enough."""
    if isinstance(exc, NoCredentialsError):
        return NO_CREDENTIALS
    if isinstance(exc, SSOError):
        login = f"aws sso login --profile {profile}" if profile else "aws sso login"
        return f"cannot use the {who}: the SSO session has expired or not started: run `{login}`"
    return f"cannot use the {who}: {error_text(exc)}"


def _unreachable(base: boto3.Session, home: str, opts: AccountOptions, why: str) -> Target:
    """A target standing for everything the options asked for that could not be reached."""
    regions = opts.regions or ([] if opts.all_regions or not base.region_name else [home])
    return Target("", base, partition_of(home) or "aws", list(regions), error=why)


def _org_targets(
    base: boto3.Session,
    management: str,
    partition: str,
    home: str,
    opts: AccountOptions,
    diags: list[Diagnostic],
    deadline: Deadline,
    sts: Sts,
) -> list[Target]:
    config = control_config(read_timeout=read_timeout(deadline.seconds))
    org = deadline.attach(base.client("organizations", region_name=home, config=config))
    try:
        listed = [
            a for page in pages(org, "ListAccounts", ("Accounts[].Id",)) for a in page["Accounts"]
        ]
    except (ClientError, BotoCoreError) as exc:
        diags.append(
            Diagnostic(
                f"account {management}",
                f"organizations:ListAccounts failed: {error_text(exc)}",
                Kind.SCOPE,
            )
        )
        return [_unreachable(base, home, opts, f"ListAccounts: {error_code(exc)}")]
    stateless = [a for a in listed if not a.get("State", a.get("Status"))]
    for a in stateless:
        diags.append(
            Diagnostic(
                f"account {a['Id']}",
                "organizations:ListAccounts gives it no State: cannot tell whether it is active",
                Kind.SCOPE,
            )
        )
    active = [a for a in listed if a.get("State", a.get("Status")) == "ACTIVE"]
    wanted = set(opts.accounts)
    if wanted:
        known = {a["Id"] for a in active}
        for missing in sorted(wanted - known):
            diags.append(
                Diagnostic(f"--account {missing}", "not an active account of this organization")
            )
        active = [a for a in active if a["Id"] in wanted]

    def reach(acct: str) -> Target | tuple[str, Exception]:
        if acct == management:
            return Target(acct, base, partition)
        role = f"arn:{partition}:iam::{acct}:role/{opts.org_role}"
        try:
            return Target(acct, assumed_session(base, role, opts.external_id, home, sts), partition)
        except (ClientError, BotoCoreError) as exc:
            return role, exc

    # One AssumeRole per member, several at once: a thousand in turn would take a minute.
    targets: list[Target] = []
    ids = [str(a["Id"]) for a in sorted(active, key=lambda a: a["Id"])]
    with ThreadPoolExecutor(min(opts.max_workers, len(ids) or 1)) as pool:
        for acct, reached in zip(ids, pool.map(reach, ids), strict=True):
            if isinstance(reached, Target):
                targets.append(reached)
                continue
            role, refused = reached
            diags.append(
                Diagnostic(
                    f"account {acct}",
                    f"sts:AssumeRole {role} failed: {error_text(refused)}",
                    Kind.SCOPE,
                )
            )
            why = f"AssumeRole: {error_code(refused)}"
            targets.append(Target(acct, base, partition, error=why))
    for a in stateless:
        if not wanted or a["Id"] in wanted:
            why = "ListAccounts: no State"
            targets.append(Target(str(a["Id"]), base, partition, error=why))
    return targets


def resolve_regions(target: Target, opts: AccountOptions, diags: list[Diagnostic]) -> list[str]:
    """--region as given; --all-regions: where SageMaker is offered and the account opted in."""
    if not opts.all_regions:
        if opts.regions:
            return list(dict.fromkeys(opts.regions))
        region = target.session.region_name
        return [region] if region else []
    offered = target.session.get_available_regions("sagemaker", partition_name=target.partition)
    home = opts.regions[0] if opts.regions else target.session.region_name or "us-east-1"
    deadline = Deadline(opts.timeout, "could not list the regions")
    try:
        config = control_config(read_timeout=read_timeout(opts.timeout))
        ec2 = deadline.attach(target.session.client("ec2", region_name=home, config=config))
        answer = call(ec2, "DescribeRegions", ("Regions[].RegionName",), AllRegions=False)
        enabled = {r["RegionName"] for r in answer["Regions"]}
    except (ClientError, BotoCoreError) as exc:
        diags.append(
            Diagnostic(
                f"account {target.account_id}",
                f"ec2:DescribeRegions failed ({error_text(exc)}): scanning every region SageMaker "
                "is offered in, opted-in or not",
                Kind.WARNING,
            )
        )
        return sorted(offered)
    return sorted(r for r in offered if r in enabled)
