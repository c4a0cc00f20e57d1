"""`fix plan --format script` run by the real AWS CLI against the emulator.

The stub tests (test_fix_script.py) check order, guards and quoting; these check that
what the script sends is accepted: the real `aws` (awscli, from the dev extra) parses every
flag and validates every input with botocore's model before it sends anything, and the
emulator validates it again like AWS. The plans come from resources read back from the
emulator by sagewarden's own Describe code, as a scan reads them, so every create or
update input is a copy of a real Describe output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sagewarden import kinds
from sagewarden.kinds import method
from sagewarden.remediation import plan
from sagewarden.remediation.live import read_resource
from sagewarden.remediation.script import render_script
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden_demo.emulator import Emulator
from sagewarden_demo.estate import _job_kwargs
from tests.unit.test_remediation_plan import inline_job, run

ACCOUNT = "123456789012"  # the emulator's account for the dummy credentials
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sm"
SUBNET = "subnet-0123456789abcdef0"
BUCKET = "nb-backups"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0000aaaa-11bb-22cc-33dd-444455556666"


def _aws_cli() -> str | None:
    """The real AWS CLI: the one installed beside this interpreter (the dev extra), else
    one on PATH."""
    beside = Path(sys.executable).parent / "aws"
    return str(beside) if beside.exists() else shutil.which("aws")


@pytest.fixture
def cli(aws: Emulator, tmp_path: Path) -> Any:
    """Runs a script with the real `aws` talking to the emulator, dummy credentials."""
    found = _aws_cli()
    if found is None:
        pytest.skip("the AWS CLI is not installed: pip install awscli (the dev extra has it)")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "aws").symlink_to(found)
    (bindir / "python3").symlink_to(sys.executable)  # the script's python3, for JSON edits
    nowhere = tmp_path / "absent"
    env = {
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": aws.endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(nowhere),
        "AWS_SHARED_CREDENTIALS_FILE": str(nowhere),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_MAX_ATTEMPTS": "1",
        "SAGEWARDEN_POLL_SECONDS": "0",
        "SAGEWARDEN_POLL_TRIES": "20",
    }

    def run_script(script: str) -> subprocess.CompletedProcess[str]:
        path = tmp_path / "fix.sh"
        path.write_text(script)
        return subprocess.run(
            ["bash", str(path)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
        )

    return run_script


def read(sm: Any, rtype: str, name: str) -> Resource:
    """A resource as a scan reads it: Describe output and tags, by sagewarden's code."""
    r = read_resource(sm, rtype, name, ACCOUNT, REGION)
    assert r is not None, name
    return r


def job(sm: Any, rtype: str, name: str, count: int, encrypt: bool, isolate: bool) -> None:
    mtype = kinds.kind(rtype).monitoring_type
    create = getattr(sm, method(kinds.kind(rtype).op("Create")))
    create(**_job_kwargs(mtype, name, ACCOUNT, count, encrypt, isolate))


def describe_job(sm: Any, rtype: str, name: str) -> dict[str, Any]:
    out: dict[str, Any] = getattr(sm, method(kinds.kind(rtype).describe_op))(JobDefinitionName=name)
    return out


def assert_ran(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "sagewarden: done" in proc.stdout


# --- the bug: a Describe copy with an empty optional structure -------------------------------


def test_empty_optional_structure_of_a_describe_copy_is_not_sent(aws: Emulator, cli: Any) -> None:
    """Issue 10, item 6: the Describe output carried "StoppingCondition": {} (moto answers
    it for a job definition created without one; the emulator removes it, as AWS omits
    it), the script copied it into create-data-quality-job-definition, and the real CLI
    refused it ("Missing required parameter in StoppingCondition")."""
    sm = aws.client("sagemaker", REGION)
    job(sm, RT.DATA_QUALITY_JOB_DEFINITION, "dq", 2, True, False)
    dq = read(sm, RT.DATA_QUALITY_JOB_DEFINITION, "dq")
    dq.properties["StoppingCondition"] = {}  # the Describe output as moto gives it
    dq.properties["NetworkConfig"]["VpcConfig"] = {}
    p = plan(run([dq]))
    assert not p.blocked
    script = render_script(p)

    assert_ran(cli(script))
    new = describe_job(sm, RT.DATA_QUALITY_JOB_DEFINITION, "dq-sw1")
    assert new["NetworkConfig"] == {
        "EnableInterContainerTrafficEncryption": True,
        "EnableNetworkIsolation": True,
    }
    assert "StoppingCondition" not in new
    names = sm.list_data_quality_job_definitions()["JobDefinitionSummaries"]
    assert [j["MonitoringJobDefinitionName"] for j in names] == ["dq-sw1"]
    # a second run finds everything done
    again = cli(script)
    assert_ran(again)
    assert "job definition dq-sw1: already exists" in again.stdout


# --- every create and update the planner emits ------------------------------------------------
# Two tests (notebooks and tags; models, endpoints and monitoring), so that test workers
# share the real CLI's start-up time (about a second a call).

RESOLVE = ["SageMaker.14.resolveReferences=true"]


def fix(aws: Emulator, cli: Any, scanned: list[tuple[str, str]], **options: Any) -> Any:
    """Plan the fixes of resources read back from the emulator, write the script, run it
    with the real CLI; every call it makes is recorded by the emulator."""
    sm = aws.client("sagemaker", REGION)
    p = plan(run([read(sm, rtype, name) for rtype, name in scanned], RESOLVE), **options)
    assert not [rp for rp in p.blocked if rp.steps], [rp.blocked for rp in p.blocked]
    script = render_script(p)
    aws.clear_calls()
    assert_ran(cli(script))
    return {c.operation for c in aws.calls}


def assert_fixed(sm: Any, fixed: dict[str, list[str]]) -> None:
    """Every control passes (or does not apply) on what was fixed in place and on every
    replacement, read back as a scan reads it; but those sagewarden does not fix (a model
    pulling from Amazon ECR fails the private-registry rules by design)."""
    after = run([read(sm, rtype, n) for rtype, names in fixed.items() for n in names], RESOLVE)
    assert after
    failed = [
        (e.control.id, e.resource.name)
        for e in after
        if e.status.name == "FAILED" and not e.control.fix.blocked
    ]
    assert failed == []


def test_notebook_and_tag_fixes_are_accepted_by_the_real_cli(aws: Emulator, cli: Any) -> None:
    """In-place update (stop, update, start), rebuild with an S3 backup (lifecycle
    configurations, create, restore, delete), AddTags."""
    sm = aws.client("sagemaker", REGION)
    aws.client("s3", REGION).create_bucket(Bucket=BUCKET)
    sm.create_notebook_instance(
        NotebookInstanceName="nb",
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        SubnetId=SUBNET,
        SecurityGroupIds=["sg-1"],
        DirectInternetAccess="Disabled",
        RootAccess="Enabled",
        PlatformIdentifier="notebook-al2-v3",
        KmsKeyId=KEY,  # in place: the key is create-only
    )
    sm.create_notebook_instance(
        NotebookInstanceName="rb",
        InstanceType="ml.t3.large",
        RoleArn=ROLE,
        DirectInternetAccess="Enabled",
        VolumeSizeInGB=20,
        Tags=[{"Key": "team", "Value": "research"}],
    )
    aws.notebook_volume("rb")["work.ipynb"] = b'{"cells": []}'
    sm.create_image(ImageName="img", RoleArn=ROLE)
    scanned = [(RT.NOTEBOOK_INSTANCE, "nb"), (RT.NOTEBOOK_INSTANCE, "rb"), (RT.IMAGE, "img")]

    sent = fix(
        aws,
        cli,
        scanned,
        tags={"owner": "ml-platform"},
        allow_rebuild=True,
        backup=f"s3://{BUCKET}/rebuilds",
        subnet=SUBNET,
        kms_key=KEY,  # the rebuild sets rb's volume key too (SageMaker.21)
    )
    want = {
        "UpdateNotebookInstance",
        "CreateNotebookInstanceLifecycleConfig",
        "CreateNotebookInstance",
        "AddTags",
    }
    assert sent >= want, want - sent
    assert_fixed(sm, {RT.NOTEBOOK_INSTANCE: ["nb", "rb-sw1"], RT.IMAGE: ["img"]})
    notebooks = sm.list_notebook_instances()["NotebookInstances"]
    assert sorted(n["NotebookInstanceName"] for n in notebooks) == ["nb", "rb-sw1"]
    assert aws.notebook_volume("rb-sw1") == {"work.ipynb": b'{"cells": []}'}
    new = sm.describe_notebook_instance(NotebookInstanceName="rb-sw1")
    tags = sm.list_tags(ResourceArn=new["NotebookInstanceArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "research"}]
    assert new["KmsKeyId"] == KEY


JOBS = [
    (RT.DATA_QUALITY_JOB_DEFINITION, "dq"),
    (RT.MODEL_BIAS_JOB_DEFINITION, "mb"),
    (RT.MODEL_QUALITY_JOB_DEFINITION, "mq"),
    (RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, "mx"),
]


def test_model_endpoint_and_monitoring_fixes_are_accepted_by_the_real_cli(
    aws: Emulator, cli: Any
) -> None:
    """CreateModel, CreateEndpointConfig (planned, and copied at run time for a config
    the scan did not see), UpdateEndpoint, the four CreateXJobDefinition,
    UpdateMonitoringSchedule (inline, and repointed at run time)."""
    sm = aws.client("sagemaker", REGION)
    for name in ("m", "lone"):
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})
    for name, model, count in (("ec", "m", 1), ("uses-lone", "lone", 2)):
        variant = {
            "VariantName": "AllTraffic",
            "ModelName": model,
            "InitialInstanceCount": count,
            "InstanceType": "ml.c5.xlarge",
        }
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    sm.create_endpoint(EndpointName="e1", EndpointConfigName="ec")
    sm.create_endpoint(EndpointName="e2", EndpointConfigName="uses-lone")
    for rtype, name in JOBS:
        job(sm, rtype, name, 2, False, False)
    sm.create_monitoring_schedule(
        MonitoringScheduleName="bydq",
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 3 ? * * *)"},
            "MonitoringJobDefinitionName": "dq",
            "MonitoringType": "DataQuality",
        },
    )
    sm.create_monitoring_schedule(
        MonitoringScheduleName="inline",
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringJobDefinition": inline_job(),
        },
    )
    scanned = [
        (RT.MODEL, "m"),
        (RT.ENDPOINT_CONFIG, "ec"),
        (RT.MODEL, "lone"),  # its config uses-lone is not scanned: copied at run time
        *JOBS,
        (RT.MONITORING_SCHEDULE, "bydq"),
        (RT.MONITORING_SCHEDULE, "inline"),
    ]

    sent = fix(aws, cli, scanned)
    want = {
        "CreateModel",
        "CreateEndpointConfig",
        "UpdateEndpoint",
        *(kinds.kind(rtype).op("Create") for rtype, _ in JOBS),
        "UpdateMonitoringSchedule",
    }
    assert sent >= want, want - sent
    assert_fixed(
        sm,
        {
            RT.MODEL: ["m-sw1", "lone-sw1"],
            RT.ENDPOINT_CONFIG: ["ec-sw1", "uses-lone-sw1"],
            RT.MONITORING_SCHEDULE: ["bydq", "inline"],
            **{rtype: [f"{name}-sw1"] for rtype, name in JOBS},
        },
    )
    endpoints = {
        e: sm.describe_endpoint(EndpointName=e)["EndpointConfigName"] for e in ("e1", "e2")
    }
    assert endpoints == {"e1": "ec-sw1", "e2": "uses-lone-sw1"}
    schedule = sm.describe_monitoring_schedule(MonitoringScheduleName="bydq")
    assert schedule["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] == "dq-sw1"
    configs = {c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"]}
    assert configs == {"ec-sw1", "uses-lone-sw1"}


def test_newer_fixes_are_accepted_by_the_real_cli(aws: Emulator, cli: Any) -> None:
    """UpdateInferenceExperiment (SageMaker.24, the key the user names), one
    UpdateMonitoringSchedule for .14 and .22, one new explainability definition for .10
    and .20; the held controls are comments and change nothing. A second run finds
    everything done."""
    from tests.e2e.test_emulator_featurestore import experiment, live_endpoint

    key = KEY
    sm = aws.client("sagemaker", REGION)
    live_endpoint(sm)
    capture = {"Destination": "s3://bucket/capture"}
    experiment(sm, "shadow", DataStorageConfig=capture)  # no KmsKey: .23 held
    job(sm, RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, "mx", 2, False, False)
    sm.create_monitoring_schedule(
        MonitoringScheduleName="inline",
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringJobDefinition": inline_job(),
        },
    )
    scanned = [
        (RT.INFERENCE_EXPERIMENT, "shadow"),
        (RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, "mx"),
        (RT.MONITORING_SCHEDULE, "inline"),
    ]
    p = plan(run([read(sm, rtype, name) for rtype, name in scanned], RESOLVE), kms_key=key)
    held = {c for rp in p.resources for c in rp.blocked_controls}
    assert held == {"SageMaker.23"}
    script = render_script(p)
    aws.clear_calls()
    assert_ran(cli(script))
    sent = [c for c in aws.calls if not c.operation.startswith(("Describe", "List", "Get"))]
    # in place first, schedules before experiments (kinds' fix order): one update each
    assert [c.operation for c in sent if c.operation.startswith("Update")] == [
        "UpdateMonitoringSchedule",
        "UpdateInferenceExperiment",
    ]
    assert [c.operation for c in sent if c.operation.startswith("Create")] == [
        "CreateModelExplainabilityJobDefinition"
    ]
    d = sm.describe_inference_experiment(Name="shadow")
    assert d["DataStorageConfig"] == {**capture, "KmsKey": key}
    schedule = sm.describe_monitoring_schedule(MonitoringScheduleName="inline")
    assert schedule["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["NetworkConfig"] == {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
    }
    after = run(
        [
            read(sm, RT.INFERENCE_EXPERIMENT, "shadow"),
            read(sm, RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, "mx-sw1"),
            read(sm, RT.MONITORING_SCHEDULE, "inline"),
        ],
        RESOLVE,
    )
    failed = {(e.control.id, e.resource.name) for e in after if e.status.name == "FAILED"}
    assert failed == {("SageMaker.23", "shadow")}  # held: KmsKey is create-only
    # a second run finds everything done
    aws.clear_calls()
    again = cli(script)
    assert_ran(again)
    assert "inference experiment shadow: already up to date" in again.stdout
    assert not [c for c in aws.calls if c.operation.startswith(("Update", "Create"))]
