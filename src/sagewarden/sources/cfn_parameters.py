"""What a CloudFormation parameter or pseudo parameter holds before deploy.

A parameter's value is the one given (`--cfn-param`), else its Default. Without either, it
is one of its AllowedValues (a Choice, evaluated option by option) or, with none, unknown.
An SSM parameter type is read at deploy; a list type is a list of strings; every other
value is the text CloudFormation renders it as. Pseudo parameters are known (partition,
URL suffix), given, or known only at deploy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagewarden.unknowns import Choice, UnresolvedValue

KNOWN_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
DEPLOY_PSEUDO = ("AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::StackId",
                 "AWS::NotificationARNs")  # fmt: skip


def load_parameters(
    template: Mapping[str, Any], given: Mapping[str, Any]
) -> tuple[dict[str, Any], set[str]]:
    """Every declared parameter's value (and the pseudo parameters given), and the names
    given that the template does not declare. A value given may be unknown itself (what a
    parent stack passes a nested stack): it stays the unknown it is."""
    values: dict[str, Any] = {}
    left = dict(given)
    for name, spec in as_mapping(template.get("Parameters")).items():
        spec = spec if isinstance(spec, Mapping) else {}
        ptype = str(spec.get("Type", "String"))
        if name in left:
            raw: Any = left.pop(name)
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            values[name] = _unset_parameter(name, spec)
            continue
        if isinstance(raw, UnresolvedValue):
            values[name] = raw
            continue
        if ptype.startswith("AWS::SSM::Parameter::Value"):
            values[name] = UnresolvedValue(
                f"is SSM parameter {raw} (parameter {name}), read at deploy"
            )
        elif ptype == "CommaDelimitedList" or ptype.startswith("List<"):
            items = raw if isinstance(raw, list) else str(raw).split(",")
            values[name] = [str(i).strip() for i in items]
        else:
            values[name] = raw if isinstance(raw, str) else scalar_text(raw)
    for name in list(left):
        if name in KNOWN_PSEUDO or name in DEPLOY_PSEUDO:
            values[name] = left.pop(name)
    return values, set(left)


def _unset_parameter(name: str, spec: Mapping[str, Any]) -> UnresolvedValue:
    """A parameter with no default and no value: one of its AllowedValues when it has
    them, anything otherwise."""
    why = f"is parameter {name}, which has no default and no value was given"
    allowed = spec.get("AllowedValues")
    if isinstance(allowed, list) and allowed and all(_is_scalar(v) for v in allowed):
        values = list(dict.fromkeys(scalar_text(v) for v in allowed))
        return Choice(
            why,
            over=f"parameter {name}",
            options=tuple((v, v) for v in values),
            phrase=f"for every allowed value of parameter {name} ({', '.join(values)})",
        )
    return UnresolvedValue(why)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool))


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A template section or entry as a mapping ({} when it is anything else)."""
    return value if isinstance(value, Mapping) else {}


def scalar_text(value: Any) -> str:
    """A scalar as CloudFormation renders it in text: true/false, 3 for 3.0."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
