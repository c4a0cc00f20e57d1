"""Reading fields of a canonical resource: AWS defaults for absent fields, lenient scalars.

One table of defaults, used by every control, so no control reads an absent field as
"compliant" by accident (the Checkov and Steampipe mistakes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagewarden.resources import JOB_DEFINITION_TYPES, ResourceType

_ABSENT = object()

# (resource type, dotted path) -> the value AWS uses when the field is absent.
AWS_DEFAULTS: dict[tuple[str, str], Any] = {
    (ResourceType.NOTEBOOK_INSTANCE, "DirectInternetAccess"): "Enabled",
    (ResourceType.NOTEBOOK_INSTANCE, "RootAccess"): "Enabled",
    (ResourceType.MODEL, "EnableNetworkIsolation"): False,
    **{(t, "NetworkConfig.EnableNetworkIsolation"): False for t in JOB_DEFINITION_TYPES},
    **{
        (t, "NetworkConfig.EnableInterContainerTrafficEncryption"): False
        for t in JOB_DEFINITION_TYPES
    },
    (
        ResourceType.MONITORING_SCHEDULE,
        "MonitoringScheduleConfig.MonitoringJobDefinition.NetworkConfig.EnableNetworkIsolation",
    ): False,
}


class InvalidValue(Exception):
    """A field holds something AWS could never have recorded there (e.g. "two")."""

    def __init__(self, path: str, value: Any, expected: str) -> None:
        self.path = path
        self.value = value
        self.expected = expected
        super().__init__(f"{path} is {_quoted(value)}, not {expected}")


class Unresolved(Exception):
    """A field's value is known only at deploy time (IaC); the reason says why."""

    def __init__(self, path: str, value: UnresolvedValue) -> None:
        self.path = path
        self.value = value
        self.why = value.why
        super().__init__(f"{path} {value.why}")


@dataclass(frozen=True, slots=True)
class Field:
    value: Any
    present: bool  # False when the AWS default was used

    def describe(self, path: str, value: Any = _ABSENT) -> str:
        """'X is V' or 'X is V (the default when unset)', for reasons."""
        shown = _show(self.value if value is _ABSENT else value)
        return (
            f"{path} is {shown}" if self.present else f"{path} is {shown} (the default when unset)"
        )


class UnresolvedValue:
    """Placeholder an IaC source puts where a value is unknown before deploy.

    `why` completes "X ..." in a reason, e.g. "is known only after apply" or
    "is !ImportValue shared-subnet, known only at deploy". `target`, when set, is the
    logical id / address of a resource of the same file the value refers to (a Ref or
    GetAtt), so cross-resource controls can follow it.
    """

    __slots__ = ("target", "why")

    def __init__(self, why: str, target: str | None = None) -> None:
        self.why = why
        self.target = target

    def __repr__(self) -> str:
        return f"UnresolvedValue({self.why!r}, target={self.target!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnresolvedValue) and (self.why, self.target) == (
            other.why,
            other.target,
        )

    def __hash__(self) -> int:
        return hash((self.why, self.target))


def raw(props: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or _ABSENT. Raises InvalidValue if a parent is no map."""
    cur: Any = props
    walked: list[str] = []
    for part in path.split("."):
        if cur is None:
            return _ABSENT
        if isinstance(cur, UnresolvedValue):
            raise Unresolved(".".join(walked), cur)
        if not isinstance(cur, dict):
            raise InvalidValue(".".join(walked), cur, "an object")
        walked.append(part)
        cur = cur.get(part, _ABSENT)
        if cur is _ABSENT:
            return _ABSENT
    if isinstance(cur, UnresolvedValue):
        raise Unresolved(path, cur)
    return cur


def peek(props: dict[str, Any], path: str) -> Any:
    """Like raw(), but hands back an UnresolvedValue instead of raising, for controls
    whose decision does not depend on the exact value (or that can follow a reference)."""
    try:
        return raw(props, path)
    except Unresolved as exc:
        return exc.value


def get(resource_type: str, props: dict[str, Any], path: str) -> Field:
    """A field with the AWS default applied when absent or null."""
    v = raw(props, path)
    if v is _ABSENT or v is None:
        return Field(AWS_DEFAULTS.get((resource_type, path)), present=False)
    return Field(v, present=True)


def is_absent(v: Any) -> bool:
    return v is _ABSENT or v is None


_TRUE = frozenset({"true"})
_FALSE = frozenset({"false"})


def as_bool(path: str, value: Any) -> bool:
    """true/false as JSON booleans or the strings Config sometimes records."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    raise InvalidValue(path, value, "true or false")


def as_int(path: str, value: Any) -> int:
    """An integer, from a JSON number or a numeric string ("2")."""
    if isinstance(value, bool):
        raise InvalidValue(path, value, "a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise InvalidValue(path, value, "a whole number")


def as_enum(path: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of AWS's enum strings; case-insensitive, returned in AWS's spelling."""
    if isinstance(value, str):
        for a in allowed:
            if value.strip().lower() == a.lower():
                return a
    raise InvalidValue(path, value, " or ".join(allowed))


def as_str(path: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    raise InvalidValue(path, value, "a string")


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else _show(value)
