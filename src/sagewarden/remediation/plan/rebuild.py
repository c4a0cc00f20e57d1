"""Notebook rebuilds: what UpdateNotebookInstance cannot change (the subnet, direct
internet access) needs a new notebook with the same settings, the volume carried over
through an S3 backup (or the user's own), and the old one deleted last."""

from __future__ import annotations

import base64
import copy
from typing import Any

from sagewarden.kinds import REBUILD, kind

from .. import volume
from ..steps import Phase, Step
from . import fixes, notebook_fields
from .document import ResourcePlan
from .notebook_fields import start, stop
from .target import Context, Target, copy_tags, name_of, new_plan

_SUBNET = "SubnetId"
_INTERNET = "DirectInternetAccess"
_NOTEBOOK_CARRY = (
    "InstanceType",
    "RoleArn",
    "SecurityGroupIds",
    "KmsKeyId",
    "LifecycleConfigName",
    "VolumeSizeInGB",
    "DefaultCodeRepository",
    "AdditionalCodeRepositories",
    "InstanceMetadataServiceConfiguration",
    "RootAccess",
    "PlatformIdentifier",
    "IpAddressType",
)
_REBUILD_IAC = (
    "CloudFormation/Terraform: set DirectInternetAccess Disabled and a SubnetId (replacement "
    "properties) in the template; after this rebuild, import the new notebook or the next "
    "apply will recreate it again (and destroy its volume)."
)
# What a new notebook with a field a fix sets at creation must be ready for, by field.
_CREATE_WARNINGS = {
    "KmsKeyId": (
        "the new notebook's volume is encrypted with {value}: the key policy must let "
        "SageMaker and the notebook's role use it (kms:CreateGrant, kms:Decrypt, "
        "kms:GenerateDataKey), or the create fails; set KmsKeyId (a replacement property) "
        "in the template too"
    )
}


def plan(t: Target, ctx: Context) -> ResourcePlan:
    """Back the volume up, create the new notebook with every fix, restore and verify,
    and only then delete the old one; blocked without --allow-rebuild, a backup and a
    subnet."""
    r = t.resource
    p = r.properties
    backup = ctx.backup
    old = name_of(r)
    new = t.replacement
    rp = new_plan(t, REBUILD)
    rp.new_name = new
    why = t.controls
    create: dict[str, Any] = {"NotebookInstanceName": new}
    for key in _NOTEBOOK_CARRY:
        if p.get(key) not in (None, "", []):
            create[key] = copy.deepcopy(p[key])
    settings = [fixes.resolve(s, ctx.given) for s in t.settings()]
    # A rebuild needs a subnet: the notebook's, unless a fix replaces it, else --subnet.
    subnet_id = p.get(_SUBNET) if isinstance(p.get(_SUBNET), str) else None
    subnet_fix = next((s for s in settings if s.path == _SUBNET and not s.prerequisite), None)
    if subnet_fix is not None and not subnet_fix.user_supplied:
        subnet_id = str(subnet_fix.value)
    elif subnet_fix is not None or not subnet_id:
        subnet_id = ctx.subnet or None
    if subnet_id:
        create[_SUBNET] = subnet_id
    # Direct internet access changes only when a fix being applied sets it: a suppressed
    # (or unselected) control keeps the notebook's as it is.
    internet = p.get(_INTERNET)
    fixed = next((s.value for s in settings if s.path == _INTERNET), None)
    if fixed is not None or isinstance(internet, str):
        create[_INTERNET] = fixed if fixed is not None else internet
    in_place = set(kind(r.type).in_place)
    for s in settings:  # any other field the Create call takes, as its fix says
        if s.top in in_place or s.path in (_SUBNET, _INTERNET):
            continue
        if fixes.assign(create, s) and s.path in _CREATE_WARNINGS:
            rp.warnings.append(_CREATE_WARNINGS[s.path].format(value=s.value))
    notebook_fields.apply_in_place(t, rp, create)
    create.update(copy_tags(r))
    rp.warnings.append(
        "DeleteNotebookInstance destroys the ML storage volume (/home/ec2-user/SageMaker) and "
        "no API exports it: the old notebook is deleted only after the new one is InService "
        "and the restore is verified"
    )
    if fixed == "Disabled":
        rp.warnings.append(
            "without direct internet access the subnet needs a NAT gateway or VPC endpoints "
            "(SageMaker API, S3, and whatever the notebooks use)"
        )
    reasons: list[str] = []
    if not subnet_id:
        reasons.append("the new notebook needs a subnet: give --subnet")
    if not ctx.allow_rebuild:
        reasons.append("a rebuild deletes the notebook: give --allow-rebuild")
    if backup is None:
        reasons.append(
            "no backup: give --backup-s3 s3://BUCKET/PREFIX, or --backed-up once you have "
            "backed up /home/ec2-user/SageMaker yourself"
        )
    if reasons:
        rp.blocked = "; ".join(reasons)
    status = p.get("NotebookInstanceStatus")
    was_running = status in ("InService", "Pending") or not isinstance(status, str)
    original_lcc = (
        p.get("LifecycleConfigName") if isinstance(p.get("LifecycleConfigName"), str) else None
    )
    s3 = backup is not None and backup.startswith("s3://")
    if s3:
        assert backup is not None
        bucket, prefix = volume.locate(backup, old)
        _backup(rp, why, old, bucket, prefix, status)
        restore_lcc = volume.lifecycle_name("restore", new)
        rp.steps.append(
            Step(
                "CreateRestoreLifecycleConfig",
                {
                    "NotebookInstanceLifecycleConfigName": restore_lcc,
                    "OnCreate": [{"Content": _b64(volume.restore_script(bucket, prefix, new))}],
                    "OnStartFrom": original_lcc,
                },
                why,
                Phase.CREATE,
                operation="CreateNotebookInstanceLifecycleConfig",
                detail="restores the backup into the new notebook when it is created; its "
                "OnStart is the original lifecycle configuration's",
            )
        )
        create["LifecycleConfigName"] = restore_lcc
    elif backup == "user":
        rp.steps.append(
            Step(
                "ConfirmUserBackup",
                {"NotebookInstanceName": old},
                why,
                Phase.PREPARE,
                detail="the user stated /home/ec2-user/SageMaker is backed up (--backed-up); "
                "sagewarden cannot verify it",
            )
        )
    rp.steps.append(
        Step(
            "CreateNotebookInstance",
            create,
            why,
            Phase.CREATE,
            operation="CreateNotebookInstance",
            iac_note=_REBUILD_IAC,
            cost="a second notebook runs until the old one is deleted",
            detail=f"new notebook {new} fixing {', '.join(why)} in one rebuild",
        )
    )
    new_t = {"NotebookInstanceName": new}
    old_t = {"NotebookInstanceName": old}
    rp.steps.append(Step("WaitNotebookInstanceInService", new_t, why, Phase.CREATE))
    if s3:
        rp.steps.append(
            Step(
                "VerifyVolumeRestore",
                {"NotebookInstanceName": new, "Bucket": bucket, "Prefix": prefix},
                why,
                Phase.REPOINT,
                detail="the new notebook's restore manifest must match the backup (files and "
                "bytes); the old notebook is kept if it does not",
            )
        )
        # Give the new notebook the original lifecycle configuration back.
        restore_lcc_update: dict[str, Any] = {"NotebookInstanceName": new}
        if original_lcc:
            restore_lcc_update["LifecycleConfigName"] = original_lcc
        else:
            restore_lcc_update["DisassociateLifecycleConfig"] = True
        rp.steps += stop(new, why, Phase.REPOINT)
        rp.steps += [
            Step(
                "UpdateNotebookInstance",
                restore_lcc_update,
                why,
                Phase.REPOINT,
                operation="UpdateNotebookInstance",
                detail="the new notebook gets the original lifecycle configuration back",
            ),
            Step("WaitNotebookInstanceStopped", new_t, why, Phase.REPOINT),
        ]
        if was_running:
            rp.steps += start(new, why, Phase.REPOINT)
    elif not was_running:
        rp.steps += stop(
            new, why, Phase.REPOINT, detail="the old notebook was stopped: so is the new one"
        )
    downtime = f"users move from {old} to {new}; the old notebook's volume is destroyed"
    if s3 or was_running:
        cond = (
            None if s3 or status in ("InService", "Pending") else "only if it is InService at apply"
        )
        rp.steps += stop(old, why, Phase.DELETE, condition=cond)
    rp.steps.append(
        Step(
            "DeleteNotebookInstance",
            old_t,
            why,
            Phase.DELETE,
            operation="DeleteNotebookInstance",
            downtime=downtime,
            condition="only after the new notebook is InService (or Stopped, as the old one "
            "was)" + (" and the restore is verified" if s3 else ""),
        )
    )
    if s3:
        for which, owner in (("backup", old), ("restore", new)):
            rp.steps.append(
                Step(
                    "DeleteNotebookInstanceLifecycleConfig",
                    {"NotebookInstanceLifecycleConfigName": volume.lifecycle_name(which, owner)},
                    why,
                    Phase.DELETE,
                    operation="DeleteNotebookInstanceLifecycleConfig",
                    detail=f"the {which} lifecycle configuration is no longer needed",
                )
            )
        rp.warnings.append(
            "changes made in the old notebook after its backup are not copied: tell its users "
            "before applying"
        )
    return rp


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _backup(
    rp: ResourcePlan, why: tuple[str, ...], old: str, bucket: str, prefix: str, status: Any
) -> None:
    """Attach a backup lifecycle configuration to the old notebook and start it: the
    script copies the volume to S3 and writes a manifest that the next step verifies."""
    lcc = volume.lifecycle_name("backup", old)
    target = {"NotebookInstanceName": old}
    rp.steps.append(
        Step(
            "CreateNotebookInstanceLifecycleConfig",
            {
                "NotebookInstanceLifecycleConfigName": lcc,
                "OnStart": [{"Content": _b64(volume.backup_script(bucket, prefix))}],
            },
            why,
            Phase.PREPARE,
            operation="CreateNotebookInstanceLifecycleConfig",
            detail=f"an OnStart script copying /home/ec2-user/SageMaker to s3://{bucket}/{prefix}",
            cost="S3 storage for the backup",
        )
    )
    known = isinstance(status, str)
    if status in ("InService", "Pending") or not known:
        rp.steps += stop(
            old,
            why,
            Phase.PREPARE,
            condition=None if known else "only if it is InService at apply",
            downtime=f"notebook {old} restarts to run the backup",
        )
    else:
        rp.steps.append(Step("WaitNotebookInstanceStopped", target, why, Phase.PREPARE))
    rp.steps += [
        Step(
            "UpdateNotebookInstance",
            {"NotebookInstanceName": old, "LifecycleConfigName": lcc},
            why,
            Phase.PREPARE,
            operation="UpdateNotebookInstance",
            detail="attach the backup lifecycle configuration",
        ),
        Step("WaitNotebookInstanceStopped", target, why, Phase.PREPARE),
        *start(old, why, Phase.PREPARE, detail="the backup runs as the notebook starts"),
        Step(
            "VerifyVolumeBackup",
            {"NotebookInstanceName": old, "Bucket": bucket, "Prefix": prefix},
            why,
            Phase.PREPARE,
            detail="wait for the backup manifest, then compare object count and bytes in S3 "
            "with it; nothing is deleted unless they match",
        ),
    ]
