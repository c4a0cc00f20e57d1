"""Monitoring job definitions and schedules: SageMaker.9 to .15."""

from __future__ import annotations

from typing import Any

from sagewarden.controls import Context, control
from sagewarden.kinds import JOB_DEFINITION_TYPES, MONITORING_TYPES
from sagewarden.recordable import field_limits
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.unknowns import UnresolvedValue
from sagewarden.values import NotRead, as_bool, as_enum, as_str, below, get, is_absent, peek, raw
from sagewarden.valuetext import InvalidValue, show
from sagewarden.verdicts import (
    Verdict,
    default_problem,
    error,
    failed,
    not_applicable,
    passed,
    unknown,
)

_COUNT = "JobResources.ClusterConfig.InstanceCount"
_ENCRYPT = "NetworkConfig.EnableInterContainerTrafficEncryption"
_ISOLATE = "NetworkConfig.EnableNetworkIsolation"


def encrypt_in_transit(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    # All four AWS Config rules scope this to jobs on 2 or more instances.
    count = peek(r.properties, _COUNT)
    if is_absent(count):
        raise InvalidValue(_COUNT, None, "set (it is required)")
    if below(_COUNT, count, 2, field_limits(r.type, _COUNT)):  # 1 to 100: 0 is no job
        return not_applicable(
            f"{_COUNT} is {show(count)}: a single instance has no inter-container traffic"
        )
    f = get(r.type, r.properties, _ENCRYPT)
    on = as_bool(_ENCRYPT, f.value)
    text = f"{f.describe(_ENCRYPT, on)} on {show(count)} instances"
    return passed(text) if on else failed(text)


def isolation(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    f = get(r.type, r.properties, _ISOLATE)
    on = as_bool(_ISOLATE, f.value)
    text = f.describe(_ISOLATE, on)
    return passed(text) if on else failed(text)


control("SageMaker.9")(encrypt_in_transit)
control("SageMaker.10")(encrypt_in_transit)
control("SageMaker.13")(encrypt_in_transit)
control("SageMaker.15")(encrypt_in_transit)
control("SageMaker.11")(isolation)
control("SageMaker.12")(isolation)


def _referenced(r: Resource, ref: Any, name: str, mtype: Any, ctx: Context) -> Resource | None:
    if isinstance(ref, UnresolvedValue):
        found = ctx.find_target(ref.target, near=r) if ref.target else None
        return found if found is not None and found.type in JOB_DEFINITION_TYPES else None
    types = (
        [MONITORING_TYPES[mtype]]
        if isinstance(mtype, str) and mtype in MONITORING_TYPES
        else sorted(JOB_DEFINITION_TYPES)
    )
    for t in types:
        found = ctx.find(t, name, near=r)
        if found is not None:
            return found
    return None


_CONFIG = "MonitoringScheduleConfig"
_INLINE = "MonitoringScheduleConfig.MonitoringJobDefinition"
_INLINE_ISOLATE = f"{_INLINE}.{_ISOLATE}"
_REF = "MonitoringScheduleConfig.MonitoringJobDefinitionName"
_TYPE = "MonitoringScheduleConfig.MonitoringType"


@control("SageMaker.14")
def schedule_isolation(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
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
    if not params.get("resolveReferences"):
        return failed(
            f"no inline job definition: isolation lives on the referenced job definition "
            f"{name}{mtype_text}, which this control does not read "
            "(set SageMaker.14.resolveReferences=true to judge by it)"
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
    f = get(target.type, target.properties, _ISOLATE)
    on = as_bool(f"{name}: {_ISOLATE}", f.value)
    text = f"referenced job definition {name}{mtype_text}: {f.describe(_ISOLATE, on)}"
    return passed(text) if on else failed(text)
