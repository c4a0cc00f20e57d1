"""Writing JSON that is always valid UTF-8, whatever a source let through.

A lone surrogate ("\\ud800") is legal in JSON text and in YAML escapes, so a template can
carry one into a resource name; UTF-8 cannot encode it and orjson refuses it. Such
characters become U+FFFD rather than ending the report.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub(value: Any) -> Any:
    """The value with every lone surrogate replaced by U+FFFD (keys included)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


def scrubbed(value: Any) -> Any:
    """scrub(value), or the value itself when it holds no lone surrogate: orjson refuses one
    (at C speed), so the common case costs one encoding instead of a walk in Python."""
    try:
        orjson.dumps(value)
    except (orjson.JSONEncodeError, TypeError):
        return scrub(value)
    return value


def dumps(value: Any, option: int = 0) -> bytes:
    """orjson.dumps, falling back to a scrubbed copy when a surrogate is in the way."""
    try:
        return orjson.dumps(value, option=option)
    except orjson.JSONEncodeError:
        return orjson.dumps(scrub(value), option=option)
