"""Tags: AddTags for the tagging controls, and the tags a replacement copies.

A replacement (notebook, model, endpoint config, job definition) carries the user tags
of the resource it replaces: the plan names the source (`CopyTagsFrom`), read at apply.
"""

from __future__ import annotations

from typing import Any

from .. import live
from ..context import Result, StepRun, valid
from ..live import user_tags
from ..shell import Section, Writer, dumps, q
from .base import StepKind, register


def with_tags(x: StepRun, params: dict[str, Any]) -> dict[str, Any]:
    """Resolve CopyTagsFrom into the tags that resource carries now."""
    out = dict(params)
    source = out.pop("CopyTagsFrom", None)
    if source:
        tags = user_tags(live.list_tags(x.sm, str(source)))
        if tags:
            out["Tags"] = tags
    return out


@register
class AddTags(StepKind):
    name = "AddTags"
    permissions = ("ListTags", "AddTags", "DeleteTags")

    def do(self, x: StepRun) -> Result:
        arn = str(x.step.params["ResourceArn"])
        have = {t["Key"] for t in live.list_tags(x.sm, arn)}
        add = [t for t in x.step.params["Tags"] if t["Key"] not in have]
        if add:
            x.sm.add_tags(**valid("AddTags", {"ResourceArn": arn, "Tags": add}))
        return {"added": [t["Key"] for t in add]}

    def undo(self, x: StepRun) -> Result:
        """Remove the keys the step added (those the resource did not carry before)."""
        arn = str(x.step.params["ResourceArn"])
        before = {t["Key"] for t in x.backup_tags(arn) or []}
        keys = [t["Key"] for t in x.step.params["Tags"] if t["Key"] not in before]
        have = {t["Key"] for t in live.list_tags(x.sm, arn)}
        remove = [k for k in keys if k in have]
        if remove:
            x.sm.delete_tags(ResourceArn=arn, TagKeys=remove)
        return {"removed": remove}

    def script(self, w: Writer, sec: Section) -> None:
        p = sec.step.params
        sec.add(
            "# AddTags is idempotent: a re-run sets the same values again",
            f"sw_aws sagemaker add-tags --resource-arn {q(str(p.get('ResourceArn', '')))} "
            f"--tags {q(dumps(p.get('Tags') or []))}",
        )
