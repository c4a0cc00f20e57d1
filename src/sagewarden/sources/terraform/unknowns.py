"""Values known only after apply: `after` merged with `after_unknown`.

Where `after_unknown` marks a value, the property holds an `UnresolvedValue` whose reason
names the reference it comes from (and, when that is a resource of the plan, `target` is
its address), so a control that depends on it answers UNKNOWN instead of guessing. A value
the configuration does not set at all is a default the provider fills in at apply: it is
left out, so the controls apply the AWS default, as for any unset field. The module
docstring of `sagewarden.sources.terraform` gives the whole rule.
"""

from __future__ import annotations

from typing import Any

from sagewarden.sources.terraform.expressions import (
    AFTER_APPLY,
    UNSET,
    UNSET_IN_CONSTANT,
    Path,
    all_refs,
    expression_at,
    feeds,
    is_expression,
    unknown_leaves,
    walk,
    why,
)
from sagewarden.sources.terraform.index import Context, PlanIndex
from sagewarden.unknowns import UnresolvedValue

# Attributes the provider computes and the configuration never sets.
_COMPUTED_ONLY = frozenset({"tags_all"})


def merge(value: Any, unknown: Any, path: Path, ctx: Context, plan: PlanIndex) -> Any:
    """`after` with a placeholder wherever `after_unknown` has a true leaf (UNSET where the
    configuration does not set it)."""
    if unknown is True:
        return _placeholder(path, ctx, plan)
    if isinstance(unknown, dict) and unknown:
        base = dict(value) if isinstance(value, dict) else {}
        for k, u in unknown.items():
            merged = merge(base.get(k), u, (*path, k), ctx, plan)
            if merged is UNSET:
                base.pop(k, None)
            else:
                base[k] = merged
        return base
    if isinstance(unknown, list) and isinstance(value, list) and unknown:
        out: list[Any] = []
        for i in range(max(len(value), len(unknown))):
            v = value[i] if i < len(value) else None
            u = unknown[i] if i < len(unknown) else False
            merged = merge(v, u, (*path, i), ctx, plan)
            out.append(None if merged is UNSET else merged)
        return out
    return value


def _placeholder(path: Path, ctx: Context, plan: PlanIndex) -> Any:
    if ctx.config is None or path[0] in _COMPUTED_ONLY:
        return UnresolvedValue(AFTER_APPLY)
    expr, depth = expression_at(ctx.config.get("expressions"), path)
    if expr is UNSET_IN_CONSTANT:
        return UNSET
    if expr is UNSET:
        block = ".".join(s for s in path[: depth + 1] if isinstance(s, str))
        if (depth + 1 < len(path) and isinstance(path[depth + 1], int)) or (
            block in ctx.tmap.objects
        ):
            # A block the configuration does not show may come from a `dynamic` block.
            return UnresolvedValue(AFTER_APPLY)
        return UNSET  # not set in the configuration: a default filled in at apply
    refs = all_refs(expr)
    exact = depth == len(path) and is_expression(expr)
    if is_expression(expr) and any(isinstance(step, str) for step in path[depth:]):
        # One expression sets a whole object (awscc): which of its fields it sets,
        # only the references can tell.
        fed = _feeding(refs, path, depth, ctx, plan)
        if fed is None:
            return UNSET
        refs, exact = fed
    target = plan.target(refs, ctx)
    return UnresolvedValue(why(refs, exact, target), target=target)


def _feeding(
    refs: list[str], path: Path, depth: int, ctx: Context, plan: PlanIndex
) -> tuple[list[str], bool] | None:
    """The references that may set the unknown field at `path` of an object expression.

    None when none can: every unknown input is accounted for by another field (matched
    by name: `monitoring_job_definition_name` <- `...dq.job_definition_name`), so the
    field is unset and the provider fills in a default.
    """
    unknown_refs = [r for r in refs if plan.may_be_unknown(r, refs, ctx)]
    if not unknown_refs:
        return None
    field = next(s for s in reversed(path) if isinstance(s, str))
    mine = [r for r in unknown_refs if feeds(r, field)]
    if mine:
        return mine, True
    leaves = set(unknown_leaves(walk(ctx.unknown, path[:depth])))
    if all(any(feeds(r, leaf) for leaf in leaves) for r in unknown_refs):
        return None
    return unknown_refs, False
