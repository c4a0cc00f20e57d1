"""Monitoring schedules: an inline job is fixed in place (UpdateMonitoringSchedule with
the whole config); a job that lives on a referenced job definition is fixed there, and
the schedules follow it (jobs.py repoints them)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sagewarden.catalog import Control
from sagewarden.kinds import BLUE_GREEN, IN_PLACE, JOB_DEFINITION_TYPES, kind
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT

from ..steps import Phase, Skipped, Step
from . import fixes
from .document import Plan, ResourcePlan
from .target import Context, NameKey, Target, name_of, new_plan

_CONFIG = "MonitoringScheduleConfig"
# Where an inline job lives in a schedule: the same fields a job definition holds itself.
INLINE_JOB = f"{_CONFIG}.MonitoringJobDefinition."
_RESOLVE = "resolveReferences"  # the parameter that judges a schedule by its definition
# What a monitoring job with a fixed field must be ready for, by field.
_WARNINGS = {
    "NetworkConfig.EnableNetworkIsolation": (
        "an isolated monitoring job has no network: its inputs and baselines must be staged "
        "where the job reads them without network access"
    )
}


def _resolve_hint(controls: list[Control]) -> str:
    """The parameter that makes a control judge the referenced definition instead."""
    return ", ".join(f"{c.id}.{_RESOLVE}=true" for c in controls if c.parameter(_RESOLVE))


def _job_settings(t: Target) -> list[fixes.Setting]:
    """The schedule's fixes, as fields of the job definition it names."""
    return [j for s in t.settings() if (j := s.under(INLINE_JOB)) is not None]


def route_references(
    targets: dict[str, Target], known: Mapping[NameKey, Resource], out: Plan
) -> None:
    """A schedule failing through a referenced job definition is fixed on that job
    definition (its fixes' fields set there) and the schedules are repointed by its plan;
    when the definition already has them, nothing changes and the schedule is skipped."""
    for rid, t in list(targets.items()):
        r = t.resource
        if r.type != RT.MONITORING_SCHEDULE:
            continue
        cfg = r.properties.get(_CONFIG) or {}
        if cfg.get("MonitoringJobDefinition") is not None:
            continue  # inline: fixed in place
        ref = cfg.get("MonitoringJobDefinitionName")
        mtype = cfg.get("MonitoringType")
        found = None
        for jt in sorted(JOB_DEFINITION_TYPES):
            if mtype and kind(jt).monitoring_type != mtype:
                continue
            found = known.get((jt, str(ref), r.account_id, r.region)) or found
        if found is None:
            continue  # planned on the schedule as blocked
        wanted = _job_settings(t)
        del targets[rid]
        if wanted and all(fixes.holds(found.properties, s) for s in wanted):
            for e in t.evaluations:
                c = e.control
                out.skipped.append(
                    Skipped(
                        c.id,
                        r.id,
                        f"{'; '.join(fixes.phrase(s, verb='is') for s in wanted)}: it lives on "
                        f"the referenced job definition {ref}, which {c.id}'s literal rule does "
                        f"not read (evaluate with {_resolve_hint([c])}); nothing to change",
                    )
                )
            continue
        jt_ = targets.setdefault(found.id, Target(found))
        controls = t.failing()
        jt_.via += [(c, f"schedule {name_of(r)}") for c in controls]
        jt_.inherited += [s for s in wanted if s.path not in {i.path for i in jt_.inherited}]
        resolved = any(dict(e.parameters).get(_RESOLVE) in (True, "true") for e in t.evaluations)
        if not resolved:
            jt_.notes += [
                f"schedule {name_of(r)} still fails {c.id}'s literal rule after this fix "
                "(it reads only inline job definitions, and only data-quality jobs can be "
                f"inline); it passes with {_resolve_hint([c])}"
                for c in controls
                if c.parameter(_RESOLVE)
            ]


def plan(t: Target, ctx: Context) -> ResourcePlan:
    r = t.resource
    rp = new_plan(t, IN_PLACE)
    cfg = copy.deepcopy(r.properties.get(_CONFIG) or {})
    wanted = _job_settings(t)
    if cfg.get("MonitoringJobDefinition") is None:
        ref = cfg.get("MonitoringJobDefinitionName")
        rp.strategy = BLUE_GREEN
        rp.blocked = (
            f"{', '.join(fixes.subject(s) for s in wanted)} lives on the referenced job "
            f"definition {ref}, which is not in this scan: scan it too (with "
            f"{_resolve_hint(t.failing())})"
        )
        params: dict[str, Any] = {"From": ref, **{s.leaf: s.value for s in wanted}}
        rp.steps.append(Step("CreateJobDefinition", params, t.controls, Phase.CREATE))
        return rp
    doc = {_CONFIG: cfg}
    for s in t.settings():
        fixes.assign(doc, s)
    rp.warnings += [_WARNINGS[s.path] for s in wanted if s.path in _WARNINGS]
    rp.steps.append(
        Step(
            "UpdateMonitoringSchedule",
            {"MonitoringScheduleName": name_of(r), _CONFIG: cfg},
            t.controls,
            Phase.IN_PLACE,
            operation="UpdateMonitoringSchedule",
            detail=f"the whole {_CONFIG} (the call replaces it), "
            + ", ".join(fixes.phrase(s) for s in wanted),
            iac_note="set "
            + " and ".join(f"{s.path} {fixes.show(s.value)}" for s in wanted)
            + " in the template",
        )
    )
    rp.steps.append(
        Step(
            "WaitMonitoringScheduleNotPending",
            {"MonitoringScheduleName": name_of(r)},
            t.controls,
            Phase.IN_PLACE,
        )
    )
    return rp
