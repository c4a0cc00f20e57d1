"""Word wrapping for the terminal, measured in screen cells (rich's `cell_len`: a CJK
character or an emoji takes two), so a line is never wider than the terminal.

Text is wrapped between words only; a word longer than a whole line is the one thing
cut, and never inside an escape such as ``\\x1b`` (`escaping.clean`), which would read as
another character. Pieces carry their own style, so colour survives the wrapping and is
applied after it (the width of a line is that of its visible text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rich.cells import cell_len

from sagewarden.outputs.terminal import Style

# Words are broken at ASCII spaces only: a no-break or ideographic space is part of its
# word, and every other breaking character (tab, line breaks) is escaped before this.
_WORD = re.compile(r"[^ ]+")
# What `escaping.clean` writes for an unsafe character: kept whole when a word is cut.
_ESCAPE_OR_CHAR = re.compile(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\\U[0-9a-f]{8}|.", re.S)


@dataclass(frozen=True)
class Piece:
    """One unbreakable run of text (a word, or a padded column), its style, and the spaces
    before it when it follows another piece on the same line."""

    text: str
    codes: tuple[str, ...] = ()
    gap: int = 1


def words(text: str, *codes: str, gap: int = 1) -> list[Piece]:
    """`text` (already escaped) as one piece per word, each keeping the spaces before it
    (the first: `gap` more), so a line that is not wrapped reads exactly as the text."""
    pieces: list[Piece] = []
    end = 0
    for m in _WORD.finditer(text):
        pieces.append(Piece(m.group(), codes, m.start() - end + (gap if not pieces else 0)))
        end = m.end()
    return pieces


def width_of(pieces: Sequence[Piece]) -> int:
    """The cells `pieces` take on one line (the first one's gap is its indentation)."""
    return sum(cell_len(p.text) + p.gap for p in pieces)


def wrap(pieces: Iterable[Piece], width: int) -> list[list[Piece]]:
    """The pieces in lines of at most `width` cells, broken between pieces (the first
    piece keeps its gap as indentation; a later line starts at its first piece); a piece
    wider than a line is cut into lines of its own."""
    width = max(width, 1)
    lines: list[list[Piece]] = [[]]
    used = 0
    for p in pieces:
        size = cell_len(p.text)
        if used + p.gap + size <= width and (lines[-1] or len(lines) == 1):
            lines[-1].append(p)
            used += p.gap + size
            continue
        if lines[-1]:
            lines.append([])
        if size > width:
            *full, p = [Piece(chunk, p.codes, 0) for chunk in _cut(p.text, width)]
            for chunk in full:
                lines[-1].append(chunk)
                lines.append([])
            size = cell_len(p.text)
        lines[-1].append(Piece(p.text, p.codes, 0))
        used = size
    return [line for line in lines if line] or [[]]


def _cut(text: str, width: int) -> list[str]:
    """A word too long for a line, in chunks of at most `width` cells; an escape stays
    whole unless it is itself wider than the line."""
    chunks: list[str] = []
    current, used = "", 0
    for m in _ESCAPE_OR_CHAR.finditer(text):
        escape = m.group()
        for unit in [escape] if cell_len(escape) <= width else list(escape):
            size = cell_len(unit)
            if current and used + size > width:
                chunks.append(current)
                current, used = "", 0
            current += unit
            used += size
    chunks.append(current)
    return chunks


def render(line: Sequence[Piece], st: Style) -> str:
    """One line as text: each run of pieces of one style styled once, the spaces between
    runs left plain."""
    out: list[str] = []
    i = 0
    while i < len(line):
        codes, text, lead = line[i].codes, line[i].text, " " * line[i].gap
        i += 1
        while i < len(line) and line[i].codes == codes:
            text += " " * line[i].gap + line[i].text
            i += 1
        out.append(lead + st(text, *codes))
    return "".join(out)


def block(
    head: Sequence[Piece],
    body: Sequence[Piece],
    width: int | None,
    st: Style,
    min_body: int = 24,
    under: int = 4,
    beside: bool | None = None,
) -> list[str]:
    """`head` (columns) then `body` (words) in lines of at most `width` cells. The body is
    wrapped in the space right of the head, each further line indented to where the body
    starts; when that space is narrower than `min_body` cells, the body goes under the
    head, indented by `under` (`beside` decides instead of `min_body` when given), and
    so does a body with a word that fits whole under the head but not beside it.
    `width` None: one line, however long."""
    if width is None or width_of(head) + width_of(body) <= width:  # the common case
        return [render([*head, *body], st)]
    if not body:
        return [render(line, st) for line in wrap(head, width)]
    gap = body[0].gap
    column = width_of(head) + gap
    under = min(under, width // 4)  # a line too narrow for the indentation keeps less
    if beside is None:
        beside = not head or width - column >= min_body
    if beside and head and any(width - column < cell_len(p.text) <= width - under for p in body):
        beside = False  # a word that would be cut beside the head fits whole under it
    if beside:
        first, *rest = wrap([replace(body[0], gap=0), *body[1:]], width - column)
        lines = [render([*head, replace(first[0], gap=gap), *first[1:]], st)]
        return lines + [" " * column + render(line, st) for line in rest]
    below = wrap([replace(body[0], gap=0), *body[1:]], width - under)
    return [render(line, st) for line in wrap(head, width)] + [
        " " * under + render(line, st) for line in below
    ]
