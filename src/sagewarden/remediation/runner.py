"""Running a plan's steps: in order, concurrently where that is safe, journaled; then
verifying every fixed resource from a fresh read.

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
from sagewarden.catalog import BY_ID, Control
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.sources.aws.answers import error_text
from sagewarden.sources.aws.described import find_arn
from sagewarden.verdicts import Status

from . import journal as J
from . import live
from .context import ApplyOptions, StepFailed, StepRun
from .plan import Plan, ResourcePlan
from .stepkinds import lookup
from .steps import Step

Say = Callable[[str], None]
States = dict[int, tuple[str, dict[str, Any] | None, str | None]]


@dataclass
class Outcome:
    """How an apply, resume, dry run or rollback ended."""

    run_id: str | None
    state: str
    applied: list[str] = field(default_factory=list)  # resource ids fixed and verified
    refused: list[str] = field(default_factory=list)  # one line each
    failures: list[str] = field(default_factory=list)  # one line each
    lines: list[str] = field(default_factory=list)  # dry run: what would be done


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
        self.states: States = {}
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

    @staticmethod
    def progress(rp: ResourcePlan, name: str | None = None) -> str:
        """A resource (or a notebook of its plan) in a progress line: always with its
        account and Region, so whoever watches a run sees where each change lands."""
        return f"{name or rp.name} ({rp.where})"

    def client_for(self, service: str, account: str | None, region: str | None) -> Any:
        return self.clients.get(service, account, region)

    def sagemaker(self, rp: ResourcePlan) -> Any:
        return self.clients.get("sagemaker", rp.account_id, rp.region)

    def step_run(self, i: int, rp: ResourcePlan, step: Step) -> StepRun:
        return StepRun(self, rp, step, i, self.sagemaker(rp), self.options)

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
        kind = lookup(step.action)
        label = f"[{i + 1}/{len(self.order)}] {step.action} {self.progress(rp, target(rp, step))}"
        if kind is None:
            self._fail(i, label, f"unknown action {step.action}")
            return False
        assert self.run_id is not None and self.journal is not None
        self.journal.step_started(self.run_id, i, rp.resource_id, step.action)
        with self._lock:
            self.states[i] = (J.STARTED, None, None)
        try:
            result = kind.do(self.step_run(i, rp, step))
        except StepFailed as exc:
            self._fail(i, label, str(exc))
            return False
        except (ClientError, BotoCoreError) as exc:
            self._fail(i, label, api_error(exc))
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
        self.say(f"{label}: done" + brief(result))
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
        sm = self.sagemaker(rp)
        replaced = rp.strategy in (kinds.BLUE_GREEN, kinds.REBUILD) and rp.new_name
        name = str(rp.new_name) if replaced else rp.name
        controls = [BY_ID[c] for c in rp.controls if c in BY_ID]
        # Controls of the schedules that reference the resource (fixed through it).
        schedule = kinds.RT.MONITORING_SCHEDULE
        through = [c for c in controls if c.resource_type == schedule != rp.resource_type]
        extra = []
        try:
            resource = live.read_resource(sm, rp.resource_type, name, rp.account_id, rp.region)
            if resource is not None and through:
                for s in live.schedules_referencing(sm, name):
                    r = live.read_resource(
                        sm,
                        schedule,
                        str(s["MonitoringScheduleName"]),
                        rp.account_id,
                        rp.region,
                    )
                    if r is not None:
                        extra.append(r)
        except (ClientError, BotoCoreError) as exc:
            return [f"{rp.resource_type} {name}: cannot verify: {api_error(exc)}"]
        if resource is None:
            return [f"{rp.resource_type} {name}: not found after the fix"]
        # A schedule fixed through its job definition passes once references are resolved.
        params, _ = parse_params([*base, *_resolving(through)] if extra else base)
        result = evaluate([resource, *extra], controls, params)
        return [
            f"{e.resource.type} {e.resource.name}: {e.control.id} is {e.status.value} after the "
            f"fix: {e.reason}"
            for e in result.evaluations
            if e.status is not Status.PASSED
        ]


# The parameter by which a control judges a resource through the resources it references.
RESOLVE_REFERENCES = "resolveReferences"


def _resolving(controls: Sequence[Control]) -> list[str]:
    """The parameters that make `controls` follow references ("<id>.resolveReferences=true")."""
    return [
        f"{c.id}.{RESOLVE_REFERENCES}=true"
        for c in controls
        if c.parameter(RESOLVE_REFERENCES) is not None
    ]


def target(rp: ResourcePlan, step: Step) -> str:
    """What a step acts on: the notebook it names (old or new), else the resource."""
    name = step.params.get("NotebookInstanceName")
    return name if isinstance(name, str) else rp.name


def api_error(exc: BaseException) -> str:
    """One line, no response body, no credential (answers.error_text)."""
    if isinstance(exc, ClientError):
        return f"{getattr(exc, 'operation_name', '')} failed: {error_text(exc)}".strip()
    return error_text(exc)


def brief(result: dict[str, Any] | None) -> str:
    if not result:
        return ""
    parts = [f"{k} {v}" for k, v in result.items() if v not in (None, [], {})]
    return f" ({', '.join(parts)})" if parts else ""
