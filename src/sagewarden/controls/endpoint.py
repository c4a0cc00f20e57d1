"""Endpoint configurations: SageMaker.4, its check function and its Control."""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import (
    AT_LEAST,
    Context,
    Control,
    Fix,
    Severity,
)
from sagewarden.kinds import BLUE_GREEN
from sagewarden.recordable import field_limits
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.values import below, is_absent, items, peek, raw
from sagewarden.valuetext import InvalidValue, show
from sagewarden.verdicts import Verdict, failed, not_applicable, passed


def production_instance_count(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """Reads `ProductionVariants` only (shadow variants are out of scope). FAILED when any
    instance-based variant has `InitialInstanceCount` below 2; a variant with a
    `ServerlessConfig` and no count is serverless and out of scope, so NOT_APPLICABLE when
    every variant is. It judges endpoint configurations, whether an endpoint uses them or
    not."""
    # Only ProductionVariants: shadow variants are out of the control's scope.
    variants = raw(r.properties, "ProductionVariants")
    if is_absent(variants) or variants == []:
        raise InvalidValue(
            "ProductionVariants",
            variants if variants == [] else None,
            "a list of at least one variant",
        )
    if not isinstance(variants, list):
        raise InvalidValue("ProductionVariants", variants, "a list of variants")
    low: list[str] = []
    checked = 0
    for i, v in items("ProductionVariants", variants):
        path = f"ProductionVariants[{i}]"
        if not isinstance(v, dict):
            raise InvalidValue(path, v, "an object")
        name = peek(v, "VariantName", at=path)
        name = name if isinstance(name, str) and name else path
        count = peek(v, "InitialInstanceCount", at=path)
        if is_absent(count):
            serverless = raw(v, "ServerlessConfig", at=path)
            if not is_absent(serverless):
                _check_serverless(r, f"{path}.ServerlessConfig", serverless)
                continue  # serverless: no instances, out of scope
            raise InvalidValue(
                f"{path}.InitialInstanceCount",
                None,
                "set (the variant has no ServerlessConfig either)",
            )
        checked += 1
        limits = field_limits(r.type, "ProductionVariants.InitialInstanceCount")  # 1 or more
        if below(f"{path}.InitialInstanceCount", count, 2, limits):
            low.append(f"{show(name)} has InitialInstanceCount {show(count)}")
    if checked == 0:
        return not_applicable("every production variant is serverless")
    if low:
        return failed("production variant " + "; ".join(low) + " (needs 2 or more)")
    plural = "variant has" if checked == 1 else f"{checked} variants have"
    return passed(f"the instance-based production {plural} InitialInstanceCount of 2 or more")


def _check_serverless(r: Resource, path: str, config: Any) -> None:
    """A ServerlessConfig takes the variant out of scope only when it is one: an object
    with the members AWS requires (MemorySizeInMB, MaxConcurrency), never "yes" or {}."""
    required = field_limits(r.type, "ProductionVariants.ServerlessConfig").required
    if not isinstance(config, dict) or any(is_absent(config.get(m)) for m in required):
        raise InvalidValue(path, config, "an object with " + " and ".join(required))


PRODUCTION_INSTANCE_COUNT = Control(
    id="SageMaker.4",
    title=(
        "SageMaker endpoint production variants should have an initial instance count "
        "greater than 1"
    ),
    description=(
        "Checks whether the instance-based production variants of a SageMaker endpoint "
        "configuration have an initial instance count greater than 1. Serverless and "
        "shadow variants are out of scope."
    ),
    severity=Severity.MEDIUM,
    category="Recover > Resilience > High availability",
    resource_type=RT.ENDPOINT_CONFIG,
    config_rule="sagemaker-endpoint-config-prod-instance-count",
    schedule="Periodic",
    remediation=(
        "Immutable: create a new endpoint configuration with InitialInstanceCount 2 or "
        "more on every instance variant, UpdateEndpoint each endpoint using the old one "
        "(blue/green), then delete the old configuration. At least doubles instance cost."
    ),
    fix=Fix(BLUE_GREEN, (("ProductionVariants[].InitialInstanceCount", 2),), bound=AT_LEAST),
    check=production_instance_count,
    related_requirements=(
        "NIST.800-53.r5 CP-10",
        "NIST.800-53.r5 SC-5",
        "NIST.800-53.r5 SC-36",
        "NIST.800-53.r5 SA-13",
    ),
)

CONTROLS = (PRODUCTION_INSTANCE_COUNT,)
