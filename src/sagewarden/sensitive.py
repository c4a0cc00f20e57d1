"""Values their source marks secret (Terraform `sensitive`).

Such a value decides verdicts like any other, so it keeps its type (text, whole number,
number) and compares equal to the plain value; but wherever it is formatted (a reason, a
report, a log line) it shows as "(sensitive)". Marking happens once, where a source reads
the value, so no output has to remember to hide it.
"""

from __future__ import annotations

from typing import Any

SENSITIVE = "(sensitive)"


class Sensitive:
    """A value its source marks secret: it decides verdicts like any other value but is
    shown as "(sensitive)" wherever it is formatted."""

    __slots__ = ()

    def __str__(self) -> str:
        return SENSITIVE

    def __repr__(self) -> str:
        return SENSITIVE

    def __format__(self, spec: str) -> str:
        return SENSITIVE


class SensitiveText(Sensitive, str):
    __slots__ = ()


class SensitiveInt(Sensitive, int):
    __slots__ = ()


class SensitiveFloat(Sensitive, float):
    __slots__ = ()


def sensitive(value: Any) -> Any:
    """`value` marked secret; booleans become the text Config also uses ("true")."""
    if isinstance(value, bool):
        return SensitiveText("true" if value else "false")
    if isinstance(value, str):
        return SensitiveText(value)
    if isinstance(value, int):
        return SensitiveInt(value)
    if isinstance(value, float):
        return SensitiveFloat(value)
    if isinstance(value, dict):
        return {k: sensitive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sensitive(v) for v in value]
    return value
