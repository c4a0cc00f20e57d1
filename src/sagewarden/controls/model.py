"""Models: SageMaker.5, its check function and its Control."""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import AI_SECURITY, FSBP, Context, Control, Fix, Severity
from sagewarden.kinds import BLUE_GREEN
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.values import as_bool, get
from sagewarden.verdicts import Verdict, failed, passed


def model_isolation(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """FAILED unless `EnableNetworkIsolation` is true. Absent means false."""
    f = get(RT.MODEL, r.properties, "EnableNetworkIsolation")
    on = as_bool("EnableNetworkIsolation", f.value)
    text = f.describe("EnableNetworkIsolation", on)
    return passed(text) if on else failed(text)


MODEL_ISOLATION = Control(
    id="SageMaker.5",
    title="SageMaker models should have network isolation enabled",
    description=(
        "Checks whether a SageMaker hosted model has network isolation enabled. Fails if "
        "EnableNetworkIsolation is false or unset."
    ),
    severity=Severity.MEDIUM,
    category="Protect > Secure network configuration > Resources not publicly accessible",
    resource_type=RT.MODEL,
    config_rule="sagemaker-model-isolation-enabled",
    schedule="Change triggered",
    remediation=(
        "Immutable: create a new model with EnableNetworkIsolation true (same containers, "
        "role, VPC config, tags) and a new endpoint configuration, UpdateEndpoint, then "
        "delete the old ones. Isolated containers have no network and no AWS credentials."
    ),
    fix=Fix(BLUE_GREEN, (("EnableNetworkIsolation", True),)),
    check=model_isolation,
    standards=(FSBP, AI_SECURITY),
)

CONTROLS = (MODEL_ISOLATION,)
