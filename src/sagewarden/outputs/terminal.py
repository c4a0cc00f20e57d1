"""Text for a terminal: AWS and template values escaped (see `escaping`), colour only
when wanted."""

from __future__ import annotations

import os
from typing import IO

# The one definition of what is escaped, shared by every human-facing format.
from sagewarden.outputs.escaping import clean as clean

COLOR_CHOICES = ("auto", "always", "never")
DEFAULT_WIDTH = 120  # not a terminal and no COLUMNS: a CI log or a file, read on a wide screen
MIN_WIDTH = 40  # the narrowest layout the table keeps every column readable in


def use_color(stream: IO[str], choice: str = "auto") -> bool:
    """`--color always` or `never` as said; `auto`: never with NO_COLOR set and not empty
    (https://no-color.org), always with FORCE_COLOR set and not empty (as CI systems set
    it), else only on a terminal that is not TERM=dumb."""
    if choice in ("always", "never"):
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


def terminal_width(stream: IO[str] | None) -> int:
    """The width a table on `stream` is laid out in: COLUMNS when set to a number (as
    Python's `shutil` and rich read it), else the terminal's, else DEFAULT_WIDTH; never
    less than MIN_WIDTH. `stream` None: a file (--output)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), MIN_WIDTH)
    if stream is not None and _isatty(stream):
        try:
            return max(os.get_terminal_size(stream.fileno()).columns, MIN_WIDTH)
        except (AttributeError, ValueError, OSError):
            pass
    return DEFAULT_WIDTH


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


BOLD = "1"
DIM = "2"
RED = "31"
GREEN = "32"
YELLOW = "33"
BLUE = "34"
MAGENTA = "35"
CYAN = "36"
