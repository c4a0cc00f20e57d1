"""What each plan step does against AWS, and how it is undone.

Every action reads before it writes and does nothing when its change is already there,
so a step that was running when the process died can simply run again (resume), and a
rollback can run again too. Deletes check the safety rails from a fresh read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, WaiterError

from sagewarden import kinds
from sagewarden.kinds import method
from sagewarden.resources import ResourceType as RT

from . import inputs, live, volume
from .live import describe, user_tags
from .steps import new_name

if TYPE_CHECKING:
    from .apply import StepRun


class StepFailed(Exception):
    """A step could not do its job; the message is one line for the user."""


Result = dict[str, Any] | None
Action = Callable[["StepRun"], Result]


def valid(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The input of a create or update call, built through botocore's shape and checked
    before it is sent: an input AWS would refuse fails the step in one line."""
    try:
        return inputs.checked(operation, params)
    except inputs.InvalidInput as exc:
        raise StepFailed(str(exc)) from None


@dataclass(frozen=True)
class Handler:
    do: Action
    undo: Action | None = None  # None: nothing to undo (reads, waits, verifications)


# --- waiting --------------------------------------------------------------------------------


def poll(x: StepRun, what: str, check: Callable[[], str | None]) -> None:
    """Call `check` until it returns None (done), every poll interval, until the timeout.
    `check` returns what it is still waiting for."""
    deadline = time.monotonic() + x.options.timeout
    while True:
        waiting = check()
        if waiting is None:
            return
        if time.monotonic() >= deadline:
            raise StepFailed(
                f"timed out after {x.options.timeout:g}s waiting for {what}: {waiting}"
            )
        time.sleep(x.options.poll_interval)


def wait(x: StepRun, waiter: str, **params: Any) -> None:
    attempts = max(1, int(x.options.timeout / max(x.options.poll_interval, 0.001)))
    try:
        x.sm.get_waiter(waiter).wait(
            **params, WaiterConfig={"Delay": x.options.poll_interval, "MaxAttempts": attempts}
        )
    except WaiterError as exc:
        last = exc.last_response or {}
        status = last.get("NotebookInstanceStatus") or last.get("EndpointStatus")
        reason = last.get("FailureReason") or (last.get("Error") or {}).get("Message") or ""
        raise StepFailed(
            f"{waiter.replace('_', ' ')} did not happen"
            + (f": status {status}" if status else "")
            + (f" ({reason})" if reason else "")
        ) from None


# --- notebooks ------------------------------------------------------------------------------


def _nb_name(x: StepRun) -> str:
    return str(x.step.params["NotebookInstanceName"])


def _nb(x: StepRun, name: str | None = None) -> dict[str, Any] | None:
    return describe(x.sm, RT.NOTEBOOK_INSTANCE, name or _nb_name(x))


def _nb_status(x: StepRun, name: str | None = None) -> str:
    d = _nb(x, name)
    if d is None:
        raise StepFailed(f"notebook {name or _nb_name(x)} does not exist")
    return str(d.get("NotebookInstanceStatus"))


def stop_notebook(x: StepRun) -> Result:
    name = _nb_name(x)
    status = _nb_status(x)
    if status == "Pending":
        wait(x, "notebook_instance_in_service", NotebookInstanceName=name)
        status = "InService"
    if status == "InService":
        x.sm.stop_notebook_instance(NotebookInstanceName=name)
        return {"stopped": True}
    if status in ("Stopped", "Stopping"):
        return {"stopped": False, "was": status}
    raise StepFailed(f"notebook {name} is {status}: not stopping it")


def start_notebook(x: StepRun) -> Result:
    name = _nb_name(x)
    if x.step.condition and x.original_status(name) not in ("InService", "Pending"):
        return {"started": False, "why": "it was not running before the fix"}
    status = _nb_status(x)
    if status == "Stopping":
        wait(x, "notebook_instance_stopped", NotebookInstanceName=name)
        status = "Stopped"
    if status == "Stopped":
        x.sm.start_notebook_instance(NotebookInstanceName=name)
        return {"started": True}
    if status in ("InService", "Pending"):
        return {"started": False}
    raise StepFailed(f"notebook {name} is {status}: not starting it")


def wait_stopped(x: StepRun) -> Result:
    if _nb(x) is None and x.step.phase.name == "DELETE":
        return None  # already deleted by an earlier attempt
    wait(x, "notebook_instance_stopped", NotebookInstanceName=_nb_name(x))
    return None


def wait_in_service(x: StepRun) -> Result:
    name = _nb_name(x)
    if x.step.condition and x.original_status(name) not in ("InService", "Pending"):
        return None
    wait(x, "notebook_instance_in_service", NotebookInstanceName=name)
    return None


_NB_FIELDS = ("RootAccess", "PlatformIdentifier", "InstanceType", "LifecycleConfigName")


def _nb_current(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "RootAccess": d.get("RootAccess", "Enabled"),
        "PlatformIdentifier": d.get("PlatformIdentifier"),
        "InstanceType": d.get("InstanceType"),
        "LifecycleConfigName": d.get("NotebookInstanceLifecycleConfigName"),
        "AcceleratorTypes": d.get("AcceleratorTypes") or [],
    }


def _nb_update_needed(params: dict[str, Any], d: dict[str, Any]) -> dict[str, Any]:
    cur = _nb_current(d)
    todo: dict[str, Any] = {}
    for key in _NB_FIELDS:
        if key in params and params[key] != cur[key]:
            todo[key] = params[key]
    if params.get("DisassociateLifecycleConfig") and cur["LifecycleConfigName"]:
        todo["DisassociateLifecycleConfig"] = True
    if params.get("DisassociateAcceleratorTypes") and cur["AcceleratorTypes"]:
        todo["DisassociateAcceleratorTypes"] = True
    return todo


def update_notebook(x: StepRun) -> Result:
    name = _nb_name(x)
    d = _nb(x)
    if d is None:
        raise StepFailed(f"notebook {name} does not exist")
    todo = _nb_update_needed(x.step.params, d)
    if not todo:
        return {"changed": []}
    status = d.get("NotebookInstanceStatus")
    if status != "Stopped":
        raise StepFailed(f"notebook {name} is {status}: it must be Stopped to update it")
    x.sm.update_notebook_instance(
        **valid("UpdateNotebookInstance", {"NotebookInstanceName": name, **todo})
    )
    return {"changed": sorted(todo)}


def undo_update_notebook(x: StepRun) -> Result:
    """Put back what the update changed, from the notebook's backup."""
    name = _nb_name(x)
    before = x.backup_describe("notebook", name)
    d = _nb(x)
    if d is None or before is None:
        return {"restored": False, "why": "notebook or its backup is gone"}
    orig = _nb_current(before)
    want: dict[str, Any] = {}
    for key in ("RootAccess", "PlatformIdentifier", "InstanceType"):
        if key in x.step.params and orig[key] is not None:
            want[key] = orig[key]
    if "LifecycleConfigName" in x.step.params or "DisassociateLifecycleConfig" in x.step.params:
        if orig["LifecycleConfigName"]:
            want["LifecycleConfigName"] = orig["LifecycleConfigName"]
        else:
            want["DisassociateLifecycleConfig"] = True
    if x.step.params.get("DisassociateAcceleratorTypes") and orig["AcceleratorTypes"]:
        want["AcceleratorTypes"] = orig["AcceleratorTypes"]
    todo = _nb_update_needed(want, d)
    if "AcceleratorTypes" in want and not d.get("AcceleratorTypes"):
        todo["AcceleratorTypes"] = want["AcceleratorTypes"]
    if not todo:
        return {"changed": []}
    ensure_stopped(x, name)
    x.sm.update_notebook_instance(
        **valid("UpdateNotebookInstance", {"NotebookInstanceName": name, **todo})
    )
    wait(x, "notebook_instance_stopped", NotebookInstanceName=name)
    return {"changed": sorted(todo)}


def ensure_stopped(x: StepRun, name: str) -> None:
    status = _nb_status(x, name)
    if status in ("Pending", "Updating"):
        wait(x, "notebook_instance_in_service", NotebookInstanceName=name)
        status = "InService"
    if status == "InService":
        x.sm.stop_notebook_instance(NotebookInstanceName=name)
    if status != "Stopped":
        wait(x, "notebook_instance_stopped", NotebookInstanceName=name)


def create_notebook(x: StepRun) -> Result:
    if _nb(x) is not None:
        return {"created": False}
    params = _with_tags(x, x.step.params)
    x.sm.create_notebook_instance(**valid("CreateNotebookInstance", params))
    return {"created": True}


def undo_create_notebook(x: StepRun) -> Result:
    """Delete the replacement, unless the old notebook is gone: then it holds the only
    copy of the data and is kept."""
    name = _nb_name(x)
    old = x.rp.name
    if _nb(x, old) is None:
        raise StepFailed(
            f"notebook {old} was deleted (with its volume): it cannot be restored; its "
            f"replacement {name} is kept"
        )
    if _nb(x) is None:
        return {"deleted": False}
    ensure_stopped(x, name)
    x.sm.delete_notebook_instance(NotebookInstanceName=name)
    wait(x, "notebook_instance_deleted", NotebookInstanceName=name)
    return {"deleted": True}


def delete_notebook(x: StepRun) -> Result:
    old = _nb_name(x)
    d = _nb(x)
    if d is None:
        return {"deleted": False}
    # Safety rails: a verified backup (or the user's word), and the replacement serving.
    if not x.journal_done("VerifyVolumeBackup") and not x.journal_done("ConfirmUserBackup"):
        raise StepFailed(f"refusing to delete notebook {old}: no verified backup in this run")
    if x.plan_has("VerifyVolumeRestore") and not x.journal_done("VerifyVolumeRestore"):
        raise StepFailed(f"refusing to delete notebook {old}: the restore is not verified")
    replacement = x.rp.new_name
    status = _nb_status(x, replacement) if replacement else None
    if status not in ("InService", "Stopped"):
        raise StepFailed(
            f"refusing to delete notebook {old}: its replacement {replacement} is {status}"
        )
    if d.get("NotebookInstanceStatus") != "Stopped":
        raise StepFailed(f"notebook {old} is {d.get('NotebookInstanceStatus')}: stop it first")
    x.sm.delete_notebook_instance(NotebookInstanceName=old)
    return {"deleted": True}


def undo_delete_notebook(x: StepRun) -> Result:
    raise StepFailed(
        f"notebook {_nb_name(x)} was deleted and its volume with it: it cannot be restored "
        f"(the backup, if any, is in S3; the replacement {x.rp.new_name} is kept)"
    )


# --- lifecycle configurations and the volume backup ---------------------------------------


def _lcc_name(x: StepRun) -> str:
    return str(x.step.params["NotebookInstanceLifecycleConfigName"])


def _lcc(x: StepRun, name: str) -> dict[str, Any] | None:
    try:
        return live.response(
            x.sm.describe_notebook_instance_lifecycle_config(
                NotebookInstanceLifecycleConfigName=name
            )
        )
    except ClientError as exc:
        if live.is_not_found(exc):
            return None
        raise


def create_lcc(x: StepRun) -> Result:
    name = _lcc_name(x)
    if _lcc(x, name) is not None:
        return {"created": False}
    params = dict(x.step.params)
    source = params.pop("OnStartFrom", None)
    if source:
        original = _lcc(x, str(source))
        if original is None:
            raise StepFailed(f"lifecycle configuration {source} does not exist")
        if original.get("OnStart"):
            params["OnStart"] = original["OnStart"]
    x.sm.create_notebook_instance_lifecycle_config(
        **valid("CreateNotebookInstanceLifecycleConfig", params)
    )
    return {"created": True}


def delete_lcc(x: StepRun) -> Result:
    name = _lcc_name(x)
    if _lcc(x, name) is None:
        return {"deleted": False}
    x.sm.delete_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
    return {"deleted": True}


def _check_volume(x: StepRun, restore: bool) -> Result:
    p = x.step.params
    s3 = x.client("s3")
    bucket, prefix = str(p["Bucket"]), str(p["Prefix"])
    result: dict[str, Any] = {}

    def check() -> str | None:
        c = (
            volume.check_restore(s3, bucket, prefix, _nb_name(x))
            if restore
            else volume.check_backup(s3, bucket, prefix)
        )
        if c.state == "mismatch":
            raise StepFailed(f"{'restore' if restore else 'backup'} of {_nb_name(x)}: {c.detail}")
        if c.state == "ok":
            result.update(files=c.files, bytes=c.bytes)
            return None
        return c.detail

    poll(x, f"the {'restore' if restore else 'backup'} of notebook {_nb_name(x)}", check)
    return result


def verify_backup(x: StepRun) -> Result:
    return _check_volume(x, restore=False)


def verify_restore(x: StepRun) -> Result:
    return _check_volume(x, restore=True)


def confirm_user_backup(x: StepRun) -> Result:
    return {"stated_by_user": True}


# --- tags -----------------------------------------------------------------------------------


def _with_tags(x: StepRun, params: dict[str, Any]) -> dict[str, Any]:
    """Resolve CopyTagsFrom into the tags that resource carries now."""
    out = dict(params)
    source = out.pop("CopyTagsFrom", None)
    if source:
        tags = user_tags(live.list_tags(x.sm, str(source)))
        if tags:
            out["Tags"] = tags
    return out


def add_tags(x: StepRun) -> Result:
    arn = str(x.step.params["ResourceArn"])
    have = {t["Key"] for t in live.list_tags(x.sm, arn)}
    add = [t for t in x.step.params["Tags"] if t["Key"] not in have]
    if add:
        x.sm.add_tags(**valid("AddTags", {"ResourceArn": arn, "Tags": add}))
    return {"added": [t["Key"] for t in add]}


def undo_add_tags(x: StepRun) -> Result:
    arn = str(x.step.params["ResourceArn"])
    before = {t["Key"] for t in x.backup_tags(arn) or []}
    keys = [t["Key"] for t in x.step.params["Tags"] if t["Key"] not in before]
    have = {t["Key"] for t in live.list_tags(x.sm, arn)}
    remove = [k for k in keys if k in have]
    if remove:
        x.sm.delete_tags(ResourceArn=arn, TagKeys=remove)
    return {"removed": remove}


# --- monitoring schedules and job definitions ---------------------------------------------


def _schedule(x: StepRun, name: str) -> dict[str, Any] | None:
    return describe(x.sm, RT.MONITORING_SCHEDULE, name)


def _schedule_input(name: str, cfg: Any) -> dict[str, Any]:
    params = {"MonitoringScheduleName": name, "MonitoringScheduleConfig": cfg}
    return valid("UpdateMonitoringSchedule", params)


def _schedule_has(d: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether a schedule's Describe output already says what the update would send."""
    now = inputs.build("UpdateMonitoringSchedule", d)
    return bool(now.get("MonitoringScheduleConfig") == doc["MonitoringScheduleConfig"])


def update_schedule(x: StepRun) -> Result:
    name = str(x.step.params["MonitoringScheduleName"])
    doc = _schedule_input(name, x.step.params["MonitoringScheduleConfig"])
    d = _schedule(x, name)
    if d is None:
        raise StepFailed(f"monitoring schedule {name} does not exist")
    if _schedule_has(d, doc):
        return {"changed": False}
    _wait_schedule(x, name)
    x.sm.update_monitoring_schedule(**doc)
    return {"changed": True}


def undo_update_schedule(x: StepRun) -> Result:
    name = str(x.step.params["MonitoringScheduleName"])
    before = x.backup_describe("monitoring-schedule", name)
    d = _schedule(x, name)
    if before is None or d is None:
        return {"restored": False}
    doc = _schedule_input(name, before["MonitoringScheduleConfig"])
    if _schedule_has(d, doc):
        return {"changed": False}
    _wait_schedule(x, name)
    x.sm.update_monitoring_schedule(**doc)
    _wait_schedule(x, name)
    return {"changed": True}


def _wait_schedule(x: StepRun, name: str) -> None:
    def check() -> str | None:
        d = _schedule(x, name)
        status = None if d is None else d.get("MonitoringScheduleStatus")
        return f"schedule {name} is Pending" if status == "Pending" else None

    poll(x, f"monitoring schedule {name}", check)


def wait_schedule(x: StepRun) -> Result:
    _wait_schedule(x, str(x.step.params["MonitoringScheduleName"]))
    return None


def wait_schedules_of(x: StepRun) -> Result:
    for d in live.schedules_referencing(x.sm, str(x.step.params["MonitoringJobDefinitionName"])):
        _wait_schedule(x, str(d["MonitoringScheduleName"]))
    return None


def _repoint(x: StepRun, old: str, new: str, only: set[str] | None = None) -> list[str]:
    moved: list[str] = []
    for d in live.schedules_referencing(x.sm, old):
        name = str(d["MonitoringScheduleName"])
        if only is not None and name not in only:
            continue
        cfg = dict(d["MonitoringScheduleConfig"])
        cfg["MonitoringJobDefinitionName"] = new
        doc = _schedule_input(name, cfg)
        _wait_schedule(x, name)
        x.sm.update_monitoring_schedule(**doc)
        moved.append(name)
    return moved


def repoint_schedules(x: StepRun) -> Result:
    p = x.step.params
    return {"schedules": _repoint(x, str(p["MonitoringJobDefinitionName"]), str(p["To"]))}


def undo_repoint_schedules(x: StepRun) -> Result:
    """Every schedule that referenced the old definition before the run points back."""
    p = x.step.params
    old, new = str(p["MonitoringJobDefinitionName"]), str(p["To"])
    before = {str(d["MonitoringScheduleName"]) for d in x.dependents("schedules")}
    moved = _repoint(x, new, old, only=before)
    for name in moved:
        _wait_schedule(x, name)
    return {"schedules": moved}


# --- immutable resources: models, endpoint configs, job definitions ------------------------


@dataclass(frozen=True)
class Immutable:
    """What differs between the resources a fix replaces rather than changes: the rest
    (create if absent, delete unless something still uses it, recreate from the backup)
    is the same for all three."""

    what: str  # for messages
    name_key: str  # the name parameter of Create/Delete/Describe
    backup_kind: str  # the journal's kind for its Describe output
    arn_key: str
    used_by: str  # who can still use it, for the refusal
    users: Callable[[Any, str], list[str]]  # (client, name) -> who still uses it


MODEL = Immutable(
    "model", "ModelName", "model", "ModelArn", "live endpoint(s)", live.endpoints_using_model
)
CONFIG = Immutable(
    "endpoint config",
    "EndpointConfigName",
    "endpoint-config",
    "EndpointConfigArn",
    "endpoint(s)",
    lambda sm, name: [str(e["EndpointName"]) for e in live.endpoints_using_configs(sm, {name})],
)
JOB = Immutable(
    "job definition",
    "JobDefinitionName",
    "job-definition",
    "JobDefinitionArn",
    "schedule(s)",
    lambda sm, name: [
        str(s["MonitoringScheduleName"]) for s in live.schedules_referencing(sm, name)
    ],
)


def _api(kind: Immutable, rtype: str) -> str:
    """The API suffix: Model, EndpointConfig, DataQualityJobDefinition..."""
    if kind is JOB:
        return kinds.kind(rtype).noun
    return "Model" if kind is MODEL else "EndpointConfig"


def _rtype(x: StepRun, kind: Immutable) -> str:
    if kind is JOB:
        return x.rp.resource_type
    return RT.MODEL if kind is MODEL else RT.ENDPOINT_CONFIG


def _create(x: StepRun, kind: Immutable, params: dict[str, Any]) -> bool:
    rtype = _rtype(x, kind)
    if describe(x.sm, rtype, str(params[kind.name_key])) is not None:
        return False  # made by an earlier attempt of this step (names are checked free first)
    op = f"Create{_api(kind, rtype)}"
    getattr(x.sm, method(op))(**valid(op, _with_tags(x, params)))
    return True


def _delete(x: StepRun, kind: Immutable, name: str) -> bool:
    rtype = _rtype(x, kind)
    if describe(x.sm, rtype, name) is None:
        return False
    users = kind.users(x.sm, name)
    if users:
        raise StepFailed(
            f"refusing to delete {kind.what} {name}: {kind.used_by} "
            f"{', '.join(sorted(users))} use it"
        )
    getattr(x.sm, method(f"Delete{_api(kind, rtype)}"))(**{kind.name_key: name})
    return True


def _recreate(x: StepRun, kind: Immutable, name: str) -> bool:
    before = x.backup_describe(kind.backup_kind, name)
    if before is None:
        raise StepFailed(f"no backup of {kind.what} {name}")
    tags = user_tags(x.backup_tags(before.get(kind.arn_key)))
    return _create(x, kind, {**before, "Tags": tags})


def _immutable(kind: Immutable) -> tuple[Handler, Handler]:
    """The Create and Delete handlers of a kind, each with its undo."""

    def name(x: StepRun) -> str:
        return str(x.step.params[kind.name_key])

    create = Handler(
        lambda x: {"created": _create(x, kind, x.step.params)},
        lambda x: {"deleted": _delete(x, kind, name(x))},
    )
    delete = Handler(
        lambda x: {"deleted": _delete(x, kind, name(x))},
        lambda x: {"recreated": _recreate(x, kind, name(x))},
    )
    return create, delete


# --- endpoints ------------------------------------------------------------------------------


def _switch_endpoints(x: StepRun, old: str, new: str, only: set[str] | None = None) -> list[str]:
    moved: list[str] = []
    for e in live.endpoints_using_configs(x.sm, {old}):
        name = str(e["EndpointName"])
        if only is not None and name not in only:
            continue
        if e.get("EndpointStatus") != "InService":
            wait(x, "endpoint_in_service", EndpointName=name)
        x.sm.update_endpoint(
            **valid("UpdateEndpoint", {"EndpointName": name, "EndpointConfigName": new})
        )
        moved.append(name)
    for name in moved:
        wait(x, "endpoint_in_service", EndpointName=name)
    return moved


def update_endpoints(x: StepRun) -> Result:
    p = x.step.params
    return {"endpoints": _switch_endpoints(x, str(p["From"]), str(p["To"]))}


def undo_update_endpoints(x: StepRun) -> Result:
    p = x.step.params
    before = {str(e["EndpointName"]) for e in x.dependents("endpoints")}
    return {"endpoints": _switch_endpoints(x, str(p["To"]), str(p["From"]), only=before)}


def replace_model_in_configs(x: StepRun) -> Result:
    """For a model whose endpoint configs were not in the scan: copy each config that uses
    it with the new model, move its endpoints, delete the old config."""
    old, new = str(x.step.params["From"]), str(x.step.params["To"])
    done: list[dict[str, Any]] = []
    for cfg in x.dependents("configs"):
        name = str(cfg["EndpointConfigName"])
        replacement = new_name(name)
        params = dict(cfg)
        params["EndpointConfigName"] = replacement
        for key in ("ProductionVariants", "ShadowProductionVariants"):
            params[key] = [
                {**v, "ModelName": new} if v.get("ModelName") == old else v
                for v in cfg.get(key) or []
            ]
        params["Tags"] = user_tags(x.backup_tags(cfg.get("EndpointConfigArn")))
        _create(x, CONFIG, params)
        moved = _switch_endpoints(x, name, replacement)
        _delete(x, CONFIG, name)
        done.append({"from": name, "to": replacement, "endpoints": moved})
    return {"configs": done}


def undo_replace_model_in_configs(x: StepRun) -> Result:
    undone: list[str] = []
    for cfg in x.dependents("configs"):
        name = str(cfg["EndpointConfigName"])
        replacement = new_name(name)
        _recreate(x, CONFIG, name)
        before = {
            str(e["EndpointName"])
            for e in x.dependents("endpoints")
            if e.get("EndpointConfigName") == name
        }
        _switch_endpoints(x, replacement, name, only=before)
        _delete(x, CONFIG, replacement)
        undone.append(name)
    return {"configs": undone}


# Every SageMaker operation the actions call, beyond the scan's reads: the fix policy
# (`iam-policy --fix`) is this list, and the end-to-end tests check that every call they
# record is in it.
FIX_OPERATIONS: tuple[str, ...] = (
    "StopNotebookInstance",
    "StartNotebookInstance",
    "UpdateNotebookInstance",
    "CreateNotebookInstance",
    "DeleteNotebookInstance",
    "CreateNotebookInstanceLifecycleConfig",
    "DescribeNotebookInstanceLifecycleConfig",
    "DeleteNotebookInstanceLifecycleConfig",
    "AddTags",
    "DeleteTags",
    "DescribeImage",  # images and app image configs are read by List in a scan
    "DescribeAppImageConfig",
    "UpdateMonitoringSchedule",
    "CreateModel",
    "DeleteModel",
    "CreateEndpointConfig",
    "DeleteEndpointConfig",
    "ListEndpoints",
    "DescribeEndpoint",
    "UpdateEndpoint",
    *(k.op(verb) for k in kinds.KINDS if k.is_job_definition for verb in ("Create", "Delete")),
)

HANDLERS: dict[str, Handler] = {
    "StopNotebookInstance": Handler(stop_notebook),
    "StartNotebookInstance": Handler(start_notebook),
    "WaitNotebookInstanceStopped": Handler(wait_stopped),
    "WaitNotebookInstanceInService": Handler(wait_in_service),
    "UpdateNotebookInstance": Handler(update_notebook, undo_update_notebook),
    "CreateNotebookInstance": Handler(create_notebook, undo_create_notebook),
    "DeleteNotebookInstance": Handler(delete_notebook, undo_delete_notebook),
    "CreateNotebookInstanceLifecycleConfig": Handler(create_lcc, delete_lcc),
    "CreateRestoreLifecycleConfig": Handler(create_lcc, delete_lcc),
    "DeleteNotebookInstanceLifecycleConfig": Handler(delete_lcc),
    "VerifyVolumeBackup": Handler(verify_backup),
    "VerifyVolumeRestore": Handler(verify_restore),
    "ConfirmUserBackup": Handler(confirm_user_backup),
    "AddTags": Handler(add_tags, undo_add_tags),
    "UpdateMonitoringSchedule": Handler(update_schedule, undo_update_schedule),
    "WaitMonitoringScheduleNotPending": Handler(wait_schedule),
    "CreateJobDefinition": _immutable(JOB)[0],
    "RepointSchedules": Handler(repoint_schedules, undo_repoint_schedules),
    "WaitSchedulesNotPending": Handler(wait_schedules_of),
    "DeleteJobDefinition": _immutable(JOB)[1],
    "CreateModel": _immutable(MODEL)[0],
    "ReplaceModelInEndpointConfigs": Handler(
        replace_model_in_configs, undo_replace_model_in_configs
    ),
    "DeleteModel": _immutable(MODEL)[1],
    "CreateEndpointConfig": _immutable(CONFIG)[0],
    "UpdateEndpoints": Handler(update_endpoints, undo_update_endpoints),
    "DeleteEndpointConfig": _immutable(CONFIG)[1],
}
