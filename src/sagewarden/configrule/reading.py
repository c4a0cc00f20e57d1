"""What the rule reads from AWS beyond the event: its boto3 session, the item of an
oversized notification, the resources of a scheduled run and the job definitions a
schedule references. SageMaker is read by the live scan's collector (one account and
Region), so the rule reads exactly as `scan --aws` does: no second reader.

Clients are made the normal way (boto3's chain: the function's role, AWS_ENDPOINT_URL).
In the organization form the function runs in the administrator account and Config in a
member invokes it: with SAGEWARDEN_MEMBER_ROLE set (a role name), the function assumes
that role in the member account the event names, and puts the evaluations there.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import boto3

from sagewarden.catalog import Control, references_to_resolve
from sagewarden.params import ParamSet
from sagewarden.resources import Resource
from sagewarden.sources.aws.accounts import Target, assumed_session, control_config
from sagewarden.sources.aws.answers import call
from sagewarden.sources.aws.limits import DEFAULT_TIMEOUT

if TYPE_CHECKING:  # the collector (and its thread pool) is imported when a run reads
    from sagewarden.sources.aws.collector import CollectResult

MEMBER_ROLE = "SAGEWARDEN_MEMBER_ROLE"
RESERVE = 60.0  # seconds of the invocation kept for putting evaluations after reading
HISTORY_READS = ("configurationItems",)


def session_for(account: str | None, own_account: str | None, partition: str, region: str) -> Any:
    """The function's own session, or the member role's when the event is another account's."""
    base = boto3.Session(region_name=region)
    role = os.environ.get(MEMBER_ROLE, "").strip()
    if not role or not account or account == own_account:
        return base
    arn = role if role.startswith("arn:") else f"arn:{partition}:iam::{account}:role/{role}"
    return assumed_session(base, arn, None, region)


def config_client(session: Any, region: str) -> Any:
    return session.client("config", region_name=region, config=control_config())


def latest_item(config: Any, resource_type: str, resource_id: str) -> dict[str, Any] | None:
    """GetResourceConfigHistory's latest item for the resource (limit 1), or None."""
    answer = call(
        config,
        "GetResourceConfigHistory",
        HISTORY_READS,
        resourceType=resource_type,
        resourceId=resource_id,
        limit=1,
    )
    items = answer["configurationItems"]
    return items[0] if items else None


def read_scope(
    session: Any,
    account: str,
    region: str,
    partition: str,
    control: Control,
    params: ParamSet,
    seconds: float | None,
    known: Sequence[Resource] = (),
    list_type: bool = True,
) -> CollectResult:
    """The control's resources in one account and Region as the live scan reads them
    (`list_type`), and the references the control follows from them and from `known`
    (each named target read with one Describe)."""
    from sagewarden.sources.aws.collector import Collector

    target = Target(account, session, partition, [region])
    timeout = DEFAULT_TIMEOUT if seconds is None else max(1.0, min(DEFAULT_TIMEOUT, seconds))
    return Collector(
        [target],
        {control.resource_type} if list_type else set(),
        resolve_references=references_to_resolve([control], params),
        timeout=timeout,
        known=known,
    ).run()


def follows_references(control: Control, params: ParamSet) -> bool:
    return bool(references_to_resolve([control], params))


def time_left(context: Any) -> float | None:
    """Seconds the collector may take: the invocation's remaining time less a reserve."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    try:
        return float(remaining()) / 1000 - RESERVE
    except (TypeError, ValueError):
        return None
