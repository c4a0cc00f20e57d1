"""Tagged kinds (app image configs, images): the missing tag keys added in place."""

from __future__ import annotations

from sagewarden.kinds import IN_PLACE

from ..steps import Phase, Step
from .document import ResourcePlan
from .target import Context, Target, new_plan

MAX_TAGS = 50


def plan(t: Target, ctx: Context) -> ResourcePlan:
    """AddTags with the keys the controls require (or the --tag keys the resource lacks),
    never removing or overwriting a tag."""
    given = ctx.tags
    r = t.resource
    rp = new_plan(t, IN_PLACE)
    existing = {k for k in (r.tags or {}) if not k.startswith("aws:")}
    required: list[str] = []
    for e in t.evaluations:
        for k in dict(e.parameters).get("requiredKeyTags") or ():
            if k not in required:
                required.append(str(k))
    if required:
        missing = [k for k in required if k not in existing]
        add = {k: given[k] for k in missing if k in given}
        absent = [k for k in missing if k not in given]
        if absent:
            rp.blocked = "no value for required tag key(s) " + ", ".join(absent) + ": give --tag"
    else:
        add = {k: v for k, v in given.items() if k not in existing}
        if not add:
            rp.blocked = "no tags to add: give --tag KEY=VALUE"
    total = len(existing) + len(add)
    if total > MAX_TAGS and not rp.blocked:
        rp.blocked = f"the resource would carry {total} tags (at most {MAX_TAGS})"
    params = {
        "ResourceArn": r.arn or r.id,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(add.items())],
    }
    rp.steps.append(
        Step(
            "AddTags",
            params,
            t.controls,
            Phase.IN_PLACE,
            operation="AddTags",
            detail="adds the missing keys only; existing tags are untouched",
            iac_note="add the tags in the template too, or the next apply may remove them",
        )
    )
    return rp
