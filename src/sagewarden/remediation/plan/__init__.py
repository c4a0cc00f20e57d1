"""Failing verdicts of live resources -> an ordered remediation plan.

Pure: no AWS calls. What only a fresh read can settle (which endpoints use a config, which
schedules reference a job definition, the notebook's status at apply) is modelled as a
step resolved at apply, or a step with a `condition`.

Each kind has a small planner (PLANNERS, keyed by resource type from kinds.KINDS) that
reads the failing controls' fixes as data (catalog.Fix): the fields they set, and the
kind's strategy, per the spec ("Fixing (what can change in place)"):

* in place: a notebook's fields UpdateNotebookInstance takes (stop, update, start),
  AddTags, an inline monitoring job (UpdateMonitoringSchedule), an inference
  experiment's data capture (UpdateInferenceExperiment);
* blue/green: models, endpoint configs and job definitions (a new one, users repointed,
  the old deleted last);
* rebuild: a notebook field the Update call cannot change (a new notebook with every fix
  at once), blocked without a backup.

A control whose fix is blocked (`Fix.blocked`: a choice only a person can make) or needs
a value the user did not name is held: its resource's plan lists it with the reason and
fixes the others (a model failing SageMaker's private-registry rule still gets its
isolation fix).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from sagewarden.catalog import FROM_OPTION_KMS_KEY
from sagewarden.kinds import KINDS, REBUILD, kind
from sagewarden.resources import Resource
from sagewarden.verdicts import Evaluation, Status

from .. import inputs
from ..steps import Skipped
from . import experiments, fixes, hosting, jobs, notebook, schedule, tags
from .carry import refuse_uncarriable, uncarriable
from .document import Plan, ResourcePlan
from .target import (
    LIVE_KINDS,
    Context,
    NameKey,
    Target,
    block,
    name_of,
    new_plan,
    replacement,
    suppressed,
    suppression_text,
)
from .text import render_text

Planner = Callable[[Target, Context], ResourcePlan]
# The module that plans each kind, by the label kinds.py gives it. A kind whose every
# control's fix is blocked (feature groups) needs none: its failures are held.
_BY_LABEL: Mapping[str, Planner] = {
    "notebook": notebook.plan,
    "app-image-config": tags.plan,
    "image": tags.plan,
    "monitoring-schedule": schedule.plan,
    "model": hosting.model,
    "endpoint-config": hosting.endpoint_config,
    "job-definition": jobs.plan,
    "inference-experiment": experiments.plan,
}
PLANNERS: Mapping[str, Planner] = MappingProxyType(
    {k.type: _BY_LABEL[k.label] for k in KINDS if k.label in _BY_LABEL}
)
Held = list[tuple[Evaluation, str]]  # failing controls not fixed, and why (fixes.held)


def plan(
    evaluations: Sequence[Evaluation],
    *,
    tags: Mapping[str, str] | None = None,
    allow_rebuild: bool = False,
    backup: str | None = None,
    subnet: str | None = None,
    kms_key: str | None = None,
    select: Callable[[Evaluation], bool] | None = None,
    include_suppressed: bool = False,
) -> Plan:
    """Plan fixes for the FAILED verdicts of live resources (those `select` accepts, when
    given; the others still tell the planner what uses what). A suppressed verdict is
    listed as skipped with its reason and expiry, and planned only with
    `include_suppressed` (the plan then says it overrides the suppression). A control
    whose fix is blocked, or needs a value the user did not name (`kms_key`), is held:
    listed in its resource's plan with the reason, while the resource's other controls
    are fixed."""
    if backup is not None and backup != "user" and not backup.startswith("s3://"):
        raise ValueError(f"backup must be an s3:// URI or 'user', not {backup!r}")
    given_tags = dict(tags or {})
    reserved = sorted(k for k in given_tags if k.lower().startswith("aws:"))
    if reserved:
        raise ValueError(f"tag keys starting with aws: are reserved: {', '.join(reserved)}")
    given = {FROM_OPTION_KMS_KEY: kms_key} if kms_key else {}

    out = Plan()
    targets: dict[str, Target] = {}
    held: dict[str, Held] = {}
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
        reason = fixes.held(e, given)
        if reason is not None:
            if all(h is not e for h, _ in held.get(r.id, [])):
                held.setdefault(r.id, []).append((e, reason))
            continue
        t = targets.setdefault(r.id, Target(r))
        if e not in t.evaluations:
            t.evaluations.append(e)

    schedule.route_references(targets, known, out)
    taken: set[NameKey] = set(known)
    # Models first: endpoint configs that use a replaced model point at its new name.
    renames, users_of = hosting.link_models(targets, known, taken)
    ctx = Context(given_tags, allow_rebuild, backup, subnet, renames, users_of, given)

    plans: list[ResourcePlan] = []
    for t in targets.values():
        if not t.replacement:
            t.replacement = replacement(t.resource, taken)
        planner = PLANNERS.get(t.resource.type)
        if planner is None:  # pragma: no cover - every fixable control's type has a planner
            rp = new_plan(t, kind(t.resource.type).fix_strategy)
            rp.blocked = f"sagewarden has no fix for a {kind(t.resource.type).label}"
        else:
            rp = planner(t, ctx)
        _hold(rp, held.pop(t.resource.id, []))
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
    for items in held.values():
        rp = new_plan(Target(items[0][0].resource), items[0][0].control.fix.strategy)
        _hold(rp, items)
        rp.blocked = "; ".join(f"{c}: {why}" for c, why in rp.blocked_controls.items())
        refuse_uncarriable(rp)
        plans.append(rp)
    plans.sort(key=lambda rp: (kind(rp.resource_type).fix_order, rp.resource_id))
    out.resources = plans
    return out


def _hold(rp: ResourcePlan, items: Held) -> None:
    """List the held controls in the resource's plan, in control order. A rebuild that
    leaves one for lack of a value says that fixing it later takes another rebuild."""
    ordered = sorted(items, key=lambda item: item[0].control.number)
    rp.blocked_controls = {e.control.id: why for e, why in ordered}
    if rp.strategy == REBUILD and rp.steps:
        rp.warnings += [
            f"{e.control.id} is not fixed by this rebuild ({why}); fixing it later takes "
            "another rebuild"
            for e, why in ordered
            if not e.control.fix.blocked
        ]


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
