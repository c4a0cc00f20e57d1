"""What AWS can record in a field, read from botocore's SageMaker model.

A value outside the documented range of its field (an InstanceCount of 0, a tag key of
"", a SubnetId with a space) was never recorded by AWS and will never deploy: the
readers in values.py make it an ERROR instead of reading it as a small number or a name.
The limits are botocore's (the API's own model), never a table of ours; limits_cache keeps
the few that are read between runs, per botocore version.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sagewarden import limits_cache
from sagewarden.kinds import kind, service_model
from sagewarden.limits_cache import Facts


@dataclass(frozen=True, slots=True)
class Limits:
    """The documented bounds of one field: a value for numbers, a length for text."""

    minimum: int | None = None
    maximum: int | None = None
    pattern: re.Pattern[str] | None = None
    required: tuple[str, ...] = ()  # members a structure must have

    def accepts_number(self, n: int) -> bool:
        return (self.minimum is None or n >= self.minimum) and (
            self.maximum is None or n <= self.maximum
        )

    def number_rule(self) -> str:
        """What `accepts_number` accepts: "a whole number from 1 to 100"."""
        if self.minimum is not None and self.maximum is not None:
            return f"a whole number from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"a whole number of {self.minimum} or more"
        if self.maximum is not None:
            return f"a whole number of {self.maximum} or less"
        return "a whole number"

    def accepts_text(self, text: str) -> bool:
        if self.minimum is not None and len(text) < self.minimum:
            return False
        if self.maximum is not None and len(text) > self.maximum:
            return False
        return self.pattern is None or self.pattern.fullmatch(text) is not None

    def text_rule(self) -> str:
        """What `accepts_text` accepts: "a string of 1 to 128 characters"."""
        low, high = self.minimum or 0, self.maximum
        if high is not None:
            size = f"of {low} to {high} characters" if low else f"of at most {high} characters"
        else:
            size = f"of at least {low} characters" if low else ""
        form = f"matching {self.pattern.pattern}" if self.pattern is not None else ""
        return " ".join(p for p in ("a string", size, form) if p)


def create_operation(resource_type: str) -> str:
    """The Create call of a type: AWS::SageMaker::Model -> CreateModel."""
    return kind(resource_type).op("Create")


@functools.cache
def field_limits(resource_type: str, path: str) -> Limits:
    """The limits of a field as the type's Create call takes it. `path` is dotted, with
    list indexes allowed ("ProductionVariants[0].InitialInstanceCount"); CloudFormation
    names the fields the controls read as the API does. A path the installed botocore
    does not have gives no limits (tests/sources/test_malformed.py checks every path we use)."""
    path = re.sub(r"\[\d+\]", "", path)
    return _limits(f"field {resource_type} {path}", lambda: _field_facts(resource_type, path))


@functools.cache
def shape_limits(name: str) -> Limits:
    """The limits of a named shape ("TagKey")."""
    return _limits(f"shape {name}", lambda: _facts(service_model().shape_for(name)))


def _field_facts(resource_type: str, path: str) -> Facts:
    shape = service_model().operation_model(create_operation(resource_type)).input_shape
    for part in path.split("."):
        while shape.type_name == "list":
            shape = shape.member
        if shape.type_name != "structure" or part not in shape.members:
            return {}  # a botocore without the member: no limit, rather than no scan
        shape = shape.members[part]
    while shape.type_name == "list":
        shape = shape.member
    return _facts(shape)


def _facts(shape: Any) -> Facts:
    """What Limits holds, as JSON for the cache."""
    meta = shape.metadata
    return {
        "min": meta.get("min"),
        "max": meta.get("max"),
        "pattern": meta.get("pattern") if isinstance(meta.get("pattern"), str) else None,
        "required": list(shape.required_members) if shape.type_name == "structure" else [],
    }


def _limits(key: str, read_model: Callable[[], Facts]) -> Limits:
    made = _from_facts(limits_cache.facts(key, read_model))
    return made if made is not None else _from_facts(read_model()) or Limits()


def _from_facts(facts: Facts) -> Limits | None:
    """Limits from stored facts; None when they are not what `_facts` writes."""
    low, high, pattern, required = (
        facts.get("min"), facts.get("max"), facts.get("pattern"), facts.get("required", [])
    )  # fmt: skip
    if not all(x is None or _is_number(x) for x in (low, high)):
        return None
    if not (pattern is None or isinstance(pattern, str)):
        return None
    if not (isinstance(required, list) and all(isinstance(m, str) for m in required)):
        return None
    compiled = None
    if pattern is not None:
        try:  # the API's patterns are Java's: \w and [a-z] are ASCII there
            compiled = re.compile(pattern, re.ASCII)
        except re.error:  # a Unicode class such as \p{L}: length limits still apply
            compiled = None
    return Limits(low, high, compiled, tuple(required))


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)
