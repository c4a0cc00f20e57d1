"""The human report: grouped by severity and control, one line per finding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from sagewarden.catalog import BY_ID, Severity
from sagewarden.diagnostics import Diagnostic
from sagewarden.locations import where_text
from sagewarden.outputs.escaping import clean, shorten
from sagewarden.outputs.terminal import BOLD, CYAN, DIM, GREEN, MAGENTA, RED, YELLOW, Style
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
_NAME_WIDTH = 40


def render(
    out: IO[str],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
    color: bool,
    verbose: bool = False,
) -> None:
    st = Style(color)
    groups: dict[str, list[Evaluation]] = {}
    for e in evaluations:
        groups.setdefault(e.control.id, []).append(e)
    order = sorted(groups, key=lambda cid: (-BY_ID[cid].severity.rank, BY_ID[cid].number))
    write = out.write
    for cid in order:
        control = BY_ID[cid]
        rows = groups[cid]
        counts = summary["by_control"].get(cid, {})
        tally = ", ".join(_count(n, s) for s, n in counts.items())
        sev = control.severity.value
        write(
            f"{st(cid, BOLD)}  {st(sev.ljust(6), *_SEVERITY_STYLE[control.severity])}  "
            f"{control.title}  {st('(' + tally + ')', DIM)}\n"
        )
        absent = sorted({e.resource.region or "" for e in rows if not e.security_hub_offered})
        if absent:
            write(
                "  "
                + st(
                    f"note: Security Hub does not offer {cid} in {', '.join(absent)}; "
                    "sagewarden evaluated it there anyway",
                    DIM,
                )
                + "\n"
            )
        shown = rows if verbose else [e for e in rows if e.status not in _QUIET]
        if not shown:
            continue
        names = [_name(e) for e in shown]
        width = min(_NAME_WIDTH, max(len(n) for n in names))
        for e, name in zip(shown, names, strict=True):
            status = e.status.value.replace("_", " ")
            reason = e.reason
            if e.suppression is not None:
                status = "SUPPRESSED"
                expiry = f", until {e.suppression.expires}" if e.suppression.expires else ""
                reason += f" (suppressed: {e.suppression.reason}; {e.suppression.source}{expiry})"
            reason += " (baselined: in the --baseline report)" if e.baselined else ""
            write(
                f"  {st(status.ljust(14), *_STATUS_STYLE[e.status])}  "
                f"{name.ljust(width)}  {clean(reason)}{_where(e, st)}\n"
            )
    if evaluations:
        write("\n")
    elif not diagnostics:
        write("No SageMaker resources found for the selected controls.\n")
    write(summary_line(summary) + "\n")


def _name(e: Evaluation) -> str:
    return shorten(e.resource.name, _NAME_WIDTH)


def _where(e: Evaluation, st: Style) -> str:
    r = e.resource
    # A template's file line first: a CDK stack's environment gives it an account and Region
    # too, but a person edits the file.
    if r.provenance.file and (r.is_iac or not (r.account_id or r.region)):
        where = clean(where_text(e) or r.provenance.file)
    elif r.account_id or r.region:
        where = "/".join(clean(x) for x in (r.account_id, r.region) if x)
    else:
        return ""
    return "  " + st(f"[{where}]", DIM)


def _count(n: int, status: str) -> str:
    """ "2 failed", "1 error", "2 errors": statuses are adjectives, ERROR a noun."""
    word = status.lower().replace("_", " ")
    return f"{n} {word}{'s' if word == 'error' and n != 1 else ''}"
