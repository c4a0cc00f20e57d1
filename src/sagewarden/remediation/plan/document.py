"""A plan as data: one ResourcePlan per resource, and the Plan that orders their steps.

What `fix plan --format json` saves and `fix apply` reads back (from_dict refuses a
malformed file with one line); nothing here decides what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..steps import Skipped, Step


@dataclass
class ResourcePlan:
    resource_type: str
    resource_id: str
    name: str
    account_id: str | None
    region: str | None
    controls: tuple[str, ...]  # the failing controls this plan fixes
    strategy: str  # "in-place", "blue/green" or "rebuild"
    steps: list[Step] = field(default_factory=list)
    blocked: str | None = None
    warnings: list[str] = field(default_factory=list)
    new_name: str | None = None
    # Failing controls of the resource that this plan does not fix: id -> why, and what a
    # person does (fixes.held). The steps fix `controls` only.
    blocked_controls: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "name": self.name,
            "account_id": self.account_id,
            "region": self.region,
            "controls": list(self.controls),
            "strategy": self.strategy,
            "steps": [s.to_dict() for s in self.steps],
        }
        if self.new_name:
            out["new_name"] = self.new_name
        if self.blocked:
            out["blocked"] = self.blocked
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.blocked_controls:
            out["blocked_controls"] = dict(self.blocked_controls)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ResourcePlan:
        if not isinstance(d, dict):
            raise TypeError("a resource plan must be an object")
        for key in ("controls", "steps"):
            if not isinstance(d.get(key), list):
                raise TypeError(f"{key} must be a list")
        held = d.get("blocked_controls", {})
        if not isinstance(held, dict):
            raise TypeError("blocked_controls must be an object")
        rp = cls(
            resource_type=str(d["resource_type"]),
            resource_id=str(d["resource_id"]),
            name=str(d["name"]),
            account_id=_opt(d.get("account_id")),
            region=_opt(d.get("region")),
            controls=tuple(str(c) for c in d["controls"]),
            strategy=str(d["strategy"]),
            steps=[Step.from_dict(s) for s in d["steps"]],
            blocked=_opt(d.get("blocked")),
            warnings=[str(w) for w in d.get("warnings", [])],
            new_name=_opt(d.get("new_name")),
            blocked_controls={str(k): str(v) for k, v in held.items()},
        )
        return rp

    @property
    def key(self) -> str:
        """Identifies the resource plan within a plan (and a run's journal)."""
        return self.resource_id

    @property
    def where(self) -> str:
        """Its account and region, for messages: the same name can live in several."""
        return f"{self.account_id or '?'} {self.region or '?'}"


@dataclass
class Plan:
    resources: list[ResourcePlan] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # What the scan could not read (one line per account/region, or resource): what fails
    # there is unknown, so the plan is not the whole story.
    unread: list[str] = field(default_factory=list)

    @property
    def scopes(self) -> set[tuple[str | None, str | None]]:
        return {(rp.account_id, rp.region) for rp in self.resources}

    @property
    def blocked(self) -> list[ResourcePlan]:
        return [rp for rp in self.resources if rp.blocked]

    def ordered_steps(self) -> list[tuple[ResourcePlan, Step]]:
        """Every step of the plan in execution order: by phase, then resource, then step."""
        keyed = [
            ((s.phase, ri, si), rp, s)
            for ri, rp in enumerate(self.resources)
            for si, s in enumerate(rp.steps)
        ]
        keyed.sort(key=lambda t: t[0])
        return [(rp, s) for _, rp, s in keyed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "resources": [rp.to_dict() for rp in self.resources],
            "order": [
                {"resource_id": rp.resource_id, "action": s.action, "phase": s.phase.name.lower()}
                for rp, s in self.ordered_steps()
            ],
            "skipped": [s.to_dict() for s in self.skipped],
            "unread": list(self.unread),
        }

    @classmethod
    def from_dict(cls, d: Any) -> Plan:
        """A plan saved with `fix plan --format json`. ValueError says what is wrong."""
        if not isinstance(d, dict) or not isinstance(d.get("resources"), list):
            raise ValueError("not a sagewarden plan (no resources list)")
        try:
            resources = [ResourcePlan.from_dict(r) for r in d["resources"]]
            skipped = [Skipped.from_dict(s) for s in d.get("skipped", [])]
            unread = [str(u) for u in d.get("unread", [])]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"malformed plan: {what}") from None
        return cls(resources, skipped, unread)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)
