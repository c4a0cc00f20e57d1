"""Monitoring job definitions: immutable, so a new definition with every failing
control's fields set (its own, and its schedules'), the schedules repointed to it, the
old one deleted once nothing references it. Any field a fix names is set: a new control
on another NetworkConfig field needs nothing here."""

from __future__ import annotations

from sagewarden.kinds import kind

from ..steps import Phase, Step
from . import fixes
from .document import ResourcePlan
from .target import Context, Target, blue_green, copy_tags, name_of

# What a job with a fixed field must be ready for, by field.
_WARNINGS = {
    "NetworkConfig.EnableNetworkIsolation": (
        "an isolated monitoring job has no network: stage inputs and baselines so the job "
        "needs no network at run time"
    )
}


def plan(t: Target, ctx: Context) -> ResourcePlan:
    r = t.resource
    k = kind(r.type)
    old = name_of(r)
    new = t.replacement
    rp, params = blue_green(t)
    why = t.why
    # Fields in name order, each once: the new definition does not depend on which of
    # its controls failed first.
    settings = sorted({s.path: s for s in reversed(t.settings())}.values(), key=lambda s: s.path)
    for s in settings:
        fixes.assign(params, s)
    rp.warnings += [_WARNINGS[s.path] for s in settings if s.path in _WARNINGS]
    params.update(copy_tags(r))
    rp.warnings += t.notes
    rp.warnings.append(f"job definitions are immutable: the replacement is named {new}")
    rp.steps.append(
        Step(
            "CreateJobDefinition",
            params,
            why,
            Phase.CREATE,
            operation=k.op("Create"),
            detail=f"{new} with {fixes.grouped(settings)}",
            iac_note="CloudFormation replaces job definitions on these properties: set them in "
            "the template and import or rename accordingly",
        )
    )
    rp.steps.append(
        Step(
            "RepointSchedules",
            {"MonitoringJobDefinitionName": old, "To": new, "MonitoringType": k.monitoring_type},
            why,
            Phase.REPOINT,
            detail="ListMonitoringSchedules by MonitoringJobDefinitionName at apply, then "
            "UpdateMonitoringSchedule each to the new name",
        )
    )
    rp.steps.append(
        Step("WaitSchedulesNotPending", {"MonitoringJobDefinitionName": new}, why, Phase.REPOINT)
    )
    rp.steps.append(
        Step(
            "DeleteJobDefinition",
            {"JobDefinitionName": old},
            why,
            Phase.DELETE,
            operation=k.op("Delete"),
            condition="only when no monitoring schedule references it any more",
        )
    )
    return rp
