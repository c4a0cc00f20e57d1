"""What a run reports and judges, narrowed: `--severity`, `--status`, `--resource`.

--severity picks controls (as Prowler's does: fewer reads, and the exit status follows);
--resource keeps the verdicts of matching resources, and the exit status follows; --status
is a view of the report only, so a failure it hides still fails the run. ERROR verdicts are
never filtered away: a report never hides that something could not be read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sagewarden.catalog import CONTROLS, Severity, lookup
from sagewarden.resources import Resource
from sagewarden.verdicts import Evaluation, Status

SEVERITIES = tuple(s.value.lower() for s in sorted(Severity, key=lambda s: s.rank))
STATUSES = tuple(s.value for s in Status)


class FilterError(ValueError):
    """A filter value that names nothing: one usage line."""


@dataclass(frozen=True)
class Filters:
    severities: tuple[str, ...] = ()  # lower case; empty: every severity
    statuses: tuple[str, ...] = ()  # Status values; empty: every status
    resources: tuple[str, ...] = ()  # globs over id, ARN, name; empty: every resource

    def to_dict(self) -> dict[str, list[str]]:
        """The filters in effect, for the report's run metadata."""
        return {
            "severity": list(self.severities),
            "status": list(self.statuses),
            "resource": list(self.resources),
        }

    def judged(self, evaluations: Sequence[Evaluation]) -> list[Evaluation]:
        """The verdicts that count for the exit status: those of matching resources."""
        if not self.resources:
            return list(evaluations)
        return [e for e in evaluations if e.status is Status.ERROR or self._resource(e.resource)]

    def shown(self, evaluations: Sequence[Evaluation]) -> list[Evaluation]:
        """The verdicts the report shows: `judged`, then the statuses asked for."""
        judged = self.judged(evaluations)
        if not self.statuses:
            return judged
        return [e for e in judged if e.status is Status.ERROR or e.status.value in self.statuses]

    def _resource(self, r: Resource) -> bool:
        return any(r.matches(p) for p in self.resources)


def words(texts: Sequence[str]) -> list[str]:
    """Repeatable, comma-separated option values, as one list."""
    return [w.strip() for t in texts for w in t.split(",") if w.strip()]


def parse(severities: Sequence[str], statuses: Sequence[str], resources: Sequence[str]) -> Filters:
    """The filters from the option values; an unknown severity or status is a FilterError."""
    sev = [w.lower() for w in words(severities)]
    for w in sev:
        if w not in SEVERITIES:
            raise FilterError(f"--severity {w!r}: not a severity ({', '.join(SEVERITIES)})")
    st = [w.upper().replace(" ", "_") for w in words(statuses)]
    for w in st:
        if w not in STATUSES:
            raise FilterError(f"--status {w!r}: not a verdict ({', '.join(STATUSES)})")
    return Filters(
        tuple(dict.fromkeys(sev)), tuple(dict.fromkeys(st)), tuple(r for r in resources if r)
    )


def controls_of_severity(ids: Sequence[str], severities: Sequence[str]) -> tuple[str, ...]:
    """The control ids to run: those named (all when none) whose severity is asked for.
    An unknown id is kept, for the pipeline to say; none left is a FilterError."""
    if not severities:
        return tuple(ids)
    named = list(ids) if ids else [c.id for c in CONTROLS]
    kept = [
        cid for cid in named if (c := lookup(cid)) is None or c.severity.value.lower() in severities
    ]
    if not kept:
        raise FilterError(
            f"--severity {','.join(severities)}: no selected control has this severity"
        )
    return tuple(kept)
