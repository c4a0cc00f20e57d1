"""Models: SageMaker.5, .16 and .19, their check functions and Controls.

A model runs one container (`PrimaryContainer`) or an inference pipeline (`Containers`).
SageMaker.16 judges the first, .19 the second; both ask for images pulled from a private
Docker registry in the model's VPC, which Amazon ECR is not, so a model that pulls an ECR
image (every AWS-provided container) fails by design and no fix is sagewarden's to choose.
"""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import Context, Control, Fix, Severity
from sagewarden.kinds import BLUE_GREEN
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.values import as_bool, as_enum, get, is_absent, items, peek, raw
from sagewarden.valuetext import InvalidValue
from sagewarden.verdicts import Verdict, failed, not_applicable, passed


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
)

PRIMARY = "PrimaryContainer"
CONTAINERS = "Containers"
MODE = "ImageConfig.RepositoryAccessMode"
_MODES = ("Platform", "Vpc")
REGISTRY_WHY = (
    "Vpc mode is only for a private Docker registry other than Amazon ECR, reachable from "
    "the model's VPC, so a model that pulls an ECR image fails by design"
)


def _containers(r: Resource) -> tuple[object, object]:
    """(PrimaryContainer, Containers) as recorded, an empty Containers as absent (None);
    a model with neither cannot exist."""
    primary = raw(r.properties, PRIMARY)
    recorded = raw(r.properties, CONTAINERS)
    containers = None if recorded == [] else recorded
    if is_absent(primary) and is_absent(containers):
        raise InvalidValue(
            CONTAINERS,
            recorded,
            "a non-empty list when PrimaryContainer is not set (every model has one or the other)",
        )
    return primary, containers


def _registry_problem(container: object, at: str) -> str | None:
    """Why one container does not pull from a private registry in a VPC, or None."""
    if not isinstance(container, dict):
        raise InvalidValue(at, container, "an object")
    if is_absent(peek(container, "ImageConfig", at)):
        return f"{at}.ImageConfig is not set (the image is pulled from Amazon ECR)"
    mode = peek(container, MODE, at)
    if is_absent(mode):
        return f"{at}.{MODE} is not set"
    mode = as_enum(f"{at}.{MODE}", mode, _MODES)
    return None if mode == "Vpc" else f"{at}.{MODE} is {mode}"


def primary_private_registry(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """A model with a `PrimaryContainer`: FAILED when `PrimaryContainer.ImageConfig` is
    absent or its `RepositoryAccessMode` is not `Vpc`. A model defined by `Containers` is
    NOT_APPLICABLE (SageMaker.19 judges it); one with neither is ERROR (malformed). `Vpc`
    mode is only for a private registry other than Amazon ECR, so an ECR image fails."""
    primary, _ = _containers(r)
    if is_absent(primary):
        return not_applicable("no PrimaryContainer: a multi-container model (SageMaker.19)")
    problem = _registry_problem(primary, PRIMARY)
    if problem is None:
        return passed(f"{PRIMARY}.{MODE} is Vpc: a private registry in the model's VPC")
    return failed(f"{problem}: {REGISTRY_WHY}")


def containers_private_registry(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """A model with `Containers` (non-empty): FAILED when any container has no
    `ImageConfig` or a `RepositoryAccessMode` other than `Vpc`. No `Containers`:
    NOT_APPLICABLE (SageMaker.16 judges its `PrimaryContainer`); neither is ERROR."""
    _, containers = _containers(r)
    if is_absent(containers):
        return not_applicable("no Containers: a single-container model (SageMaker.16)")
    listed = items(CONTAINERS, containers)
    problems = [p for i, c in listed if (p := _registry_problem(c, f"{CONTAINERS}[{i}]"))]
    if not problems:
        return passed(f"every container ({len(listed)}) pulls from a private registry in a VPC")
    return failed(f"{'; '.join(problems)}: {REGISTRY_WHY}")


_REGISTRY_BLOCKED = (
    "Not fixed by sagewarden: passing needs the image in a private Docker registry other "
    "than Amazon ECR, reachable from the model's VPC, which only its owner can choose. A "
    "person: push the image to such a registry, create a new model whose {what} has "
    "ImageConfig.RepositoryAccessMode Vpc (and RepositoryAuthConfig if the registry needs "
    "credentials) with the model's VpcConfig, point a new endpoint configuration at it, "
    "UpdateEndpoint, then delete the old model."
)
_NETWORK = "Protect > Secure network configuration"

PRIMARY_PRIVATE_REGISTRY = Control(
    id="SageMaker.16",
    title="SageMaker models should use a private registry in a VPC for the primary container",
    description=(
        "Checks whether a SageMaker model's primary container pulls its image from a "
        "private Docker registry in a VPC. Fails if ImageConfig is missing or "
        "RepositoryAccessMode is Platform."
    ),
    severity=Severity.MEDIUM,
    category=_NETWORK,
    resource_type=RT.MODEL,
    config_rule="sagemaker-model-private-registry-required",
    schedule="Change triggered",
    remediation=_REGISTRY_BLOCKED.format(what="PrimaryContainer"),
    fix=Fix(
        BLUE_GREEN,
        ((f"{PRIMARY}.{MODE}", "Vpc"),),
        blocked=_REGISTRY_BLOCKED.format(what="PrimaryContainer"),
    ),
    check=primary_private_registry,
)

CONTAINERS_PRIVATE_REGISTRY = Control(
    id="SageMaker.19",
    title=(
        "SageMaker models with multiple containers should use a private registry in a VPC "
        "for every container"
    ),
    description=(
        "Checks whether every container of a multi-container SageMaker model pulls its "
        "image from a private Docker registry in a VPC. Fails if any container has no "
        "ImageConfig or RepositoryAccessMode Platform."
    ),
    severity=Severity.MEDIUM,
    category=_NETWORK,
    resource_type=RT.MODEL,
    config_rule="sagemaker-model-multicontainer-private-registry",
    schedule="Change triggered",
    remediation=_REGISTRY_BLOCKED.format(what="every container"),
    fix=Fix(
        BLUE_GREEN,
        ((f"{CONTAINERS}[].{MODE}", "Vpc"),),
        blocked=_REGISTRY_BLOCKED.format(what="every container"),
    ),
    check=containers_private_registry,
)

CONTROLS = (MODEL_ISOLATION, PRIMARY_PRIVATE_REGISTRY, CONTAINERS_PRIVATE_REGISTRY)
