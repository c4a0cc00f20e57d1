"""One verdict: what a control function says about one resource, and why.

Apart from `verdicts` (evaluations and suppressions, which name their control) so that a
control unit can return a Verdict without importing the catalog it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sagewarden.diagnostics import Kind
from sagewarden.resources import NOT_RECORDED, Resource


class Status(str, Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    UNKNOWN = "UNKNOWN"  # an IaC value that cannot be known before deploy
    ERROR = "ERROR"  # malformed, or could not be read: never a pass, never exit code 0

    @property
    def security_hub(self) -> str:
        """Security Hub Compliance.Status for this verdict."""
        return _SECURITY_HUB[self]

    @property
    def config(self) -> str | None:
        """AWS Config ComplianceType, or None where Config has no equivalent."""
        return _CONFIG.get(self)


_SECURITY_HUB = {
    Status.PASSED: "PASSED",
    Status.FAILED: "FAILED",
    Status.UNKNOWN: "WARNING",
    Status.ERROR: "NOT_AVAILABLE",
    Status.NOT_APPLICABLE: "NOT_AVAILABLE",
}
_CONFIG = {
    Status.PASSED: "COMPLIANT",
    Status.FAILED: "NON_COMPLIANT",
    Status.NOT_APPLICABLE: "NOT_APPLICABLE",
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a control function returns: the engine adds control and resource."""

    status: Status
    reason: str
    # ERROR only: Kind.INPUT (bad input, exit code 2) or Kind.SCOPE (could not be read,
    # exit code 3); the engine fills it in when a control leaves it unset.
    problem: Kind | None = None


def default_problem(r: Resource) -> Kind:
    """The class of an ERROR nothing more specific classed: bad input when the resource
    came from a file the user gave (a template, a plan, Config data), could not be read
    when it came from a live account (AWS answered with something no control can read)."""
    if r.provenance.kind == "aws" or r.extra.get(NOT_RECORDED):
        return Kind.SCOPE
    return Kind.INPUT


def passed(reason: str) -> Verdict:
    return Verdict(Status.PASSED, reason)


def failed(reason: str) -> Verdict:
    return Verdict(Status.FAILED, reason)


def not_applicable(reason: str) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, reason)


def unknown(reason: str) -> Verdict:
    return Verdict(Status.UNKNOWN, reason)


def error(reason: str, problem: Kind | None = None) -> Verdict:
    return Verdict(Status.ERROR, reason, problem)
