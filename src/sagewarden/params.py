"""Control parameters: parsing `--param SageMaker.N.NAME=VALUE` and validating values.

Validation follows what Security Hub accepts (requiredKeyTags: 1-6 case-sensitive keys,
none with the reserved aws: prefix). A bad parameter disables only its own control.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sagewarden.catalog import Control, Parameter, ParamKind, id_range, lookup
from sagewarden.diagnostics import Diagnostic

# AWS tag key rules: 1-128 Unicode letters, digits, spaces and _ . : / = + - @
_TAG_KEY = re.compile(r"^[\w\s.:/=+\-@]{1,128}$")


class ParamError(ValueError):
    pass


@dataclass
class ParamSet:
    """Resolved parameters per control (defaults filled in), and what was set explicitly."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    explicit: dict[str, dict[str, Any]] = field(default_factory=dict)
    invalid_controls: set[str] = field(default_factory=set)

    def for_control(self, control: Control) -> dict[str, Any]:
        resolved = {p.name: p.default for p in control.parameters}
        resolved.update(self.values.get(control.id, {}))
        return resolved

    def explicit_for(self, control: Control) -> tuple[tuple[str, Any], ...]:
        return tuple(sorted(self.explicit.get(control.id, {}).items()))


def parse_value(control: Control, param: Parameter, text: str) -> Any:
    """Turn the command-line text of one parameter into its value, or raise ParamError."""
    if param.kind is ParamKind.BOOLEAN:
        low = text.strip().lower()
        if low in ("true", "false"):
            return low == "true"
        raise ParamError(f"{param.name} must be true or false, not {text!r}")
    items: list[str] = []
    for part in text.split(","):
        item = part.strip()
        if item and item not in items:
            items.append(item)
    validate_list(control, param, items)
    return tuple(items) if items else None


def validate_list(control: Control, param: Parameter, items: list[str]) -> None:
    if param.max_items is not None and len(items) > param.max_items:
        raise ParamError(f"{param.name} takes at most {param.max_items} values, got {len(items)}")
    if param.name == "requiredKeyTags":
        for key in items:
            if key.lower().startswith("aws:"):
                raise ParamError(
                    f"{param.name}: {key!r} starts with aws:, which is reserved for system tags"
                )
            if not _TAG_KEY.match(key):
                raise ParamError(f"{param.name}: {key!r} is not a valid tag key")


def parse_params(specs: Iterable[str]) -> tuple[ParamSet, list[Diagnostic]]:
    """Parse `SageMaker.N.NAME=VALUE` strings. Bad ones become diagnostics."""
    out = ParamSet()
    diags: list[Diagnostic] = []
    for spec in specs:
        where = f"--param {spec}"
        try:
            control, param, value = _parse_one(spec)
        except ParamError as exc:
            diags.append(Diagnostic(where, str(exc)))
            cid = spec.split("=", 1)[0].rsplit(".", 1)[0]
            known = lookup(cid)
            if known is not None:
                out.invalid_controls.add(known.id)
            continue
        out.values.setdefault(control.id, {})[param.name] = value
        out.explicit.setdefault(control.id, {})[param.name] = (
            list(value) if isinstance(value, tuple) else value
        )
    for cid in out.invalid_controls:
        diags.append(Diagnostic(cid, "not evaluated: one of its parameters is invalid"))
    return out, diags


def _parse_one(spec: str) -> tuple[Control, Parameter, Any]:
    if "=" not in spec:
        raise ParamError("expected SageMaker.N.NAME=VALUE")
    key, text = spec.split("=", 1)
    if "." not in key.strip():
        raise ParamError("expected SageMaker.N.NAME=VALUE")
    cid, name = key.strip().rsplit(".", 1)
    control = lookup(cid)
    if control is None:
        raise ParamError(f"unknown control {cid!r} ({id_range()})")
    param = control.parameter(name)
    if param is None:
        if not control.parameters:
            raise ParamError(f"{control.id} takes no parameters")
        names = ", ".join(p.name for p in control.parameters)
        raise ParamError(f"{control.id} has no parameter {name!r} (it takes: {names})")
    return control, param, parse_value(control, param, text)
