"""The exit status of a run, from its verdicts and its diagnostics."""

from __future__ import annotations

from collections.abc import Sequence

from sagewarden.catalog import Severity
from sagewarden.diagnostics import Diagnostics, Kind
from sagewarden.exitstatus import ExitStatus
from sagewarden.summary import problem_kinds
from sagewarden.verdicts import Evaluation, Status

FAIL_ON = ("low", "medium", "high", "critical", "never")


def problem_status(evaluations: Sequence[Evaluation], diags: Diagnostics) -> ExitStatus:
    """BAD_INPUT for bad input, INCOMPLETE for something that could not be read (from the
    diagnostics and from every ERROR verdict's class alike), else SUCCESS."""
    kinds = problem_kinds(evaluations, diags.items)
    if Kind.INPUT in kinds:
        return ExitStatus.BAD_INPUT
    if Kind.SCOPE in kinds:
        return ExitStatus.INCOMPLETE
    return ExitStatus.SUCCESS


def exit_code(
    evaluations: Sequence[Evaluation],
    diags: Diagnostics,
    fail_on: str,
    fail_on_unknown: bool = False,
) -> ExitStatus:
    """The problems first (problem_status), else FAILED for a failure at or above
    `fail_on` (or an unsuppressed UNKNOWN with `fail_on_unknown`)."""
    problem = problem_status(evaluations, diags)
    if problem is not ExitStatus.SUCCESS:
        return problem
    if fail_on_unknown and any(
        e.status is Status.UNKNOWN and e.suppression is None for e in evaluations
    ):
        return ExitStatus.FAILED
    if fail_on == "never":
        return ExitStatus.SUCCESS
    threshold = Severity(fail_on.upper()).rank
    for e in evaluations:
        if e.counts_as_failure and e.control.severity.rank >= threshold:
            return ExitStatus.FAILED
    return ExitStatus.SUCCESS
