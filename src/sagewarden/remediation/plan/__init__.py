"""Failing verdicts of live resources -> an ordered remediation plan.

Pure: no AWS calls. What only a fresh read can settle (which endpoints use a config, which
schedules reference a job definition, the notebook's status at apply) is modelled as a
step resolved at apply, or a step with a `condition`.

Each kind has a small planner (PLANNERS, keyed by resource type from kinds.KINDS) that
reads the failing controls' fixes as data (catalog.Fix): the fields they set, and the
kind's strategy, per the spec ("Fixing (what can change in place)"):

* in place: a notebook's fields UpdateNotebookInstance takes (stop, update, start),
  AddTags, an inline monitoring job (UpdateMonitoringSchedule);
* blue/green: models, endpoint configs and job definitions (a new one, users repointed,
  the old deleted last);
* rebuild: a notebook field the Update call cannot change (a new notebook with every fix
  at once), blocked without a backup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from sagewarden.kinds import KINDS, kind
from sagewarden.resources import Resource
from sagewarden.verdicts import Evaluation, Status

from .. import inputs
from ..steps import Skipped
from . import fixes, hosting, jobs, notebook, schedule, tags
from .carry import refuse_uncarriable, uncarriable
from .document import Plan, ResourcePlan
from .target import (
    LIVE_KINDS,
    Context,
    NameKey,
    Target,
    block,
    name_of,
    replacement,
    suppressed,
    suppression_text,
)
from .text import render_text

Planner = Callable[[Target, Context], ResourcePlan]
# The module that plans each kind, by the label kinds.py gives it.
_BY_LABEL: Mapping[str, Planner] = {
    "notebook": notebook.plan,
    "app-image-config": tags.plan,
    "image": tags.plan,
    "monitoring-schedule": schedule.plan,
    "model": hosting.model,
    "endpoint-config": hosting.endpoint_config,
    "job-definition": jobs.plan,
}
PLANNERS: Mapping[str, Planner] = MappingProxyType(
    {k.type: _BY_LABEL[k.label] for k in KINDS if k.label in _BY_LABEL}
)


def plan(
    evaluations: Sequence[Evaluation],
    *,
    tags: Mapping[str, str] | None = None,
    allow_rebuild: bool = False,
    backup: str | None = None,
    subnet: str | None = None,
    select: Callable[[Evaluation], bool] | None = None,
    include_suppressed: bool = False,
) -> Plan:
    """Plan fixes for the FAILED verdicts of live resources (those `select` accepts, when
    given; the others still tell the planner what uses what). A suppressed verdict is
    listed as skipped with its reason and expiry, and planned only with
    `include_suppressed` (the plan then says it overrides the suppression)."""
    if backup is not None and backup != "user" and not backup.startswith("s3://"):
        raise ValueError(f"backup must be an s3:// URI or 'user', not {backup!r}")
    given_tags = dict(tags or {})
    reserved = sorted(k for k in given_tags if k.lower().startswith("aws:"))
    if reserved:
        raise ValueError(f"tag keys starting with aws: are reserved: {', '.join(reserved)}")

    out = Plan()
    targets: dict[str, Target] = {}
    known: dict[NameKey, Resource] = {}
    for e in evaluations:
        r = e.resource
        if r.provenance.kind in LIVE_KINDS:
            known[(r.type, name_of(r), r.account_id, r.region)] = r
        if e.status is not Status.FAILED:
            continue
        if select is not None and not select(e):
            continue
        if e.suppression is not None and not include_suppressed:
            out.skipped.append(suppressed(e, e.suppression))
            continue
        if r.provenance.kind not in LIVE_KINDS:
            why = (
                "change the template (IaC is not changed by sagewarden)"
                if r.is_iac
                else f"not a live resource (source {r.provenance.kind})"
            )
            out.skipped.append(Skipped(e.control.id, r.id, why))
            continue
        t = targets.setdefault(r.id, Target(r))
        if e not in t.evaluations:
            t.evaluations.append(e)

    schedule.route_references(targets, known, out)
    taken: set[NameKey] = set(known)
    # Models first: endpoint configs that use a replaced model point at its new name.
    renames, users_of = hosting.link_models(targets, known, taken)
    ctx = Context(given_tags, allow_rebuild, backup, subnet, renames, users_of)

    plans: list[ResourcePlan] = []
    for t in targets.values():
        if not t.replacement:
            t.replacement = replacement(t.resource, taken)
        planner = PLANNERS.get(t.resource.type)
        if planner is None:  # pragma: no cover - every control's type has a planner
            continue
        rp = planner(t, ctx)
        for reason in fixes.blocked(t.evaluations):
            rp.blocked = f"{rp.blocked}; {reason}" if rp.blocked else reason
        refuse_uncarriable(rp)
        inputs.settle(rp)  # only inputs AWS can take: refused here, in one line, if not
        if rp.blocked:
            rp.steps = [s if s.blocked else block(s, rp.blocked) for s in rp.steps]
        rp.warnings[:0] = [
            f"{e.control.id} is suppressed ({suppression_text(e.suppression)}): planned "
            "because of --include-suppressed"
            for e in t.evaluations
            if e.suppression is not None
        ]
        plans.append(rp)
    plans.sort(key=lambda rp: (kind(rp.resource_type).fix_order, rp.resource_id))
    out.resources = plans
    return out


__all__ = [
    "PLANNERS",
    "Plan",
    "ResourcePlan",
    "plan",
    "refuse_uncarriable",
    "render_text",
    "suppression_text",
    "uncarriable",
]
