"""The human report: grouped by severity and control, a row per finding, fitted to the
terminal's width (`wrap`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from rich.cells import cell_len

from sagewarden.catalog import BY_ID, Severity
from sagewarden.diagnostics import Diagnostic
from sagewarden.locations import where_text
from sagewarden.outputs.escaping import clean, shorten
from sagewarden.outputs.terminal import BOLD, CYAN, DIM, GREEN, MAGENTA, RED, YELLOW, Style
from sagewarden.outputs.wrap import Piece, block, words
from sagewarden.summary import summary_line
from sagewarden.verdicts import Evaluation, Status

_STATUS_STYLE = {
    Status.PASSED: (GREEN,),
    Status.FAILED: (RED, BOLD),
    Status.NOT_APPLICABLE: (DIM,),
    Status.UNKNOWN: (YELLOW,),
    Status.ERROR: (MAGENTA, BOLD),
}
_SEVERITY_STYLE = {
    Severity.CRITICAL: (RED, BOLD),
    Severity.HIGH: (RED,),
    Severity.MEDIUM: (YELLOW,),
    Severity.LOW: (CYAN,),
}
_QUIET = (Status.PASSED, Status.NOT_APPLICABLE)
_NAME_WIDTH = 40  # the widest a name column grows; a longer name is shortened
_STATUS_WIDTH = 14  # "NOT APPLICABLE"
_ROW_HEAD = 2 + _STATUS_WIDTH + 2  # indentation, status and the gap after it
_UNDER = 4  # the indentation of a reason under its row
_MIN_REASON = 24  # narrower than this, a reason goes under its row instead of beside it


def render(
    out: IO[str],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
    color: bool,
    verbose: bool = False,
    width: int | None = None,
) -> None:
    """The report in lines of at most `width` cells (None: one line per finding, however
    long): reasons word-wrapped under their row, a shortened name given whole below it."""
    st = Style(color)
    groups: dict[str, list[Evaluation]] = {}
    for e in evaluations:
        groups.setdefault(e.control.id, []).append(e)
    order = sorted(groups, key=lambda cid: (-BY_ID[cid].severity.rank, BY_ID[cid].number))

    def write(lines: list[str]) -> None:
        out.write("".join(line + "\n" for line in lines))

    for cid in order:
        control = BY_ID[cid]
        rows = groups[cid]
        counts = summary["by_control"].get(cid, {})
        tally = ", ".join(_count(n, s) for s, n in counts.items())
        sev = control.severity.value
        head = [Piece(cid, (BOLD,), 0), Piece(sev, _SEVERITY_STYLE[control.severity], 2)]
        body = [*words(control.title, gap=2 + 6 - len(sev)), Piece(f"({tally})", (DIM,), 2)]
        write(block(head, body, width, st))
        absent = sorted({e.resource.region or "" for e in rows if not e.security_hub_offered})
        if absent:
            note = (
                f"Security Hub does not offer {cid} in {', '.join(absent)}; "
                "sagewarden evaluated it there anyway"
            )
            write(block([Piece("note:", (DIM,), 2)], words(note, DIM), width, st))
        shown = rows if verbose else [e for e in rows if e.status not in _QUIET]
        if not shown:
            continue
        full = [clean(e.resource.name) for e in shown]
        name_width = min(_NAME_WIDTH, max(cell_len(n) for n in full))
        # Reasons beside their rows when there is room; on a narrow terminal, under them
        # (and the name as wide as the line allows).
        beside = width is None or width - _ROW_HEAD - name_width - 2 >= _MIN_REASON
        if not beside:
            assert width is not None
            name_width = width - _ROW_HEAD
        for e, name in zip(shown, full, strict=True):
            write(_row(e, name, name_width, width, beside, st))
    if evaluations:
        out.write("\n")
    elif not diagnostics:
        nothing = "No SageMaker resources found for the selected controls."
        write(block([], words(nothing, gap=0), width, st))
    write(block([], words(summary_line(summary), gap=0), width, st))


def _row(
    e: Evaluation, name: str, name_width: int, width: int | None, beside: bool, st: Style
) -> list[str]:
    """One finding: status, name and reason, the reason wrapped beside the row or under
    it; a name too long for its column shortened, and given whole on a line below."""
    status = e.status.value.replace("_", " ")
    reason = e.reason
    if e.suppression is not None:
        status = "SUPPRESSED"
        expiry = f", until {e.suppression.expires}" if e.suppression.expires else ""
        reason += f" (suppressed: {e.suppression.reason}; {e.suppression.source}{expiry})"
    reason += " (baselined: in the --baseline report)" if e.baselined else ""
    shown = name if cell_len(name) <= name_width else _shorten(e.resource.name, name_width)
    head = [
        Piece(status, _STATUS_STYLE[e.status], 2),
        Piece(shown, (), 2 + _STATUS_WIDTH - len(status)),
    ]
    body = words(clean(reason), gap=2 + max(0, name_width - cell_len(shown)))
    where = _where(e)
    if where:
        body.append(Piece(f"[{where}]", (DIM,), 2))
    lines = block(head, body, width, st, beside=beside, under=_UNDER)
    if shown != name and width is not None:  # under the shortened name
        lines += block([], [Piece("name:", (DIM,), _ROW_HEAD), *words(name)], width, st)
    return lines


def _shorten(name: str, width: int) -> str:
    """The name in at most `width` cells (`escaping.shorten` counts characters: a name
    of wide characters is cut further until it fits)."""
    shown = shorten(name, width)
    cut = width
    while cell_len(shown) > width and cut > 1:
        cut -= 1
        shown = shorten(name, cut)
    return shown


def _where(e: Evaluation) -> str:
    r = e.resource
    # A template's file line first: a CDK stack's environment gives it an account and Region
    # too, but a person edits the file.
    if r.provenance.file and (r.is_iac or not (r.account_id or r.region)):
        where = clean(where_text(e) or r.provenance.file)
    elif r.account_id or r.region:
        where = "/".join(clean(x) for x in (r.account_id, r.region) if x)
    else:
        return ""
    return where


def _count(n: int, status: str) -> str:
    """ "2 failed", "1 error", "2 errors": statuses are adjectives, ERROR a noun."""
    word = status.lower().replace("_", " ")
    return f"{n} {word}{'s' if word == 'error' and n != 1 else ''}"
