"""Rolling a run back: every step it started is undone by its kind, newest first, then
every notebook it touched is put back in the state it was in before the run."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagewarden.kinds import RT

from . import journal as J
from . import live
from .context import StepFailed
from .plan import ResourcePlan
from .runner import Outcome, Runner, States, api_error, brief, target
from .stepkinds import lookup
from .stepkinds.notebook import NOTEBOOK, STATUS, ensure_stopped
from .waiting import wait


def rollback(runner: Runner, journal: J.Journal, run_id: str, yes: bool) -> Outcome:
    """Undo every step the run started, newest first, then put notebooks back in the state
    they were in. A dry run (no --yes) lists the undo steps."""
    runner.run_id = run_id
    runner.load_backups(list(journal.backups(run_id).values()))
    states = journal.steps(run_id)
    todo = [
        i
        for i in sorted(states, reverse=True)
        if states[i][0] in (J.STEP_DONE, J.STARTED, J.STEP_FAILED) and _undoable(runner, i)
    ]
    if not yes:
        lines = [
            f"undo {runner.order[i][1].action} {runner.label(runner.order[i][0])}" for i in todo
        ] + [
            f"restore the status of notebook {runner.label(rp, n)}"
            for rp, _, n in _touched_notebooks(runner, states)
        ]
        return Outcome(run_id, "dry-run", lines=lines)
    journal.set_state(run_id, J.ROLLING_BACK)
    for i in todo:
        if runner.interrupted:
            return _interrupted(journal, run_id)
        rp, step = runner.order[i]
        kind = lookup(step.action)
        assert kind is not None
        label = f"undo {step.action} {runner.progress(rp, target(rp, step))}"
        try:
            result = kind.undo(runner.step_run(i, rp, step))
        except Exception as exc:  # every failure ends the rollback with the journal right
            message = api_error(exc) if isinstance(exc, (ClientError, BotoCoreError)) else str(exc)
            journal.set_state(run_id, J.ROLLBACK_FAILED, f"{label}: {message}")
            runner.say(f"{label}: FAILED: {message}")
            return Outcome(run_id, J.ROLLBACK_FAILED, failures=[f"{label}: {message}"])
        journal.step_finished(run_id, i, J.UNDONE, {"undo": result or {}})
        runner.say(f"{label}: done" + brief(result))
    if runner.interrupted:
        return _interrupted(journal, run_id)
    try:
        _restore_notebook_states(runner, states)
    except (StepFailed, ClientError, BotoCoreError) as exc:
        message = str(exc) if isinstance(exc, StepFailed) else api_error(exc)
        journal.set_state(run_id, J.ROLLBACK_FAILED, message)
        return Outcome(run_id, J.ROLLBACK_FAILED, failures=[message])
    journal.set_state(run_id, J.ROLLED_BACK)
    return Outcome(run_id, J.ROLLED_BACK)


def _undoable(runner: Runner, i: int) -> bool:
    kind = lookup(runner.order[i][1].action)
    return kind is not None and kind.reversible


def _interrupted(journal: J.Journal, run_id: str) -> Outcome:
    """Ctrl-C during a rollback: the undone steps are journaled; running the rollback
    again continues with the others."""
    journal.set_state(run_id, J.ROLLING_BACK, "rollback interrupted (Ctrl-C)")
    return Outcome(run_id, "rollback-interrupted")


def _touched_notebooks(runner: Runner, states: States) -> list[tuple[ResourcePlan, int, str]]:
    """Each notebook the run touched, once, with the plan it belongs to and a step that
    names it: keyed by account, region and name, never by name alone (the same name is
    another notebook elsewhere)."""
    found: dict[str, tuple[ResourcePlan, int, str]] = {}
    for i, (rp, step) in enumerate(runner.order):
        if i not in states or states[i][0] == J.SKIPPED:
            continue
        name = step.params.get(NOTEBOOK.describe_param)
        if rp.resource_type == RT.NOTEBOOK_INSTANCE and isinstance(name, str):
            key = J.backup_key(NOTEBOOK.label, rp.account_id, rp.region, name)
            if key in runner.backups:
                found.setdefault(key, (rp, i, name))
    return list(found.values())


def _restore_notebook_states(runner: Runner, states: States) -> None:
    for rp, i, name in _touched_notebooks(runner, states):
        x = runner.step_run(i, rp, runner.order[i][1])
        current: dict[str, Any] | None = live.describe(x.sm, RT.NOTEBOOK_INSTANCE, name)
        if current is None:
            continue
        was = x.original_status(name)
        status = current.get(STATUS)
        if was in ("InService", "Pending") and status != "InService":
            if status in ("Stopping", "Updating"):
                wait(x, "notebook_instance_stopped", NotebookInstanceName=name)
            if status != "Pending":
                x.sm.start_notebook_instance(NotebookInstanceName=name)
            wait(x, "notebook_instance_in_service", NotebookInstanceName=name)
            runner.say(
                f"notebook {runner.progress(rp, name)}: started again "
                "(it was running before the run)"
            )
        elif was == "Stopped" and status != "Stopped":
            ensure_stopped(x, name)
            runner.say(
                f"notebook {runner.progress(rp, name)}: stopped again "
                "(it was stopped before the run)"
            )


__all__ = ["rollback"]
