"""Pull the SageMaker items out of a huge JSON array without parsing the rest.

A Config snapshot of a real account is mostly EC2, S3 and IAM items. Parsing all of it
costs seconds per hundred megabytes and several times its size in memory. Instead we
search the bytes (memchr speed) for the marker every SageMaker item carries in its
`resourceType`, cut out the one item around each hit at the separator that joins items
(learnt exactly from the first two items), and parse only that slice.

The result is exactly what parsing the whole file finds, for every item that mentions the
marker, whatever order its keys come in and however it is laid out:
- a cut is taken only when it parses, with orjson as a full parse would, into a
  configuration item; anything else (an item whose keys come in another order, so the
  separator does not match at its start; a separator inside a string or a nested list;
  the last item) is decoded exactly, item after item, from the last position known to
  start an item, until past the hit;
- the file's framing (the end of the array and of the document) is checked exactly, so
  truncation is always reported;
- memory stays bounded: no slice or decode window grows past MAX_ITEM_BYTES, and pages
  already searched are released.
Items without the marker are skipped unread, which is the point: damage inside another
service's item is not seen (a full parse would report it).
"""

from __future__ import annotations

import json
import mmap
import re
from collections.abc import Callable, Generator, Iterator
from typing import Any

import orjson

from sagewarden.sources.limits import MAX_ITEM_BYTES

Buffer = bytes | mmap.mmap
OnError = Callable[[int, str], None]  # (byte offset, message)

MARKER = b"AWS::SageMaker::"
_WS = b" \t\r\n"
_RELEASE_EVERY = 64 << 20  # drop pages already searched from memory every 64 MiB
_COUNT_CHUNK = 16 << 20  # newlines are counted this many bytes at a time
_MAX_TAIL = MAX_ITEM_BYTES  # what may follow the array, checked by parsing it

# How an exact walk ended: the start of the next item, the end of the array, or damage
# (reported) at an offset.
_NEXT, _END, _DAMAGE = "next", "end", "damage"
_Walk = Generator[Any, None, tuple[str, int]]


def find_array(buf: Buffer, key: bytes, head: int = 1 << 20) -> int | None:
    """Offset just past the `[` of `"key": [` near the top of the document."""
    m = re.search(rb'"' + re.escape(key) + rb'"\s*:\s*\[', buf[:head])
    return m.end() if m else None


def line_col(buf: Buffer, pos: int) -> tuple[int, int]:
    """1-based line and column of byte `pos`, without copying a large buffer."""
    line = 1
    for at in range(0, pos, _COUNT_CHUNK):
        line += buf[at : min(pos, at + _COUNT_CHUNK)].count(b"\n")
    return line, pos - (buf.rfind(b"\n", 0, pos) + 1) + 1


def invalid_at(buf: Buffer, pos: int, message: str) -> str:
    """The one line for damage at byte `pos`."""
    line, col = line_col(buf, pos)
    return f"invalid JSON at line {line}, column {col}: {message}"


def parse_error(data: Buffer, exc: orjson.JSONDecodeError) -> str:
    """The one line for orjson's error parsing all of `data`."""
    return invalid_at(data, byte_offset(exc), orjson_message(exc))


def _skip_ws(buf: Buffer, pos: int) -> int:
    n = len(buf)
    while pos < n and buf[pos : pos + 1] in (b" ", b"\t", b"\r", b"\n"):
        pos += 1
    return pos


class DecodeError(ValueError):
    """A value that cannot be decoded, and the byte offset of the damage."""

    def __init__(self, message: str, pos: int) -> None:
        self.pos = pos
        super().__init__(message)


def decode_at(buf: Buffer, pos: int, hint: int = 1 << 16) -> tuple[Any, int]:
    """Decode exactly one JSON value starting at `pos`; returns (value, end offset).

    orjson parses a window of the buffer: where the value ends it says "unexpected content
    after document", which is the end. So every value is parsed exactly as a full parse
    of the file parses it (same numbers, same limits, same errors), without recursion in
    Python. The window grows while it ends inside the value, never past MAX_ITEM_BYTES.
    Raises DecodeError naming what is wrong and where.
    """
    size = len(buf)
    window = min(max(hint, 1 << 12), MAX_ITEM_BYTES)
    while True:
        end = min(size, pos + window)
        chunk = buf[pos:end] if end == size else _whole_chars(buf[pos:end])
        try:
            return _prefix(chunk, pos)
        except orjson.JSONDecodeError as exc:
            message = exc.msg or ""
            if message.startswith("str is not valid UTF-8"):
                try:
                    chunk.decode("utf-8")
                except UnicodeDecodeError as bad:
                    return _before_bad_byte(chunk, pos, bad.start)
            cut = message.startswith(("unexpected end of data", "failed to allocate"))
            if not cut or end >= size:
                raise DecodeError(orjson_message(exc), pos + byte_offset(exc)) from None
            if window >= MAX_ITEM_BYTES:
                raise DecodeError(
                    f"an item longer than {MAX_ITEM_BYTES >> 20} MB, or one that is not closed",
                    pos,
                ) from None
            window = min(window * 4, MAX_ITEM_BYTES)


def _prefix(chunk: bytes, pos: int) -> tuple[Any, int]:
    """The value `chunk` starts with, and where it ends (orjson errors pass through)."""
    try:
        return orjson.loads(chunk), pos + len(chunk.rstrip(_WS))
    except orjson.JSONDecodeError as exc:
        if not (exc.msg or "").startswith("unexpected content after document"):
            raise
        used = len(chunk[: byte_offset(exc)].rstrip(_WS))
    return orjson.loads(chunk[:used]), pos + used


def byte_offset(exc: orjson.JSONDecodeError) -> int:
    """Where orjson's error is, in bytes (it counts characters of the decoded text)."""
    doc = exc.doc if isinstance(exc.doc, str) else ""
    return len(doc[: exc.pos].encode("utf-8", "surrogatepass")) if doc else exc.pos


def _before_bad_byte(chunk: bytes, pos: int, bad: int) -> tuple[Any, int]:
    """The value, when it ends before invalid UTF-8 that follows it in the window."""
    try:
        return _prefix(chunk[:bad], pos)
    except orjson.JSONDecodeError:
        raise DecodeError(f"invalid UTF-8 at byte {pos + bad}", pos + bad) from None


def _whole_chars(chunk: bytes) -> bytes:
    """`chunk` without a character cut at its end (a window may end inside one)."""
    i = len(chunk) - 1
    while i >= 0 and len(chunk) - i <= 4 and chunk[i] & 0xC0 == 0x80:
        i -= 1
    if i >= 0 and chunk[i] >= 0xC0:
        need = 2 if chunk[i] < 0xE0 else 3 if chunk[i] < 0xF0 else 4
        if len(chunk) - i < need:
            return chunk[:i]
    return chunk


def orjson_message(exc: orjson.JSONDecodeError) -> str:
    """orjson's error as the end of an "invalid JSON at line L, column C" line."""
    text = exc.msg or "invalid JSON"
    if text.startswith("depth limit exceeded"):
        return "nested more than 1,024 levels deep (the JSON parser's limit)"
    return text[0].lower() + text[1:]


def iter_items(buf: Buffer, start: int, on_error: OnError, marker: bytes = MARKER) -> Iterator[Any]:
    """Yield the values of the array that begins at `start` whose bytes contain `marker`.

    Values that do not contain the marker are not parsed. Damage is reported through
    `on_error` (offset, message) and the scan carries on after it where it can.
    """
    pos = _skip_ws(buf, start)
    if buf[pos : pos + 1] == b"]":
        _check_tail(buf, pos, on_error)
        return
    try:
        first, end1 = decode_at(buf, pos)
    except DecodeError as exc:
        on_error(exc.pos, str(exc))
        return
    sep = _learn_separator(buf, first, end1)
    if sep is None:  # fewer than two items, or not objects: decode exactly
        yield from _walk(buf, pos, on_error, marker, stop=None)
        return
    yield from _fast(buf, pos, sep, on_error, marker)


def _learn_separator(buf: Buffer, first: Any, end1: int) -> bytes | None:
    """The exact bytes from the closing brace of one item to the first key of the next
    (to its opening brace when the first two items start with different keys)."""
    if not isinstance(first, dict) or not first:
        return None
    p = _skip_ws(buf, end1)
    if buf[p : p + 1] != b",":
        return None
    q = _skip_ws(buf, p + 1)
    if buf[q : q + 1] != b"{":
        return None
    r = _skip_ws(buf, q + 1)
    key_bytes = json.dumps(next(iter(first))).encode("utf-8")
    if buf[r : r + len(key_bytes)] != key_bytes:
        return bytes(buf[end1 - 1 : q + 1])
    return bytes(buf[end1 - 1 : r + len(key_bytes)])


def _fast(
    buf: Buffer, first_start: int, sep: bytes, on_error: OnError, marker: bytes
) -> Iterator[Any]:
    brace = sep.index(b"{")  # offset of the next item's "{" within sep
    cursor = first_start  # always the start of an item (or the array's end)
    released = 0
    while True:
        hit = buf.find(marker, cursor)
        if hit < 0:
            # No more markers: walk the last item exactly to check the end of the array.
            last = buf.rfind(sep, cursor)
            start = _trusted(buf, cursor, -1 if last < 0 else last + brace)
            yield from _walk(buf, start, on_error, marker, stop=None)
            return
        prev = buf.rfind(sep, cursor, hit)
        a = cursor if prev < 0 else prev + brace
        nxt = buf.find(sep, hit, hit + MAX_ITEM_BYTES)  # no item is longer: stay linear
        item: Any = None
        if nxt >= 0 and nxt + 1 - a <= MAX_ITEM_BYTES:
            try:
                item = orjson.loads(buf[a : nxt + 1])
            except orjson.JSONDecodeError:
                item = None
        if _is_item(item):
            yield item
            cursor = nxt + brace
        else:
            how, at = yield from _walk(buf, _trusted(buf, cursor, a), on_error, marker, hit)
            if how == _END:
                return
            if how == _DAMAGE:  # said; carry on at the next separator after the damage
                resume = buf.find(sep, at + 1, at + 1 + MAX_ITEM_BYTES)
                if resume < 0:
                    return
                at = resume + brace
            cursor = at
        if isinstance(buf, mmap.mmap) and cursor - released > _RELEASE_EVERY:
            edge = (cursor // mmap.PAGESIZE) * mmap.PAGESIZE
            buf.madvise(mmap.MADV_DONTNEED, released, edge - released)
            released = edge


def _trusted(buf: Buffer, cursor: int, candidate: int) -> int:
    """Where to walk from: `candidate` (a separator's item start) when an item starts
    there, else `cursor`, which is known to start one (the walk is then longer)."""
    if candidate <= cursor:
        return cursor
    try:
        item, end = decode_at(buf, candidate)
    except DecodeError:
        return cursor
    follows = buf[_skip_ws(buf, end) : _skip_ws(buf, end) + 1]
    return candidate if _is_item(item) and follows in (b",", b"]") else cursor


def _walk(buf: Buffer, pos: int, on_error: OnError, marker: bytes, stop: int | None) -> _Walk:
    """Decode the items exactly from `pos`, an item's start; yield those holding the marker.

    Returns (_NEXT, start of the next item) once an item ends past `stop`, (_END, offset)
    when the array ends (its tail checked), or (_DAMAGE, offset) after reporting damage.
    """
    hint = 1 << 12
    while True:
        try:
            item, end = decode_at(buf, pos, hint)  # a window about the size of the last
        except DecodeError as exc:
            on_error(exc.pos, str(exc))
            return _DAMAGE, max(pos, exc.pos)
        if buf.find(marker, pos, end) >= 0:
            yield item
        hint = 2 * (end - pos)
        p = _skip_ws(buf, end)
        c = buf[p : p + 1]
        if c == b"]":
            _check_tail(buf, p, on_error)
            return _END, p
        if c != b",":
            on_error(p, "expected , or ] after an item" if c else "unexpected end of file")
            return _DAMAGE, p
        pos = _skip_ws(buf, p + 1)
        if stop is not None and end > stop:
            return _NEXT, pos


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
    if len(buf) - p > _MAX_TAIL:
        on_error(p, f"more than {_MAX_TAIL >> 20} MB after the array: not a Config file's end")
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
