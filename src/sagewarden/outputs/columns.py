"""Columns that line up whatever their contents: each as wide as its widest cell,
measured in screen cells (rich's `cell_len`), so a long run id, state or count moves the
columns after it instead of pushing one row out of line (`fix runs`, `history`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.cells import cell_len

from sagewarden.outputs.terminal import Style

GAP = "  "


def aligned(
    rows: Sequence[Sequence[str]],
    header: Sequence[str] | None = None,
    right: Collection[int] = (),
    styles: Sequence[Sequence[tuple[str, ...]]] | None = None,
    st: Style | None = None,
) -> list[str]:
    """`rows` (cells already escaped) under `header`, one line each: every column but the
    last padded to its widest cell (the `right` ones on the left, for numbers), the last
    left as long as it is, no trailing spaces. `styles[r][c]`: codes for a row's cell."""
    table = [list(header)] if header is not None else []
    table += [list(r) for r in rows]
    if not table:
        return []
    columns = len(table[0])
    widths = [max(cell_len(r[c]) for r in table) for c in range(columns)]
    st = st or Style(False)
    lines = []
    for n, row in enumerate(table):
        body = n - (header is not None)
        cells = []
        for c, text in enumerate(row):
            pad = " " * (widths[c] - cell_len(text)) if c < columns - 1 or c in right else ""
            codes = styles[body][c] if styles is not None and body >= 0 else ()
            shown = st(text, *codes)
            cells.append(pad + shown if c in right else shown + pad)
        lines.append(GAP.join(cells).rstrip())
    return lines
