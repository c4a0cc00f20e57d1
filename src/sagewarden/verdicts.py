"""Verdicts: what a control says about one resource, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from sagewarden.catalog import Control
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


@dataclass(frozen=True, slots=True)
class Suppression:
    """A decision to accept a failure: reported, never hidden, and not failing the run."""

    control: str  # "SageMaker.3", or "*" for every control
    reason: str
    source: str  # where it was declared: "template" or ".sagewarden.yaml:LINE"
    resource: str | None = None  # glob over resource id, ARN or name (config file only)
    expires: str | None = None  # ISO date; after it the suppression no longer applies

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
        kind = self.error_kind
        if kind is not None:
            out["problem"] = kind.value  # "input" (exit code 2) or "scope" (exit code 3)
        if self.parameters:
            out["parameters"] = {k: v for k, v in self.parameters}
        if self.suppression is not None:
            out["suppressed"] = self.suppression.to_dict()
        return out
