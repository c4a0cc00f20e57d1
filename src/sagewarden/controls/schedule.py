"""Monitoring schedules: SageMaker.14, its check function, its Control and its reference.

A schedule defines its job inline or names a job definition (how the SageMaker Python
SDK makes model quality, bias and explainability monitors). The reference is declared
on the Control, so the live collector and the planner follow it without knowing this
control; the check finds the definition through its Context.
"""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import (
    AI_SECURITY,
    Context,
    Control,
    Fix,
    Parameter,
    ParamKind,
    Reference,
    Severity,
)
from sagewarden.controls.job_definition import ISOLATE
from sagewarden.kinds import IN_PLACE, MONITORING_TYPES
from sagewarden.recordable import field_limits
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.unknowns import UnresolvedValue
from sagewarden.values import NotRead, as_bool, as_enum, as_str, get, is_absent, peek, raw
from sagewarden.valuetext import InvalidValue
from sagewarden.verdicts import Verdict, default_problem, error, failed, passed, unknown

_ID = "SageMaker.14"
_CONFIG = "MonitoringScheduleConfig"
_INLINE = "MonitoringScheduleConfig.MonitoringJobDefinition"
_INLINE_ISOLATE = f"{_INLINE}.{ISOLATE}"
_REF = "MonitoringScheduleConfig.MonitoringJobDefinitionName"
_TYPE = "MonitoringScheduleConfig.MonitoringType"
_RESOLVE = "resolveReferences"

JOB_DEFINITION = Reference(
    name_field=_REF,
    types=MONITORING_TYPES,
    type_field=_TYPE,
    inline_field=_INLINE,
    parameter=_RESOLVE,
)


def _referenced(r: Resource, ref: Any, name: str, mtype: Any, ctx: Context) -> Resource | None:
    if isinstance(ref, UnresolvedValue):
        found = ctx.find_target(ref.target, near=r) if ref.target else None
        return found if found is not None and found.type in JOB_DEFINITION.target_types else None
    for t in JOB_DEFINITION.candidates(mtype):
        found = ctx.find(t, name, near=r)
        if found is not None:
            return found
    return None


def schedule_isolation(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """An inline job (`MonitoringScheduleConfig.MonitoringJobDefinition`) passes only when
    its `NetworkConfig.EnableNetworkIsolation` is true. A schedule that names a job
    definition instead (`MonitoringJobDefinitionName` and `MonitoringType`) is FAILED by
    default, as the AWS text literally says, with a reason that the isolation lives on the
    definition. With `resolveReferences` true the referenced definition (same account and
    region, or same template) decides by its own `NetworkConfig.EnableNetworkIsolation`; a
    reference that cannot be found is ERROR on AWS data and UNKNOWN in a template."""
    if is_absent(raw(r.properties, _CONFIG)):
        raise InvalidValue(_CONFIG, None, "set (it is required)")
    if not is_absent(raw(r.properties, _INLINE)):
        f = get(RT.MONITORING_SCHEDULE, r.properties, _INLINE_ISOLATE)
        on = as_bool(_INLINE_ISOLATE, f.value)
        text = f.describe(_INLINE_ISOLATE, on)
        return passed(text) if on else failed(text)
    ref = peek(r.properties, _REF)
    if is_absent(ref):
        raise InvalidValue(
            _CONFIG, None, "a config with MonitoringJobDefinition or MonitoringJobDefinitionName"
        )
    if isinstance(ref, UnresolvedValue):
        name = ref.target or "(a value known only at deploy)"
    else:
        name = as_str(_REF, ref, field_limits(r.type, _REF))
    mtype = peek(r.properties, _TYPE)
    if not is_absent(mtype) and not isinstance(mtype, UnresolvedValue):
        mtype = as_enum(_TYPE, mtype, tuple(MONITORING_TYPES))
    mtype_text = f" ({mtype})" if isinstance(mtype, str) else ""
    if not JOB_DEFINITION.enabled(params):
        return failed(
            f"no inline job definition: isolation lives on the referenced job definition "
            f"{name}{mtype_text}, which this control does not read "
            f"(set {_ID}.{_RESOLVE}=true to judge by it)"
        )
    target = _referenced(r, ref, name, mtype, ctx)
    if target is None:
        if isinstance(ref, UnresolvedValue) and ref.target is None:
            return unknown(f"{_REF} {ref.why}, so the referenced job definition is unknown")
        missing = f"the referenced job definition {name}{mtype_text} is not in this scan"
        if r.is_iac:
            return unknown(missing + " (it is not in the template)")
        raise NotRead(missing)  # not in the account and region read, or not read there
    if target.read_error is not None:
        why = f"the referenced job definition {name} could not be read: {target.read_error}"
        return error(why, default_problem(target))
    f = get(target.type, target.properties, ISOLATE)
    on = as_bool(f"{name}: {ISOLATE}", f.value)
    text = f"referenced job definition {name}{mtype_text}: {f.describe(ISOLATE, on)}"
    return passed(text) if on else failed(text)


SCHEDULE_ISOLATION = Control(
    id=_ID,
    title="SageMaker monitoring schedules should have network isolation enabled",
    description=(
        "Checks whether a monitoring schedule's job has network isolation enabled. Fails "
        "if EnableNetworkIsolation is false or not configured."
    ),
    severity=Severity.MEDIUM,
    category="Protect > Secure network configuration",
    resource_type=RT.MONITORING_SCHEDULE,
    config_rule="sagemaker-monitoring-schedule-isolation",
    schedule="Change triggered",
    remediation=(
        "Inline job: UpdateMonitoringSchedule with the whole config and "
        "NetworkConfig.EnableNetworkIsolation true. Referenced job definition: fix the "
        "definition (SageMaker.11/.12) and repoint the schedule."
    ),
    fix=Fix(IN_PLACE, ((_INLINE_ISOLATE, True),)),
    check=schedule_isolation,
    standards=(AI_SECURITY,),
    parameters=(
        Parameter(
            name=_RESOLVE,
            kind=ParamKind.BOOLEAN,
            description=(
                "Judge a schedule that references a job definition by name by that "
                "definition's isolation setting (looked up in the same scan), instead of "
                "failing it as the AWS text literally does."
            ),
            default=False,
            security_hub=False,
        ),
    ),
    references=(JOB_DEFINITION,),
)

CONTROLS = (SCHEDULE_ISOLATION,)
