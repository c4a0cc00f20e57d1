"""Notebook instances in place: stop, wait, update, start.

A notebook takes an update only while Stopped, so an in-place fix is a run of steps:
stop, wait, update, wait, start, wait. In the script such a run is guarded as a whole by
"is the update still needed?", so a re-run does not restart a notebook that is fixed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sagewarden.kinds import RT, kind

from ..context import Result, StepFailed, StepRun, valid
from ..live import describe
from ..shell import Section, Writer, dumps, q, text
from ..waiting import wait
from .base import REGISTRY, StepKind, register

if TYPE_CHECKING:
    from ..plan import ResourcePlan
    from ..steps import Step

NOTEBOOK = kind(RT.NOTEBOOK_INSTANCE)
UPDATE = NOTEBOOK.update_op or ""
STATUS = "NotebookInstanceStatus"
# sagewarden acts on a notebook that is InService or Stopped; any other state is refused
# at preflight with the reason (read fresh then).
SETTLED = ("InService", "Stopped")


def name_of(x: StepRun) -> str:
    return str(x.step.params[NOTEBOOK.describe_param])


def read(x: StepRun, name: str | None = None) -> dict[str, Any] | None:
    return describe(x.sm, RT.NOTEBOOK_INSTANCE, name or name_of(x))


def status(x: StepRun, name: str | None = None) -> str:
    d = read(x, name)
    if d is None:
        raise StepFailed(f"notebook {name or name_of(x)} does not exist")
    return str(d.get(STATUS))


def ensure_stopped(x: StepRun, name: str) -> None:
    """Stop a notebook (waiting out a start or an update first) and wait until Stopped."""
    now = status(x, name)
    if now in ("Pending", "Updating"):
        wait(x, "notebook_instance_in_service", NotebookInstanceName=name)
        now = "InService"
    if now == "InService":
        x.sm.stop_notebook_instance(NotebookInstanceName=name)
    if now != "Stopped":
        wait(x, "notebook_instance_stopped", NotebookInstanceName=name)


class NotebookStep(StepKind):
    """A step on a notebook of a notebook plan: the plan's notebook must be settled."""

    resource_type = RT.NOTEBOOK_INSTANCE
    status_key = STATUS
    origin_states = SETTLED
    in_place_run: ClassVar[bool] = False  # part of a guarded stop/update/start run

    def script(self, w: Writer, sec: Section) -> None:
        name = str(sec.step.params.get(NOTEBOOK.describe_param, ""))
        guard = in_place_guard(w, sec)
        body = self.bash(w, sec, name, q(name))
        if guard is None:
            sec.add(*body)
            return
        sec.add(f'if [ "${guard}" = yes ]; then')
        sec.add(*("  " + line for line in body))
        sec.add("else")
        sec.add(f"  {sec.say(f'notebook {name}: already fixed, step skipped')}")
        sec.add("fi")

    def bash(self, w: Writer, sec: Section, name: str, qn: str) -> list[str]:
        """The section's lines for notebook `name` (`qn`, quoted), before any guard."""
        raise NotImplementedError


# --- the script's guards ------------------------------------------------------------------


def running_var(w: Writer, sec: Section, name: str) -> str:
    """The variable remembering whether the script found a notebook running."""
    names: dict[tuple[int, str], str] = w.memo("notebook-running", dict)
    ri = w.index[id(sec.rp)]
    if (ri, name) not in names:
        names[(ri, name)] = f"sw_was_running_{ri}_{len(names)}"
    return names[(ri, name)]


def _in_run(step: Step) -> bool:
    found = REGISTRY.get(step.action)
    return isinstance(found, NotebookStep) and found.in_place_run


def segments(w: Writer) -> dict[int, tuple[str, bool, Step]]:
    """Stop/update/start runs guarded by "is the update still needed?", so a re-run
    does not restart a notebook that is already fixed: id(step) -> (variable, first
    step of the run, the update). In-place fixes, and the new notebook of a rebuild
    (its lifecycle configuration put back); a rebuild's backup restart of the old
    notebook is not guarded (a re-run before the deletion takes a fresh backup)."""
    out: dict[int, tuple[str, bool, Step]] = {}
    for ri, rp in enumerate(w.plan.resources):
        run: list[Step] = []

        def close(run: list[Step], ri: int = ri, rp: ResourcePlan = rp) -> None:
            updates = [s for s in run if s.action == UPDATE]
            if len(updates) != 1:
                return
            name = updates[0].params.get(NOTEBOOK.describe_param)
            if rp.strategy == "rebuild" and name != rp.new_name:
                return
            if rp.strategy not in ("in-place", "rebuild"):
                return
            var = f"sw_needed_{ri}_{len(out)}"
            for i, s in enumerate(run):
                out[id(s)] = (var, i == 0, updates[0])

        for s in rp.steps:
            key = NOTEBOOK.describe_param
            same = run and s.params.get(key) == run[0].params.get(key)
            if _in_run(s) and (same or not run) and s.phase == (run[0].phase if run else s.phase):
                run.append(s)
                continue
            close(run)
            run = [s] if _in_run(s) else []
        close(run)
    return out


def in_place_guard(w: Writer, sec: Section) -> str | None:
    """The variable saying whether this step's stop/update/start run is needed
    (computed at the run's first step), or None for an unguarded step."""
    got = w.memo("notebook-segments", lambda: segments(w)).get(id(sec.step))
    if got is None:
        return None
    var, first, update = got
    if first:
        want = update.params
        name = str(want.get(NOTEBOOK.describe_param, sec.rp.name))
        sec.add(
            "# is the update still needed? (a re-run leaves a fixed notebook alone)",
            f'[ "$(sw_nb_status {q(name)})" != Absent ] || '
            + sec.fail(f"notebook {name} not found"),
            f"{var}=$(sw_aws sagemaker describe-notebook-instance --notebook-instance-name "
            f'{q(name)} --output json | python3 -c "$SW_PY" needs-update {q(dumps(want))})',
        )
    return var


def _condition(w: Writer, sec: Section, name: str) -> str:
    """The script's test for a step that runs only if the notebook was running."""
    return f' && [ "${{{running_var(w, sec, name)}:-0}}" = 1 ]' if sec.step.condition else ""


# --- stop, start, wait --------------------------------------------------------------------


@register
class StopNotebookInstance(NotebookStep):
    name = "StopNotebookInstance"
    permissions = ("DescribeNotebookInstance", "StopNotebookInstance")
    nothing_to_undo = "the rollback puts every notebook back in the state it was in"
    in_place_run = True

    def do(self, x: StepRun) -> Result:
        name = name_of(x)
        now = status(x)
        if now == "Pending":
            wait(x, "notebook_instance_in_service", NotebookInstanceName=name)
            now = "InService"
        if now == "InService":
            x.sm.stop_notebook_instance(NotebookInstanceName=name)
            return {"stopped": True}
        if now in ("Stopped", "Stopping"):
            return {"stopped": False, "was": now}
        raise StepFailed(f"notebook {name} is {now}: not stopping it")

    def bash(self, w: Writer, sec: Section, name: str, qn: str) -> list[str]:
        flag = f"--notebook-instance-name {qn}"
        running = running_var(w, sec, name)
        return [
            f"sw_status=$(sw_nb_status {qn})",
            f"{running}=0",
            'if [ "$sw_status" = Pending ]; then',
            f"  sw_aws sagemaker wait notebook-instance-in-service {flag}",
            "  sw_status=InService",
            "fi",
            'if [ "$sw_status" = InService ]; then',
            f"  {running}=1",
            f"  sw_aws sagemaker stop-notebook-instance --notebook-instance-name {qn}",
            "else",
            f'  sw_say {text(f"notebook {name} is ")}"$sw_status"{text(": not stopped")}',
            "fi",
        ]


@register
class StartNotebookInstance(NotebookStep):
    name = "StartNotebookInstance"
    permissions = ("DescribeNotebookInstance", "StartNotebookInstance")
    nothing_to_undo = "the rollback puts every notebook back in the state it was in"
    in_place_run = True

    def do(self, x: StepRun) -> Result:
        name = name_of(x)
        if x.step.condition and x.original_status(name) not in ("InService", "Pending"):
            return {"started": False, "why": "it was not running before the fix"}
        now = status(x)
        if now == "Stopping":
            wait(x, "notebook_instance_stopped", NotebookInstanceName=name)
            now = "Stopped"
        if now == "Stopped":
            x.sm.start_notebook_instance(NotebookInstanceName=name)
            return {"started": True}
        if now in ("InService", "Pending"):
            return {"started": False}
        raise StepFailed(f"notebook {name} is {now}: not starting it")

    def bash(self, w: Writer, sec: Section, name: str, qn: str) -> list[str]:
        return [
            f"sw_status=$(sw_nb_status {qn})",
            f'if [ "$sw_status" = Stopped ]{_condition(w, sec, name)}; then',
            f"  sw_aws sagemaker start-notebook-instance --notebook-instance-name {qn}",
            "else",
            f'  sw_say {text(f"notebook {name} is ")}"$sw_status"{text(": not started")}',
            "fi",
        ]


@register
class WaitNotebookInstanceStopped(NotebookStep):
    name = "WaitNotebookInstanceStopped"
    permissions = ("DescribeNotebookInstance",)
    nothing_to_undo = "a wait changes nothing"
    in_place_run = True

    def do(self, x: StepRun) -> Result:
        if read(x) is None and x.step.phase.name == "DELETE":
            return None  # already deleted by an earlier attempt
        wait(x, "notebook_instance_stopped", NotebookInstanceName=name_of(x))
        return None

    def bash(self, w: Writer, sec: Section, name: str, qn: str) -> list[str]:
        return [
            f"sw_status=$(sw_nb_status {qn})",
            'if [ "$sw_status" = Absent ]; then',
            f"  {sec.say(f'notebook {name} does not exist: nothing to wait for')}",
            "else",
            f"  sw_aws sagemaker wait notebook-instance-stopped --notebook-instance-name {qn}",
            "fi",
        ]


@register
class WaitNotebookInstanceInService(NotebookStep):
    name = "WaitNotebookInstanceInService"
    permissions = ("DescribeNotebookInstance",)
    nothing_to_undo = "a wait changes nothing"
    in_place_run = True

    def do(self, x: StepRun) -> Result:
        name = name_of(x)
        if x.step.condition and x.original_status(name) not in ("InService", "Pending"):
            return None
        wait(x, "notebook_instance_in_service", NotebookInstanceName=name)
        return None

    def bash(self, w: Writer, sec: Section, name: str, qn: str) -> list[str]:
        flag = f"--notebook-instance-name {qn}"
        return [
            f"sw_status=$(sw_nb_status {qn})",
            f'if [ "$sw_status" != Absent ] && [ "$sw_status" != Stopped ] '
            f'&& [ "$sw_status" != Stopping ]{_condition(w, sec, name)}; then',
            f"  sw_aws sagemaker wait notebook-instance-in-service {flag}",
            "else",
            f'  sw_say {text(f"notebook {name} is ")}"$sw_status"{text(": not waited for")}',
            "fi",
        ]


# --- update -------------------------------------------------------------------------------

_FIELDS = ("RootAccess", "PlatformIdentifier", "InstanceType", "LifecycleConfigName")


def _current(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "RootAccess": d.get("RootAccess", "Enabled"),
        "PlatformIdentifier": d.get("PlatformIdentifier"),
        "InstanceType": d.get("InstanceType"),
        "LifecycleConfigName": d.get("NotebookInstanceLifecycleConfigName"),
        "AcceleratorTypes": d.get("AcceleratorTypes") or [],
    }


def _needed(params: dict[str, Any], d: dict[str, Any]) -> dict[str, Any]:
    cur = _current(d)
    todo: dict[str, Any] = {}
    for key in _FIELDS:
        if key in params and params[key] != cur[key]:
            todo[key] = params[key]
    if params.get("DisassociateLifecycleConfig") and cur["LifecycleConfigName"]:
        todo["DisassociateLifecycleConfig"] = True
    if params.get("DisassociateAcceleratorTypes") and cur["AcceleratorTypes"]:
        todo["DisassociateAcceleratorTypes"] = True
    return todo


@register
class UpdateNotebookInstance(NotebookStep):
    name = UPDATE
    permissions = ("DescribeNotebookInstance", "UpdateNotebookInstance", "StopNotebookInstance")
    in_place_run = True

    def do(self, x: StepRun) -> Result:
        name = name_of(x)
        d = read(x)
        if d is None:
            raise StepFailed(f"notebook {name} does not exist")
        todo = _needed(x.step.params, d)
        if not todo:
            return {"changed": []}
        now = d.get(STATUS)
        if now != "Stopped":
            raise StepFailed(f"notebook {name} is {now}: it must be Stopped to update it")
        x.sm.update_notebook_instance(**valid(UPDATE, {"NotebookInstanceName": name, **todo}))
        return {"changed": sorted(todo)}

    def undo(self, x: StepRun) -> Result:
        """Put back what the update changed, from the notebook's backup."""
        name = name_of(x)
        before = x.backup_describe(NOTEBOOK.label, name)
        d = read(x)
        if d is None or before is None:
            return {"restored": False, "why": "notebook or its backup is gone"}
        orig = _current(before)
        params = x.step.params
        want: dict[str, Any] = {}
        for key in ("RootAccess", "PlatformIdentifier", "InstanceType"):
            if key in params and orig[key] is not None:
                want[key] = orig[key]
        if "LifecycleConfigName" in params or "DisassociateLifecycleConfig" in params:
            if orig["LifecycleConfigName"]:
                want["LifecycleConfigName"] = orig["LifecycleConfigName"]
            else:
                want["DisassociateLifecycleConfig"] = True
        if params.get("DisassociateAcceleratorTypes") and orig["AcceleratorTypes"]:
            want["AcceleratorTypes"] = orig["AcceleratorTypes"]
        todo = _needed(want, d)
        if "AcceleratorTypes" in want and not d.get("AcceleratorTypes"):
            todo["AcceleratorTypes"] = want["AcceleratorTypes"]
        if not todo:
            return {"changed": []}
        ensure_stopped(x, name)
        x.sm.update_notebook_instance(**valid(UPDATE, {"NotebookInstanceName": name, **todo}))
        wait(x, "notebook_instance_stopped", NotebookInstanceName=name)
        return {"changed": sorted(todo)}

    def bash(self, w: Writer, sec: Section, name: str, qn: str) -> list[str]:
        doc = q(dumps(w.input(UPDATE, sec.step.params)))
        return [
            f"sw_status=$(sw_nb_status {qn})",
            'if [ "$sw_status" = Absent ]; then',
            f"  {sec.say(f'notebook {name} does not exist: not updated')}",
            f'elif [ "$(sw_aws sagemaker describe-notebook-instance --notebook-instance-name '
            f'{qn} --output json | python3 -c "$SW_PY" needs-update {doc})" = no ]; then',
            f"  {sec.say(f'notebook {name}: already up to date')}",
            "else",
            '  [ "$sw_status" = Stopped ] || '
            + sec.fail(f"notebook {name} must be Stopped to be updated"),
            f"  sw_aws sagemaker update-notebook-instance --cli-input-json {doc}",
            "fi",
        ]
