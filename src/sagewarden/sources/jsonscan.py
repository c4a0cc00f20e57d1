"""Pull the SageMaker items out of a huge JSON array without parsing the rest.

A Config snapshot of a real account is mostly EC2, S3 and IAM items. Parsing all of it
costs seconds per hundred megabytes and several times its size in memory. Instead we
search the bytes (memchr speed) for the marker every SageMaker item carries in its
`resourceType`, cut out the one item around each hit at the separator that joins items
(learnt exactly from the first two items), and parse only that slice.

Every slice is parsed and checked; when a cut does not parse, the item is decoded
exactly from its start instead. The file's framing (the end of the array and of the
document) is checked exactly, so truncation is always reported. Items without the
marker are skipped unread, which is the point.
"""

from __future__ import annotations

import json
import mmap
import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson

Buffer = bytes | mmap.mmap
OnError = Callable[[int, str], None]  # (byte offset, message)

MARKER = b"AWS::SageMaker::"
_WS = b" \t\r\n"
_DECODER = json.JSONDecoder()
_RELEASE_EVERY = 64 << 20  # drop pages already searched from memory every 64 MiB


def find_array(buf: Buffer, key: bytes, head: int = 1 << 20) -> int | None:
    """Offset just past the `[` of `"key": [` near the top of the document."""
    m = re.search(rb'"' + re.escape(key) + rb'"\s*:\s*\[', buf[:head])
    return m.end() if m else None


def line_col(buf: Buffer, pos: int) -> tuple[int, int]:
    before = buf[:pos]
    line = before.count(b"\n") + 1
    return line, pos - (before.rfind(b"\n") + 1) + 1


def _skip_ws(buf: Buffer, pos: int) -> int:
    n = len(buf)
    while pos < n and buf[pos : pos + 1] in (b" ", b"\t", b"\r", b"\n"):
        pos += 1
    return pos


def decode_at(buf: Buffer, pos: int, hint: int = 1 << 16) -> tuple[Any, int]:
    """Decode exactly one JSON value starting at `pos`; returns (value, end offset).

    Decodes a growing window so a small item costs a small decode. Raises ValueError
    with a message naming what is wrong.
    """
    size = len(buf)
    window = max(hint, 1 << 12)
    while True:
        end = min(size, pos + window)
        chunk = buf[pos:end]
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as exc:
            if end < size and exc.start >= len(chunk) - 4:
                text = chunk[: exc.start].decode("utf-8")  # cut inside a character
            else:
                raise ValueError(f"invalid UTF-8 at byte {pos + exc.start}") from None
        try:
            value, used = _DECODER.raw_decode(text)
        except json.JSONDecodeError as exc:
            if end < size:
                window *= 4
                continue
            raise ValueError(_json_message(exc)) from None
        return value, pos + len(text[:used].encode("utf-8"))


def _json_message(exc: json.JSONDecodeError) -> str:
    return exc.msg[0].lower() + exc.msg[1:] if exc.msg else "invalid JSON"


def iter_items(
    buf: Buffer, start: int, on_error: OnError, marker: bytes = MARKER
) -> Iterator[dict[str, Any]]:
    """Yield the items of the array that begins at `start` and contain `marker`.

    Items that do not contain the marker are not parsed. Damage is reported through
    `on_error` (offset, message) and the scan carries on after it where it can.
    """
    pos = _skip_ws(buf, start)
    if buf[pos : pos + 1] == b"]":
        _check_tail(buf, pos, on_error)
        return
    try:
        first, end1 = decode_at(buf, pos)
    except ValueError as exc:
        on_error(pos, str(exc))
        return
    sep = _learn_separator(buf, first, end1)
    if sep is None:
        # Fewer than two items, or items that do not share a first key: decode exactly.
        yield from _exact(buf, pos, first, end1, on_error, marker)
        return
    yield from _fast(buf, pos, sep, on_error, marker)


def _learn_separator(buf: Buffer, first: Any, end1: int) -> bytes | None:
    """The exact bytes from the closing brace of one item to the first key of the next."""
    if not isinstance(first, dict) or not first:
        return None
    key = next(iter(first))
    p = _skip_ws(buf, end1)
    if buf[p : p + 1] != b",":
        return None
    q = _skip_ws(buf, p + 1)
    if buf[q : q + 1] != b"{":
        return None
    r = _skip_ws(buf, q + 1)
    key_bytes = json.dumps(key).encode("utf-8")
    if buf[r : r + len(key_bytes)] != key_bytes:
        return None
    return bytes(buf[end1 - 1 : r + len(key_bytes)])


def _fast(
    buf: Buffer, first_start: int, sep: bytes, on_error: OnError, marker: bytes
) -> Iterator[dict[str, Any]]:
    brace = sep.index(b"{")  # offset of the next item's "{" within sep
    size = len(buf)
    cursor = first_start  # the start of the item the next search begins in
    released = 0
    while True:
        hit = buf.find(marker, cursor)
        if hit < 0:
            break
        prev = buf.rfind(sep, cursor, hit)
        a = cursor if prev < 0 else prev + brace
        nxt = buf.find(sep, hit)
        if nxt < 0:
            # The last item: its end is only known by decoding it.
            try:
                item, b = decode_at(buf, a)
            except ValueError as exc:
                on_error(a, str(exc))
                return
            if _is_item(item):
                yield item
            _check_tail(buf, b, on_error)
            return
        b = nxt + 1
        try:
            item = orjson.loads(buf[a:b])
        except orjson.JSONDecodeError:
            # A separator inside an item, or real damage: decode exactly from a.
            try:
                item, b = decode_at(buf, a, hint=b - a)
            except ValueError as exc:
                on_error(a, str(exc))
                b = nxt + 1
                item = None
        if _is_item(item):
            yield item
        cursor = _next_start(buf, b, sep, brace)
        if isinstance(buf, mmap.mmap) and cursor - released > _RELEASE_EVERY:
            edge = (cursor // mmap.PAGESIZE) * mmap.PAGESIZE
            buf.madvise(mmap.MADV_DONTNEED, released, edge - released)
            released = edge
    # No more markers: find and check the end of the array exactly.
    last = buf.rfind(sep, cursor, size)
    a = cursor if last < 0 else last + brace
    try:
        _, b = decode_at(buf, a)
    except ValueError as exc:
        on_error(a, str(exc))
        return
    _check_tail(buf, b, on_error)


def _next_start(buf: Buffer, end: int, sep: bytes, brace: int) -> int:
    """Where the item after the one ending at `end` starts (or `end` at the array's end)."""
    if buf[end - 1 : end - 1 + len(sep)] == sep:
        return end - 1 + brace
    p = _skip_ws(buf, end)
    if buf[p : p + 1] == b",":
        return _skip_ws(buf, p + 1)
    return end


def _exact(
    buf: Buffer, pos: int, first: Any, end: int, on_error: OnError, marker: bytes
) -> Iterator[dict[str, Any]]:
    item: Any = first
    while True:
        if _is_item(item) and marker.decode() in str(item.get("resourceType", "")):
            yield item
        p = _skip_ws(buf, end)
        c = buf[p : p + 1]
        if c == b"]":
            _check_tail(buf, p, on_error)
            return
        if c != b",":
            on_error(p, "expected , or ] after an item" if c else "unexpected end of file")
            return
        start = _skip_ws(buf, p + 1)
        try:
            item, end = decode_at(buf, start)
        except ValueError as exc:
            on_error(start, str(exc))
            return


def _check_tail(buf: Buffer, pos: int, on_error: OnError) -> None:
    """After the last item: `]`, then the rest of the top-level object, then only space."""
    p = _skip_ws(buf, pos)
    if buf[p : p + 1] == b"]":
        p = _skip_ws(buf, p + 1)
    elif buf[p : p + 1] == b",":
        # The last item we decoded was not the last one (can only happen on damage).
        on_error(p, "unexpected data after the last item")
        return
    else:
        on_error(
            p,
            "unexpected end of file: the array is not closed"
            if p >= len(buf)
            else "expected ] to close the array",
        )
        return
    rest = bytes(buf[p:]).strip(_WS)
    if rest == b"}":
        return
    if rest.startswith(b","):
        try:
            orjson.loads(b"{" + rest[1:])
            return
        except orjson.JSONDecodeError:
            pass
    on_error(
        p,
        "unexpected end of file: the document is not closed"
        if not rest
        else "invalid JSON after the array",
    )


def _is_item(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and "resourceType" in value
        and (
            "configuration" in value
            or "configurationItemStatus" in value
            or "configurationItemCaptureTime" in value
        )
    )
