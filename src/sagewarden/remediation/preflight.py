"""Before a run changes anything: fresh reads of every resource it will touch, the
refusals (gone, blocked, in a state its steps may not start from, a replacement name
taken, controls held as not sagewarden's to fix), and the backups of everything the
runnable plans change, their dependents (endpoints, schedules, endpoint configs)
included."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagewarden import kinds
from sagewarden.sources.aws.answers import error_code
from sagewarden.sources.aws.described import find_arn

from . import journal as J
from . import live
from .plan import Plan, ResourcePlan
from .stepkinds import lookup

# How each kind of dependent is backed up: its backup kind, its name member, whether its
# tags are kept (a replaced endpoint config is recreated with them).
_DEPENDENTS: dict[str, tuple[str, str, bool]] = {
    "configs": (kinds.kind(kinds.RT.ENDPOINT_CONFIG).label, "EndpointConfigName", True),
    "schedules": (kinds.kind(kinds.RT.MONITORING_SCHEDULE).label, "MonitoringScheduleName", False),
    "endpoints": ("endpoint", "EndpointName", False),
}

# What the runner itself reads beyond the step kinds: every resource it acts on, fresh,
# with its tags (`iam-policy --fix` adds them).
OPERATIONS: tuple[str, ...] = (*(k.describe_op for k in kinds.KINDS), "ListTags")

Clients = Callable[[ResourcePlan], Any]  # the SageMaker client of a resource plan


def preflight(
    plan: Plan, sagemaker: Clients, max_workers: int
) -> tuple[list[ResourcePlan], list[str], list[J.Backup]]:
    """Fresh reads: the plans that may run, one line per refused one, and the backups
    of everything the runnable ones touch. Resources are read in parallel; the
    result keeps the plan's order."""
    runnable: list[ResourcePlan] = []
    # Held controls are not fixed, whatever else their resource's plan does.
    refused: list[str] = [
        f"{rp.resource_type} {rp.name} ({rp.where}): {control}: {why}"
        for rp in plan.resources
        for control, why in rp.blocked_controls.items()
    ]
    backups: list[J.Backup] = []
    # A plan of held controls only has nothing to run (its lines are above).
    acting = [rp for rp in plan.resources if rp.steps or not rp.blocked_controls]
    with ThreadPoolExecutor(max_workers, thread_name_prefix="read") as pool:
        checked = list(pool.map(lambda rp: _one(rp, sagemaker), acting))
    for rp, refusal, taken in checked:
        if refusal is not None:
            refused.append(refusal)
        else:
            runnable.append(rp)
            backups += taken
    return runnable, refused, backups


def _one(rp: ResourcePlan, sagemaker: Clients) -> tuple[ResourcePlan, str | None, list[J.Backup]]:
    where = f"{rp.resource_type} {rp.name} ({rp.where})"
    if rp.blocked:
        return rp, f"{where}: blocked: {rp.blocked}", []
    try:
        sm = sagemaker(rp)
        taken = backups_of(sm, rp)
        clash = (
            bool(rp.new_name)
            and taken is not None
            and (live.describe(sm, rp.resource_type, str(rp.new_name)) is not None)
        )
    except LookupError as exc:
        return rp, f"{where}: {exc}", []
    except (ClientError, BotoCoreError) as exc:
        return rp, f"{where}: cannot read it: {error_code(exc)}", []
    if taken is None:
        return rp, f"{where}: it no longer exists: nothing to do", []
    if clash:
        return (
            rp,
            f"{where}: its replacement name {rp.new_name} is taken by another "
            f"{rp.resource_type}: plan again",
            [],
        )
    refusal = unsettled(rp, taken[0].describe or {})
    if refusal is not None:
        return rp, f"{where}: {refusal}", []
    return rp, None, taken


def unsettled(rp: ResourcePlan, own: dict[str, Any]) -> str | None:
    """Why the resource is in a state a step of its plan may not start from, or None."""
    for step in rp.steps:
        kind = lookup(step.action)
        if kind is None or kind.resource_type != rp.resource_type or not kind.status_key:
            continue
        refusal = kind.refusal(own.get(kind.status_key))
        if refusal is not None:
            return refusal
    return None


def backups_of(sm: Any, rp: ResourcePlan) -> list[J.Backup] | None:
    """The resource's Describe and tags, then what its steps' kinds say uses it; None
    when the resource is gone."""
    acct, region = rp.account_id, rp.region
    d = live.describe(sm, rp.resource_type, rp.name)
    if d is None:
        return None
    label = kinds.kind(rp.resource_type).label
    out = [J.Backup(J.backup_key(label, acct, region, rp.name), label, d, _tags(sm, find_arn(d)))]
    deps: dict[str, list[dict[str, Any]]] = {}
    for action in dict.fromkeys(s.action for s in rp.steps):
        kind = lookup(action)
        if kind is not None:
            deps.update(kind.dependents(sm, rp))
    for what, (backup, name_key, with_tags) in _DEPENDENTS.items():
        for item in deps.get(what, []):
            key = J.backup_key(backup, acct, region, str(item[name_key]))
            tags = _tags(sm, find_arn(item)) if with_tags else None
            out.append(J.Backup(key, backup, item, tags))
    if deps:
        out.append(J.Backup(J.dependents_key(rp.resource_id), "dependents", deps, None))
    return out


def _tags(sm: Any, arn: str | None) -> list[dict[str, str]] | None:
    return live.list_tags(sm, arn) if arn else None
