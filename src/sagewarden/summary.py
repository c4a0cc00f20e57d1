"""Counts over a set of evaluations, shared by every output format.

Input problems (exit code 2) and scopes that could not be read (exit code 3) are counted
beside the verdicts, so no summary of a run that missed something reads as all clear.
`problem_kinds` is the one rule for which of those a run had: its diagnostics and its
ERROR verdicts alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sagewarden.catalog import Severity
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.verdicts import Evaluation, Status


def summarize(
    evaluations: Sequence[Evaluation], diagnostics: Sequence[Diagnostic] = ()
) -> dict[str, Any]:
    by_status: Counter[str] = Counter()
    failed_by_severity: Counter[str] = Counter()
    by_control: dict[str, Counter[str]] = {}
    resources: set[tuple[str | None, ...]] = set()
    suppressed = 0
    for e in evaluations:
        suppressed += e.suppression is not None
        by_status[e.status.value] += 1
        by_control.setdefault(e.control.id, Counter())[e.status.value] += 1
        r = e.resource  # logical ids repeat across templates: the file is part of the key
        resources.add((r.type, r.id, r.provenance.file, r.account_id, r.region))
        if e.status is Status.FAILED:
            failed_by_severity[e.control.severity.value] += 1
    return {
        "resources": len(resources),
        "evaluations": len(evaluations),
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "suppressed": suppressed,
        "failed_by_severity": {
            s.value: failed_by_severity.get(s.value, 0)
            for s in sorted(Severity, key=lambda s: -s.rank)
            if s is not Severity.CRITICAL
        },
        "by_control": {
            cid: {s.value: c.get(s.value, 0) for s in Status if c.get(s.value, 0)}
            for cid, c in sorted(by_control.items(), key=lambda kv: int(kv[0].split(".")[1]))
        },
        "problems": {
            kind.value: sum(1 for d in diagnostics if d.kind is kind)
            for kind in (Kind.INPUT, Kind.SCOPE)
        },
    }


def problem_kinds(
    evaluations: Sequence[Evaluation], diagnostics: Sequence[Diagnostic] = ()
) -> frozenset[Kind]:
    """Kind.INPUT (exit code 2) and/or Kind.SCOPE (exit code 3) when the run had such a
    problem: a diagnostic of that kind, or an ERROR verdict of that class, whether or not
    anything was said about it, and whatever suppressions say (they never apply to ERROR).
    """
    kinds: set[Kind] = {d.kind for d in diagnostics if d.kind in (Kind.INPUT, Kind.SCOPE)}
    kinds.update(k for e in evaluations if (k := e.error_kind) is not None)
    return frozenset(kinds)


def summary_line(summary: dict[str, Any]) -> str:
    s = summary["by_status"]
    sev = ", ".join(f"{n} {name.lower()}" for name, n in summary["failed_by_severity"].items() if n)
    failed = f"{s['FAILED']} failed" + (f" ({sev})" if sev else "")
    if summary.get("suppressed"):
        failed += f", {summary['suppressed']} suppressed"
    if summary.get("baselined"):
        failed += f", {summary['baselined']} baselined"
    parts = [f"{s['PASSED']} passed", failed, f"{s['NOT_APPLICABLE']} not applicable"]
    if s["UNKNOWN"]:
        parts.append(f"{s['UNKNOWN']} unknown")
    parts.append(f"{s['ERROR']} error" + ("" if s["ERROR"] == 1 else "s"))
    res = summary["resources"]
    ev = summary["evaluations"]
    problems = summary.get("problems", {})
    said = [
        f"{n} {what}{'' if n == 1 else 's'}"
        for n, what in (
            (problems.get("input", 0), "input problem"),
            (problems.get("scope", 0), "read failure"),
        )
        if n
    ]
    return (
        f"{res} resource{'' if res == 1 else 's'}, {ev} evaluation{'' if ev == 1 else 's'}: "
        + ", ".join(parts)
        + (f"; {', '.join(said)} (see stderr)" if said else "")
    )
