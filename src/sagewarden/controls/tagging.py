"""App image configs and images: SageMaker.6 and .7 (tagging)."""

from __future__ import annotations

from typing import Any

from sagewarden.controls import Context, control
from sagewarden.resources import Resource
from sagewarden.values import settled, tag_keys
from sagewarden.verdicts import Status, Verdict, error, failed, passed, unknown


def tagged(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    tags, unresolved = r.tags, bool(r.extra.get("tags_unresolved"))
    if "tags_choice" in r.extra:  # IaC tags that differ by condition: one option at a time
        tags, unresolved = tag_keys(settled(r.extra["tags_choice"], "Tags"))
    verdict = _tagged(tags, params)
    if verdict.status is Status.FAILED and unresolved:
        # Some keys are added at deploy (e.g. provider default tags from a variable).
        return unknown(f"{verdict.reason}, but some tag keys are known only at deploy")
    return verdict


def _tagged(tags: dict[str, str] | None, params: dict[str, Any]) -> Verdict:
    if tags is None:
        return error("tags are not recorded for this resource, so the tag keys cannot be checked")
    # System tags (aws:...) are ignored; keys are case-sensitive; values never matter.
    user_keys = [k for k in tags if not k.startswith("aws:")]
    required: tuple[str, ...] | None = params.get("requiredKeyTags")
    if not required:
        if not user_keys:
            if tags:
                return failed("only system (aws:) tags: the resource has no user tag")
            return failed("the resource has no tags")
        return passed(f"tagged with {len(user_keys)} user tag key(s)")
    missing = [k for k in required if k not in user_keys]
    if missing:
        lower = {k.lower(): k for k in user_keys}
        hints = [f"{lower[m.lower()]!r} differs in case" for m in missing if m.lower() in lower]
        hint = f" ({'; '.join(hints)}: tag keys are case-sensitive)" if hints else ""
        return failed("missing required tag key(s): " + ", ".join(missing) + hint)
    return passed("has every required tag key: " + ", ".join(required))


control("SageMaker.6")(tagged)
control("SageMaker.7")(tagged)
