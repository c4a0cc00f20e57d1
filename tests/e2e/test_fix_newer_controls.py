"""The fixes of SageMaker.16 to .25 end to end: the real command against the emulator,
resources created through boto3 here (not the demo estate), AWS state read back with
boto3, every request in the emulator's call log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden_demo.emulator import Emulator
from tests.e2e.test_emulator import model_explainability, model_quality
from tests.e2e.test_emulator_featurestore import experiment, feature_group, live_endpoint
from tests.e2e.test_fix_apply import (
    ACCOUNT,
    FAST,
    REGION,
    assert_policy_covers,
    last_run,
    live,
    run_state,
    scan,
)
from tests.e2e.test_fix_rails import READS
from tests.unit.test_remediation_plan import inline_job

__all__ = ["live"]  # the fixture, shared

ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0000aaaa-11bb-22cc-33dd-444455556666"
CAPTURE = {
    "Destination": "s3://bucket/capture",
    "ContentType": {"JsonContentTypes": ["application/json"]},
}
AWS = ["--aws", "--region", REGION]


def changes(live: Emulator, since: int = 0) -> list[tuple[str, dict[str, Any]]]:
    """The SageMaker calls that change something, in order."""
    return [
        (c.operation, c.params)
        for c in live.calls[since:]
        if c.service == "sagemaker" and not c.operation.startswith(READS)
    ]


def only(*controls: str) -> list[str]:
    return [a for c in controls for a in ("--only", c)]


# --- .20 and .25 on the job-definition path --------------------------------------------------


def test_definitions_failing_isolation_and_encryption_are_replaced_once_and_rolled_back(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    model_explainability(sm, "mx")  # 3 instances, no NetworkConfig: .10 and .20 fail
    model_quality(sm, "mq")  # .13 and .25 fail
    for definition, mtype in (("mx", "ModelExplainability"), ("mq", "ModelQuality")):
        sm.create_monitoring_schedule(
            MonitoringScheduleName=f"{definition}-daily",
            MonitoringScheduleConfig={
                "ScheduleConfig": {"ScheduleExpression": "cron(0 3 ? * * *)"},
                "MonitoringJobDefinitionName": definition,
                "MonitoringType": mtype,
            },
        )
    before = scan(capsys)
    for control, name in (("10", "mx"), ("20", "mx"), ("13", "mq"), ("25", "mq")):
        assert before[(f"SageMaker.{control}", name)] == "FAILED"

    live.clear_calls()
    code = main(["fix", "apply", *AWS, *only("SageMaker.10", "SageMaker.13", "SageMaker.20",
                                            "SageMaker.25"), "--yes", *FAST])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert_policy_covers(live.calls)
    made = sorted(p["JobDefinitionName"] for op, p in changes(live) if op.startswith("Create"))
    assert made == ["mq-sw1", "mx-sw1"]  # one replacement each, both flags in it
    both = {"EnableInterContainerTrafficEncryption": True, "EnableNetworkIsolation": True}
    mx = sm.describe_model_explainability_job_definition(JobDefinitionName="mx-sw1")
    mq = sm.describe_model_quality_job_definition(JobDefinitionName="mq-sw1")
    assert mx["NetworkConfig"] == mq["NetworkConfig"] == both
    for definition in ("mx", "mq"):
        schedule = sm.describe_monitoring_schedule(MonitoringScheduleName=f"{definition}-daily")
        assert schedule["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] == (
            f"{definition}-sw1"
        )
    after = scan(capsys)
    for control, name in (("10", "mx"), ("20", "mx"), ("13", "mq"), ("25", "mq")):
        assert (f"SageMaker.{control}", name) not in after  # deleted, last
        assert after[(f"SageMaker.{control}", f"{name}-sw1")] == "PASSED"

    assert main(["fix", "rollback", last_run(), "--yes", *FAST]) == 0
    assert scan(capsys) == before


# --- .22 in the same UpdateMonitoringSchedule as .14 ------------------------------------------


def test_a_schedule_failing_isolation_and_encryption_gets_one_update(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    config = {
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
        "MonitoringJobDefinition": inline_job(),  # no NetworkConfig
    }
    sm.create_monitoring_schedule(MonitoringScheduleName="inline", MonitoringScheduleConfig=config)
    before = scan(capsys)
    assert before[("SageMaker.14", "inline")] == before[("SageMaker.22", "inline")] == "FAILED"

    live.clear_calls()
    code = main(["fix", "apply", *AWS, *only("SageMaker.14", "SageMaker.22"), "--yes", *FAST])
    assert code == 0, capsys.readouterr().err
    updates = [p for op, p in changes(live) if op == "UpdateMonitoringSchedule"]
    assert len(updates) == 1
    assert changes(live) == [("UpdateMonitoringSchedule", updates[0])]
    sent = updates[0]["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["NetworkConfig"]
    assert sent == {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}
    d = sm.describe_monitoring_schedule(MonitoringScheduleName="inline")
    assert d["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["NetworkConfig"] == sent
    after = scan(capsys)
    assert after[("SageMaker.14", "inline")] == after[("SageMaker.22", "inline")] == "PASSED"

    assert main(["fix", "rollback", last_run(), "--yes", *FAST]) == 0
    d = sm.describe_monitoring_schedule(MonitoringScheduleName="inline")
    assert "NetworkConfig" not in d["MonitoringScheduleConfig"]["MonitoringJobDefinition"]


# --- .21 held without a key; the in-place fix goes ahead ------------------------------------


def test_without_a_key_the_volume_key_is_not_fixed_and_root_access_is(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE,
        RootAccess="Enabled",
    )  # fmt: skip
    capsys.readouterr()
    code = main(["fix", "apply", *AWS, *only("SageMaker.3", "SageMaker.21"), "--yes", *FAST])
    err = capsys.readouterr().err
    assert code == 3, err
    assert (
        f"not fixed: AWS::SageMaker::NotebookInstance nb ({ACCOUNT} {REGION}): SageMaker.21: "
        "name a KMS key with --kms-key: KmsKeyId is set to it"
    ) in err
    d = sm.describe_notebook_instance(NotebookInstanceName="nb")
    assert (d["RootAccess"], d["NotebookInstanceStatus"]) == ("Disabled", "InService")
    assert "KmsKeyId" not in d
    assert [
        n["NotebookInstanceName"] for n in sm.list_notebook_instances()["NotebookInstances"]
    ] == ["nb"]


def test_a_key_that_is_no_kms_key_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "plan", *AWS, "--kms-key", "not a key!"]) == 2
    err = capsys.readouterr().err
    assert "--kms-key 'not a key!': not a KMS key id, ARN or alias" in err
    assert main(["fix", "plan", *AWS, "--kms-key", ""]) == 2


# --- .24 in place, while the experiment's status allows it ----------------------------------


def _experiment(live: Emulator, name: str = "shadow", **extra: Any) -> Any:
    sm = live.client("sagemaker", REGION)
    if not sm.list_endpoints()["Endpoints"]:
        live_endpoint(sm)
    experiment(sm, name, DataStorageConfig=CAPTURE, KmsKey=KEY, **extra)
    return sm


def test_data_capture_key_set_in_place_verified_and_rolled_back(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = _experiment(live)
    before = scan(capsys)
    assert before[("SageMaker.24", "shadow")] == "FAILED"
    assert before[("SageMaker.23", "shadow")] == "PASSED"

    # Without a key: planned, held, saying which option names it; nothing runs.
    plan_file = tmp_path / "plan.json"
    assert main(["fix", "plan", *AWS, "--format", "json", "--output", str(plan_file)]) == 0
    (rp,) = [
        r
        for r in json.loads(plan_file.read_text())["resources"]
        if r["resource_type"] == "AWS::SageMaker::InferenceExperiment"
    ]
    assert rp["blocked_controls"] == {
        "SageMaker.24": "name a KMS key with --kms-key: DataStorageConfig.KmsKey is set to it"
    }
    assert rp["steps"] == []

    live.clear_calls()
    code = main(["fix", "apply", *AWS, "--only", "SageMaker.24", "--kms-key", KEY, "--yes", *FAST])
    assert code == 0, capsys.readouterr().err
    assert_policy_covers(live.calls)
    assert changes(live) == [
        ("UpdateInferenceExperiment", {"Name": "shadow", "DataStorageConfig": {**CAPTURE,
                                                                              "KmsKey": KEY}})
    ]  # fmt: skip
    d = sm.describe_inference_experiment(Name="shadow")
    assert d["DataStorageConfig"] == {**CAPTURE, "KmsKey": KEY}
    assert d["Status"] == "Running"  # out of Updating: the wait saw to it
    assert scan(capsys)[("SageMaker.24", "shadow")] == "PASSED"

    run_id = last_run()
    live.clear_calls()
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 0
    assert run_state(run_id) == "rolled-back"
    assert_policy_covers(live.calls)
    assert changes(live) == [
        ("UpdateInferenceExperiment", {"Name": "shadow", "DataStorageConfig": CAPTURE})
    ]
    assert sm.describe_inference_experiment(Name="shadow")["DataStorageConfig"] == CAPTURE
    assert scan(capsys) == before


def _cancel(sm: Any, name: str) -> None:
    sm.describe_inference_experiment(Name=name)  # seen: no longer Creating
    sm.stop_inference_experiment(
        Name=name,
        ModelVariantActions={"v": "Retain", "shadow-v": "Remove"},
        DesiredState="Cancelled",
    )
    assert sm.describe_inference_experiment(Name=name)["Status"] == "Stopping"


def test_a_finished_experiment_is_blocked_at_plan_time(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = _experiment(live)
    _cancel(sm, "shadow")
    capsys.readouterr()
    assert main(["fix", "plan", *AWS, "--only", "SageMaker.24", "--kms-key", KEY]) == 0
    out = capsys.readouterr().out
    assert "BLOCKED: the experiment is Cancelled: UpdateInferenceExperiment takes only" in out
    live.clear_calls()
    assert main(["fix", "apply", *AWS, "--only", "SageMaker.24", "--kms-key", KEY,
                 "--yes", *FAST]) == 3  # fmt: skip
    assert "the experiment is Cancelled" in capsys.readouterr().err
    assert changes(live) == []


def test_an_experiment_finished_since_the_plan_is_refused_at_apply(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = _experiment(live)
    plan_file = tmp_path / "plan.json"
    assert main(["fix", "plan", *AWS, "--only", "SageMaker.24", "--kms-key", KEY, "--format",
                 "json", "--output", str(plan_file)]) == 0  # fmt: skip
    assert json.loads(plan_file.read_text())["resources"][0].get("blocked") is None
    _cancel(sm, "shadow")
    live.clear_calls()
    capsys.readouterr()
    assert main(["fix", "apply", str(plan_file), "--yes", *FAST]) == 3
    err = capsys.readouterr().err
    assert "not fixed: AWS::SageMaker::InferenceExperiment shadow" in err
    assert "the experiment is Cancelled: UpdateInferenceExperiment takes only an experiment" in err
    assert changes(live) == []


# --- .16, .17, .18, .19, .23: held, nothing changed ------------------------------------------


def test_held_controls_are_listed_and_nothing_of_theirs_changes(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    feature_group(sm, "fg", RoleArn=ROLE, OfflineStoreConfig={"S3StorageConfig": {
        "S3Uri": "s3://bucket/features"}})  # fmt: skip
    live_endpoint(sm)  # models m and shadow (ECR-less images, Platform: .16 fails)
    experiment(sm, "shadow")  # no KmsKey (.23), no data capture (.24 does not apply)
    sm.create_model(
        ModelName="pipeline", ExecutionRoleArn=ROLE, EnableNetworkIsolation=True,
        Containers=[{"Image": "a"}, {"Image": "b"}],
    )  # fmt: skip
    before = scan(capsys)
    held = {
        ("SageMaker.17", "fg"),
        ("SageMaker.18", "fg"),
        ("SageMaker.19", "pipeline"),
        ("SageMaker.23", "shadow"),
        ("SageMaker.16", "m"),
    }
    assert all(before[k] == "FAILED" for k in held), {k: before.get(k) for k in held}
    controls = only("SageMaker.16", "SageMaker.17", "SageMaker.18", "SageMaker.19",
                    "SageMaker.23")  # fmt: skip

    script = tmp_path / "fix.sh"
    assert main(["fix", "plan", *AWS, *controls, "--format", "script", "--output",
                 str(script)]) == 0  # fmt: skip
    text = script.read_text()
    for control, _ in held:
        assert f"# BLOCKED {control} arn:aws:sagemaker:{REGION}:{ACCOUNT}:" in text, control
    assert "# --- step" not in text and "sw_say 'nothing to fix'" in text
    capsys.readouterr()
    assert main(["fix", "plan", *AWS, *controls]) == 0
    out = capsys.readouterr().out
    assert "BLOCKED SageMaker.17: Not fixed by sagewarden" in out
    assert "A person: create a feature group" in out

    live.clear_calls()
    assert main(["fix", "apply", *AWS, *controls, "--kms-key", KEY, "--allow-rebuild",
                 "--backed-up", "--yes", *FAST]) == 3  # fmt: skip
    err = capsys.readouterr().err
    for control, name in held:
        assert f" {name} ({ACCOUNT} {REGION}): {control}: Not fixed by sagewarden" in err
    assert changes(live) == []
    assert scan(capsys) == before
