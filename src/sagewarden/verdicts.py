"""Verdicts of a scan: an evaluation (a control, a resource, its verdict) and suppressions.

One verdict (Status, Verdict and its constructors) is in `sagewarden.verdict`, which the
control units import; it is re-exported here for the rest of the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagewarden.controls.base import Control
from sagewarden.diagnostics import Kind
from sagewarden.resources import Resource
from sagewarden.sources.property_lines import span_of
from sagewarden.verdict import (
    Status,
    Verdict,
    default_problem,
    error,
    failed,
    not_applicable,
    passed,
    unknown,
)

__all__ = [
    "Evaluation",
    "Status",
    "Suppression",
    "Verdict",
    "default_problem",
    "error",
    "failed",
    "not_applicable",
    "passed",
    "unknown",
]


@dataclass(frozen=True, slots=True)
class Suppression:
    """A decision to accept a failure: reported, never hidden, and not failing the run."""

    control: str  # "SageMaker.3", or "*" for every control
    reason: str
    source: str  # where it was declared: "template" or ".sagewarden.yaml:LINE"
    resource: str | None = None  # glob over resource id, ARN or name (config file only)
    expires: str | None = None  # ISO date; after it the suppression no longer applies
    # Config file only: the scope it mutes (empty: any). Every given tag must match (its
    # value a glob); a resource whose account, Region or tags are not known never matches.
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()  # (key, value glob), keys exact

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reason": self.reason, "source": self.source}
        if self.expires:
            out["expires"] = self.expires
        return out


@dataclass(frozen=True, slots=True)
class Evaluation:
    control: Control
    resource: Resource
    status: Status
    reason: str
    parameters: tuple[tuple[str, Any], ...] = ()
    suppression: Suppression | None = None  # set only on FAILED or UNKNOWN verdicts
    problem: Kind | None = None  # ERROR only: see Verdict.problem
    baselined: bool = False  # failing in the --baseline report too: not a new finding

    @property
    def counts_as_failure(self) -> bool:
        return self.status is Status.FAILED and self.suppression is None

    @property
    def error_kind(self) -> Kind | None:
        """For an ERROR, whether it is bad input (exit 2) or a read failure (exit 3);
        None for every other verdict. Suppressions never change it."""
        if self.status is not Status.ERROR:
            return None
        return self.problem or default_problem(self.resource)

    @property
    def security_hub_offered(self) -> bool:
        """False when the resource's Region is one where Security Hub does not offer the
        control (sagewarden evaluates it anyway); True when it does or the Region is not
        known (a template)."""
        region = self.resource.region
        return region is None or self.control.offered(region)

    def to_dict(self) -> dict[str, Any]:
        r = self.resource
        source: dict[str, Any] = r.provenance.to_dict()
        if r.account_id is not None:
            source["account_id"] = r.account_id
        if r.region is not None:
            source["region"] = r.region
        if r.arn is not None:
            source["arn"] = r.arn
        out: dict[str, Any] = {
            "control": self.control.id,
            "title": self.control.title,
            "resource_type": r.type,
            "resource_id": r.id,
            "resource_name": r.name,
            "status": self.status.value,
            "severity": self.control.severity.value,
            "reason": self.reason,
            "source": source,
        }
        span = span_of(r, self.control)
        if span is not None:  # the judged property's lines in the template
            out["location"] = {"file": r.provenance.file, **span.to_dict()}
        kind = self.error_kind
        if kind is not None:
            out["problem"] = kind.value  # "input" (exit code 2) or "scope" (exit code 3)
        if self.parameters:
            out["parameters"] = {k: v for k, v in self.parameters}
        if self.suppression is not None:
            out["suppressed"] = self.suppression.to_dict()
        if not self.security_hub_offered:
            out["security_hub_offered"] = False  # Security Hub has no such finding here
        if self.baselined:
            out["baselined"] = True  # in the --baseline report already: does not fail the run
        return out
