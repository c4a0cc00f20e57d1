"""Monitoring job definitions and schedules: SageMaker.9 to .15."""

from __future__ import annotations

from typing import Any

from sagewarden.controls import Context, control
from sagewarden.resources import JOB_DEFINITION_TYPES, MONITORING_TYPES, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.values import InvalidValue, as_bool, as_int, as_str, get, is_absent, raw
from sagewarden.verdicts import Verdict, error, failed, not_applicable, passed, unknown

_COUNT = "JobResources.ClusterConfig.InstanceCount"
_ENCRYPT = "NetworkConfig.EnableInterContainerTrafficEncryption"
_ISOLATE = "NetworkConfig.EnableNetworkIsolation"


def encrypt_in_transit(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    # All four AWS Config rules scope this to jobs on 2 or more instances.
    count = raw(r.properties, _COUNT)
    if is_absent(count):
        raise InvalidValue(_COUNT, None, "set (it is required)")
    n = as_int(_COUNT, count)
    if n < 2:
        return not_applicable(f"{_COUNT} is {n}: a single instance has no inter-container traffic")
    f = get(r.type, r.properties, _ENCRYPT)
    on = as_bool(_ENCRYPT, f.value)
    text = f"{f.describe(_ENCRYPT, on)} on {n} instances"
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
    ref = raw(r.properties, _REF)
    if is_absent(ref):
        raise InvalidValue(
            _CONFIG, None, "a config with MonitoringJobDefinition or MonitoringJobDefinitionName"
        )
    name = as_str(_REF, ref)
    mtype = raw(r.properties, _TYPE)
    mtype_text = "" if is_absent(mtype) else f" ({as_str(_TYPE, mtype)})"
    if not params.get("resolveReferences"):
        return failed(
            f"no inline job definition: isolation lives on the referenced job definition "
            f"{name}{mtype_text}, which this control does not read "
            "(set SageMaker.14.resolveReferences=true to judge by it)"
        )
    types = (
        [MONITORING_TYPES[mtype]]
        if isinstance(mtype, str) and mtype in MONITORING_TYPES
        else sorted(JOB_DEFINITION_TYPES)
    )
    for t in types:
        target = ctx.find(t, name, near=r)
        if target is not None:
            break
    else:
        missing = f"the referenced job definition {name}{mtype_text} is not in this scan"
        return unknown(missing + " (it is not in the template)") if r.is_iac else error(missing)
    if target.read_error is not None:
        return error(f"the referenced job definition {name} could not be read: {target.read_error}")
    f = get(target.type, target.properties, _ISOLATE)
    on = as_bool(f"{name}: {_ISOLATE}", f.value)
    text = f"referenced job definition {name}{mtype_text}: {f.describe(_ISOLATE, on)}"
    return passed(text) if on else failed(text)
