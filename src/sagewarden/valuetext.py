"""How a value read from a resource reads in a reason or a message, and the error that
names a value AWS could never have recorded.

Reasons and diagnostics quote values from AWS, templates and plans. They show text as it
is, anything else as short JSON, an unknown by why it is unknown and a secret as
"(sensitive)": never a Python repr (`{'a': None}`, `True`), which would be wrong for every
source. `InvalidValue` builds its message with the same words, so a bad value reads the
same in a verdict, a diagnostic and an exit-code-2 line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sagewarden.sensitive import SENSITIVE, Sensitive
from sagewarden.unknowns import ABSENT, UnresolvedValue


class InvalidValue(Exception):
    """A field holds something AWS could never have recorded there (e.g. "two")."""

    def __init__(self, path: str, value: Any, expected: str) -> None:
        self.path = path
        self.value = value
        self.expected = expected
        super().__init__(f"{path} is {_quoted(value)}, not {expected}")


def show(value: Any) -> str:
    """Any value as a reason shows it: text as is, JSON for the rest, an unknown by why it
    is unknown, a secret as (sensitive); never a Python repr."""
    if isinstance(value, Sensitive):
        return SENSITIVE
    if isinstance(value, str):
        return value if value else '""'
    if isinstance(value, UnresolvedValue):
        return f"(a value that {value.why})"
    if isinstance(value, bool):  # the common cases, without a JSON encoder
        return "true" if value else "false"
    if isinstance(value, int) or value is None:
        return "null" if value is None else str(value)
    text = json.dumps(_plain(value), ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _plain(value: Any) -> Any:
    if isinstance(value, Sensitive):
        return SENSITIVE
    if isinstance(value, UnresolvedValue):
        return f"(a value that {value.why})"
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return f"({type(value).__name__})"


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else show(value)


def a_kind(value: Any) -> str:
    """A value's JSON type with its article ("an object", "a list", "null"), for lines such
    as "X is a list, not an object"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a number" if isinstance(value, (int, float)) else f"a {type(value).__name__}"
