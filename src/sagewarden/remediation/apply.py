"""Applying a plan: preflight, backups, steps in order, verification; resume; and the
dry run. The runner is `runner.py`, the reads before a run `preflight.py`, the undo
`rollback.py`; what each step does is its kind's (`stepkinds`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import journal as J
from .context import ApplyOptions
from .plan import ResourcePlan
from .preflight import preflight
from .rollback import rollback
from .runner import Outcome, Runner
from .stepkinds import lookup


def _preflight(runner: Runner) -> tuple[list[ResourcePlan], list[str], list[J.Backup]]:
    return preflight(runner.plan, runner.sagemaker, runner.options.max_workers)


def dry_run(runner: Runner) -> Outcome:
    runnable, refused, backups = _preflight(runner)
    runner.load_backups(backups)
    allowed = {id(rp) for rp in runnable}
    lines: list[str] = []
    for n, (rp, s) in enumerate(runner.order, 1):
        if id(rp) not in allowed:
            continue
        what = f"{n}. {s.action} {runner.label(rp)}"
        kind = lookup(s.action)
        if kind is not None and kind.moves is not None:
            what_moves, name_key = kind.moves
            deps = runner.backups.get(J.dependents_key(rp.resource_id))
            found = (deps.describe or {}).get(what_moves, []) if deps else []
            names = ", ".join(str(d[name_key]) for d in found) or "(none)"
            what += f": {what_moves} {names} -> {s.params.get('To')}"
        if s.condition:
            what += f" [if {s.condition}]"
        lines.append(what)
    return Outcome(None, "dry-run", refused=refused, lines=lines)


def apply(runner: Runner, journal: J.Journal, options_doc: dict[str, Any]) -> Outcome:
    runnable, refused, backups = _preflight(runner)
    if runner.interrupted:
        return Outcome(None, J.INTERRUPTED, refused=refused)
    if not runnable:
        return Outcome(None, "nothing-to-do", refused=refused)
    run_id = journal.create_run(runner.plan_doc, {**options_doc, "refused": refused})
    journal.claim(run_id)
    runner.run_id = run_id
    journal.save_backups(run_id, backups)  # committed before the first change
    runner.load_backups(backups)
    runnable_ids = {id(rp) for rp in runnable}
    skipped = [
        (i, rp.resource_id, s.action)
        for i, (rp, s) in enumerate(runner.order)
        if id(rp) not in runnable_ids
    ]
    journal.mark_skipped(run_id, skipped)
    for i, _, _ in skipped:
        runner.states[i] = (J.SKIPPED, None, None)
    runner.say(f"run {run_id}: backups of {len(backups)} items saved; applying")
    return _finish(runner, journal, run_id, runnable, refused)


def resume(runner: Runner, journal: J.Journal, run_id: str) -> Outcome:
    runner.run_id = run_id
    saved = list(journal.backups(run_id).values())
    runner.states = journal.steps(run_id)
    if not saved and not runner.states:
        # Died after the run was created, before its backups were committed: nothing has
        # changed yet, so the backups can be taken now.
        runnable, refused, saved = _preflight(runner)
        journal.save_backups(run_id, saved)
        runner.load_backups(saved)
        journal.set_state(run_id, J.RUNNING)
        return _finish(runner, journal, run_id, runnable, refused)
    runner.load_backups(saved)
    skipped = {
        runner.order[i][0].resource_id for i, st in runner.states.items() if st[0] == J.SKIPPED
    }
    runnable = [rp for rp in runner.plan.resources if rp.steps and rp.resource_id not in skipped]
    journal.set_state(run_id, J.RUNNING)
    return _finish(runner, journal, run_id, runnable, [])


def _finish(
    runner: Runner,
    journal: J.Journal,
    run_id: str,
    runnable: Sequence[ResourcePlan],
    refused: list[str],
) -> Outcome:
    failures = runner.execute(runnable)
    if runner.interrupted:
        what = "interrupted (Ctrl-C): no new step was started"
        journal.set_state(run_id, J.INTERRUPTED, failures[0] if failures else what)
        return Outcome(run_id, J.INTERRUPTED, refused=refused, failures=failures)
    if failures:
        journal.set_state(run_id, J.FAILED, failures[0])
        return Outcome(run_id, J.FAILED, refused=refused, failures=failures)
    problems = runner.verify(runnable)
    if problems:
        journal.set_state(run_id, J.FAILED, "verification: " + problems[0])
        return Outcome(run_id, J.FAILED, refused=refused, failures=problems)
    journal.set_state(run_id, J.DONE)
    return Outcome(run_id, J.DONE, [rp.resource_id for rp in runnable], refused)


__all__ = [
    "ApplyOptions",
    "Outcome",
    "Runner",
    "apply",
    "dry_run",
    "resume",
    "rollback",
]
