"""Applying a plan: preflight, backups, steps in order, verification; resume; rollback.

Order: every step of a phase before any step of the next (nothing is deleted while
something still uses it); within a phase, resource types in the planner's order (models
before the endpoint configs that use them); within a type, resources run concurrently
and each resource's steps run in sequence. The first failing step stops the run: no new
step starts, and every finished step is in the journal, so the run can be resumed or
rolled back.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagewarden import kinds
from sagewarden.catalog import BY_ID
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.resources import ResourceType as RT
from sagewarden.sources.aws.answers import error_code, error_text
from sagewarden.sources.aws.collector import find_arn
from sagewarden.verdicts import Status

from . import journal as J
from . import live
from .actions import HANDLERS, StepFailed
from .plan import Plan, ResourcePlan
from .steps import Phase, Step

Say = Callable[[str], None]

# Notebook states sagewarden acts on; anything else is refused with the reason.
_NOTEBOOK_OK = ("InService", "Stopped")


@dataclass(frozen=True)
class ApplyOptions:
    poll_interval: float = 15.0
    timeout: float = 3600.0
    max_workers: int = 8


@dataclass
class Outcome:
    run_id: str | None
    state: str
    applied: list[str] = field(default_factory=list)  # resource ids fixed and verified
    refused: list[str] = field(default_factory=list)  # one line each
    failures: list[str] = field(default_factory=list)  # one line each
    lines: list[str] = field(default_factory=list)  # dry run: what would be done


def backup_key(kind: str, account: str | None, region: str | None, name: str) -> str:
    return f"{kind}|{account or ''}|{region or ''}|{name}"


def _deps_key(rp: ResourcePlan) -> str:
    return f"dependents|{rp.resource_id}"


@dataclass
class StepRun:
    """One step of one resource, with what its action needs to know."""

    runner: Runner
    rp: ResourcePlan
    step: Step
    idx: int
    sm: Any
    options: ApplyOptions

    def client(self, service: str) -> Any:
        return self.runner.clients.get(service, self.rp.account_id, self.rp.region)

    def backup_describe(self, kind: str, name: str) -> dict[str, Any] | None:
        b = self.runner.backups.get(backup_key(kind, self.rp.account_id, self.rp.region, name))
        return None if b is None else b.describe

    def backup_tags(self, arn: Any) -> list[dict[str, str]] | None:
        b = self.runner.backups_by_arn.get(str(arn)) if arn else None
        return None if b is None else b.tags

    def original_status(self, name: str) -> str | None:
        d = self.backup_describe("notebook", name)
        return None if d is None else d.get("NotebookInstanceStatus")

    def dependents(self, what: str) -> list[dict[str, Any]]:
        b = self.runner.backups.get(_deps_key(self.rp))
        return list((b.describe or {}).get(what, [])) if b else []

    def plan_has(self, action: str) -> bool:
        return any(s.action == action for s in self.rp.steps)

    def journal_done(self, action: str) -> bool:
        return self.runner.resource_step_done(self.rp, action)


class Runner:
    def __init__(
        self,
        plan: Plan,
        clients: live.Clients,
        journal: J.Journal | None,
        options: ApplyOptions,
        say: Say,
        plan_doc: dict[str, Any],
    ) -> None:
        self.plan = plan
        self.clients = clients
        self.journal = journal
        self.options = options
        self.say = say
        self.plan_doc = plan_doc
        self.order: list[tuple[ResourcePlan, Step]] = plan.ordered_steps()
        self.backups: dict[str, J.Backup] = {}
        self.backups_by_arn: dict[str, J.Backup] = {}
        self.run_id: str | None = None
        self.states: dict[int, tuple[str, dict[str, Any] | None, str | None]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._failures: list[str] = []
        self._scoped = len(plan.scopes) > 1
        self.interrupted = False

    def interrupt(self) -> None:
        """Ctrl-C: start no new step; the steps in progress finish and are journaled.
        Safe to call from a signal handler (it only sets flags)."""
        self.interrupted = True
        self._stop.set()

    def label(self, rp: ResourcePlan, name: str | None = None) -> str:
        """A resource (or a notebook of its plan) for messages, with its account and region
        when the plan spans several: the same names may live in each."""
        shown = name or rp.name
        return f"{shown} ({rp.where})" if self._scoped else shown

    # -- preflight -----------------------------------------------------------------------

    def preflight(self) -> tuple[list[ResourcePlan], list[str], list[J.Backup]]:
        """Fresh reads: the plans that may run, one line per refused one, and the backups
        of everything the runnable ones touch. Resources are read in parallel; the
        result keeps the plan's order."""
        runnable: list[ResourcePlan] = []
        refused: list[str] = []
        backups: list[J.Backup] = []
        with ThreadPoolExecutor(self.options.max_workers, thread_name_prefix="read") as pool:
            checked = list(pool.map(self._preflight_one, self.plan.resources))
        for rp, refusal, taken in checked:
            if refusal is not None:
                refused.append(refusal)
            else:
                runnable.append(rp)
                backups += taken
        return runnable, refused, backups

    def _preflight_one(self, rp: ResourcePlan) -> tuple[ResourcePlan, str | None, list[J.Backup]]:
        where = f"{rp.resource_type} {rp.name} ({rp.where})"
        if rp.blocked:
            return rp, f"{where}: blocked: {rp.blocked}", []
        try:
            sm = self.clients.get("sagemaker", rp.account_id, rp.region)
            taken = self._backup(sm, rp)
            clash = (
                bool(rp.new_name)
                and taken is not None
                and (live.describe(sm, rp.resource_type, str(rp.new_name)) is not None)
            )
        except LookupError as exc:
            return rp, f"{where}: {exc}", []
        except (ClientError, BotoCoreError) as exc:
            return rp, f"{where}: cannot read it: {error_code(exc)}", []
        if taken is None:
            return rp, f"{where}: it no longer exists: nothing to do", []
        if clash:
            return (
                rp,
                f"{where}: its replacement name {rp.new_name} is taken by another "
                f"{rp.resource_type}: plan again",
                [],
            )
        own = taken[0].describe or {}
        if rp.resource_type == RT.NOTEBOOK_INSTANCE:
            status = own.get("NotebookInstanceStatus")
            if status not in _NOTEBOOK_OK:
                return (
                    rp,
                    f"{where}: refusing to act on a notebook that is {status}: run again "
                    "once it is InService or Stopped",
                    [],
                )
        return rp, None, taken

    def _backup(self, sm: Any, rp: ResourcePlan) -> list[J.Backup] | None:
        acct, region = rp.account_id, rp.region
        d = live.describe(sm, rp.resource_type, rp.name)
        if d is None:
            return None
        kind = kinds.kind(rp.resource_type).label
        arn = find_arn(d)
        out = [J.Backup(backup_key(kind, acct, region, rp.name), kind, d, _tags(sm, arn))]
        deps: dict[str, list[dict[str, Any]]] = {}
        actions = {s.action for s in rp.steps}
        if "UpdateEndpoints" in actions:
            deps["endpoints"] = live.endpoints_using_configs(sm, {rp.name})
        if "ReplaceModelInEndpointConfigs" in actions:
            configs = live.configs_using_model(sm, rp.name)
            deps["configs"] = configs
            deps["endpoints"] = live.endpoints_using_configs(
                sm, {str(c["EndpointConfigName"]) for c in configs}
            )
            for c in configs:
                c_arn = find_arn(c)
                out.append(
                    J.Backup(
                        backup_key("endpoint-config", acct, region, str(c["EndpointConfigName"])),
                        "endpoint-config",
                        c,
                        _tags(sm, c_arn),
                    )
                )
        if "RepointSchedules" in actions:
            deps["schedules"] = live.schedules_referencing(sm, rp.name)
        for s in deps.get("schedules", []):
            name = str(s["MonitoringScheduleName"])
            out.append(
                J.Backup(
                    backup_key("monitoring-schedule", acct, region, name),
                    "monitoring-schedule",
                    s,
                    None,
                )
            )
        for e in deps.get("endpoints", []):
            name = str(e["EndpointName"])
            out.append(J.Backup(backup_key("endpoint", acct, region, name), "endpoint", e, None))
        if deps:
            out.append(J.Backup(_deps_key(rp), "dependents", deps, None))
        return out

    def load_backups(self, backups: Sequence[J.Backup]) -> None:
        for b in backups:
            self.backups[b.key] = b
            arn = find_arn(b.describe or {}) if b.kind != "dependents" else None
            if arn:
                self.backups_by_arn[arn] = b

    # -- apply ---------------------------------------------------------------------------

    def resource_step_done(self, rp: ResourcePlan, action: str) -> bool:
        with self._lock:
            return any(
                o_rp is rp and s.action == action and self.states.get(i, ("",))[0] == J.STEP_DONE
                for i, (o_rp, s) in enumerate(self.order)
            )

    def execute(self, runnable: Sequence[ResourcePlan]) -> list[str]:
        """Run every step of the runnable plans not yet done; failures, one line each."""
        allowed = {id(rp) for rp in runnable}
        groups: dict[tuple[int, int], dict[int, list[int]]] = defaultdict(dict)
        for i, (rp, s) in enumerate(self.order):
            if id(rp) not in allowed:
                continue
            key = (int(s.phase), kinds.kind(rp.resource_type).fix_order)
            groups[key].setdefault(id(rp), []).append(i)
        with ThreadPoolExecutor(self.options.max_workers, thread_name_prefix="fix") as pool:
            for key in sorted(groups):
                futures = [pool.submit(self._run_steps, idxs) for idxs in groups[key].values()]
                for f in futures:
                    f.result()
                if self._stop.is_set():
                    break
        return list(self._failures)

    def _run_steps(self, idxs: list[int]) -> None:
        for i in idxs:
            if self._stop.is_set():
                return
            state = self.states.get(i, ("",))[0]
            if state in (J.STEP_DONE, J.SKIPPED):
                continue
            rp, step = self.order[i]
            if not self._run_one(i, rp, step):
                self._stop.set()
                return

    def _run_one(self, i: int, rp: ResourcePlan, step: Step) -> bool:
        handler = HANDLERS.get(step.action)
        label = f"[{i + 1}/{len(self.order)}] {step.action} {self.label(rp, _target(rp, step))}"
        if handler is None:
            self._fail(i, label, f"unknown action {step.action}")
            return False
        assert self.run_id is not None and self.journal is not None
        self.journal.step_started(self.run_id, i, rp.resource_id, step.action)
        with self._lock:
            self.states[i] = (J.STARTED, None, None)
        try:
            sm = self.clients.get("sagemaker", rp.account_id, rp.region)
            result = handler.do(StepRun(self, rp, step, i, sm, self.options))
        except StepFailed as exc:
            self._fail(i, label, str(exc))
            return False
        except (ClientError, BotoCoreError) as exc:
            self._fail(i, label, _api_error(exc))
            return False
        except (KeyError, TypeError, ValueError) as exc:  # a hand-edited plan's step
            what = f"missing parameter {exc}" if isinstance(exc, KeyError) else str(exc)
            self._fail(i, label, f"malformed step: {what}")
            return False
        except Exception as exc:  # anything else still stops the run with the journal right
            self._fail(i, label, f"unexpected {error_text(exc)}")
            return False
        self.journal.step_finished(self.run_id, i, J.STEP_DONE, result or {})
        with self._lock:
            self.states[i] = (J.STEP_DONE, result, None)
        self.say(f"{label}: done" + _brief(result))
        return True

    def _fail(self, i: int, label: str, message: str) -> None:
        if self.journal is not None and self.run_id is not None:
            self.journal.step_finished(self.run_id, i, J.STEP_FAILED, None, message)
        with self._lock:
            self.states[i] = (J.STEP_FAILED, None, message)
            self._failures.append(f"{label}: {message}")
        self.say(f"{label}: FAILED: {message}")

    # -- verify --------------------------------------------------------------------------

    def verify(self, runnable: Sequence[ResourcePlan]) -> list[str]:
        """Re-read each fixed resource (its replacement, for blue/green and rebuilds) and
        evaluate its controls: anything but PASSED is a failure. In parallel."""
        with ThreadPoolExecutor(self.options.max_workers, thread_name_prefix="verify") as pool:
            found = list(pool.map(self._verify_one, runnable))
        return [p for problems in found for p in problems]

    def _verify_one(self, rp: ResourcePlan) -> list[str]:
        base = list(self.plan_doc.get("params") or [])
        sm = self.clients.get("sagemaker", rp.account_id, rp.region)
        replaced = rp.strategy in ("blue/green", "rebuild") and rp.new_name
        name = str(rp.new_name) if replaced else rp.name
        extra = []
        try:
            resource = live.read_resource(sm, rp.resource_type, name, rp.account_id, rp.region)
            schedules_too = "SageMaker.14" in rp.controls and (
                rp.resource_type != RT.MONITORING_SCHEDULE
            )
            if resource is not None and schedules_too:
                for s in live.schedules_referencing(sm, name):
                    r = live.read_resource(
                        sm,
                        RT.MONITORING_SCHEDULE,
                        str(s["MonitoringScheduleName"]),
                        rp.account_id,
                        rp.region,
                    )
                    if r is not None:
                        extra.append(r)
        except (ClientError, BotoCoreError) as exc:
            return [f"{rp.resource_type} {name}: cannot verify: {_api_error(exc)}"]
        if resource is None:
            return [f"{rp.resource_type} {name}: not found after the fix"]
        controls = [BY_ID[c] for c in rp.controls if c in BY_ID]
        # A schedule fixed through its job definition passes once references are resolved.
        params, _ = parse_params([*base, "SageMaker.14.resolveReferences=true"] if extra else base)
        result = evaluate([resource, *extra], controls, params)
        return [
            f"{e.resource.type} {e.resource.name}: {e.control.id} is {e.status.value} after the "
            f"fix: {e.reason}"
            for e in result.evaluations
            if e.status is not Status.PASSED
        ]


def _target(rp: ResourcePlan, step: Step) -> str:
    """What a step acts on: the notebook it names (old or new), else the resource."""
    name = step.params.get("NotebookInstanceName")
    return name if isinstance(name, str) else rp.name


def _tags(sm: Any, arn: str | None) -> list[dict[str, str]] | None:
    return live.list_tags(sm, arn) if arn else None


def _api_error(exc: BaseException) -> str:
    """One line, no response body, no credential (answers.error_text)."""
    if isinstance(exc, ClientError):
        return f"{getattr(exc, 'operation_name', '')} failed: {error_text(exc)}".strip()
    return error_text(exc)


def _brief(result: dict[str, Any] | None) -> str:
    if not result:
        return ""
    parts = [f"{k} {v}" for k, v in result.items() if v not in (None, [], {})]
    return f" ({', '.join(parts)})" if parts else ""


# --- entry points ---------------------------------------------------------------------------


# Steps that move dependents, for the dry run: (dependents, their name key).
_MOVES = {
    "UpdateEndpoints": ("endpoints", "EndpointName"),
    "RepointSchedules": ("schedules", "MonitoringScheduleName"),
}


def dry_run(runner: Runner) -> Outcome:
    runnable, refused, backups = runner.preflight()
    runner.load_backups(backups)
    allowed = {id(rp) for rp in runnable}
    lines: list[str] = []
    for n, (rp, s) in enumerate(runner.order, 1):
        if id(rp) not in allowed:
            continue
        what = f"{n}. {s.action} {runner.label(rp)}"
        if s.action in _MOVES:
            what_moves, name_key = _MOVES[s.action]
            deps = runner.backups.get(_deps_key(rp))
            found = (deps.describe or {}).get(what_moves, []) if deps else []
            names = ", ".join(str(d[name_key]) for d in found) or "(none)"
            what += f": {what_moves} {names} -> {s.params.get('To')}"
        if s.condition:
            what += f" [if {s.condition}]"
        lines.append(what)
    return Outcome(None, "dry-run", refused=refused, lines=lines)


def apply(runner: Runner, journal: J.Journal, options_doc: dict[str, Any]) -> Outcome:
    runnable, refused, backups = runner.preflight()
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
        runnable, refused, saved = runner.preflight()
        journal.save_backups(run_id, saved)
        runner.load_backups(saved)
        journal.set_state(run_id, J.RUNNING)
        return _finish(runner, journal, run_id, runnable, refused)
    runner.load_backups(saved)
    skipped = {
        runner.order[i][0].resource_id for i, st in runner.states.items() if st[0] == J.SKIPPED
    }
    runnable = [rp for rp in runner.plan.resources if rp.resource_id not in skipped]
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


def rollback(runner: Runner, journal: J.Journal, run_id: str, yes: bool) -> Outcome:
    """Undo every step the run started, newest first, then put notebooks back in the state
    they were in. A dry run (no --yes) lists the undo steps."""
    runner.run_id = run_id
    runner.load_backups(list(journal.backups(run_id).values()))
    states = journal.steps(run_id)
    todo = [
        i
        for i in sorted(states, reverse=True)
        if states[i][0] in (J.STEP_DONE, J.STARTED, J.STEP_FAILED)
        and HANDLERS.get(runner.order[i][1].action, None) is not None
        and HANDLERS[runner.order[i][1].action].undo is not None
    ]
    if not yes:
        lines = [
            f"undo {runner.order[i][1].action} {runner.label(runner.order[i][0])}" for i in todo
        ] + [
            f"restore the status of notebook {runner.label(rp, n)}"
            for rp, n in _touched_notebooks(runner, states)
        ]
        return Outcome(run_id, "dry-run", lines=lines)
    journal.set_state(run_id, J.ROLLING_BACK)
    for i in todo:
        if runner.interrupted:
            return _rollback_interrupted(journal, run_id)
        rp, step = runner.order[i]
        handler = HANDLERS[step.action]
        assert handler.undo is not None
        label = f"undo {step.action} {runner.label(rp, _target(rp, step))}"
        try:
            sm = runner.clients.get("sagemaker", rp.account_id, rp.region)
            result = handler.undo(StepRun(runner, rp, step, i, sm, runner.options))
        except Exception as exc:  # every failure ends the rollback with the journal right
            message = _api_error(exc) if isinstance(exc, (ClientError, BotoCoreError)) else str(exc)
            journal.set_state(run_id, J.ROLLBACK_FAILED, f"{label}: {message}")
            runner.say(f"{label}: FAILED: {message}")
            return Outcome(run_id, J.ROLLBACK_FAILED, failures=[f"{label}: {message}"])
        journal.step_finished(run_id, i, J.UNDONE, {"undo": result or {}})
        runner.say(f"{label}: done" + _brief(result))
    if runner.interrupted:
        return _rollback_interrupted(journal, run_id)
    try:
        _restore_notebook_states(runner, states)
    except (StepFailed, ClientError, BotoCoreError) as exc:
        message = str(exc) if isinstance(exc, StepFailed) else _api_error(exc)
        journal.set_state(run_id, J.ROLLBACK_FAILED, message)
        return Outcome(run_id, J.ROLLBACK_FAILED, failures=[message])
    journal.set_state(run_id, J.ROLLED_BACK)
    return Outcome(run_id, J.ROLLED_BACK)


def _rollback_interrupted(journal: J.Journal, run_id: str) -> Outcome:
    """Ctrl-C during a rollback: the undone steps are journaled; running the rollback
    again continues with the others."""
    journal.set_state(run_id, J.ROLLING_BACK, "rollback interrupted (Ctrl-C)")
    return Outcome(run_id, "rollback-interrupted")


def _touched_notebooks(
    runner: Runner, states: dict[int, tuple[str, dict[str, Any] | None, str | None]]
) -> list[tuple[ResourcePlan, str]]:
    """Each notebook the run touched, once, with the plan it belongs to: keyed by account,
    region and name, never by name alone (the same name is another notebook elsewhere)."""
    found: dict[str, tuple[ResourcePlan, str]] = {}
    for i, (rp, step) in enumerate(runner.order):
        if i not in states or states[i][0] == J.SKIPPED:
            continue
        name = step.params.get("NotebookInstanceName")
        if rp.resource_type == RT.NOTEBOOK_INSTANCE and isinstance(name, str):
            key = backup_key("notebook", rp.account_id, rp.region, name)
            if key in runner.backups:
                found.setdefault(key, (rp, name))
    return list(found.values())


def _restore_notebook_states(
    runner: Runner, states: dict[int, tuple[str, dict[str, Any] | None, str | None]]
) -> None:
    from .actions import ensure_stopped, wait

    for rp, name in _touched_notebooks(runner, states):
        sm = runner.clients.get("sagemaker", rp.account_id, rp.region)
        x = StepRun(
            runner,
            rp,
            Step("Restore", {"NotebookInstanceName": name}, (), Phase.IN_PLACE),
            -1,
            sm,
            runner.options,
        )
        current = live.describe(sm, RT.NOTEBOOK_INSTANCE, name)
        if current is None:
            continue
        was = x.original_status(name)
        status = current.get("NotebookInstanceStatus")
        if was in ("InService", "Pending") and status != "InService":
            if status in ("Stopping", "Updating"):
                wait(x, "notebook_instance_stopped", NotebookInstanceName=name)
            if status != "Pending":
                sm.start_notebook_instance(NotebookInstanceName=name)
            wait(x, "notebook_instance_in_service", NotebookInstanceName=name)
            runner.say(
                f"notebook {runner.label(rp, name)}: started again (it was running before the run)"
            )
        elif was == "Stopped" and status != "Stopped":
            ensure_stopped(x, name)
            runner.say(
                f"notebook {runner.label(rp, name)}: stopped again (it was stopped before the run)"
            )
