"""The Security Hub controls sagewarden evaluates, assembled from their units.

Each control is one unit in `sagewarden.controls` (its metadata, check function,
references and fix, declared together); this module gathers them in AWS's order and
answers the questions asked of the whole set. The types are defined in
`sagewarden.controls.base` and re-exported here. Everything comes from the Security Hub
CSPM page for SageMaker (the seed) and the project spec. Control ids are AWS's own:
never reuse them for anything else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sagewarden.controls import (
    endpoint,
    feature_group,
    inference_experiment,
    job_definition,
    model,
    notebook,
    schedule,
    tagging,
)
from sagewarden.controls.base import (
    AI_SECURITY,
    AT_LEAST,
    FROM_OPTION_KMS_KEY,
    FROM_OPTION_SUBNET,
    FROM_OPTION_TAGS,
    FSBP,
    NIST,
    PCI_321,
    PCI_401,
    STANDARDS,
    TAGGING,
    Context,
    Control,
    ControlFn,
    Fix,
    Parameter,
    ParamKind,
    Reference,
    Severity,
    Standard,
)
from sagewarden.standards import OFFERED_IN, standards_of

__all__ = [
    "AI_SECURITY",
    "AT_LEAST",
    "BY_ID",
    "CONTROLS",
    "FROM_OPTION_KMS_KEY",
    "FROM_OPTION_SUBNET",
    "FROM_OPTION_TAGS",
    "FSBP",
    "NIST",
    "PCI_321",
    "PCI_401",
    "STANDARDS",
    "TAGGING",
    "Context",
    "Control",
    "ControlFn",
    "Fix",
    "ParamKind",
    "Parameter",
    "Reference",
    "Severity",
    "Standard",
    "control_to_dict",
    "id_range",
    "lookup",
    "reference_switches",
    "references_to_resolve",
]

# The modules that declare controls. A new resource area is one more module here.
UNITS = (
    notebook,
    endpoint,
    model,
    tagging,
    job_definition,
    schedule,
    feature_group,
    inference_experiment,
)


def _assemble() -> tuple[Control, ...]:
    """The units' controls in AWS's order, each with its standards and Regions from the
    data in `sagewarden.standards`."""
    found: dict[str, Control] = {}
    for unit in UNITS:
        for c in unit.CONTROLS:
            if c.id in found:
                raise RuntimeError(f"{c.id} is declared twice ({unit.__name__})")
            found[c.id] = dataclasses.replace(
                c, standards=standards_of(c.id), offered_in=OFFERED_IN.get(c.id)
            )
    return tuple(sorted(found.values(), key=lambda c: c.number))


CONTROLS: tuple[Control, ...] = _assemble()
BY_ID: dict[str, Control] = {c.id: c for c in CONTROLS}


def lookup(control_id: str) -> Control | None:
    """Find a control by id, forgiving case and the PCI standard's "PCI." prefix."""
    key = control_id.strip()
    if key.upper().startswith("PCI."):
        key = key[4:]
    for c in CONTROLS:
        if c.id.lower() == key.lower():
            return c
    return None


def id_range(dash: str = " to ") -> str:
    """The ids sagewarden knows, for messages and help ("<first id> to <last id>"),
    computed so that a new control needs no edit anywhere else."""
    return f"{CONTROLS[0].id}{dash}{CONTROLS[-1].id}"


class ParamValues(Protocol):
    """What references_to_resolve needs of params.ParamSet (which imports this module)."""

    def for_control(self, control: Control) -> Mapping[str, Any]: ...


def references_to_resolve(
    controls: Iterable[Control], params: ParamValues
) -> tuple[tuple[str, Reference], ...]:
    """The references the selected controls follow with these parameters, each with the
    type of the resource that names its targets. Empty: no reference to resolve (the live
    collector then reads nothing beyond the selected controls' own types)."""
    return tuple(
        (c.resource_type, ref)
        for c in controls
        for ref in c.references
        if ref.enabled(params.for_control(c))
    )


def reference_switches(controls: Iterable[Control] = CONTROLS) -> tuple[str, ...]:
    """The `--param` values that turn on every reference these controls declare behind a
    parameter (what `fix` and `demo --fix` add, so a referencing resource passes once its
    target does), computed rather than naming any control."""
    return tuple(
        f"{c.id}.{ref.parameter}=true" for c in controls for ref in c.references if ref.parameter
    )


def control_to_dict(c: Control) -> dict[str, object]:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "severity": c.severity.value,
        "category": c.category,
        "resource_type": c.resource_type,
        "config_rule": c.config_rule,
        "schedule": c.schedule,
        "parameters": [
            {
                "name": p.name,
                "type": p.kind.value,
                "description": p.description,
                "default": list(p.default) if isinstance(p.default, tuple) else p.default,
                "max_items": p.max_items,
                "aliases": list(p.aliases),
                "security_hub_parameter": p.security_hub,
            }
            for p in c.parameters
        ],
        "related_requirements": list(c.related_requirements),
        "standards": [{"id": s.id, "name": s.name} for s in c.standards],
        "security_hub_regions": sorted(c.offered_in) if c.offered_in is not None else "all",
        "remediation": c.remediation,
        "fix_in_place": c.in_place_fix,
        "documentation": c.doc_url,
    }
