"""Monitoring job definitions: SageMaker.9 to .13, .15, .20 and .25: two checks, eight Controls.

Four controls ask for inter-container traffic encryption (one per job definition type
but the explainability one), four for network isolation (data quality, model bias, model
explainability, model quality); each Control names its type.
"""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import Context, Control, Fix, Severity
from sagewarden.kinds import BLUE_GREEN
from sagewarden.recordable import field_limits
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.values import as_bool, below, get, is_absent, peek
from sagewarden.valuetext import InvalidValue, show
from sagewarden.verdicts import Verdict, failed, not_applicable, passed

COUNT = "JobResources.ClusterConfig.InstanceCount"
ENCRYPT = "NetworkConfig.EnableInterContainerTrafficEncryption"
ISOLATE = "NetworkConfig.EnableNetworkIsolation"


def encrypt_in_transit(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """In scope only when `JobResources.ClusterConfig.InstanceCount` is 2 or more (all four
    AWS Config rules say so): a single instance has no inter-container traffic, so
    NOT_APPLICABLE. In scope: FAILED unless
    `NetworkConfig.EnableInterContainerTrafficEncryption` is true (false, absent, or no
    `NetworkConfig` all fail)."""
    count = peek(r.properties, COUNT)
    if is_absent(count):
        raise InvalidValue(COUNT, None, "set (it is required)")
    if below(COUNT, count, 2, field_limits(r.type, COUNT)):  # 1 to 100: 0 is no job
        return not_applicable(
            f"{COUNT} is {show(count)}: a single instance has no inter-container traffic"
        )
    f = get(r.type, r.properties, ENCRYPT)
    on = as_bool(ENCRYPT, f.value)
    text = f"{f.describe(ENCRYPT, on)} on {show(count)} instances"
    return passed(text) if on else failed(text)


def isolation(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """FAILED unless `NetworkConfig.EnableNetworkIsolation` is true (absent fails). No
    instance-count condition."""
    f = get(r.type, r.properties, ISOLATE)
    on = as_bool(ISOLATE, f.value)
    text = f.describe(ISOLATE, on)
    return passed(text) if on else failed(text)


_ENCRYPT_REMEDIATION = (
    "Immutable: create a new job definition with "
    "NetworkConfig.EnableInterContainerTrafficEncryption true (fix every failing flag of the "
    "definition at once), repoint the monitoring schedules that reference it, then delete the "
    "old definition."
)
_ISOLATION_REMEDIATION = (
    "Immutable: create a new job definition with NetworkConfig.EnableNetworkIsolation true, "
    "repoint the monitoring schedules that reference it, then delete the old definition. "
    "Stage inputs and baselines so the job needs no network at run time."
)
_ENCRYPT_FIX = Fix(BLUE_GREEN, ((ENCRYPT, True),))
_ISOLATION_FIX = Fix(BLUE_GREEN, ((ISOLATE, True),))
_IN_TRANSIT = "Protect > Data Protection > Encryption of data-in-transit"
_NETWORK = "Protect > Secure network configuration"


def _encrypting(cid: str, noun: str, rtype: str, rule: str) -> Control:
    """SageMaker.9, .10, .13 and .15 differ only in their job definition type."""
    return Control(
        id=cid,
        title=(
            f"SageMaker {noun} job definitions should have inter-container traffic "
            "encryption enabled"
        ),
        description=(
            f"Checks whether a {noun} job definition that runs on 2 or more instances "
            "encrypts inter-container traffic."
        ),
        severity=Severity.MEDIUM,
        category=_IN_TRANSIT,
        resource_type=rtype,
        config_rule=rule,
        schedule="Change triggered",
        remediation=_ENCRYPT_REMEDIATION,
        fix=_ENCRYPT_FIX,
        check=encrypt_in_transit,
    )


DATA_QUALITY_ENCRYPTION = _encrypting(
    "SageMaker.9",
    "data quality",
    RT.DATA_QUALITY_JOB_DEFINITION,
    "sagemaker-data-quality-job-encrypt-in-transit",
)
MODEL_EXPLAINABILITY_ENCRYPTION = _encrypting(
    "SageMaker.10",
    "model explainability",
    RT.MODEL_EXPLAINABILITY_JOB_DEFINITION,
    "sagemaker-model-explainability-job-encrypt-in-transit",
)


def _isolating(cid: str, noun: str, rtype: str, rule: str, severity: Severity) -> Control:
    """SageMaker.20 and .25 differ only in their job definition type."""
    return Control(
        id=cid,
        title=f"SageMaker {noun} job definitions should have network isolation enabled",
        description=(
            f"Checks whether a {noun} job definition has network isolation enabled. Fails "
            "if NetworkConfig.EnableNetworkIsolation is false or not set."
        ),
        severity=severity,
        category=_NETWORK,
        resource_type=rtype,
        config_rule=rule,
        schedule="Change triggered",
        remediation=_ISOLATION_REMEDIATION,
        fix=_ISOLATION_FIX,
        check=isolation,
    )


DATA_QUALITY_ISOLATION = Control(
    id="SageMaker.11",
    title="SageMaker data quality job definitions should have network isolation enabled",
    description=(
        "Checks whether a data quality monitoring job definition has network isolation enabled."
    ),
    severity=Severity.MEDIUM,
    category=_NETWORK,
    resource_type=RT.DATA_QUALITY_JOB_DEFINITION,
    config_rule="sagemaker-data-quality-job-isolation",
    schedule="Change triggered",
    remediation=_ISOLATION_REMEDIATION,
    fix=_ISOLATION_FIX,
    check=isolation,
)
MODEL_BIAS_ISOLATION = Control(
    id="SageMaker.12",
    title="SageMaker model bias job definitions should have network isolation enabled",
    description="Checks whether a model bias job definition has network isolation enabled.",
    severity=Severity.MEDIUM,
    category=f"{_NETWORK} > Resources policy configuration",
    resource_type=RT.MODEL_BIAS_JOB_DEFINITION,
    config_rule="sagemaker-model-bias-job-isolation",
    schedule="Change triggered",
    remediation=_ISOLATION_REMEDIATION,
    fix=_ISOLATION_FIX,
    check=isolation,
)
MODEL_QUALITY_ENCRYPTION = _encrypting(
    "SageMaker.13",
    "model quality",
    RT.MODEL_QUALITY_JOB_DEFINITION,
    # The seed page spells it "ssagemaker-..."; the AWS Config rule has one s.
    "sagemaker-model-quality-job-encrypt-in-transit",
)
MODEL_BIAS_ENCRYPTION = _encrypting(
    "SageMaker.15",
    "model bias",
    RT.MODEL_BIAS_JOB_DEFINITION,
    "sagemaker-model-bias-job-encrypt-in-transit",
)

MODEL_EXPLAINABILITY_ISOLATION = _isolating(
    "SageMaker.20",
    "model explainability",
    RT.MODEL_EXPLAINABILITY_JOB_DEFINITION,
    "sagemaker-model-explainability-job-network-isolation",
    Severity.HIGH,
)
MODEL_QUALITY_ISOLATION = _isolating(
    "SageMaker.25",
    "model quality",
    RT.MODEL_QUALITY_JOB_DEFINITION,
    "sagemaker-model-quality-job-definition-isolation",
    Severity.HIGH,
)

CONTROLS = (
    MODEL_EXPLAINABILITY_ISOLATION,
    MODEL_QUALITY_ISOLATION,
    DATA_QUALITY_ENCRYPTION,
    MODEL_EXPLAINABILITY_ENCRYPTION,
    DATA_QUALITY_ISOLATION,
    MODEL_BIAS_ISOLATION,
    MODEL_QUALITY_ENCRYPTION,
    MODEL_BIAS_ENCRYPTION,
)
