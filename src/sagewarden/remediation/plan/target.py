"""What every kind's planner shares: the resource being fixed (a Target), the user's
options (a Context) and the helpers that copy a resource into a Create call."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagewarden.catalog import Control
from sagewarden.kinds import kind, name_property
from sagewarden.resources import Resource
from sagewarden.verdicts import Evaluation, Suppression

from ..steps import Skipped, Step, new_name
from . import fixes
from .document import ResourcePlan

LIVE_KINDS = ("aws", "aws-config")
# Describe output that is not Create input.
_READ_ONLY = frozenset(
    {
        "CreationTime",
        "LastModifiedTime",
        "JobDefinitionArn",
        "ModelArn",
        "EndpointConfigArn",
        "NotebookInstanceArn",
        "MonitoringScheduleArn",
        "ResponseMetadata",
        "Tags",
        "DeploymentRecommendation",  # DescribeModel only
        "NotebookInstanceStatus",
        "Url",
        "NetworkInterfaceId",
        "FailureReason",
    }
)
# (type, name, account, region): what the scan saw, and the names replacements take.
NameKey = tuple[str, str, str | None, str | None]
# (model name, account, region)
ModelKey = tuple[str, str | None, str | None]


@dataclass
class Target:
    """A resource to fix: its failing verdicts, and what other resources' failures it
    fixes too (a referenced job definition fixes its schedules)."""

    resource: Resource
    evaluations: list[Evaluation] = field(default_factory=list)
    # Controls failing on another resource that this plan fixes: (control, "schedule X").
    via: list[tuple[Control, str]] = field(default_factory=list)
    inherited: list[fixes.Setting] = field(default_factory=list)  # their fixes, in our terms
    notes: list[str] = field(default_factory=list)  # warnings for the plan
    replacement: str = ""  # the new resource's name, for blue/green and rebuilds

    def failing(self) -> list[Control]:
        """The failing controls, each once, in number order."""
        return _ordered(e.control for e in self.evaluations)

    @property
    def controls(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.failing())

    @property
    def why(self) -> tuple[str, ...]:
        """What a step serves: the failing controls, then those fixed through this one."""
        return self.controls + tuple(f"{c.id} ({note})" for c, note in self.via)

    def settings(self) -> list[fixes.Setting]:
        """What the failing controls' fixes set on this resource."""
        return fixes.settings(self.evaluations) + self.inherited

    def fields(self) -> set[str]:
        return {s.top for s in self.settings()}


@dataclass(frozen=True)
class Context:
    """The user's options and what the whole scan says about other resources."""

    tags: Mapping[str, str] = field(default_factory=dict)
    allow_rebuild: bool = False
    backup: str | None = None
    subnet: str | None = None
    model_renames: Mapping[ModelKey, str] = field(default_factory=dict)
    users_of: Mapping[ModelKey, list[str]] = field(default_factory=dict)
    # The values the user named for fixes.NAMED_BY_USER markers ("--kms-key" -> the key).
    given: Mapping[str, str] = field(default_factory=dict)


def _ordered(controls: Iterable[Control]) -> list[Control]:
    unique = {c.id: c for c in controls}
    return sorted(unique.values(), key=lambda c: c.number)


def name_of(r: Resource) -> str:
    value = r.properties.get(name_property(r.type), r.name)
    return value if isinstance(value, str) else r.name


def new_plan(t: Target, strategy: str) -> ResourcePlan:
    r = t.resource
    ordered = _ordered([*t.failing(), *(c for c, _ in t.via)])
    ids = tuple(c.id for c in ordered)
    return ResourcePlan(r.type, r.id, name_of(r), r.account_id, r.region, ids, strategy)


def copy_tags(r: Resource) -> dict[str, Any]:
    """Tags for a Create call: the recorded ones, or a read at apply."""
    if r.tags is not None:
        user = {k: v for k, v in r.tags.items() if not k.startswith("aws:")}
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(user.items())]}
    return {"CopyTagsFrom": r.arn or r.id}  # ListTags at apply


def api_params(r: Resource) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in r.properties.items() if k not in _READ_ONLY}


def blue_green(t: Target) -> tuple[ResourcePlan, dict[str, Any]]:
    """The plan of an immutable resource and the Create input of its replacement: the
    recorded configuration under the new name (the caller sets the fixed fields)."""
    k = kind(t.resource.type)
    rp = new_plan(t, k.fix_strategy)
    rp.new_name = t.replacement
    params = api_params(t.resource)
    params[k.name_property] = t.replacement
    return rp, params


def replacement(r: Resource, taken: set[NameKey]) -> str:
    """`name-swN`, skipping names in use (seen by the scan, or given to another
    replacement); apply also refuses a plan whose replacement name is taken by then."""
    name = new_name(name_of(r))
    while (r.type, name, r.account_id, r.region) in taken:
        name = new_name(name)
    taken.add((r.type, name, r.account_id, r.region))
    return name


def block(s: Step, reason: str) -> Step:
    return Step(**{**{k: getattr(s, k) for k in Step.__dataclass_fields__}, "blocked": reason})


def suppression_text(sup: Suppression) -> str:
    """Where a suppression is declared, until when, and why."""
    until = f" until {sup.expires}" if sup.expires else ""
    return f"{sup.source}{until}: {sup.reason}"


def suppressed(e: Evaluation, sup: Suppression) -> Skipped:
    """A suppressed finding: never planned unless asked for, always listed."""
    return Skipped(
        e.control.id,
        e.resource.id,
        f"suppressed ({suppression_text(sup)}); --include-suppressed fixes it anyway",
        sup.to_dict(),
    )
