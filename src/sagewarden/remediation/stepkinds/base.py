"""A step kind: everything about one action a plan can hold, in one class.

Imitates Cloud Custodian's action classes (schema, permissions and valid origin states
together): the `Step.action` it implements, the SageMaker operations it calls (the fix
IAM policy is their union), the states the resource must be in where that matters, what
it does against AWS (`do`), how it is undone (`undo`, or `nothing_to_undo` saying why
there is nothing), and the bash it writes in `fix plan --format script` (`script`).

Every `do` reads before it writes and does nothing when its change is already there, so
a step that was running when the process died can simply run again (resume), and so can
an undo. Deletes check the safety rails from a fresh read.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from sagewarden.kinds import kind

from ..context import Result, StepRun
from ..shell import Section, Writer

if TYPE_CHECKING:
    from ..plan import ResourcePlan

Dependents = dict[str, list[dict[str, Any]]]


class StepKind:
    """One kind of step. Subclasses set `name` and `permissions`, define `do` and
    `script`, and either define `undo` or say in `nothing_to_undo` why there is none."""

    name: ClassVar[str]  # the Step.action the planner emits
    permissions: ClassVar[tuple[str, ...]]  # SageMaker operations `do` and `undo` call
    # Where the plan's resource must be in one of `origin_states` (read at preflight from
    # its Describe `status_key`): only for steps of plans of `resource_type`.
    resource_type: ClassVar[str | None] = None
    status_key: ClassVar[str | None] = None
    origin_states: ClassVar[tuple[str, ...]] = ()
    # The dependents it moves (their backup key, their name member), for the dry run.
    moves: ClassVar[tuple[str, str] | None] = None
    nothing_to_undo: ClassVar[str | None] = None

    def do(self, x: StepRun) -> Result:
        raise NotImplementedError

    def undo(self, x: StepRun) -> Result:
        raise NotImplementedError

    def script(self, w: Writer, sec: Section) -> None:
        raise NotImplementedError

    def refusal(self, status: object) -> str | None:
        """Why the plan's resource, in `status` (read fresh at preflight), may not be
        acted on by this step, or None. By default: any status outside `origin_states`
        is passing, and the run can be tried again once it is one of them."""
        if status in self.origin_states or self.resource_type is None:
            return None
        label = kind(self.resource_type).label
        return (
            f"refusing to act on a {label} that is {status}: "
            f"run again once it is {' or '.join(self.origin_states)}"
        )

    def dependents(self, sm: Any, rp: ResourcePlan) -> Dependents:
        """What uses the resource and this step changes, read before the run and backed
        up (endpoints, schedules, endpoint configs); the undo puts it back."""
        return {}

    @property
    def reversible(self) -> bool:
        return self.nothing_to_undo is None


_REGISTRY: dict[str, StepKind] = {}
REGISTRY: Mapping[str, StepKind] = MappingProxyType(_REGISTRY)


def register(cls: type[StepKind]) -> type[StepKind]:
    """Class decorator: one instance of the kind in the registry, under its name."""
    if cls.name in _REGISTRY:
        raise ValueError(f"two step kinds are named {cls.name}")
    _REGISTRY[cls.name] = cls()
    return cls
