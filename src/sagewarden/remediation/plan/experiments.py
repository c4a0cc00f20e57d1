"""Inference experiments: what UpdateInferenceExperiment takes (its data capture,
`DataStorageConfig`) is changed in place, the whole structure sent (the call replaces
it), while the experiment's status allows an update; the fields it does not take are
never planned here (their fixes are blocked, fixes.held)."""

from __future__ import annotations

import copy
from typing import Any

from sagewarden.kinds import IN_PLACE, kind

from ..steps import Phase, Step
from . import fixes
from .document import ResourcePlan
from .target import Context, Target, name_of, new_plan

STATUS = "Status"
# UpdateInferenceExperiment: "The status of the inference experiment has to be either
# Created, Running" (API reference). A finished experiment never takes one again.
UPDATABLE = ("Created", "Running")
FINISHED = ("Completed", "Cancelled")


def finished(status: object) -> str:
    """Why an experiment in a finished status cannot be fixed, and what a person does."""
    return (
        f"the experiment is {status}: UpdateInferenceExperiment takes only an experiment "
        f"that is {' or '.join(UPDATABLE)}, so its configuration cannot change any more; "
        "delete the experiment once its results are no longer needed (DeleteInferenceExperiment)"
    )


def plan(t: Target, ctx: Context) -> ResourcePlan:
    r = t.resource
    k = kind(r.type)
    name = name_of(r)
    rp = new_plan(t, IN_PLACE)
    settings = [fixes.resolve(s, ctx.given) for s in t.settings()]
    update: dict[str, Any] = {k.describe_param: name}
    for s in settings:
        top = s.top
        if top not in update:
            current = r.properties.get(top)
            update[top] = copy.deepcopy(current) if isinstance(current, dict) else {}
        fixes.assign(update, s)
    status = r.properties.get(STATUS)
    if status in FINISHED:
        rp.blocked = finished(status)
    known = isinstance(status, str)
    tops = sorted({s.top for s in settings})
    rp.warnings.append(
        "data the experiment captured before the update stays as it was stored: re-encrypt "
        "it in S3 if it must be under the key too; the experiment's role needs "
        "kms:GenerateDataKey and kms:Encrypt on the key"
    )
    rp.steps.append(
        Step(
            k.op("Update"),
            update,
            t.controls,
            Phase.IN_PLACE,
            operation=k.op("Update"),
            detail=f"the whole {' and '.join(tops)} (the call replaces it), "
            + ", ".join(fixes.phrase(s) for s in settings),
            condition=None if known else f"only if {STATUS} is {' or '.join(UPDATABLE)} at apply",
            iac_note="set "
            + " and ".join(f"{s.path}" for s in settings)
            + f" in the template ({r.type}), or the next deploy may revert it",
        )
    )
    rp.steps.append(
        Step(
            "WaitInferenceExperimentSettled",
            {k.describe_param: name},
            t.controls,
            Phase.IN_PLACE,
            detail="until it has left Updating",
        )
    )
    return rp
