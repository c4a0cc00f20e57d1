"""The saved plan (`fix plan --format json`): written with its options, read back checked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sagewarden.cli.errors import CliError
from sagewarden.cli.fix_focus import read_json
from sagewarden.params import parse_params

if TYPE_CHECKING:
    from sagewarden.remediation.plan import Plan

PLAN_VERSION = 1


def plan_document(
    plan: Plan,
    params: Sequence[str],
    tags: dict[str, str],
    allow_rebuild: bool,
    backup: str | None,
    subnet: str | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "sagewarden_plan": PLAN_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "params": list(params),
        "options": {
            "tags": tags,
            "allow_rebuild": allow_rebuild,
            "backup": backup,
            "subnet": subnet,
            **(extra or {}),
        },
        **plan.to_dict(),
    }


def load_plan(path: str) -> tuple[Plan, dict[str, Any], int]:
    """A saved plan, checked, and how many of its resources an invalid input refuses."""
    from sagewarden.remediation import Plan

    doc = read_json(path)
    if not isinstance(doc, dict) or doc.get("sagewarden_plan") != PLAN_VERSION:
        raise CliError(f"{path}: not a sagewarden plan (from `fix plan --format json`)")
    params = doc.get("params", [])
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        raise CliError(f"{path}: malformed plan: params must be a list of strings")
    _, diags = parse_params(params)
    if diags:
        raise CliError(f"{path}: malformed plan: {diags[0].line()}")
    try:
        plan = Plan.from_dict(doc)
    except ValueError as exc:
        raise CliError(f"{path}: {exc}") from None
    from sagewarden.kinds import ALL_TYPES
    from sagewarden.remediation.stepkinds import REGISTRY

    for rp in plan.resources:
        if rp.resource_type not in ALL_TYPES:
            raise CliError(f"{path}: malformed plan: unknown resource type {rp.resource_type!r}")
        for step in rp.steps:
            if step.action not in REGISTRY:
                raise CliError(f"{path}: malformed plan: unknown action {step.action!r}")
    from sagewarden.remediation import inputs
    from sagewarden.remediation.plan import refuse_uncarriable

    # A hand-edited or older plan gets the planner's checks: a resource whose names or
    # input cannot be passed on exactly, or whose input AWS would refuse, is refused
    # before any change, not half way through the run, and that is bad input (exit 2),
    # not a state of AWS.
    was_blocked = {rp.key for rp in plan.resources if rp.blocked}
    for rp in plan.resources:
        refuse_uncarriable(rp)
    checked = inputs.settled(plan)
    invalid = sum(1 for rp in checked.resources if rp.blocked and rp.key not in was_blocked)
    return checked, doc, invalid
