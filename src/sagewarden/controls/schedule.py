"""Monitoring schedules: SageMaker.14, its check function, its Control and its reference.

A schedule defines its job inline or names a job definition (how the SageMaker Python
SDK makes model quality, bias and explainability monitors). The reference is declared
on the Control, so the live collector and the planner follow it without knowing this
control; the check finds the definition through its Context.

The two controls read the same job in opposite ways where AWS's rules differ: .14 fails a
schedule that names a definition (its isolation lives elsewhere), .22 leaves it out of
scope (its rule fails only "if MonitoringJobDefinition exists"). Each has its own
`resolveReferences` parameter, which changes only that control.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewarden.controls.base import (
    Context,
    Control,
    Fix,
    Parameter,
    ParamKind,
    Reference,
    Severity,
)
from sagewarden.controls.job_definition import ENCRYPT, ISOLATE
from sagewarden.kinds import IN_PLACE, MONITORING_TYPES
from sagewarden.recordable import field_limits
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.unknowns import UnresolvedValue
from sagewarden.values import NotRead, as_bool, as_enum, as_str, get, is_absent, peek, raw
from sagewarden.valuetext import InvalidValue
from sagewarden.verdicts import (
    Verdict,
    default_problem,
    error,
    failed,
    not_applicable,
    passed,
    unknown,
)

_CONFIG = "MonitoringScheduleConfig"
_INLINE = "MonitoringScheduleConfig.MonitoringJobDefinition"
_INLINE_ISOLATE = f"{_INLINE}.{ISOLATE}"
_INLINE_ENCRYPT = f"{_INLINE}.{ENCRYPT}"
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


def _judge(
    r: Resource,
    params: dict[str, Any],
    ctx: Context,
    flag: str,
    by_name: Callable[[str], Verdict],
) -> Verdict:
    """Judge the schedule's job by `flag` (a NetworkConfig field): the inline job's, or
    with `resolveReferences` the referenced definition's. `by_name` is the verdict on a
    schedule that names a definition when references are not followed."""
    if is_absent(raw(r.properties, _CONFIG)):
        raise InvalidValue(_CONFIG, None, "set (it is required)")
    if not is_absent(raw(r.properties, _INLINE)):
        inline = f"{_INLINE}.{flag}"
        f = get(RT.MONITORING_SCHEDULE, r.properties, inline)
        on = as_bool(inline, f.value)
        text = f.describe(inline, on)
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
        return by_name(f"{name}{mtype_text}")
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
    f = get(target.type, target.properties, flag)
    on = as_bool(f"{name}: {flag}", f.value)
    text = f"referenced job definition {name}{mtype_text}: {f.describe(flag, on)}"
    return passed(text) if on else failed(text)


def schedule_isolation(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """An inline job (`MonitoringScheduleConfig.MonitoringJobDefinition`) passes only when
    its `NetworkConfig.EnableNetworkIsolation` is true. A schedule that names a job
    definition instead (`MonitoringJobDefinitionName` and `MonitoringType`) is FAILED by
    default, as the AWS text literally says, with a reason that the isolation lives on the
    definition. With `resolveReferences` true the referenced definition (same account and
    region, or same template) decides by its own `NetworkConfig.EnableNetworkIsolation`; a
    reference that cannot be found is ERROR on AWS data and UNKNOWN in a template."""

    def by_name(named: str) -> Verdict:
        return failed(
            f"no inline job definition: isolation lives on the referenced job definition "
            f"{named}, which this control does not read "
            f"(set {_ISOLATION_ID}.{_RESOLVE}=true to judge by it)"
        )

    return _judge(r, params, ctx, ISOLATE, by_name)


def schedule_encryption(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """Only the inline job counts: a schedule with
    `MonitoringScheduleConfig.MonitoringJobDefinition` FAILS unless its
    `NetworkConfig.EnableInterContainerTrafficEncryption` is true (no `NetworkConfig`
    fails); no instance-count condition. A schedule that names a job definition is
    NOT_APPLICABLE by default (the AWS rule fails only if MonitoringJobDefinition exists:
    the opposite of SageMaker.14); with `resolveReferences` true the referenced
    definition's flag decides, as for SageMaker.14 (one not found: ERROR on AWS data,
    UNKNOWN in a template)."""

    def by_name(named: str) -> Verdict:
        return not_applicable(
            f"no inline job definition: the schedule names job definition {named}, which "
            f"the AWS rule does not judge (set {_ENCRYPTION_ID}.{_RESOLVE}=true to judge by it)"
        )

    return _judge(r, params, ctx, ENCRYPT, by_name)


_ISOLATION_ID = "SageMaker.14"
_ENCRYPTION_ID = "SageMaker.22"

SCHEDULE_ISOLATION = Control(
    id=_ISOLATION_ID,
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

SCHEDULE_ENCRYPTION = Control(
    id=_ENCRYPTION_ID,
    title="SageMaker monitoring schedules should have inter-container traffic encryption enabled",
    description=(
        "Checks whether a monitoring schedule's inline job encrypts inter-container "
        "traffic. Fails if the inline job's EnableInterContainerTrafficEncryption is false "
        "or not configured."
    ),
    severity=Severity.MEDIUM,
    category="Protect > Data Protection > Encryption of data-in-transit",
    resource_type=RT.MONITORING_SCHEDULE,
    config_rule="sagemaker-monitoring-schedule-traffic-encryption",
    schedule="Change triggered",
    remediation=(
        "Inline job: UpdateMonitoringSchedule with the whole config and "
        "NetworkConfig.EnableInterContainerTrafficEncryption true (the same update as "
        "SageMaker.14's). Referenced job definition: fix the definition (SageMaker.9/.10/"
        ".13/.15) and repoint the schedule."
    ),
    fix=Fix(IN_PLACE, ((_INLINE_ENCRYPT, True),)),
    check=schedule_encryption,
    parameters=(
        Parameter(
            name=_RESOLVE,
            kind=ParamKind.BOOLEAN,
            description=(
                "Judge a schedule that references a job definition by name by that "
                "definition's inter-container traffic encryption (looked up in the same "
                "scan), instead of leaving it out of scope as the AWS rule does. Changes "
                "SageMaker.22 only."
            ),
            default=False,
            security_hub=False,
        ),
    ),
    references=(JOB_DEFINITION,),
)

CONTROLS = (SCHEDULE_ISOLATION, SCHEDULE_ENCRYPTION)
