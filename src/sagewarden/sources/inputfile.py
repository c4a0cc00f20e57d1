"""Opening input files: regular files only, and a UTF-8 byte order mark is not content.

`open()` of a FIFO with no writer blocks forever, a read from one whose writer is silent
too, and /dev/zero never ends; opening with O_NONBLOCK alone would read a FIFO as an empty
file. So a path is stat'ed first and opened only when it is a regular file, without
blocking, and checked again on the open descriptor (it may have been swapped in between).
Every file sagewarden reads as input (data, --cfn-params-file, .sagewarden.yaml) is opened
here.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

UTF8_BOM = b"\xef\xbb\xbf"

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a directory"),
)


class NotRegularFile(OSError):
    """The path names a FIFO, a socket, a device or a directory: never opened for reading."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        super().__init__(f"{kind}, not a regular file")


def kind_of(mode: int) -> str | None:
    """What a file mode names when it is not a regular file (None when it is one)."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def check_regular(path: str) -> None:
    """Raise NotRegularFile (or the OSError of stat) unless `path` is a regular file."""
    kind = kind_of(os.stat(path).st_mode)
    if kind is not None:
        raise NotRegularFile(kind)


def open_regular(path: str) -> BinaryIO:
    """`path` opened for binary reading; NotRegularFile when it is not a regular file."""
    check_regular(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        kind = kind_of(os.fstat(fd).st_mode)
        if kind is not None:
            raise NotRegularFile(kind)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str) -> bytes:
    """The bytes of a regular file, without a UTF-8 byte order mark."""
    with open_regular(path) as fh:
        return strip_bom(fh.read())


def strip_bom(data: bytes) -> bytes:
    return data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data


def bom_length(data: bytes) -> int:
    """3 when `data` starts with a UTF-8 byte order mark (where the content starts)."""
    return len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0


def reason(exc: OSError) -> str:
    """An OSError as the end of a "cannot read" line."""
    return exc.strerror or str(exc)
