"""Reading fields of a canonical resource: AWS defaults for absent fields, lenient scalars.

One table of defaults, used by every control, so no control reads an absent field as
"compliant" by accident (the Checkov and Steampipe mistakes). The readers accept what
AWS records (a count as 2 or "2", a flag as true or "True") and nothing else, and
consider each possibility of a value known only at deploy (`unknowns`). Tags are read by
`tags`; values are quoted in reasons by `valuetext`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sagewarden.kinds import aws_default
from sagewarden.recordable import Limits
from sagewarden.sensitive import SENSITIVE, Sensitive, SensitiveInt, SensitiveText
from sagewarden.unknowns import ABSENT, Fork, Unresolved, UnresolvedValue, assume, settle
from sagewarden.valuetext import InvalidValue, show


class NotRead(Exception):
    """What the control needs is not in what was read: tags the source does not record
    (batch-get-resource-config output), a referenced resource missing from the scanned
    account and region. ERROR, like a read failure: never a pass, never bad input."""


@dataclass(frozen=True, slots=True)
class Field:
    value: Any
    present: bool  # False when the AWS default was used

    def describe(self, path: str, value: Any = ABSENT) -> str:
        """'X is V' or 'X is V (the default when unset)', for reasons."""
        shown = show(self.value if value is ABSENT else value)
        if isinstance(self.value, Sensitive):
            shown = SENSITIVE
        return (
            f"{path} is {shown}" if self.present else f"{path} is {shown} (the default when unset)"
        )


def raw(props: dict[str, Any], path: str, at: str = "") -> Any:
    """The value at a dotted path, or ABSENT. Raises InvalidValue if a parent is no map,
    Unresolved if the value (or a parent) is known only at deploy. `at` is where `props`
    itself sits (e.g. "ProductionVariants[1]"), for the reasons."""
    cur = _lookup(props, path, at)
    if isinstance(cur, UnresolvedValue):
        raise Unresolved(f"{at}.{path}" if at else path, cur)
    return cur


def _lookup(props: dict[str, Any], path: str, at: str = "") -> Any:
    """The value at a dotted path, with choices settled; an unknown leaf is returned."""
    cur: Any = props
    walked: list[str] = [at] if at else []
    for part in path.split("."):
        if cur is None:
            return ABSENT
        if isinstance(cur, UnresolvedValue):
            raise Unresolved(".".join(walked), cur)
        if not isinstance(cur, dict):
            raise InvalidValue(".".join(walked), cur, "an object")
        walked.append(part)
        cur = settle(cur.get(part, ABSENT), ".".join(walked))
        if cur is ABSENT:
            return ABSENT
    return cur


def peek(props: dict[str, Any], path: str, at: str = "") -> Any:
    """Like raw(), but hands back an UnresolvedValue instead of raising, for controls
    whose decision does not depend on the exact value (or that can follow a reference)."""
    try:
        return raw(props, path, at)
    except Fork:
        raise
    except Unresolved as exc:
        return exc.value


def get(resource_type: str, props: dict[str, Any], path: str) -> Field:
    """A field with the AWS default applied when absent or null. A value known only at
    deploy is handed on, for the reader (as_bool, as_enum) to consider each answer."""
    v = _lookup(props, path)
    if v is ABSENT or v is None:
        return Field(aws_default(resource_type, path), present=False)
    return Field(v, present=True)


def items(path: str, value: Any) -> list[tuple[int, Any]]:
    """The items of a list with choices settled, paired with their index; an item an
    option removes (AWS::NoValue) is left out."""
    value = settle(value, path)
    if not isinstance(value, list):
        raise InvalidValue(path, value, "a list")
    out: list[tuple[int, Any]] = []
    for i, item in enumerate(value):
        item = settle(item, f"{path}[{i}]")
        if item is not ABSENT:
            out.append((i, item))
    return out


def is_absent(v: Any) -> bool:
    return v is ABSENT or v is None


def as_bool(path: str, value: Any) -> bool:
    """true/false as JSON booleans, or as the strings Config sometimes records ("true",
    "True"; nothing else, no padding). A value known only at deploy is considered both
    ways."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        return assume(path, value, ("true", "false")) == "true"
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii():
        low = value.lower()
        if low == "true":
            return True
        if low == "false":
            return False
    raise InvalidValue(path, value, "true or false")


def as_int(path: str, value: Any, limits: Limits | None = None) -> int:
    """An integer, from a JSON number or a numeric string ("2"); secret stays secret.
    With `limits` (recordable.field_limits), one outside the field's documented range is
    invalid: AWS never records an InstanceCount of 0."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        raise Unresolved(path, value)
    n = _int(path, value, limits)
    if limits is not None and not limits.accepts_number(n):
        raise InvalidValue(path, value, limits.number_rule())
    return SensitiveInt(n) if isinstance(value, Sensitive) else n


# An integer as JSON or Config writes one in a string: ASCII digits and an optional sign.
# Python's int() also takes full-width digits (U+FF12), "2_0" and " 2\n", which no AWS
# record holds.
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def _int(path: str, value: Any, limits: Limits | None) -> int:
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        return int(value)
    elif isinstance(value, float) and value.is_integer():
        return int(value)  # JSON has one number type: 2.0 is the number 2
    elif isinstance(value, str) and _INTEGER.fullmatch(value):
        try:
            return int(value)
        except ValueError:  # more digits than Python converts: no count is that large
            pass
    raise InvalidValue(path, value, limits.number_rule() if limits else "a whole number")


def below(path: str, value: Any, limit: int, limits: Limits | None = None) -> bool:
    """Whether a whole number is below `limit`; one known only at deploy is considered
    both below and at or above it. `limits` as for as_int."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        labels = (f"below {limit}", f"{limit} or more")
        return assume(path, value, labels) == labels[0]
    return as_int(path, value, limits) < limit


def as_enum(path: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of AWS's enum strings; case-insensitive (ASCII only, no padding), returned in
    AWS's spelling. A value known only at deploy is considered as each of them."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        return assume(path, value, allowed)
    if isinstance(value, str) and value.isascii():
        for a in allowed:
            if value.lower() == a.lower():
                return SensitiveText(a) if isinstance(value, Sensitive) else a
    raise InvalidValue(path, value, " or ".join(allowed))


def as_str(path: str, value: Any, limits: Limits | None = None) -> str:
    """A string; with `limits`, one the field could hold (length and pattern)."""
    value = settle(value, path)
    if isinstance(value, UnresolvedValue):
        raise Unresolved(path, value)
    if not isinstance(value, str):
        raise InvalidValue(path, value, "a string")
    if limits is not None and not limits.accepts_text(value):
        raise InvalidValue(path, value, limits.text_rule())
    return value
