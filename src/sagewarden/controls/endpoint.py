"""Endpoint configurations: SageMaker.4."""

from __future__ import annotations

from typing import Any

from sagewarden.controls import Context, control
from sagewarden.resources import Resource
from sagewarden.values import InvalidValue, as_int, is_absent, raw
from sagewarden.verdicts import Verdict, failed, not_applicable, passed


@control("SageMaker.4")
def production_instance_count(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
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
    for i, v in enumerate(variants):
        path = f"ProductionVariants[{i}]"
        if not isinstance(v, dict):
            raise InvalidValue(path, v, "an object")
        name = v.get("VariantName") or path
        count = raw(v, "InitialInstanceCount")
        if is_absent(count):
            if not is_absent(raw(v, "ServerlessConfig")):
                continue  # serverless: no instances, out of scope
            raise InvalidValue(
                f"{path}.InitialInstanceCount",
                None,
                "set (the variant has no ServerlessConfig either)",
            )
        n = as_int(f"{path}.InitialInstanceCount", count)
        checked += 1
        if n < 2:
            low.append(f"{name} has InitialInstanceCount {n}")
    if checked == 0:
        return not_applicable("every production variant is serverless")
    if low:
        return failed("production variant " + "; ".join(low) + " (needs 2 or more)")
    plural = "variant has" if checked == 1 else f"{checked} variants have"
    return passed(f"the instance-based production {plural} InitialInstanceCount of 2 or more")
