"""The one definition of the characters that must never reach a person raw, and how each
human-facing format shows them instead.

Names, tags, reasons and file names come from AWS, a template or a suppression file, and
can carry characters that a terminal, browser, spreadsheet, CI page or shell acts on
instead of showing. They are decided by Unicode category, not by a list, so whatever a
later input holds of the same kind is covered too:

* Cc, control characters: ESC sequences, NUL, DEL, C1 controls, and every line break
  that is a control (LF, CR, VT, FF, the separators U+001C-U+001E, NEL U+0085), tab too.
* Cf, format characters: bidirectional overrides, embeddings and isolates (U+202A-U+202E,
  U+2066-U+2069), marks (U+061C, U+200E, U+200F), zero-width characters (U+200B-U+200D,
  U+2060, U+FEFF), tag characters (U+E0000 block) and the rest of the category.
* Zl and Zp, the line and paragraph separators U+2028 and U+2029.
* Cn, unassigned code points and noncharacters (U+FFFE...): what a later Unicode version
  makes of them (a new control, say) is unknown to this one.

Such a character is shown as a Python-style escape of its code point: ``\\x1b`` (up to
U+00FF), ``\\u202e`` (the rest of the first plane), ``\\U000e0041`` (beyond). A lone
surrogate (Cs, possible in JSON and YAML escapes) is not a character and not UTF-8: it
becomes U+FFFD, as in every report. Everything else, other scripts and emoji included, is
kept as it is. Machine formats (JSON, ASFF, OCSF) keep values exact instead: their encoders
escape what needs it.
"""

from __future__ import annotations

import unicodedata

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
REPLACEMENT = "\ufffd"


def is_unsafe(char: str) -> bool:
    """Whether one character must not reach a human-facing text raw."""
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def is_surrogate(char: str) -> bool:
    return "\ud800" <= char <= "\udfff"


def unsafe_characters(text: str) -> list[str]:
    """The distinct unsafe characters of `text`, in order of first appearance."""
    if text.isprintable():  # no Other or Separator character: the common, fast case
        return []
    return list(dict.fromkeys(c for c in text if is_unsafe(c)))


def code_point(char: str) -> str:
    """A character's escape: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape_char(char: str) -> str:
    """An unsafe character as it is shown: its escape, or U+FFFD for a lone surrogate."""
    return REPLACEMENT if is_surrogate(char) else code_point(char)


def clean(text: str) -> str:
    """`text` with every unsafe character shown as its escape, the rest kept."""
    if text.isprintable():
        return text
    return "".join(escape_char(c) if is_unsafe(c) else c for c in text)


def shorten(text: str, width: int) -> str:
    """`clean(text)` in at most `width` characters: cut with an ellipsis, never inside an
    escape (half an escape would read as a different character)."""
    shown = clean(text)
    if len(shown) <= width:
        return shown
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = clean(char)
        if used + len(piece) > width - 1:
            break
        pieces.append(piece)
        used += len(piece)
    return "".join(pieces) + "…"
