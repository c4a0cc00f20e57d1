"""A Terraform resource's tag keys, as the two providers and the plan give them.

The tag controls read keys only (values never matter). hashicorp/aws: `tags_all`, which
includes the provider's `default_tags`; when `tags_all` is known only after apply, the keys
are those of `tags` plus the provider's `default_tags` read from the plan's configuration.
awscc: `tags`, a list of {key, value}. No tags in the plan means no tags ({}), never "not
recorded". When keys stay unknown, the keys known now are returned with why they may be
incomplete: a resource with the required keys passes, one without them may gain them.
"""

from __future__ import annotations

from typing import Any

from sagewarden.diagnostics import Diagnostics
from sagewarden.sensitive import SENSITIVE, Sensitive, SensitiveText
from sagewarden.sources.terraform.addresses import REF_VAR
from sagewarden.sources.terraform.expressions import AFTER_APPLY, refs
from sagewarden.sources.terraform.index import Context, PlanIndex, dig
from sagewarden.sources.terraform.mapping import AWS_PROVIDER
from sagewarden.unknowns import UnknownText, UnresolvedValue
from sagewarden.valuetext import a_kind

Tags = tuple[dict[str, str] | None, str | None]  # the keys, and why they may be incomplete


def read_tags(
    merged: dict[str, Any], ctx: Context, plan: PlanIndex, where: str, diags: Diagnostics
) -> Tags:
    """Tag keys, and why they may be incomplete (None when they are complete); problems
    with them are said at `where`."""
    if ctx.tmap.provider != AWS_PROVIDER:
        return _tag_list(merged.get("tags"), where, diags)
    tags_all = merged.get("tags_all")
    own = merged.get("tags")
    if isinstance(tags_all, dict):
        return _secret_as_in(_tag_map(tags_all), own), None
    if tags_all is not None and not isinstance(tags_all, UnresolvedValue):
        diags.add(where, f"tags_all is {a_kind(tags_all)}, not a map")
        return None, None
    if own is not None and not isinstance(own, (dict, UnresolvedValue)):
        diags.add(where, f"tags is {a_kind(own)}, not a map")
        return None, None
    known = _tag_map(own) if isinstance(own, dict) else {}
    if tags_all is None:  # no tags_all (an older provider): tags is all there is
        return known, f"tags {own.why}" if isinstance(own, UnresolvedValue) else None
    reasons: list[str] = []
    if isinstance(own, UnresolvedValue):
        reasons.append(f"tags {own.why}")
    defaults, why = _default_tags(ctx, plan)
    if why is not None:
        reasons.append(why)
    return {**defaults, **known}, "; ".join(reasons) or None


def _tag_list(raw: Any, where: str, diags: Diagnostics) -> Tags:
    """awscc tags: a list of {key, value}; no list means no tags."""
    if raw is None:
        return {}, None
    if isinstance(raw, UnresolvedValue):
        return {}, f"tags {raw.why}"
    if not isinstance(raw, list):
        diags.add(where, f"tags is {a_kind(raw)}, not a list of {{key, value}}")
        return None, None
    out: dict[str, str] = {}
    why: str | None = None
    for item in raw:
        key = item.get("key") if isinstance(item, dict) else item
        if isinstance(key, UnresolvedValue) or isinstance(item, UnresolvedValue):
            why = f"a tag key {AFTER_APPLY}"
            continue
        if not isinstance(item, dict) or not isinstance(key, str):
            diags.add(where, "tags is not a list of {key, value}")
            return None, None
        value = item.get("value")
        if isinstance(value, UnresolvedValue):
            out[key] = UnknownText()
        else:
            out[key] = value if isinstance(value, str) else ""
    return out, why


def _default_tags(ctx: Context, plan: PlanIndex) -> tuple[dict[str, str], str | None]:
    """The provider's default_tags keys from the configuration, and why not, if not."""
    if not plan.has_config or ctx.config is None:
        return {}, "the plan has no configuration to read the provider's default_tags from"
    key = ctx.config.get("provider_config_key")
    configs = dig(plan.doc, "configuration", "provider_config")
    if not isinstance(key, str) or not isinstance(configs, dict):
        return {}, None
    provider = configs.get(key)
    if (not isinstance(provider, dict) or "expressions" not in provider) and ":" in key:
        key = key.rsplit(":", 1)[1]  # a module's provider inherited from the root
        provider = configs.get(key)
    blocks = dig(provider, "expressions", "default_tags") if provider else None
    if not blocks:
        return {}, None
    if not isinstance(blocks, list) or not isinstance(blocks[0], dict):
        return {}, "the provider's default_tags cannot be read from the plan"
    expr = blocks[0].get("tags")
    if expr is None:
        return {}, None
    if isinstance(expr, dict) and isinstance(expr.get("constant_value"), dict):
        return _tag_map(expr["constant_value"]), None
    found = refs(expr)
    if len(found) == 1 and ":" not in key and (v := REF_VAR.fullmatch(found[0])):
        value = dig(plan.doc, "variables", v.group(1), "value")
        if isinstance(value, dict):
            return _tag_map(value), None
    return {}, "the provider's default_tags come from an expression not in the plan"


def _tag_map(raw: dict[str, Any]) -> dict[str, str]:
    # str() of a sensitive value is "(sensitive)": tag values never decide a verdict. A
    # value unknown before apply is UnknownText and a sensitive one stays marked, so a tag
    # suppression (which matches values) never matches either.
    return {k if isinstance(k, str) else str(k): _tag_value(v) for k, v in raw.items()}


def _tag_value(v: Any) -> str:
    if isinstance(v, UnresolvedValue):
        return UnknownText()
    if isinstance(v, Sensitive):
        return SensitiveText(SENSITIVE)
    return "" if v is None else str(v)


def _secret_as_in(tags: dict[str, str], own: Any) -> dict[str, str]:
    """tags_all with the keys `tags` marks sensitive kept secret: the provider copies them
    into tags_all without the mark."""
    if not isinstance(own, dict):
        return tags
    secret = {k for k, v in own.items() if isinstance(k, Sensitive) or isinstance(v, Sensitive)}
    return {
        (SensitiveText(k) if k in secret else k): (SensitiveText(SENSITIVE) if k in secret else v)
        for k, v in tags.items()
    }
