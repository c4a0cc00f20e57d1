"""App image configs and images: SageMaker.6 and .7 (tagging), one check, two Controls."""

from __future__ import annotations

from typing import Any

from sagewarden.controls.base import (
    FROM_OPTION_TAGS,
    Context,
    Control,
    Fix,
    Parameter,
    ParamKind,
    Severity,
)
from sagewarden.kinds import IN_PLACE
from sagewarden.resources import TAGS_INVALID, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.tags import check_tag_keys, read_tag_keys, read_tags, tag_keys
from sagewarden.unknowns import settled
from sagewarden.values import NotRead
from sagewarden.verdicts import Status, Verdict, error, failed, passed, unknown


def tagged(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    """System tags (`aws:` keys) are ignored; keys are case-sensitive; values never
    matter. Without `requiredKeyTags`: FAILED when the resource has no user tag. With it:
    FAILED when any of those keys is missing. Tags that are malformed or not recorded are
    ERROR, never "no tags"; a failure that a tag added at deploy could mend is UNKNOWN."""
    tags, unresolved = r.tags, bool(r.extra.get("tags_unresolved"))
    if "tags_choice" in r.extra:  # IaC tags that differ by condition: one option at a time
        tags, unresolved = tag_keys(settled(r.extra["tags_choice"], "Tags"))
    if tags is None:
        return _no_tags(r)
    check_tag_keys(tags)  # a key "" or of 129 characters is malformed, never a tag
    verdict = _tagged(tags, params)
    if verdict.status is Status.FAILED and unresolved:
        # Some keys are added at deploy (e.g. provider default tags from a variable).
        return unknown(f"{verdict.reason}, but some tag keys are known only at deploy")
    return verdict


def _no_tags(r: Resource) -> Verdict:
    """No tags to check: malformed ones (bad input, said once) or none recorded (ERROR,
    read failure). Either way never a pass, and never "no tags"."""
    why = r.extra.get(TAGS_INVALID)
    if isinstance(why, str):  # the source said so in its own diagnostic
        return error(f"the tags are malformed: {why}")
    raw = r.extra.get("tags_choice", r.properties.get("Tags"))
    if r.is_iac and raw is not None:
        read_tag_keys(settled(raw, "Tags"))  # raises InvalidValue saying what is wrong
    elif raw is not None:  # a recorder that keeps them in the configuration
        read_tags(raw, "Tags")
    if r.is_iac or raw is not None:  # malformed, and said by the source
        return error("the tags are malformed, so the tag keys cannot be checked")
    raise NotRead("tags are not recorded, so the tag keys cannot be checked")


def _tagged(tags: dict[str, str], params: dict[str, Any]) -> Verdict:
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


_REQUIRED_KEY_TAGS = Parameter(
    name="requiredKeyTags",
    kind=ParamKind.STRING_LIST,
    description=(
        "Non-system tag keys the resource must carry (case sensitive, at most 6, "
        "none starting with aws:). Unset: the resource must carry at least one user tag."
    ),
    default=None,
    max_items=6,
    aliases=("requiredTagKeys",),
)
_ADD_TAGS = "In place: AddTags with the missing keys (no aws: keys, 50 tags at most)."
_TAG_FIX = Fix(IN_PLACE, (("Tags", FROM_OPTION_TAGS),))

APP_IMAGE_CONFIG_TAGGED = Control(
    id="SageMaker.6",
    title="SageMaker app image configurations should be tagged",
    description=(
        "Checks whether a SageMaker app image configuration has the tag keys given by "
        "requiredKeyTags, or any user tag when none are given. System tags (aws:) are "
        "ignored."
    ),
    severity=Severity.LOW,
    category="Identify > Inventory > Tagging",
    resource_type=RT.APP_IMAGE_CONFIG,
    config_rule="sagemaker-app-image-config-tagged",
    schedule="Change triggered",
    remediation=_ADD_TAGS,
    fix=_TAG_FIX,
    check=tagged,
    parameters=(_REQUIRED_KEY_TAGS,),
)

IMAGE_TAGGED = Control(
    id="SageMaker.7",
    title="SageMaker images should be tagged",
    description=(
        "Checks whether a SageMaker image has the tag keys given by requiredKeyTags, or "
        "any user tag when none are given. System tags (aws:) are ignored."
    ),
    severity=Severity.LOW,
    category="Identify > Inventory > Tagging",
    resource_type=RT.IMAGE,
    config_rule="sagemaker-image-tagged",
    schedule="Change triggered",
    remediation=_ADD_TAGS,
    fix=_TAG_FIX,
    check=tagged,
    parameters=(_REQUIRED_KEY_TAGS,),
)

CONTROLS = (APP_IMAGE_CONFIG_TAGGED, IMAGE_TAGGED)
