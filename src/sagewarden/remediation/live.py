"""Reading what a fix touches, fresh: clients per account and region, Describe by type,
the endpoints that use a config, the schedules that reference a job definition.

The fixer never trusts the scan it was planned from: everything it acts on is read again
at apply, and a resource that is gone or in an unexpected state is not touched. Every read
goes through answers.call/pages: a damaged answer (not JSON, cut short, a member of the
wrong type, no name or ARN, a NextToken that repeats) fails like an API error, so a fix
is never planned or verified from an empty or half-read resource.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagewarden import kinds
from sagewarden.kinds import kind
from sagewarden.resources import Provenance, Resource, normalise_properties
from sagewarden.sources.aws.accounts import CLIENT_CONFIG, control_config
from sagewarden.sources.aws.answers import call, error_code, error_text, pages
from sagewarden.sources.aws.deadline import bound_timeouts
from sagewarden.sources.aws.described import find_arn as arn_of
from sagewarden.sources.aws.described import plain
from sagewarden.sources.aws.readpath import identity

# Codes that always mean "not found" (IAM says NoSuchEntity); SageMaker also says it with
# a ValidationException for some types (kinds.Kind.not_found), read by its message.
NOT_FOUND = kinds.NOT_FOUND | {"NoSuchEntity"}


class Clients:
    """boto3 clients per (service, account, region), shared by the worker threads."""

    def __init__(self, sessions: dict[str, Any], max_workers: int = 16) -> None:
        self.sessions = sessions
        self.max_workers = max_workers
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str], Any] = {}

    def get(self, service: str, account: str | None, region: str | None) -> Any:
        acct = account or ""
        if acct not in self.sessions:
            raise LookupError(
                f"no credentials for account {acct}: pass --profile/--role-arn/--org for it"
            )
        key = (service, acct, region or "")
        with self._lock:
            client = self._cache.get(key)
            if client is None:
                config = control_config(self.max_workers)
                try:
                    made = self.sessions[acct].client(service, region_name=region, config=config)
                except (ValueError, BotoCoreError) as exc:  # botocore refuses the endpoint
                    raise LookupError(f"{CLIENT_CONFIG}: {error_text(exc)}") from None
                client = self._cache[key] = bound_timeouts(made)
            return client


def response(value: dict[str, Any]) -> dict[str, Any]:
    """An API response as JSON-able data, without its ResponseMetadata."""
    return plain({k: v for k, v in value.items() if k != "ResponseMetadata"})  # type: ignore[no-any-return]


def is_not_found(exc: BaseException, message_hint: bool = True) -> bool:
    """SageMaker says "not found" with ResourceNotFound or, for notebooks, models and
    endpoint configs, a ValidationException whose message says it."""
    if not isinstance(exc, ClientError):
        return False
    c = error_code(exc)
    if c in NOT_FOUND:
        return True
    message = str(exc.response.get("Error", {}).get("Message", "")).lower()
    return (
        message_hint
        and c == "ValidationException"
        and any(
            w in message
            for w in ("not found", "does not exist", "could not find", "recordnotfound")
        )
    )


def describe(sm: Any, rtype: str, name: str) -> dict[str, Any] | None:
    """Fresh Describe output (plain), or None when the resource does not exist."""
    k = kind(rtype)
    op, param = k.describe_op, k.describe_param
    try:
        return response(call(sm, op, identity(param), **{param: name}))
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


def list_tags(sm: Any, arn: str) -> list[dict[str, str]]:
    tags: list[dict[str, str]] = []
    for page in pages(sm, "ListTags", ("Tags[].Key", "Tags[].Value"), ResourceArn=arn):
        tags += page["Tags"]
    return tags


def read_resource(
    sm: Any, rtype: str, name: str, account: str | None, region: str | None
) -> Resource | None:
    """One resource in the canonical shape a scan gives, with its tags, or None if gone."""
    described = describe(sm, rtype, name)
    if described is None:
        return None
    arn = arn_of(described)
    props = dict(described)
    props.setdefault(kind(rtype).name_property, name)
    tags = {t["Key"]: t["Value"] for t in list_tags(sm, arn)} if arn else None
    return Resource(
        type=rtype,
        id=arn or name,
        name=name,
        properties=normalise_properties(rtype, props),
        tags=tags,
        provenance=Provenance("aws"),
        account_id=account,
        region=region,
        arn=arn,
    )


def endpoints(sm: Any) -> Iterator[dict[str, Any]]:
    """Every endpoint with its Describe output (ListEndpoints has no config filter)."""
    for page in pages(sm, "ListEndpoints", ("Endpoints[].EndpointName",)):
        for summary in page["Endpoints"]:
            try:
                name = summary["EndpointName"]
                yield response(
                    call(sm, "DescribeEndpoint", identity("EndpointName"), EndpointName=name)
                )
            except ClientError as exc:
                if not is_not_found(exc):
                    raise


def endpoints_using_configs(sm: Any, configs: set[str]) -> list[dict[str, Any]]:
    return [e for e in endpoints(sm) if e.get("EndpointConfigName") in configs]


def config_models(described: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for key in ("ProductionVariants", "ShadowProductionVariants"):
        for v in described.get(key) or []:
            if isinstance(v, dict) and isinstance(v.get("ModelName"), str):
                names.add(v["ModelName"])
    return names


def configs_using_model(sm: Any, model: str) -> list[dict[str, Any]]:
    """Every endpoint config whose variants use `model` (Describe output)."""
    out: list[dict[str, Any]] = []
    for page in pages(sm, "ListEndpointConfigs", ("EndpointConfigs[].EndpointConfigName",)):
        for summary in page["EndpointConfigs"]:
            d = describe(sm, kinds.RT.ENDPOINT_CONFIG, summary["EndpointConfigName"])
            if d is not None and model in config_models(d):
                out.append(d)
    return out


def endpoints_using_model(sm: Any, model: str) -> list[str]:
    """Live endpoints whose current config uses `model`."""
    users: list[str] = []
    for e in endpoints(sm):
        cfg = e.get("EndpointConfigName")
        d = describe(sm, kinds.RT.ENDPOINT_CONFIG, cfg) if isinstance(cfg, str) else None
        if d is not None and model in config_models(d):
            users.append(str(e["EndpointName"]))
    return users


def schedules_referencing(sm: Any, job_definition: str) -> list[dict[str, Any]]:
    """Describe output of every monitoring schedule that references a job definition."""
    out: list[dict[str, Any]] = []
    listed = pages(
        sm,
        "ListMonitoringSchedules",
        ("MonitoringScheduleSummaries[].MonitoringScheduleName",),
        MonitoringJobDefinitionName=job_definition,
    )
    for page in listed:
        for summary in page["MonitoringScheduleSummaries"]:
            d = describe(sm, kinds.RT.MONITORING_SCHEDULE, summary["MonitoringScheduleName"])
            if d is not None:
                out.append(d)
    return out


def findings(securityhub: Any, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every Security Hub finding that matches `filters` (GetFindings, every page)."""
    for page in pages(securityhub, "GetFindings", ("Findings",), Filters=filters):
        yield from page["Findings"]


def user_tags(tags: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """Tags a Create call may carry: `aws:` keys are reserved for AWS."""
    return [t for t in tags or [] if not t["Key"].lower().startswith("aws:")]
