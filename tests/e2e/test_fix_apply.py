"""`sagewarden fix` end to end on the emulator: scan, plan, apply, rescan, roll back.

Everything goes through the real CLI and boto3 against the emulator on 127.0.0.1; the
assertions read AWS state back with boto3 (Describe output, tags, the notebook volume).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden.remediation.journal import Journal
from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator
from tests.helpers import scan_report

ACCOUNT = "123456789012"
REGION = "us-east-1"
RESOLVE = "SageMaker.14.resolveReferences=true"
FAST = ["--poll-interval", "0", "--timeout", "30"]
# Volatile Describe fields: timestamps, and states the emulator moves on each read.
VOLATILE = {
    "CreationTime",
    "LastModifiedTime",
    "MonitoringScheduleStatus",
    "LastMonitoringExecutionSummary",
    "FeatureGroupStatus",
    "LastUpdateStatus",
}


@pytest.fixture
def live(aws: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Emulator:
    """The emulator, and a journal of the test's own (xdist workers share the session's)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("SAGEWARDEN_DB", str(tmp_path / "journal.sqlite3"))
    return aws


def scan(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[tuple[str, str], str]:
    capsys.readouterr()
    main(["scan", "--aws", "--region", REGION, "--format", "json", "--no-history", *extra])
    doc = scan_report(capsys.readouterr().out)
    return {(e["control"], e["resource_name"]): e["status"] for e in doc["evaluations"]}


def describe_all(sm: Any) -> dict[str, dict[str, Any]]:
    """Every resource's Describe output and tags, without volatile fields."""
    out: dict[str, dict[str, Any]] = {}

    def keep(kind: str, name: str, d: dict[str, Any]) -> None:
        d = {k: v for k, v in d.items() if k not in VOLATILE and k != "ResponseMetadata"}
        arn = next(
            (
                v
                for k, v in d.items()
                if k.endswith("Arn")
                and ":sagemaker:" in str(v)
                and k not in ("RoleArn", "ExecutionRoleArn")
            ),
            None,
        )
        tags = sm.list_tags(ResourceArn=arn)["Tags"] if arn else None
        out[f"{kind}/{name}"] = {"describe": d, "tags": tags}

    for n in sm.list_notebook_instances()["NotebookInstances"]:
        name = n["NotebookInstanceName"]
        keep("notebook", name, sm.describe_notebook_instance(NotebookInstanceName=name))
    for m in sm.list_models()["Models"]:
        keep("model", m["ModelName"], sm.describe_model(ModelName=m["ModelName"]))
    for c in sm.list_endpoint_configs()["EndpointConfigs"]:
        name = c["EndpointConfigName"]
        keep("config", name, sm.describe_endpoint_config(EndpointConfigName=name))
    for e in sm.list_endpoints()["Endpoints"]:
        d = sm.describe_endpoint(EndpointName=e["EndpointName"])
        out[f"endpoint/{e['EndpointName']}"] = {"config": d["EndpointConfigName"]}
    for kind in ("data_quality", "model_quality", "model_bias", "model_explainability"):
        for j in getattr(sm, f"list_{kind}_job_definitions")()["JobDefinitionSummaries"]:
            name = j["MonitoringJobDefinitionName"]
            d = getattr(sm, f"describe_{kind}_job_definition")(JobDefinitionName=name)
            keep(kind, name, d)
    for s in sm.list_monitoring_schedules()["MonitoringScheduleSummaries"]:
        name = s["MonitoringScheduleName"]
        keep("schedule", name, sm.describe_monitoring_schedule(MonitoringScheduleName=name))
    for a in sm.list_app_image_configs()["AppImageConfigs"]:
        name = a["AppImageConfigName"]
        keep("aic", name, sm.describe_app_image_config(AppImageConfigName=name))
    for i in sm.list_images()["Images"]:
        keep("image", i["ImageName"], sm.describe_image(ImageName=i["ImageName"]))
    for g in sm.list_feature_groups()["FeatureGroupSummaries"]:
        name = g["FeatureGroupName"]
        keep("feature-group", name, sm.describe_feature_group(FeatureGroupName=name))
    for x in sm.list_inference_experiments()["InferenceExperiments"]:
        d = sm.describe_inference_experiment(Name=x["Name"])
        # Its status and its variants' move on each read (Updating until seen).
        d["ModelVariants"] = [{k: v for k, v in m.items() if k != "Status"}
                              for m in d["ModelVariants"]]  # fmt: skip
        keep("experiment", x["Name"], {k: v for k, v in d.items() if k != "Status"})
    return out


def assert_policy_covers(calls: list[Any], backup_s3: str | None = None) -> None:
    """Every call a fix made is allowed by `sagewarden iam-policy --fix`."""
    from sagewarden.iampolicy import scan_policy

    allowed = {
        a for st in scan_policy(fix=True, backup_s3=backup_s3)["Statement"] for a in st["Action"]
    }
    s3 = {"ListObjectsV2": "s3:ListBucket", "GetObject": "s3:GetObject"}
    for c in calls:
        action = s3.get(c.operation) if c.service == "s3" else f"{c.service}:{c.operation}"
        assert action in allowed, f"{c.service}:{c.operation} {c.params} is not in iam-policy --fix"


def last_run(db: str | None = None) -> str:
    import os

    journal = Journal(db or os.environ["SAGEWARDEN_DB"])
    try:
        return journal.runs(1)[0].id
    finally:
        journal.close()


def run_state(run_id: str) -> str:
    import os

    journal = Journal(os.environ["SAGEWARDEN_DB"])
    try:
        found = journal.run(run_id)
        assert found is not None
        return found[0]
    finally:
        journal.close()


# --- every control but the notebook rebuild, on the demo estate ------------------------------

IN_PLACE_AND_BLUE_GREEN = [f"SageMaker.{n}" for n in range(3, 16)]


def test_estate_every_control_fixed_verified_and_rolled_back(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.build(live.client, ACCOUNT, [REGION])
    sm = live.client("sagemaker", REGION)
    before = scan(capsys, "--param", RESOLVE)
    original = describe_all(sm)
    failing = {k for k, v in before.items() if v == "FAILED"}
    assert {c for c, _ in failing} >= set(IN_PLACE_AND_BLUE_GREEN)

    plan_file = tmp_path / "plan.json"
    only = [arg for c in IN_PLACE_AND_BLUE_GREEN for arg in ("--only", c)]
    code = main(
        ["fix", "plan", "--aws", "--region", REGION, "--param", RESOLVE, "--tag", "team=ml",
         *only, "--format", "json", "--output", str(plan_file)]
    )  # fmt: skip
    assert code == 0
    plan = json.loads(plan_file.read_text())
    planned = {(r["name"], c) for r in plan["resources"] for c in r["controls"]}
    # A schedule failing .14 through its job definition is fixed on that definition.
    planned |= {
        (why.split("schedule ", 1)[1].rstrip(")"), "SageMaker.14")
        for r in plan["resources"]
        for s in r["steps"]
        for why in s["why"]
        if "(schedule " in why
    }
    for control, name in failing:
        if control in IN_PLACE_AND_BLUE_GREEN:
            assert (name, control) in planned, (control, name)

    # A dry run changes nothing.
    calls_before = len(live.calls)
    assert main(["fix", "apply", str(plan_file), *FAST]) == 0
    mutating = [
        c for c in live.calls[calls_before:]
        if not c.operation.startswith(("Describe", "List", "Get"))
    ]  # fmt: skip
    assert mutating == []
    assert describe_all(sm) == original

    live.clear_calls()
    assert main(["fix", "apply", str(plan_file), "--yes", *FAST]) == 0
    assert_policy_covers(live.calls)
    run_id = last_run()
    assert run_state(run_id) == "done"

    after = scan(capsys, "--param", RESOLVE)
    for control, name in failing:
        if control not in IN_PLACE_AND_BLUE_GREEN:
            continue
        replacement = next(
            (r.get("new_name") for r in plan["resources"]
             if r["name"] == name and control in r["controls"]),
            None,
        )  # fmt: skip
        if replacement:  # blue/green: the old one is gone, its replacement passes
            assert (control, name) not in after, (control, name)
            assert after[(control, replacement)] == "PASSED", (control, replacement)
        else:
            assert after[(control, name)] == "PASSED", (control, name)
    # Endpoints moved to the new configs and stayed InService.
    ep = sm.describe_endpoint(EndpointName="recsys-prod")
    assert ep["EndpointStatus"] == "InService"

    live.clear_calls()
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 0
    assert_policy_covers(live.calls)
    assert run_state(run_id) == "rolled-back"
    assert scan(capsys, "--param", RESOLVE) == before
    restored = describe_all(sm)
    assert restored.keys() == original.keys()
    for key in original:
        assert restored[key] == original[key], key


def test_fix_runs_lists_runs(live: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    sm = live.client("sagemaker", REGION)
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RootAccess="Enabled",
    )  # fmt: skip
    assert main(["fix", "apply", "--aws", "--region", REGION, "--only", "SageMaker.3",
                 "--yes", *FAST]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["fix", "runs", "--format", "json"]) == 0
    runs = json.loads(capsys.readouterr().out)["runs"]
    assert runs[0]["state"] == "done"
    assert runs[0]["steps_done"] == runs[0]["steps_total"] == 6
    assert sm.describe_notebook_instance(NotebookInstanceName="nb")["RootAccess"] == "Disabled"


# --- the notebook rebuild (.1/.2), with a verified S3 backup and restore ---------------------

SUBNET = "subnet-0ab12cd34ef56"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0000aaaa-11bb-22cc-33dd-444455556666"


def lifecycle_configs(sm: Any) -> set[str]:
    """Which of the lifecycle configurations a rebuild of `research` may use exist (moto
    has no ListNotebookInstanceLifecycleConfigs)."""
    found = set()
    for name in ("conda-setup", "sw-backup-research", "sw-restore-research-sw1"):
        try:
            sm.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
            found.add(name)
        except sm.exceptions.ClientError:
            pass
    return found


def _exposed_notebook(live: Emulator) -> Any:
    sm = live.client("sagemaker", REGION)
    sm.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="conda-setup",
        OnStart=[{"Content": "IyEvYmluL2Jhc2gKZWNobyBoaQo="}],
    )
    sm.create_notebook_instance(
        NotebookInstanceName="research",
        InstanceType="ml.t3.large",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        DirectInternetAccess="Enabled",
        RootAccess="Enabled",
        VolumeSizeInGB=20,
        LifecycleConfigName="conda-setup",
        Tags=[{"Key": "team", "Value": "research"}, {"Key": "cost center", "Value": "4'10"}],
    )
    volume = live.notebook_volume("research")
    volume["analysis.ipynb"] = b'{"cells": []}'
    volume["data/train.csv"] = b"a,b\n1,2\n" * 100
    live.client("s3", REGION).create_bucket(Bucket="nb-backups")
    return sm


def test_rebuild_backs_up_restores_and_fixes_network_root_and_key_in_one(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = _exposed_notebook(live)
    before = scan(capsys)
    assert before[("SageMaker.1", "research")] == "FAILED"
    assert before[("SageMaker.2", "research")] == "FAILED"
    assert before[("SageMaker.3", "research")] == "FAILED"
    assert before[("SageMaker.21", "research")] == "FAILED"
    live.clear_calls()
    code = main(
        ["fix", "apply", "--aws", "--region", REGION, "--allow-rebuild",
         "--backup-s3", "s3://nb-backups/rebuilds", "--subnet", SUBNET, "--kms-key", KEY,
         "--yes", *FAST]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert_policy_covers(live.calls, "s3://nb-backups/rebuilds")
    creates = [c for c in live.calls if c.operation == "CreateNotebookInstance"]
    assert len(creates) == 1 and creates[0].params["KmsKeyId"] == KEY  # one rebuild, all five
    names = [n["NotebookInstanceName"] for n in sm.list_notebook_instances()["NotebookInstances"]]
    assert names == ["research-sw1"]  # the old one is gone, after the verified restore
    new = sm.describe_notebook_instance(NotebookInstanceName="research-sw1")
    assert new["NotebookInstanceStatus"] == "InService"  # the old one was running
    assert new["DirectInternetAccess"] == "Disabled"
    assert new["SubnetId"] == SUBNET
    assert new["RootAccess"] == "Disabled"
    assert new["VolumeSizeInGB"] == 20
    assert new["InstanceType"] == "ml.t3.large"
    assert new["KmsKeyId"] == KEY
    assert new["NotebookInstanceLifecycleConfigName"] == "conda-setup"  # the original, back
    tags = sm.list_tags(ResourceArn=new["NotebookInstanceArn"])["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "research", "cost center": "4'10"}
    assert live.notebook_volume("research-sw1") == {
        "analysis.ipynb": b'{"cells": []}',
        "data/train.csv": b"a,b\n1,2\n" * 100,
    }
    assert lifecycle_configs(sm) == {"conda-setup"}  # the temporary ones are gone
    after = scan(capsys)
    for c in ("SageMaker.1", "SageMaker.2", "SageMaker.3", "SageMaker.8", "SageMaker.21"):
        assert after[(c, "research-sw1")] == "PASSED"
    # The old notebook's volume cannot come back: rollback says so and keeps the new one.
    run_id = last_run()
    capsys.readouterr()
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 1
    err = capsys.readouterr().err
    assert "research was deleted" in err and "cannot be restored" in err
    assert sm.describe_notebook_instance(NotebookInstanceName="research-sw1")


def test_rebuild_refuses_delete_when_the_backup_does_not_verify(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = _exposed_notebook(live)
    # The backup bucket does not exist: the backup never lands, the run stops, nothing lost.
    live.client("s3", REGION).delete_bucket(Bucket="nb-backups")
    code = main(
        ["fix", "apply", "--aws", "--region", REGION, "--allow-rebuild",
         "--backup-s3", "s3://nb-backups/rebuilds", "--subnet", SUBNET, "--yes",
         "--poll-interval", "0", "--timeout", "0.05"]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "VerifyVolumeBackup research" in err and "timed out" in err
    names = {n["NotebookInstanceName"] for n in sm.list_notebook_instances()["NotebookInstances"]}
    assert names == {"research"}
    assert live.notebook_volume("research")["analysis.ipynb"] == b'{"cells": []}'
    # Rolling back puts the original lifecycle configuration back and restarts it.
    run_id = last_run()
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 0
    d = sm.describe_notebook_instance(NotebookInstanceName="research")
    assert d["NotebookInstanceLifecycleConfigName"] == "conda-setup"
    assert d["NotebookInstanceStatus"] == "InService"
    assert lifecycle_configs(sm) == {"conda-setup"}


def test_a_failing_step_stops_the_run_which_resumes_once_the_cause_is_gone(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import subprocess
    import sys

    sm = live.client("sagemaker", REGION)
    for name in ("a", "b"):
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium",
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RootAccess="Enabled",
        )  # fmt: skip
    live.add_fault(service="sagemaker", operation="UpdateNotebookInstance",
                   code="AccessDeniedException", message="not allowed", times=1)  # fmt: skip
    code = main(["fix", "apply", "--aws", "--region", REGION, "--only", "SageMaker.3",
                 "--workers", "1", "--yes", *FAST])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert (  # progress lines name the account and Region (issue 16)
        f"UpdateNotebookInstance a ({ACCOUNT} {REGION}): FAILED: "
        "UpdateNotebookInstance failed: AccessDenied"
    ) in err
    assert "fix apply --resume" in err
    run_id = last_run()
    assert run_state(run_id) == "failed"
    # stopped at the first failure: b was not touched
    assert sm.describe_notebook_instance(NotebookInstanceName="b")["NotebookInstanceStatus"] == (
        "InService"
    )
    # Another process holding the run: resume is refused, nothing happens.
    lock = f"{os.environ['SAGEWARDEN_DB']}.{run_id}.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()", lock],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert main(["fix", "apply", "--resume", run_id, "--yes", *FAST]) == 2
        assert "in use by another sagewarden process" in capsys.readouterr().err
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert main(["fix", "apply", "--resume", run_id, "--yes", *FAST]) == 0
    assert run_state(run_id) == "done"
    for name in ("a", "b"):
        d = sm.describe_notebook_instance(NotebookInstanceName=name)
        assert (d["RootAccess"], d["NotebookInstanceStatus"]) == ("Disabled", "InService")


def test_plan_and_apply_across_regions(live: Emulator, tmp_path: Path) -> None:
    import os

    regions = ["us-east-1", "eu-west-1"]
    for region in regions:
        live.client("sagemaker", region).create_notebook_instance(
            NotebookInstanceName=f"nb-{region}", InstanceType="ml.t3.medium",
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RootAccess="Enabled",
        )  # fmt: skip
    script = tmp_path / "fix.sh"
    where = [a for r in regions for a in ("--region", r)]
    assert main(["fix", "plan", "--aws", *where, "--only", "SageMaker.3", "--format", "script",
                 "--output", str(script)]) == 0  # fmt: skip
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert all(f"--region {r}" in text for r in regions)
    assert main(["fix", "apply", "--aws", *where, "--only", "SageMaker.3", "--yes", *FAST]) == 0
    for region in regions:
        d = live.client("sagemaker", region).describe_notebook_instance(
            NotebookInstanceName=f"nb-{region}"
        )
        assert (d["RootAccess"], d["NotebookInstanceStatus"]) == ("Disabled", "InService")


def test_security_hub_denied_is_reported_and_nothing_is_planned(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    live.client("sagemaker", REGION).create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RootAccess="Enabled",
    )  # fmt: skip
    live.add_fault(service="securityhub", operation="GetFindings")
    capsys.readouterr()
    code = main(["fix", "plan", "--aws", "--region", REGION, "--from-security-hub"])
    out, err = capsys.readouterr()
    assert code == 3
    assert f"account {ACCOUNT} region {REGION}: securityhub:GetFindings failed: Access" in err
    assert out.startswith("Nothing planned, but 1 part(s) of the scan could not be read")
    assert f"  account {ACCOUNT} region {REGION}: securityhub:GetFindings failed" in out
