"""Notebook instances: fixed in place when UpdateNotebookInstance takes every field the
failing controls' fixes set (stop, update, start again only if it was running);
otherwise rebuilt (rebuild.py)."""

from __future__ import annotations

from typing import Any

from sagewarden.kinds import IN_PLACE, kind

from ..steps import Phase, Step
from . import notebook_fields, rebuild
from .document import ResourcePlan
from .target import Context, Target, name_of, new_plan


def plan(t: Target, ctx: Context) -> ResourcePlan:
    if t.fields() <= set(kind(t.resource.type).in_place):
        return in_place(t)
    return rebuild.plan(t, ctx)


def in_place(t: Target) -> ResourcePlan:
    r = t.resource
    name = name_of(r)
    rp = new_plan(t, IN_PLACE)
    why = t.controls
    update: dict[str, Any] = {"NotebookInstanceName": name}
    notebook_fields.apply_in_place(t, rp, update)
    iac = notebook_fields.iac_note(t)
    status = r.properties.get("NotebookInstanceStatus")
    downtime = f"notebook {name} is unavailable while stopped and updated (minutes)"
    if status in ("Failed", "Deleting"):
        rp.blocked = f"the notebook is {status}: it cannot be updated"
    running = status in ("InService", "Pending")
    unknown = not isinstance(status, str) or status not in (
        "InService",
        "Pending",
        "Stopped",
        "Stopping",
        "Updating",
        "Failed",
        "Deleting",
    )
    cond = "only if NotebookInstanceStatus is InService at apply" if unknown else None
    target = {"NotebookInstanceName": name}
    if running or unknown:
        if status == "Pending":
            rp.steps.append(
                Step(
                    "WaitNotebookInstanceInService",
                    target,
                    why,
                    Phase.IN_PLACE,
                    detail="it is starting: stop it only once it is InService",
                )
            )
        rp.steps.append(
            Step(
                "StopNotebookInstance",
                target,
                why,
                Phase.IN_PLACE,
                downtime=downtime,
                operation="StopNotebookInstance",
                condition=cond,
            )
        )
    if running or unknown or status in ("Stopping", "Updating"):
        rp.steps.append(Step("WaitNotebookInstanceStopped", target, why, Phase.IN_PLACE))
    rp.steps.append(
        Step(
            "UpdateNotebookInstance",
            update,
            why,
            Phase.IN_PLACE,
            downtime=downtime,
            iac_note=iac,
            operation="UpdateNotebookInstance",
            detail="the notebook must be Stopped; the update leaves it Stopped",
        )
    )
    rp.steps.append(Step("WaitNotebookInstanceStopped", target, why, Phase.IN_PLACE))
    if running or unknown:
        start_cond = "only if it was InService before the stop" if unknown else None
        rp.steps.append(
            Step(
                "StartNotebookInstance",
                target,
                why,
                Phase.IN_PLACE,
                operation="StartNotebookInstance",
                condition=start_cond,
                detail="it was running before the fix",
            )
        )
        rp.steps.append(
            Step("WaitNotebookInstanceInService", target, why, Phase.IN_PLACE, condition=start_cond)
        )
    return rp
