"""What the immutable resources share: models, endpoint configs and job definitions are
fixed by a replacement, created if absent and deleted unless something still uses it;
an undo deletes the replacement, or recreates the deleted resource from its backup.
Each family (`models.py`, `endpoints.py`, `jobdefs.py`) says what uses its resources.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sagewarden.kinds import Kind, kind, method
from sagewarden.sources.aws.described import find_arn

from ..context import Result, StepFailed, StepRun, valid
from ..live import describe, user_tags
from .base import StepKind
from .tags import with_tags


class Replacement(StepKind):
    """The create, delete and recreate of one immutable resource type."""

    resource: ClassVar[str | None] = None  # the type; None: the plan's (job definitions)
    what: ClassVar[str]  # for messages
    used_by: ClassVar[str]  # who can still use it, for the refusal

    def users(self, sm: Any, name: str) -> list[str]:
        """Who still uses the resource: a delete is refused while anyone does."""
        raise NotImplementedError

    def kind_of(self, x: StepRun) -> Kind:
        return kind(self.resource or x.rp.resource_type)

    def name_of(self, x: StepRun) -> str:
        return str(x.step.params[self.kind_of(x).describe_param])

    def create(self, x: StepRun, params: dict[str, Any]) -> bool:
        k = self.kind_of(x)
        if describe(x.sm, k.type, str(params[k.describe_param])) is not None:
            return False  # made by an earlier attempt of this step (names are checked free first)
        op = k.op("Create")
        getattr(x.sm, method(op))(**valid(op, with_tags(x, params)))
        return True

    def delete(self, x: StepRun, name: str) -> bool:
        k = self.kind_of(x)
        if describe(x.sm, k.type, name) is None:
            return False
        users = self.users(x.sm, name)
        if users:
            raise StepFailed(
                f"refusing to delete {self.what} {name}: {self.used_by} "
                f"{', '.join(sorted(users))} use it"
            )
        getattr(x.sm, method(k.op("Delete")))(**{k.describe_param: name})
        return True

    def recreate(self, x: StepRun, name: str) -> bool:
        before = x.backup_describe(self.kind_of(x).label, name)
        if before is None:
            raise StepFailed(f"no backup of {self.what} {name}")
        tags = user_tags(x.backup_tags(find_arn(before)))
        return self.create(x, {**before, "Tags": tags})


class Creates(Replacement):
    """Create the replacement; undo: delete it (unless something uses it by then)."""

    def do(self, x: StepRun) -> Result:
        return {"created": self.create(x, x.step.params)}

    def undo(self, x: StepRun) -> Result:
        return {"deleted": self.delete(x, self.name_of(x))}


class Deletes(Replacement):
    """Delete the old resource once nothing uses it; undo: recreate it from its backup."""

    def do(self, x: StepRun) -> Result:
        return {"deleted": self.delete(x, self.name_of(x))}

    def undo(self, x: StepRun) -> Result:
        return {"recreated": self.recreate(x, self.name_of(x))}


def operations(k: Kind) -> tuple[str, ...]:
    """What creating, deleting and recreating a resource of a kind calls (its tags are
    read to be copied)."""
    return (k.describe_op, k.op("Create"), k.op("Delete"), "ListTags")
