"""Verdicts: what a control says about one resource, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from sagewarden.catalog import Control
from sagewarden.resources import Resource


class Status(str, Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    UNKNOWN = "UNKNOWN"  # an IaC value that cannot be known before deploy
    ERROR = "ERROR"  # the resource could not be read: never a pass

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


def passed(reason: str) -> Verdict:
    return Verdict(Status.PASSED, reason)


def failed(reason: str) -> Verdict:
    return Verdict(Status.FAILED, reason)


def not_applicable(reason: str) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, reason)


def unknown(reason: str) -> Verdict:
    return Verdict(Status.UNKNOWN, reason)


def error(reason: str) -> Verdict:
    return Verdict(Status.ERROR, reason)


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

    @property
    def counts_as_failure(self) -> bool:
        return self.status is Status.FAILED and self.suppression is None

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
        if self.parameters:
            out["parameters"] = {k: v for k, v in self.parameters}
        if self.suppression is not None:
            out["suppressed"] = self.suppression.to_dict()
        return out
