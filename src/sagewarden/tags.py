"""Tags as AWS records them, read from whatever a source holds.

Config data, live answers, templates and plans spell tags as a map, a list of
{Key, Value} or a list of {key, value}. Two controls (SageMaker.6/.7) decide on them, so a
tag AWS could not hold (a key "" or of 129 characters, a map where CloudFormation wants a
list) must be refused the same way wherever it comes from: with InvalidValue naming the
first thing that is wrong, checked against botocore's TagKey and TagValue limits rather
than a copy of them. This module builds on nothing that knows resources, so the canonical
resource can use it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sagewarden.recordable import shape_limits
from sagewarden.unknowns import ABSENT, UnknownText, UnresolvedValue
from sagewarden.valuetext import InvalidValue


def tag_keys(raw: Any) -> tuple[dict[str, str] | None, bool]:
    """Tags from a template's `Tags` list, and whether some keys are known only at deploy
    (the tags known now are kept: a required key among them is there either way).
    None when the value is no tag collection AWS would take (read_tag_keys says why)."""
    try:
        return read_tag_keys(raw)
    except InvalidValue:
        return None, False


def read_tag_keys(raw: Any, path: str = "Tags") -> tuple[dict[str, str], bool]:
    """tag_keys, raising InvalidValue for what is malformed instead of returning None."""
    if raw is None or raw is ABSENT:
        return {}, False
    if isinstance(raw, UnresolvedValue):
        return {}, True
    if isinstance(raw, list):
        known = [
            (i, t)
            for i, t in enumerate(raw)
            if not isinstance(t, UnresolvedValue)
            and not (isinstance(t, dict) and isinstance(_tag_key(t), UnresolvedValue))
        ]
        tags = _tag_list([t for _, t in known], path, [i for i, _ in known], iac=True)
        return tags, len(known) != len(raw)
    # Every SageMaker type's Tags is a list in CloudFormation: a map, or one {Key, Value}
    # object without its list, is refused at deploy and is no tags now.
    raise InvalidValue(path, raw, "a list of {Key, Value}")


def read_tags(raw: Any, path: str = "tags", iac: bool = False) -> dict[str, str]:
    """Tags as a map, from a map or a list of {Key, Value} / {key, value}, as AWS records
    them: every key a string of 1 to 128 characters (botocore's TagKey), every value
    text of at most 256 (or a number, or null: values never decide). `iac`: a template's
    numeric keys are the text CloudFormation makes of them. Raises InvalidValue naming
    the first thing that is wrong."""
    if isinstance(raw, dict):
        out: dict[str, str] = {}
        for k, v in raw.items():
            key = _tag_text(k, f"{path} key", "TagKey", iac)
            out[key] = _tag_text(v, f"{path}.{key}", "TagValue", True, optional=True)
        return out
    if isinstance(raw, list):
        return _tag_list(raw, path, list(range(len(raw))), iac)
    raise InvalidValue(path, raw, "a map or a list of {Key, Value}")


def check_tag_keys(tags: Mapping[Any, Any], path: str = "tags") -> None:
    """Raise InvalidValue for a key no AWS tag can have, whichever source built the map
    (a Terraform `tags = {"" = "x"}` is no tag)."""
    for k in tags:
        _tag_text(k, f"{path} key", "TagKey", iac=False)


def _tag_key(t: dict[str, Any]) -> Any:
    return t["Key"] if "Key" in t else t.get("key")


def _tag_list(raw: list[Any], path: str, indexes: list[int], iac: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, t in zip(indexes, raw, strict=True):
        at = f"{path}[{i}]"
        if not isinstance(t, dict):
            raise InvalidValue(at, t, "a {Key, Value} object")
        if "Key" not in t and "key" not in t:
            raise InvalidValue(at, t, "a {Key, Value} object (it has no Key)")
        key = _tag_text(_tag_key(t), f"{at}.Key", "TagKey", iac)
        value = t["Value"] if "Value" in t else t.get("value")
        out[key] = _tag_text(value, f"{at}.Value", "TagValue", True, optional=True)
    return out


def _tag_text(v: Any, path: str, shape: str, iac: bool, optional: bool = False) -> str:
    """A tag key or value as text within botocore's limits for `shape`. A value known only
    at deploy is UnknownText, "" (values never decide a verdict; keys known only at deploy
    are kept out by read_tag_keys)."""
    limits = shape_limits(shape)
    if optional and isinstance(v, UnresolvedValue):
        return UnknownText()  # "" to the controls; not a value a suppression can match
    if optional and v is None:
        return ""
    if iac and isinstance(v, (int, float)) and not isinstance(v, bool):
        v = _number_text(v)
    if isinstance(v, str) and limits.accepts_text(v):
        return v
    raise InvalidValue(path, v, limits.text_rule())


def _number_text(n: int | float) -> str:
    """A template number as CloudFormation passes it on as text (2024, 1.5)."""
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)
