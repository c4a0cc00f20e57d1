"""The emulated notebook runtime: volumes, sagewarden's lifecycle scripts, state rules.

Everything goes through boto3 over HTTP on 127.0.0.1 (the `aws` fixture), except seeding
and reading volumes, which only exist inside the emulator.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagewarden.remediation.volume import (
    backup_manifest_key,
    backup_script,
    check_backup,
    check_restore,
    lifecycle_name,
    locate,
    restore_manifest_key,
    restore_script,
)
from sagewarden_demo.emulator import Emulator

ACCOUNT = "123456789012"  # moto's default account
OTHER = "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
NO_WAIT = {"Delay": 1, "MaxAttempts": 1}  # waiters must succeed on the first poll
BUCKET = "backups"
FILES = {
    "analysis.ipynb": b'{"cells": []}',
    "data/train.csv": b"a,b\n1,2\n",
    "data/deep/nested file.txt": b"x" * 1000,
    ".hidden": b"",
}


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def encoded(script: str) -> list[dict[str, str]]:
    return [{"Content": base64.b64encode(script.encode()).decode()}]


def make_notebook(sm: Any, name: str, **extra: Any) -> None:
    sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE, **extra
    )


def stop(sm: Any, name: str) -> None:
    sm.stop_notebook_instance(NotebookInstanceName=name)
    sm.get_waiter("notebook_instance_stopped").wait(NotebookInstanceName=name, WaiterConfig=NO_WAIT)


def status(sm: Any, name: str) -> str:
    return str(sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"])


def objects(s3: Any, prefix: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {
        item["Key"]: s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read() for item in listed
    }


def attach_backup(sm: Any, name: str, prefix: str) -> None:
    """What the fix does: a backup LCC on the stopped notebook, then start it."""
    config = lifecycle_name("backup", name)
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=config, OnStart=encoded(backup_script(BUCKET, prefix))
    )
    stop(sm, name)
    sm.update_notebook_instance(NotebookInstanceName=name, LifecycleConfigName=config)
    described = sm.describe_notebook_instance(NotebookInstanceName=name)
    assert described["NotebookInstanceLifecycleConfigName"] == config
    sm.start_notebook_instance(NotebookInstanceName=name)
    sm.get_waiter("notebook_instance_in_service").wait(
        NotebookInstanceName=name, WaiterConfig=NO_WAIT
    )


@pytest.fixture
def clients(aws: Emulator) -> tuple[Any, Any]:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return aws.client("sagemaker"), s3


def test_backup_then_restore_end_to_end(aws: Emulator, clients: tuple[Any, Any]) -> None:
    sm, s3 = clients
    make_notebook(sm, "old")
    aws.notebook_volume("old").update(FILES)
    bucket, prefix = locate(f"s3://{BUCKET}/sagewarden", "old")
    assert check_backup(s3, bucket, prefix).state == "pending"

    attach_backup(sm, "old", prefix)

    stored = objects(s3, prefix)
    assert {k: v for k, v in stored.items() if "_sagewarden/" not in k} == {
        prefix + path: data for path, data in FILES.items()
    }
    manifest = backup_manifest_key(prefix)
    size = sum(len(data) for data in FILES.values())
    assert json.loads(stored[manifest]) == {"files": 4, "bytes": size}
    head = s3.head_object(Bucket=BUCKET, Key=manifest)
    assert head["Metadata"] == {"files": "4", "bytes": str(size)}
    assert head["ContentType"] == "application/json"
    backed_up = check_backup(s3, bucket, prefix)
    assert (backed_up.state, backed_up.files, backed_up.bytes) == ("ok", 4, size)

    # the fix: delete the old notebook (its volume goes), recreate with a restore LCC
    stop(sm, "old")
    sm.delete_notebook_instance(NotebookInstanceName="old")
    with pytest.raises(KeyError):
        aws.notebook_volume("old")
    restore = lifecycle_name("restore", "new")
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName=restore,
        OnCreate=encoded(restore_script(bucket, prefix, "new")),
    )
    assert check_restore(s3, bucket, prefix, "new").state == "pending"
    make_notebook(sm, "new", LifecycleConfigName=restore, SubnetId="subnet-1")
    assert status(sm, "new") == "InService"
    assert aws.notebook_volume("new") == FILES
    restored = check_restore(s3, bucket, prefix, "new")
    assert (restored.state, restored.files, restored.bytes) == ("ok", 4, size)
    head = s3.head_object(Bucket=BUCKET, Key=restore_manifest_key(prefix, "new"))
    assert head["Metadata"] == {"files": "4", "bytes": str(size)}

    # detach the LCC afterwards: Describe no longer names it
    stop(sm, "new")
    sm.update_notebook_instance(NotebookInstanceName="new", DisassociateLifecycleConfig=True)
    described = sm.describe_notebook_instance(NotebookInstanceName="new")
    assert "NotebookInstanceLifecycleConfigName" not in described


def test_a_tampered_backup_is_a_mismatch(aws: Emulator, clients: tuple[Any, Any]) -> None:
    sm, s3 = clients
    make_notebook(sm, "nb")
    aws.notebook_volume("nb").update(FILES)
    bucket, prefix = locate(f"s3://{BUCKET}", "nb")
    attach_backup(sm, "nb", prefix)
    assert check_backup(s3, bucket, prefix).state == "ok"

    s3.put_object(Bucket=BUCKET, Key=prefix + "analysis.ipynb", Body=b"truncated")
    tampered = check_backup(s3, bucket, prefix)
    assert tampered.state == "mismatch"
    assert "\n" not in tampered.detail and str(tampered.files) in tampered.detail

    s3.delete_object(Bucket=BUCKET, Key=prefix + "analysis.ipynb")
    assert check_backup(s3, bucket, prefix).state == "mismatch"

    # the restore of a backup that lost a file does not match the backup manifest
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="restore",
        OnCreate=encoded(restore_script(bucket, prefix, "nb2")),
    )
    make_notebook(sm, "nb2", LifecycleConfigName="restore")
    assert "analysis.ipynb" not in aws.notebook_volume("nb2")
    assert check_restore(s3, bucket, prefix, "nb2").state == "mismatch"


def test_a_second_backup_mirrors_the_volume(aws: Emulator, clients: tuple[Any, Any]) -> None:
    sm, s3 = clients
    make_notebook(sm, "nb")
    volume = aws.notebook_volume("nb")
    volume.update(FILES)
    bucket, prefix = locate(f"s3://{BUCKET}/p", "nb")
    attach_backup(sm, "nb", prefix)
    del volume["data/train.csv"]
    stop(sm, "nb")  # the volume survives Stop/Start
    sm.start_notebook_instance(NotebookInstanceName="nb")
    assert aws.notebook_volume("nb") is volume
    assert prefix + "data/train.csv" not in objects(s3, prefix)
    assert check_backup(s3, bucket, prefix) == check_backup(s3, bucket, prefix)
    assert check_backup(s3, bucket, prefix).files == 3


def test_no_manifest_is_pending(aws: Emulator, clients: tuple[Any, Any]) -> None:
    sm, s3 = clients
    bucket, prefix = locate(f"s3://{BUCKET}/p", "nb")
    s3.put_object(Bucket=BUCKET, Key=prefix + "file", Body=b"data")
    pending = check_backup(s3, bucket, prefix)
    assert (pending.state, pending.files, pending.bytes) == ("pending", None, None)
    assert check_restore(s3, bucket, prefix, "nb2").state == "pending"
    # no bucket at all: the script fails in the notebook, nothing is written, still pending
    make_notebook(sm, "nb")
    aws.notebook_volume("nb")["f"] = b"1"
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="lost", OnStart=encoded(backup_script("absent", prefix))
    )
    stop(sm, "nb")
    sm.update_notebook_instance(NotebookInstanceName="nb", LifecycleConfigName="lost")
    sm.start_notebook_instance(NotebookInstanceName="nb")
    assert status(sm, "nb") == "InService"
    assert check_backup(s3, "absent", prefix).state == "pending"
    assert aws.errors == []


def test_other_scripts_do_nothing(aws: Emulator, clients: tuple[Any, Any]) -> None:
    sm, s3 = clients
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="plain",
        OnCreate=encoded("#!/bin/bash\necho hello\n"),
        OnStart=encoded("#!/bin/bash\npip install x\n"),
    )
    make_notebook(sm, "nb", LifecycleConfigName="plain")
    assert aws.notebook_volume("nb") == {}
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_volumes_are_per_account_and_region(aws: Emulator) -> None:
    make_notebook(aws.client("sagemaker"), "nb")
    make_notebook(aws.client("sagemaker", region="eu-west-1"), "nb")
    make_notebook(aws.client("sagemaker", account=OTHER), "nb")
    aws.notebook_volume("nb")["a"] = b"1"
    assert aws.notebook_volume("nb", region="eu-west-1") == {}
    assert aws.notebook_volume("nb", account=OTHER) == {}
    assert aws.notebook_volume("nb", region="us-east-1", account=ACCOUNT) == {"a": b"1"}
    with pytest.raises(KeyError):
        aws.notebook_volume("nb", region="us-west-2")


def test_delete_drops_the_volume(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    make_notebook(sm, "nb")
    aws.notebook_volume("nb")["a"] = b"1"
    stop(sm, "nb")
    sm.delete_notebook_instance(NotebookInstanceName="nb")
    make_notebook(sm, "nb")
    assert aws.notebook_volume("nb") == {}


def test_notebook_state_rules(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    make_notebook(sm, "nb")
    arn = sm.describe_notebook_instance(NotebookInstanceName="nb")["NotebookInstanceArn"]

    assert error_of(lambda: sm.start_notebook_instance(NotebookInstanceName="nb")) == (
        "ValidationException",
        f"Status (InService) not in ([Stopped, Failed]). Unable to transition to (Pending) "
        f"for Notebook Instance ({arn}).",
    )
    assert error_of(lambda: sm.delete_notebook_instance(NotebookInstanceName="nb")) == (
        "ValidationException",
        f"Status (InService) not in ([Stopped, Failed]). Unable to transition to (Deleting) "
        f"for Notebook Instance ({arn}).",
    )
    stop(sm, "nb")
    assert error_of(lambda: sm.stop_notebook_instance(NotebookInstanceName="nb")) == (
        "ValidationException",
        f"Status (Stopped) not in ([InService]). Unable to transition to (Stopping) "
        f"for Notebook Instance ({arn}).",
    )
    for operation in ("start", "stop", "delete"):
        call = getattr(sm, f"{operation}_notebook_instance")
        assert error_of(lambda call=call: call(NotebookInstanceName="gone")) == (
            "ValidationException",
            "RecordNotFound",
        )

    aws.set_notebook_status("nb", "Failed")
    sm.start_notebook_instance(NotebookInstanceName="nb")  # Failed may start again
    assert status(sm, "nb") == "InService"
    aws.set_notebook_status("nb", "Failed")
    sm.delete_notebook_instance(NotebookInstanceName="nb")  # ...or be deleted
    assert error_of(lambda: sm.describe_notebook_instance(NotebookInstanceName="nb"))[1] == (
        "RecordNotFound"
    )


@pytest.mark.parametrize("forced", ["Pending", "Updating", "Stopping", "Deleting"])
def test_set_notebook_status_blocks_every_transition(aws: Emulator, forced: str) -> None:
    sm = aws.client("sagemaker")
    make_notebook(sm, "nb")
    aws.set_notebook_status("nb", forced)
    assert status(sm, "nb") == forced
    calls: list[Callable[[], Any]] = [
        lambda: sm.start_notebook_instance(NotebookInstanceName="nb"),
        lambda: sm.stop_notebook_instance(NotebookInstanceName="nb"),
        lambda: sm.delete_notebook_instance(NotebookInstanceName="nb"),
        lambda: sm.update_notebook_instance(NotebookInstanceName="nb", RootAccess="Disabled"),
    ]
    for call in calls:
        code, message = error_of(call)
        assert code == "ValidationException"
        assert message.startswith(f"Status ({forced}) not in (")
    assert status(sm, "nb") == forced


def test_set_notebook_status_in_another_account_and_region(aws: Emulator) -> None:
    sm = aws.client("sagemaker", region="eu-west-1", account=OTHER)
    make_notebook(sm, "nb")
    aws.set_notebook_status("nb", "Pending", region="eu-west-1", account=OTHER)
    assert status(sm, "nb") == "Pending"
    with pytest.raises(KeyError):
        aws.set_notebook_status("nb", "Pending")
    with pytest.raises(ValueError):
        aws.set_notebook_status("nb", "Sleeping", region="eu-west-1", account=OTHER)
