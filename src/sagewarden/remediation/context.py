"""What a step kind is handed when it runs: the step, its resource plan, a client, the
run's backups and options; and the one error a step raises.

Kept apart from the runner (`runner.py`) so step kinds and the runner both import it and
neither imports the other: the runner looks kinds up in the registry, kinds read the run
through this context.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sagewarden.kinds import RT, kind

from . import inputs
from .journal import Backup, backup_key, dependents_key

if TYPE_CHECKING:
    from .plan import ResourcePlan
    from .steps import Step


class StepFailed(Exception):
    """A step could not do its job; the message is one line for the user."""


Result = dict[str, Any] | None


@dataclass(frozen=True)
class ApplyOptions:
    poll_interval: float = 15.0
    timeout: float = 3600.0
    max_workers: int = 8


class RunState(Protocol):
    """The parts of a run a step reads: clients, backups and what the journal says."""

    @property
    def backups(self) -> Mapping[str, Backup]: ...

    @property
    def backups_by_arn(self) -> Mapping[str, Backup]: ...

    def client_for(self, service: str, account: str | None, region: str | None) -> Any: ...

    def resource_step_done(self, rp: ResourcePlan, action: str) -> bool: ...


@dataclass
class StepRun:
    """One step of one resource, with what its kind needs to know."""

    run: RunState
    rp: ResourcePlan
    step: Step
    idx: int
    sm: Any
    options: ApplyOptions

    def client(self, service: str) -> Any:
        return self.run.client_for(service, self.rp.account_id, self.rp.region)

    def backup_describe(self, kind: str, name: str) -> dict[str, Any] | None:
        b = self.run.backups.get(backup_key(kind, self.rp.account_id, self.rp.region, name))
        return None if b is None else b.describe

    def backup_tags(self, arn: Any) -> list[dict[str, str]] | None:
        b = self.run.backups_by_arn.get(str(arn)) if arn else None
        return None if b is None else b.tags

    def original_status(self, name: str) -> str | None:
        d = self.backup_describe(kind(RT.NOTEBOOK_INSTANCE).label, name)
        return None if d is None else d.get("NotebookInstanceStatus")

    def dependents(self, what: str) -> list[dict[str, Any]]:
        b = self.run.backups.get(dependents_key(self.rp.resource_id))
        return list((b.describe or {}).get(what, [])) if b else []

    def plan_has(self, action: str) -> bool:
        return any(s.action == action for s in self.rp.steps)

    def journal_done(self, action: str) -> bool:
        return self.run.resource_step_done(self.rp, action)


def valid(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The input of a create or update call, built through botocore's shape and checked
    before it is sent: an input AWS would refuse fails the step in one line."""
    try:
        return inputs.checked(operation, params)
    except inputs.InvalidInput as exc:
        raise StepFailed(str(exc)) from None
