"""What a scan's reports show and what its exit status judges, once the CI options have
had their say: `--resource` and the baseline narrow what fails the run, `--status` only
what the reports show (see `filters`, `baseline`)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from sagewarden import baseline
from sagewarden.cli.environment import Environment
from sagewarden.filters import Filters
from sagewarden.outputs.runjson import run_document
from sagewarden.pipeline.scan import ScanOutcome
from sagewarden.summary import summarize, summary_line
from sagewarden.verdicts import Evaluation, Status


@dataclass(frozen=True)
class ReportView:
    judged: list[Evaluation]  # the verdicts of the resources asked for, baseline marked
    shown: list[Evaluation]  # those the reports show (--status)
    summary: dict[str, Any]  # of `shown`: every report counts what it shows
    judged_summary: dict[str, Any]  # of `judged`: the stderr line explains the exit status
    filters: Filters
    baseline: str | None = None
    baseline_findings: int = 0

    @classmethod
    def of(cls, args: argparse.Namespace, outcome: ScanOutcome) -> ReportView:
        filters: Filters = getattr(args, "filters", None) or Filters()
        keys: frozenset[str] | None = getattr(args, "baseline_keys", None)
        judged = filters.judged(outcome.evaluations)
        read = [e for e in outcome.evaluations if e.status is not Status.ERROR]
        if filters.resources and read and not any(e.status is not Status.ERROR for e in judged):
            # a typo in a glob must not make an empty, green report
            outcome.diagnostics.add(
                f"--resource {','.join(filters.resources)}",
                f"matches no resource of this scan ({outcome.resources} read)",
            )
        if keys is not None:
            judged = baseline.mark(judged, keys)
        shown = filters.shown(judged)
        diags = outcome.diagnostics.items
        # Counting 15,000 verdicts takes tens of ms: count again only what a filter changed
        # (the pipeline's summary counts every verdict and every diagnostic of the run).
        judged_summary = _counted(
            summarize(judged, diags) if filters.resources else dict(outcome.summary), judged, keys
        )
        shown_summary = (
            judged_summary
            if len(shown) == len(judged)
            else _counted(summarize(shown, diags), shown, keys)
        )
        return cls(
            judged,
            shown,
            shown_summary,
            judged_summary,
            filters,
            args.baseline if keys is not None else None,
            len(keys) if keys is not None else 0,
        )

    @property
    def failing(self) -> list[Evaluation]:
        """The verdicts the exit status is judged on: baselined findings are known."""
        return [e for e in self.judged if not e.baselined]

    def run_document(self, outcome: ScanOutcome) -> dict[str, Any] | None:
        if outcome.info is None:
            return None
        known = {"file": self.baseline, "findings": self.baseline_findings}
        return run_document(
            outcome.info, self.filters.to_dict(), known if self.baseline is not None else None
        )

    def stderr_line(self, outputs: dict[str, str | None]) -> str:
        """The run in one line: counts per verdict, and where the reports went."""
        files = [path for path in outputs.values() if path]
        where = f"report{'s' if len(files) > 1 else ''} in {', '.join(files)}" if files else ""
        shown = len(self.shown)
        if shown != len(self.judged):
            where = f"{where}; " if where else ""
            where += f"the report shows {shown} (--status {','.join(self.filters.statuses)})"
        line = summary_line(self.judged_summary)
        return f"{line}; {where}" if where else line


def summary_wanted(args: argparse.Namespace, env: Environment) -> bool:
    """The stderr summary line: whenever a report goes to a file, and on a terminal unless
    the table on it already ends with that line; never with -q. A report piped from stdout
    leaves stderr to the problems, as it always has (scripts read it)."""
    if args.quiet:
        return False
    if any(args.outputs.values()):
        return True
    return env.stderr_isatty and not (args.format == "table" and env.stdout.isatty())


def _counted(
    summary: dict[str, Any], evaluations: list[Evaluation], keys: frozenset[str] | None
) -> dict[str, Any]:
    """The summary, with the baselined findings counted when there is a baseline."""
    if keys is not None:
        summary["baselined"] = sum(e.baselined for e in evaluations)
    return summary
