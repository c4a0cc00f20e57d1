"""CSV report: one row per evaluation, safe to open in a spreadsheet.

* Encoding: UTF-8 with a byte order mark. Excel decodes a CSV without one in the legacy
  code page, which garbles every non-ASCII name; LibreOffice, pandas
  (``encoding="utf-8-sig"``) and Python's csv module (``open(..., encoding="utf-8-sig")``)
  all skip it. Scripts that want plain machine output have ``--format json``.
* Rows end in CRLF (RFC 4180); the csv module does all quoting (a cell with a comma, quote,
  CR or LF is quoted, quotes doubled).
* Formula injection (OWASP "CSV Injection"): a text cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return is prefixed with a single quote, so a
  spreadsheet shows it as text instead of evaluating it. Every text cell is treated so,
  since names, ids, reasons and file paths come from AWS or a template. The line number is
  the only number and is written as one.
* Control, format (bidi, zero-width) and line-separator characters are shown as escapes
  (``\\x0a``, ``\\u202e``; see `escaping`) in every text cell: a raw line break or
  override in a cell misleads whoever reads the sheet. Lone surrogates (possible in
  JSON-sourced names) become U+FFFD: they are not UTF-8. The formula guard applies to the
  escaped text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import IO, Any

from sagewarden.diagnostics import Diagnostic
from sagewarden.outputs.escaping import clean
from sagewarden.verdicts import Evaluation

HEADER: tuple[str, ...] = (
    "control",
    "title",
    "severity",
    "status",
    "resource_type",
    "resource_id",
    "resource_name",
    "account_id",
    "region",
    "file",
    "line",
    "reason",
    "suppressed",
    "suppression_reason",
    "documentation",
)
BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
) -> None:
    buf = io.StringIO(newline="")
    buf.write(BOM)
    writer = csv.writer(buf, dialect="excel", lineterminator="\r\n")
    writer.writerow(HEADER)
    for e in evaluations:
        writer.writerow([safe_cell(v) for v in row(e)])
    out.write(buf.getvalue().encode("utf-8"))


def row(e: Evaluation) -> list[str | int]:
    """The cells of one evaluation, before spreadsheet escaping."""
    r = e.resource
    s = e.suppression
    return [
        e.control.id,
        e.control.title,
        e.control.severity.value,
        e.status.value,
        r.type,
        r.id,
        r.name,
        r.account_id or "",
        r.region or "",
        r.provenance.file or "",
        r.provenance.line if r.provenance.line is not None else "",
        e.reason,
        "true" if s is not None else "false",
        s.reason if s is not None else "",
        e.control.doc_url,
    ]


def safe_cell(value: str | int) -> str | int:
    """A cell a spreadsheet shows as the text it is: escaped, never a formula, UTF-8."""
    if not isinstance(value, str):
        return value
    text = clean(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text
