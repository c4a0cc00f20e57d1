"""Which control a rule evaluates, and its parameters, from the rule event.

The `control` input parameter names it ("SageMaker.1"; the deploy templates always set
it); without one, the rule's name does (`sagewarden-sagemaker-1`, or an organization
rule's `OrgConfigRule-sagewarden-sagemaker-1-x1y2`). Every other input parameter is one
of that control's parameters by its `--param` name (or alias): string values, lists as
CSV, validated by the same code as `--param` (params.parse_params). One rule, one control:
a resource has one compliance per rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sagewarden.catalog import Control, id_range, lookup
from sagewarden.params import ParamSet, parse_params

CONTROL_KEY = "control"
# "sagemaker-1", "SageMaker.14", "sagemaker_22" inside a rule name, not "sagemaker-12x"
_IN_NAME = re.compile(r"(?i)(?<![a-z0-9])sagemaker[-_.]([0-9]{1,3})(?![0-9a-z])")


class BadRule(ValueError):
    """The rule's parameters or name cannot say what to evaluate: nothing is put."""


def rule_control(parameters: Mapping[str, Any], rule_name: str) -> Control:
    named = parameters.get(CONTROL_KEY)
    if named is not None:
        if not isinstance(named, str):
            raise BadRule(f"rule parameter {CONTROL_KEY} must be a string, like SageMaker.1")
        control = lookup(named)
        if control is None:
            raise BadRule(
                f"rule parameter {CONTROL_KEY}={named!r} is not a control "
                f"({id_range()}; one control per rule)"
            )
        return control
    found = {f"SageMaker.{int(m.group(1))}" for m in _IN_NAME.finditer(rule_name)}
    controls = [c for c in map(lookup, sorted(found)) if c is not None]
    if len(controls) == 1:
        return controls[0]
    raise BadRule(
        f"rule {rule_name or '(unnamed)'}: no {CONTROL_KEY} rule parameter, and its name "
        f"does not name one control ({id_range()}); set {CONTROL_KEY} to the control's id"
    )


def rule_params(control: Control, parameters: Mapping[str, Any]) -> ParamSet:
    """The control's parameters from the rule's, validated as `--param` validates them."""
    specs: list[str] = []
    for key, value in parameters.items():
        if key == CONTROL_KEY:
            continue
        name = key.removeprefix(f"{control.id}.")  # "SageMaker.8.NAME" names it too
        specs.append(f"{control.id}.{name}={_text(key, value)}")
    params, diags = parse_params(specs)
    problems = [d for d in diags if d.where != control.id]  # not the "not evaluated" echo
    if problems:
        where = problems[0].where.removeprefix("--param ").split("=", 1)[0]
        name = where.removeprefix(f"{control.id}.")
        raise BadRule(f"rule parameter {name}: {problems[0].message}")
    return params


def _text(key: str, value: Any) -> str:
    """Config's values are strings; a list or boolean a console test sends is taken too."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    if isinstance(value, str):
        return value
    raise BadRule(f"rule parameter {key} must be a string (lists as CSV), not {value!r}")
