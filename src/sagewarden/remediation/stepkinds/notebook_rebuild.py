"""Notebook instances rebuilt: the replacement created, the old one deleted.

The settings a notebook cannot change in place (DirectInternetAccess, SubnetId) need a
new notebook; its volume is carried over by the backup steps (`volume_backup.py`).
"""

from __future__ import annotations

from ..context import Result, StepFailed, StepRun, valid
from ..shell import Section, Writer, q
from ..waiting import wait
from .base import register
from .notebook import NOTEBOOK, STATUS, NotebookStep, ensure_stopped, name_of, read, status
from .tags import with_tags
from .volume_backup import ConfirmUserBackup, VerifyVolumeBackup, VerifyVolumeRestore

CREATE = NOTEBOOK.op("Create")
DELETE = NOTEBOOK.op("Delete")


@register
class CreateNotebookInstance(NotebookStep):
    name = CREATE
    permissions = (
        "DescribeNotebookInstance",
        "ListTags",
        CREATE,
        "StopNotebookInstance",
        DELETE,
    )

    def do(self, x: StepRun) -> Result:
        if read(x) is not None:
            return {"created": False}
        x.sm.create_notebook_instance(**valid(CREATE, with_tags(x, x.step.params)))
        return {"created": True}

    def undo(self, x: StepRun) -> Result:
        """Delete the replacement, unless the old notebook is gone: then it holds the
        only copy of the data and is kept."""
        name = name_of(x)
        old = x.rp.name
        if read(x, old) is None:
            raise StepFailed(
                f"notebook {old} was deleted (with its volume): it cannot be restored; its "
                f"replacement {name} is kept"
            )
        if read(x) is None:
            return {"deleted": False}
        ensure_stopped(x, name)
        x.sm.delete_notebook_instance(NotebookInstanceName=name)
        wait(x, "notebook_instance_deleted", NotebookInstanceName=name)
        return {"deleted": True}

    def script(self, w: Writer, sec: Section) -> None:
        p = sec.step.params
        name = str(p.get(NOTEBOOK.describe_param, ""))
        exists = f"sw_aws sagemaker describe-notebook-instance --notebook-instance-name {q(name)}"
        w.create(sec, CREATE, exists, p, f"notebook {name}")


@register
class DeleteNotebookInstance(NotebookStep):
    name = DELETE
    permissions = ("DescribeNotebookInstance", DELETE)
    # Its undo refuses, saying why: the volume went with the notebook.

    def do(self, x: StepRun) -> Result:
        old = name_of(x)
        d = read(x)
        if d is None:
            return {"deleted": False}
        # Safety rails: a verified backup (or the user's word), and the replacement serving.
        backed_up = (VerifyVolumeBackup.name, ConfirmUserBackup.name)
        if not any(x.journal_done(action) for action in backed_up):
            raise StepFailed(f"refusing to delete notebook {old}: no verified backup in this run")
        restore = VerifyVolumeRestore.name
        if x.plan_has(restore) and not x.journal_done(restore):
            raise StepFailed(f"refusing to delete notebook {old}: the restore is not verified")
        replacement = x.rp.new_name
        now = status(x, replacement) if replacement else None
        if now not in ("InService", "Stopped"):
            raise StepFailed(
                f"refusing to delete notebook {old}: its replacement {replacement} is {now}"
            )
        if d.get(STATUS) != "Stopped":
            raise StepFailed(f"notebook {old} is {d.get(STATUS)}: stop it first")
        x.sm.delete_notebook_instance(NotebookInstanceName=old)
        return {"deleted": True}

    def undo(self, x: StepRun) -> Result:
        raise StepFailed(
            f"notebook {name_of(x)} was deleted and its volume with it: it cannot be restored "
            f"(the backup, if any, is in S3; the replacement {x.rp.new_name} is kept)"
        )

    def bash(self, w: Writer, sec: Section, name: str, qn: str) -> list[str]:
        check: list[str] = []
        new = sec.rp.new_name
        if new and new != name:
            check = [
                f'  case "$(sw_nb_status {q(new)})" in',
                "    InService | Stopped) ;;",
                "    *) "
                + sec.fail(f"the new notebook {new} is not ready: {name} is not deleted")
                + " ;;",
                "  esac",
            ]
        return [
            f"sw_status=$(sw_nb_status {qn})",
            'if [ "$sw_status" = Absent ]; then',
            f"  {sec.say(f'notebook {name}: already deleted')}",
            "else",
            *check,
            f"  sw_aws sagemaker delete-notebook-instance --notebook-instance-name {qn}",
            f"  sw_aws sagemaker wait notebook-instance-deleted --notebook-instance-name {qn}",
            "fi",
        ]
