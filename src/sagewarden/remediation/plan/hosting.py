"""Models and endpoint configurations: immutable, so blue/green. A new model (or config)
with the fixes' fields set, every endpoint moved by UpdateEndpoint, the old ones deleted
last; an endpoint config that uses a replaced model is replaced with it."""

from __future__ import annotations

from collections.abc import Mapping

from sagewarden.catalog import AT_LEAST
from sagewarden.kinds import kind
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT

from ..steps import Phase, Step
from . import fixes
from .document import ResourcePlan
from .target import (
    Context,
    ModelKey,
    NameKey,
    Target,
    blue_green,
    copy_tags,
    name_of,
    replacement,
)

_VARIANTS = ("ProductionVariants", "ShadowProductionVariants")
# What a model with a fixed field must be ready for, by field.
_MODEL_WARNINGS = {
    "EnableNetworkIsolation": (
        "with network isolation the container has no network and no AWS credentials: a model "
        "that fetches anything at run time (S3, packages, other services) will break"
    )
}


def config_models(r: Resource) -> list[str]:
    names: list[str] = []
    for key in _VARIANTS:
        for v in r.properties.get(key) or []:
            if isinstance(v, dict) and isinstance(v.get("ModelName"), str):
                names.append(v["ModelName"])
    return names


def link_models(
    targets: dict[str, Target], known: Mapping[NameKey, Resource], taken: set[NameKey]
) -> tuple[dict[ModelKey, str], dict[ModelKey, list[str]]]:
    """Name the replacement models first, then plan a new config for every endpoint
    config in the scan that uses one (the model's, in the same account and region: the
    same names elsewhere are other models). Returns the renames and each model's users."""
    renames: dict[ModelKey, str] = {}
    replaced: dict[ModelKey, Target] = {}
    for t in targets.values():
        if t.resource.type == RT.MODEL:
            key = (name_of(t.resource), t.resource.account_id, t.resource.region)
            t.replacement = replacement(t.resource, taken)
            renames[key] = t.replacement
            replaced[key] = t
    users_of: dict[ModelKey, list[str]] = {}
    for r in known.values():
        if r.type != RT.ENDPOINT_CONFIG:
            continue
        for m in config_models(r):
            key = (m, *r.scope)
            if key in renames:
                users_of.setdefault(key, []).append(name_of(r))
                t = targets.setdefault(r.id, Target(r))
                t.via += [(c, f"uses model {m}") for c in replaced[key].failing()]
    return renames, users_of


def model(t: Target, ctx: Context) -> ResourcePlan:
    r = t.resource
    k = kind(r.type)
    old = name_of(r)
    new = t.replacement
    rp, params = blue_green(t)
    why = t.controls
    settings = t.settings()
    for s in settings:
        fixes.assign(params, s)
    params.update(copy_tags(r))
    rp.warnings += [_MODEL_WARNINGS[s.path] for s in settings if s.path in _MODEL_WARNINGS]
    fields = [s.path for s in settings]
    rp.steps.append(
        Step(
            "CreateModel",
            params,
            why,
            Phase.CREATE,
            operation=k.op("Create"),
            detail=f"{new}: same containers, role, VPC config and tags, "
            + ", ".join(fixes.phrase(s) for s in settings),
            iac_note=" and ".join(fields)
            + (
                " is a replacement property: set it"
                if len(fields) == 1
                else " are replacement properties: set them"
            )
            + " in the template",
        )
    )
    users = ctx.users_of.get((old, *r.scope), [])
    if not users:
        rp.steps.append(
            Step(
                "ReplaceModelInEndpointConfigs",
                {"From": old, "To": new},
                why,
                Phase.REPOINT,
                detail="at apply: find the endpoint configs using the model, create a copy "
                "of each with the new model, UpdateEndpoint every endpoint using them, wait "
                "InService, then delete the old configs",
                downtime="none expected (blue/green UpdateEndpoint)",
            )
        )
    else:
        rp.warnings.append("endpoint configs " + ", ".join(sorted(users)) + " move to " + new)
    rp.steps.append(
        Step(
            "DeleteModel",
            {k.name_property: old},
            why,
            Phase.DELETE_DEPENDENCY,
            operation=k.op("Delete"),
            condition="only when no endpoint config references it any more",
        )
    )
    return rp


def endpoint_config(t: Target, ctx: Context) -> ResourcePlan:
    r = t.resource
    k = kind(r.type)
    old = name_of(r)
    new = t.replacement
    rp, params = blue_green(t)
    why = t.why
    for key in _VARIANTS:
        for v in params.get(key) or []:
            if not isinstance(v, dict):
                continue
            renamed = ctx.model_renames.get((str(v.get("ModelName")), *r.scope))
            if renamed:
                v["ModelName"] = renamed
    raised: list[str] = []
    bounded = False
    for s in t.settings():
        for c in fixes.assign(params, s):
            raised.append(f"{c.holder.get('VariantName', '?')} {c.old} -> {c.new}")
            bounded = bounded or s.bound == AT_LEAST
    params.update(copy_tags(r))
    cost = None
    if bounded:
        cost = "at least doubles the instances: " + "; ".join(raised)
        rp.warnings.append(f"cost: {cost}")
        rp.warnings.append(
            "auto-scaled variants: re-register scaling on the new variant (or keep it with "
            "RetainAllVariantProperties, which would also keep the old instance count)"
        )
    rp.warnings.append(f"endpoint configs are immutable: the replacement is named {new}")
    rp.steps.append(
        Step(
            "CreateEndpointConfig",
            params,
            why,
            Phase.CREATE,
            operation=k.op("Create"),
            cost=cost,
            detail=f"{new}: " + ("; ".join(raised) or "same variants, new models"),
            iac_note="set the instance counts / model in the template (an endpoint config "
            "change is a replacement there too)",
        )
    )
    rp.steps.append(
        Step(
            "UpdateEndpoints",
            {"From": old, "To": new},
            why,
            Phase.REPOINT,
            downtime="none expected: UpdateEndpoint is blue/green",
            detail="at apply: every endpoint using the old config (ListEndpoints + "
            "DescribeEndpoint), UpdateEndpoint to the new one, wait InService",
        )
    )
    rp.steps.append(
        Step(
            "DeleteEndpointConfig",
            {k.name_property: old},
            why,
            Phase.DELETE,
            operation=k.op("Delete"),
            condition="only when no endpoint uses it any more",
        )
    )
    return rp
