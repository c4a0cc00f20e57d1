"""MaxResults/NextToken paging for the lists the extension serves.

Tokens name the last item returned (its sort key), not an offset, so deleting or
adding a resource between two pages neither repeats nor skips the others, as in AWS.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sagewarden_demo.emulator.clock import epoch
from sagewarden_demo.emulator.replies import ApiError

T = TypeVar("T")
SortKey = tuple[str | float | int, ...]

# AWS documents a default page size of 10 for the SageMaker lists the extension serves.
DEFAULT_PAGE_SIZE = 10


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


def paginate(
    items: Iterable[T],
    *,
    key: Callable[[T], SortKey],
    scope: str,
    max_results: int | None,
    next_token: str | None,
    descending: bool = False,
    default_size: int = DEFAULT_PAGE_SIZE,
) -> Page[T]:
    """One page of `items` ordered by `key`; `scope` ties a token to the list it came from."""
    ordered = sorted(items, key=key, reverse=descending)
    if next_token:
        after = _decode(next_token, scope)
        try:
            if descending:
                ordered = [item for item in ordered if key(item) < after]
            else:
                ordered = [item for item in ordered if key(item) > after]
        except TypeError as exc:
            raise ApiError("ValidationException", "Invalid pagination token.") from exc
    size = max_results or default_size
    page = ordered[:size]
    token = _encode(key(page[-1]), scope) if len(ordered) > size else None
    return Page(page, token)


def _encode(key: SortKey, scope: str) -> str:
    raw = json.dumps({"scope": scope, "after": list(key)}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(token: str, scope: str) -> SortKey:
    try:
        decoded: Any = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error) as exc:
        raise ApiError("ValidationException", "Invalid pagination token.") from exc
    if not isinstance(decoded, dict) or decoded.get("scope") != scope:
        raise ApiError("ValidationException", "Invalid pagination token.")
    after = decoded.get("after")
    if not isinstance(after, list):
        raise ApiError("ValidationException", "Invalid pagination token.")
    return tuple(after)


@dataclass(frozen=True)
class ListSpec(Generic[T]):
    """How one SageMaker List operation filters and sorts (parameter names as in the model)."""

    scope: str
    name: Callable[[T], str]
    created: Callable[[T], datetime]
    sort_keys: dict[str, Callable[[T], SortKey]]  # SortBy value -> key
    default_sort: str
    modified: Callable[[T], datetime] | None = None
    modified_params: tuple[str, str] = ("LastModifiedTimeBefore", "LastModifiedTimeAfter")
    default_descending: bool = True


def list_page(spec: ListSpec[T], items: Iterable[T], params: dict[str, Any]) -> Page[T]:
    """Filter by NameContains and the time windows, sort by SortBy/SortOrder, then page."""
    selected = list(items)
    contains = params.get("NameContains")
    if contains:
        selected = [item for item in selected if contains in spec.name(item)]
    windows: list[tuple[Callable[[T], datetime], str, str]] = [
        (spec.created, "CreationTimeBefore", "CreationTimeAfter")
    ]
    if spec.modified is not None:
        windows.append((spec.modified, *spec.modified_params))
    for stamp, before_param, after_param in windows:
        if params.get(before_param) is not None:
            before = epoch(params[before_param])
            selected = [item for item in selected if epoch(stamp(item)) < before]
        if params.get(after_param) is not None:
            after = epoch(params[after_param])
            selected = [item for item in selected if epoch(stamp(item)) > after]
    sort_by = params.get("SortBy") or spec.default_sort
    order = params.get("SortOrder")
    descending = spec.default_descending if order is None else order.upper() == "DESCENDING"
    return paginate(
        selected,
        key=spec.sort_keys[sort_by],
        scope=f"{spec.scope}:{sort_by}:{'desc' if descending else 'asc'}",
        max_results=params.get("MaxResults"),
        next_token=params.get("NextToken"),
        descending=descending,
    )


def by_name(name: Callable[[T], str]) -> Callable[[T], SortKey]:
    return lambda item: (name(item),)


def by_time(stamp: Callable[[T], datetime], name: Callable[[T], str]) -> Callable[[T], SortKey]:
    return lambda item: (epoch(stamp(item)), name(item))
