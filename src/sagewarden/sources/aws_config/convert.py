"""An item as AWS Config's API returns it, in the shape Config delivers to S3.

The batch reads answer a BaseConfigurationItem: `accountId` and `arn`, `configuration`
a JSON string, every supplementaryConfiguration value a JSON string, times as datetimes
and no tags; advanced query gives the tags as a list of {key, value}. A snapshot holds
`awsAccountId`, `ARN`, objects, ISO times and a tag map, which is what ConfigReader reads
from files: converting here means an API item and a snapshot item are read by the same
code. Text that is not JSON is left as it is, so the reader says what is wrong with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

_RENAMED = {"accountId": "awsAccountId", "arn": "ARN", "version": "configurationItemVersion"}


def delivered(item: dict[str, Any], tags: Any = None) -> dict[str, Any]:
    """The delivered form of an API item; `tags` (a query row's, list or map) when known,
    else the item records none (the batch reads carry no tags)."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        out[_RENAMED.get(key, key)] = value
    if isinstance(out.get("configuration"), str):
        out["configuration"] = _json(out["configuration"])
    supplementary = out.get("supplementaryConfiguration")
    if isinstance(supplementary, dict):
        out["supplementaryConfiguration"] = {k: _json(v) for k, v in supplementary.items()}
    if tags is not None:
        out["tags"] = tag_map(tags)
    return out


def tag_map(tags: Any) -> Any:
    """Advanced query's [{key, value, tag}] as a map; anything else as given (the reader
    says what is wrong with it)."""
    if not isinstance(tags, list):
        return tags
    out: dict[Any, Any] = {}
    for t in tags:
        if not isinstance(t, dict) or not isinstance(t.get("key"), str) or t["key"] in out:
            return tags
        out[t["key"]] = t.get("value")
    return out


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text
