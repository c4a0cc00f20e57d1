"""A notebook's volume carried over a rebuild: lifecycle configurations that back it up
to S3 and restore it into the replacement, the checks of both, or the user's word.

The scripts themselves and the manifests they write are `volume.py`'s.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .. import live, volume
from ..context import Result, StepFailed, StepRun, valid
from ..shell import Section, Writer, dumps, q, text
from ..waiting import poll
from .base import StepKind, register
from .notebook import NOTEBOOK, name_of

LCC = "NotebookInstanceLifecycleConfig"
CREATE_LCC = f"Create{LCC}"
_NAME = f"{LCC}Name"


def _lcc(x: StepRun, name: str) -> dict[str, Any] | None:
    try:
        return live.response(x.sm.describe_notebook_instance_lifecycle_config(**{_NAME: name}))
    except ClientError as exc:
        if live.is_not_found(exc):
            return None
        raise


def _create_lcc(x: StepRun) -> Result:
    name = str(x.step.params[_NAME])
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
    x.sm.create_notebook_instance_lifecycle_config(**valid(CREATE_LCC, params))
    return {"created": True}


def _delete_lcc(x: StepRun) -> Result:
    name = str(x.step.params[_NAME])
    if _lcc(x, name) is None:
        return {"deleted": False}
    x.sm.delete_notebook_instance_lifecycle_config(**{_NAME: name})
    return {"deleted": True}


_LCC_PERMISSIONS = (f"Describe{LCC}", CREATE_LCC, f"Delete{LCC}")


@register
class CreateNotebookInstanceLifecycleConfig(StepKind):
    """The backup configuration: an OnStart script copying the volume to S3."""

    name = CREATE_LCC
    permissions = _LCC_PERMISSIONS

    def do(self, x: StepRun) -> Result:
        return _create_lcc(x)

    def undo(self, x: StepRun) -> Result:
        return _delete_lcc(x)

    def script(self, w: Writer, sec: Section) -> None:
        p = sec.step.params
        name = str(p.get(_NAME, ""))
        exists = (
            "sw_aws sagemaker describe-notebook-instance-lifecycle-config "
            f"--notebook-instance-lifecycle-config-name {q(name)}"
        )
        old = sec.rp.name
        if sec.rp.strategy == "rebuild" and old:
            # a re-run after the rebuild: the old notebook is gone, nothing to back up
            sec.add(f'if [ "$(sw_nb_status {q(old)})" = Absent ]; then')
            sec.add(f"  {sec.say(f'notebook {old} is gone: no backup configuration needed')}")
            sec.add("else")
            inner = Section(sec.n, sec.total, sec.rp, sec.step)
            w.create(inner, CREATE_LCC, exists, p, f"lifecycle configuration {name}")
            sec.add(*("  " + line for line in inner.lines))
            sec.add("fi")
            return
        w.create(sec, CREATE_LCC, exists, p, f"lifecycle configuration {name}")


@register
class CreateRestoreLifecycleConfig(StepKind):
    """The restore configuration: an OnCreate script copying the backup into the new
    notebook, with the OnStart of the notebook's own configuration (`OnStartFrom`)."""

    name = "CreateRestoreLifecycleConfig"
    permissions = _LCC_PERMISSIONS

    def do(self, x: StepRun) -> Result:
        return _create_lcc(x)

    def undo(self, x: StepRun) -> Result:
        return _delete_lcc(x)

    def script(self, w: Writer, sec: Section) -> None:
        p = sec.step.params
        name = str(p.get(_NAME, ""))
        origin = p.get("OnStartFrom")
        read = (
            "sw_on_start=$(sw_aws sagemaker describe-notebook-instance-lifecycle-config "
            f"--notebook-instance-lifecycle-config-name {q(origin)} --query OnStart --output json)"
            if isinstance(origin, str) and origin
            else "sw_on_start=null"
        )
        new = sec.rp.new_name
        skip = (
            f'elif [ "$(sw_nb_status {q(new)})" != Absent ]; then\n'
            f"  {sec.say(f'notebook {new} exists: no restore configuration needed')}"
            if new
            else ""
        )
        sec.add(
            "if sw_aws sagemaker describe-notebook-instance-lifecycle-config "
            f"--notebook-instance-lifecycle-config-name {q(name)} >/dev/null 2>&1; then",
            f"  {sec.say(f'lifecycle configuration {name}: already exists')}",
            *skip.splitlines(),
            "else",
            f"  {read}",
            f'  sw_input=$(python3 -c "$SW_PY" restore-lcc {q(name)} '
            f'{q(dumps(p.get("OnCreate") or []))} "$sw_on_start")',
            "  sw_aws sagemaker create-notebook-instance-lifecycle-config --cli-input-json "
            '"$sw_input"',
            "fi",
        )


@register
class DeleteNotebookInstanceLifecycleConfig(StepKind):
    name = f"Delete{LCC}"
    permissions = _LCC_PERMISSIONS
    nothing_to_undo = "the backup and restore configurations are sagewarden's own, spent"

    def do(self, x: StepRun) -> Result:
        return _delete_lcc(x)

    def script(self, w: Writer, sec: Section) -> None:
        name = str(sec.step.params.get(_NAME, ""))
        flag = f"--notebook-instance-lifecycle-config-name {q(name)}"
        sec.add(
            f"if sw_aws sagemaker describe-notebook-instance-lifecycle-config {flag} "
            ">/dev/null 2>&1; then",
            f"  sw_aws sagemaker delete-notebook-instance-lifecycle-config {flag}",
            "else",
            f"  {sec.say(f'lifecycle configuration {name}: already deleted')}",
            "fi",
        )


# --- checks -------------------------------------------------------------------------------


def _check_volume(x: StepRun, restore: bool) -> Result:
    p = x.step.params
    s3 = x.client("s3")
    bucket, prefix = str(p["Bucket"]), str(p["Prefix"])
    result: dict[str, Any] = {}
    what = "restore" if restore else "backup"

    def check() -> str | None:
        c = (
            volume.check_restore(s3, bucket, prefix, name_of(x))
            if restore
            else volume.check_backup(s3, bucket, prefix)
        )
        if c.state == "mismatch":
            raise StepFailed(f"{what} of {name_of(x)}: {c.detail}")
        if c.state == "ok":
            result.update(files=c.files, bytes=c.bytes)
            return None
        return c.detail

    poll(x, f"the {what} of notebook {name_of(x)}", check)
    return result


def _s3(w: Writer, sec: Section) -> tuple[str, str, str] | None:
    p = sec.step.params
    bucket, prefix = p.get("Bucket"), p.get("Prefix")
    if not isinstance(bucket, str) or not isinstance(prefix, str) or not bucket:
        w.unknown(sec)
        return None
    return bucket, prefix, str(p.get(NOTEBOOK.describe_param, ""))


def _compare(what: str, wanted: str, got: str) -> tuple[str, ...]:
    """Script lines failing the run unless `$sw_want` equals `$sw_got` (files bytes)."""
    return (
        'if [ "$sw_want" != "$sw_got" ]; then',
        f"  sw_fail {text(f'{what} incomplete: {wanted} (files bytes) ')}"
        '"$sw_want"' + text(f", {got} ") + '"$sw_got"',
        "fi",
        f'sw_say {text(f"{what} verified (files bytes): ")}"$sw_got"',
    )


@register
class VerifyVolumeBackup(StepKind):
    name = "VerifyVolumeBackup"
    permissions = ()  # S3 reads only: iampolicy adds them for --backup-s3
    nothing_to_undo = "a check changes nothing"

    def do(self, x: StepRun) -> Result:
        return _check_volume(x, restore=False)

    def script(self, w: Writer, sec: Section) -> None:
        got = _s3(w, sec)
        if got is None:
            return
        bucket, prefix, name = got
        meta = volume.control_prefix(prefix)
        sec.add(
            f"sw_meta=$(sw_wait_object {q(bucket)} {q(volume.backup_manifest_key(prefix))})",
            'sw_want=$(printf \'%s\' "$sw_meta" | python3 -c "$SW_PY" meta)',
            f"sw_got=$(sw_aws s3api list-objects-v2 --bucket {q(bucket)} --prefix {q(prefix)} "
            "--query 'Contents[].[Key,Size]' --output json "
            f'| python3 -c "$SW_PY" count {q(meta)})',
            *_compare(f"backup of notebook {name}", "manifest", "in S3"),
        )


@register
class VerifyVolumeRestore(StepKind):
    name = "VerifyVolumeRestore"
    permissions = ()  # S3 reads only: iampolicy adds them for --backup-s3
    nothing_to_undo = "a check changes nothing"

    def do(self, x: StepRun) -> Result:
        return _check_volume(x, restore=True)

    def script(self, w: Writer, sec: Section) -> None:
        got = _s3(w, sec)
        if got is None:
            return
        bucket, prefix, name = got
        sec.add(
            f"sw_meta=$(sw_wait_object {q(bucket)} {q(volume.restore_manifest_key(prefix, name))})",
            'sw_got=$(printf \'%s\' "$sw_meta" | python3 -c "$SW_PY" meta)',
            f"sw_meta=$(sw_aws s3api head-object --bucket {q(bucket)} "
            f"--key {q(volume.backup_manifest_key(prefix))} --query Metadata --output json)",
            'sw_want=$(printf \'%s\' "$sw_meta" | python3 -c "$SW_PY" meta)',
            *_compare(f"restore into notebook {name}", "backup", "restored"),
        )


@register
class ConfirmUserBackup(StepKind):
    name = "ConfirmUserBackup"
    permissions = ()
    nothing_to_undo = "it records what the user stated (--backed-up)"

    def do(self, x: StepRun) -> Result:
        return {"stated_by_user": True}

    def script(self, w: Writer, sec: Section) -> None:
        name = str(sec.step.params.get(NOTEBOOK.describe_param, ""))
        sec.add(
            "# sagewarden cannot verify this backup: you said it exists",
            sec.say(
                f"you confirmed {volume.VOLUME} of notebook {name} is backed up "
                "(sagewarden cannot verify it)"
            ),
        )
