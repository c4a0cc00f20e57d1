"""A file of AWS Config data, read within bounds, its items handed to a ConfigReader.

Config snapshots run to gigabytes: a file above FULL_PARSE_LIMIT is memory-mapped and its
`configurationItems` streamed one item at a time (jsonscan) instead of parsed whole, and a
.json.gz is decompressed to a temporary file no larger than the gzip bound (limits). A
damaged file is one line about it, and the items before the damage are still read. What
the items say is config's job; which files hold Config data is files'.
"""

from __future__ import annotations

import gzip
import mmap
import os
import tempfile
import zlib
from typing import Any, BinaryIO

import orjson

from sagewarden.sources import jsonscan
from sagewarden.sources.config import ConfigReader
from sagewarden.sources.inputfile import reason, strip_bom
from sagewarden.sources.limits import MAX_WHOLE_BYTES, gzip_limit, gzip_refusal, too_large

# Files above this size are scanned for SageMaker items instead of parsed whole.
FULL_PARSE_LIMIT = 32 << 20
_GZIP_MAGIC = b"\x1f\x8b"


class ConfigFileReader:
    """Reads Config files (plain or gzip-compressed JSON) into `items`."""

    def __init__(self, items: ConfigReader, full_parse_limit: int = FULL_PARSE_LIMIT) -> None:
        self.items = items
        self.full_parse_limit = full_parse_limit

    def read_open(self, fh: BinaryIO, shown: str) -> None:
        """A Config file already opened (a regular file): plain or gzip-compressed JSON."""
        try:
            fh.seek(0)
            if fh.read(2) == _GZIP_MAGIC:
                self._read_gzip(fh, shown)
            else:
                self._read_handle(fh, shown)
        except OSError as exc:
            self.items.diag(shown, f"cannot read: {reason(exc)}")

    def _read_gzip(self, fh: BinaryIO, shown: str) -> None:
        """Decompress to a temporary file (then read as any other), within a bound: a
        small .json.gz can expand to many gigabytes."""
        limit = gzip_limit(os.fstat(fh.fileno()).st_size)
        fh.seek(0)
        with tempfile.TemporaryFile() as tmp:
            total = 0
            with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
                while True:
                    try:
                        chunk = gz.read(1 << 20)
                    except (OSError, EOFError, zlib.error) as exc:
                        self.items.diag(shown, f"damaged gzip file: {exc}")
                        return
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limit:
                        self.items.diag(shown, gzip_refusal(limit))
                        return
                    try:
                        tmp.write(chunk)
                    except OSError as exc:
                        self.items.diag(
                            shown, f"cannot decompress to a temporary file: {reason(exc)}"
                        )
                        return
            tmp.flush()
            self._read_handle(tmp, shown)

    def _read_handle(self, fh: Any, shown: str) -> None:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            self.items.diag(shown, "empty file")
            return
        if size <= self.full_parse_limit:
            fh.seek(0)
            self._read_small(fh.read(), shown)
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            start = jsonscan.find_array(buf, b"configurationItems")
            if start is not None:
                self._scan(buf, start, shown)
            elif size > MAX_WHOLE_BYTES:
                self.items.diag(shown, too_large(size))
            else:
                self._read_small(buf[:], shown)

    def _read_small(self, data: bytes, shown: str) -> None:
        data = strip_bom(data)
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            self.items.diag(shown, jsonscan.parse_error(data, exc))
            # Keep what can be kept: the items before the damage.
            start = jsonscan.find_array(data, b"configurationItems")
            if start is not None:
                self._scan(data, start, shown, report=False)
            return
        self.items.read_document(doc, shown)

    def _scan(self, buf: jsonscan.Buffer, start: int, shown: str, report: bool = True) -> None:
        def on_error(pos: int, message: str) -> None:
            if report:
                self.items.diag(shown, jsonscan.invalid_at(buf, pos, message))

        for value in jsonscan.iter_items(buf, start, on_error):
            self.items.read_value(value, shown, None)
