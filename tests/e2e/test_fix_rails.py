"""`sagewarden fix` safety rails, through the real CLI on the emulator.

Refusals at apply (notebooks mid-transition, resources gone, blocked rebuilds), the
delete rails on hand-edited plans, --only/--resource, bad input (exit 2, one line, never
a traceback), planning from a saved report or from Security Hub, and dry runs (apply and
rollback without --yes change nothing). AWS state is read back with boto3.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden_demo.emulator import Emulator
from tests.helpers import scan_report

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/r"
FAST = ["--poll-interval", "0", "--timeout", "30"]
LIVE = ["--aws", "--region", REGION]
READS = ("Describe", "List", "Get")
IN_VPC = {
    "SubnetId": "subnet-0ab12cd34ef56",
    "SecurityGroupIds": ["sg-0aa11bb22cc33"],
    "DirectInternetAccess": "Disabled",
    "KmsKeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0000aaaa-11bb-22cc-33dd-444455556666",
}


@pytest.fixture
def live(aws: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Emulator:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("SAGEWARDEN_DB", str(tmp_path / "journal.sqlite3"))
    return aws


# --- helpers ----------------------------------------------------------------------------------


def notebook(sm: Any, name: str, **kw: Any) -> str:
    """A notebook failing SageMaker.3 (root access); returns its ARN."""
    kw.setdefault("RootAccess", "Enabled")
    sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE, **kw
    )
    return str(sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"])


def root_access(sm: Any, name: str) -> str:
    return str(sm.describe_notebook_instance(NotebookInstanceName=name)["RootAccess"])


def serving_estate(sm: Any) -> None:
    """A model without network isolation (.5) in a one-instance config (.4) that a live
    endpoint uses; its image comes from a private registry in the VPC (SageMaker.16 passes:
    its fix is a person's, and would be held)."""
    sm.create_model(
        ModelName="scorer",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": "registry.example.internal/scorer:1",
            "ImageConfig": {"RepositoryAccessMode": "Vpc"},
        },
    )
    sm.create_endpoint_config(
        EndpointConfigName="scorer-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "scorer",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.c5.xlarge",
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sm.create_endpoint(EndpointName="scorer-prod", EndpointConfigName="scorer-config")


def monitoring_estate(sm: Any) -> None:
    """A data-quality job definition on two instances without traffic encryption (.9),
    referenced by a monitoring schedule."""
    sm.create_data_quality_job_definition(
        JobDefinitionName="orders-dq",
        DataQualityAppSpecification={
            "ImageUri": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/monitor:1"
        },
        DataQualityJobInput={
            "EndpointInput": {
                "EndpointName": "scorer-prod",
                "LocalPath": "/opt/ml/processing/input",
            }
        },
        DataQualityJobOutputConfig={
            "MonitoringOutputs": [
                {
                    "S3Output": {
                        "S3Uri": f"s3://ml-monitoring-{ACCOUNT}/orders-dq",
                        "LocalPath": "/opt/ml/processing/output",
                    }
                }
            ]
        },
        JobResources={
            "ClusterConfig": {
                "InstanceCount": 2,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },
        NetworkConfig={"EnableNetworkIsolation": True},
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerMonitoring",
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    sm.create_monitoring_schedule(
        MonitoringScheduleName="orders-dq-daily",
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 3 ? * * *)"},
            "MonitoringJobDefinitionName": "orders-dq",
            "MonitoringType": "DataQuality",
        },
    )


def make_plan(tmp_path: Path, *extra: str, name: str = "plan.json") -> tuple[Path, dict[str, Any]]:
    path = tmp_path / name
    code = main(["fix", "plan", *LIVE, "--format", "json", "--output", str(path), *extra])
    assert code == 0
    return path, json.loads(path.read_text())


def cut_to(
    tmp_path: Path, doc: dict[str, Any], resource: str, action: str, name: str = "cut.json"
) -> Path:
    """The plan cut down, as a user could by hand, to one step of one resource."""
    doc = copy.deepcopy(doc)
    rp = next(r for r in doc["resources"] if r["name"] == resource)
    rp["steps"] = [s for s in rp["steps"] if s["action"] == action]
    assert len(rp["steps"]) == 1, (resource, action)
    doc["resources"] = [rp]
    doc["order"] = [
        {"resource_id": rp["resource_id"], "action": action, "phase": rp["steps"][0]["phase"]}
    ]
    path = tmp_path / name
    path.write_text(json.dumps(doc, indent=2))
    return path


def stderr_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def mutating(live: Emulator, since: int = 0) -> list[Any]:
    return [c for c in live.calls[since:] if not c.operation.startswith(READS)]


def runs(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main(["fix", "runs", "--format", "json"]) == 0
    return list(json.loads(capsys.readouterr().out)["runs"])


# --- 1. refusals at apply ----------------------------------------------------------------------


@pytest.mark.parametrize("state", ["Pending", "Updating"])
def test_notebook_in_transition_is_refused_the_rest_is_fixed(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], state: str
) -> None:
    sm = live.client("sagemaker", REGION)
    notebook(sm, "nb-busy")
    notebook(sm, "nb-ok")
    plan, doc = make_plan(tmp_path, "--only", "SageMaker.3")
    assert sorted(r["name"] for r in doc["resources"]) == ["nb-busy", "nb-ok"]
    live.set_notebook_status("nb-busy", state)
    start = len(live.calls)
    capsys.readouterr()

    code = main(["fix", "apply", str(plan), "--yes", "-q", *FAST])

    lines = stderr_lines(capsys)
    assert code == 3
    assert len(lines) == 1, lines
    assert "not fixed" in lines[0] and "nb-busy" in lines[0] and state in lines[0]
    assert "Traceback" not in lines[0]
    touched_busy = [
        c for c in mutating(live, start) if c.params.get("NotebookInstanceName") == "nb-busy"
    ]
    assert touched_busy == []
    busy = sm.describe_notebook_instance(NotebookInstanceName="nb-busy")
    assert busy["NotebookInstanceStatus"] == state
    assert busy["RootAccess"] == "Enabled"
    ok = sm.describe_notebook_instance(NotebookInstanceName="nb-ok")
    assert ok["RootAccess"] == "Disabled"
    assert ok["NotebookInstanceStatus"] == "InService"  # started again, as it was
    assert runs(capsys)[0]["state"] == "done"


def test_resource_deleted_between_plan_and_apply_is_refused(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    notebook(sm, "nb-gone")
    notebook(sm, "nb-ok")
    plan, _ = make_plan(tmp_path, "--only", "SageMaker.3")
    sm.stop_notebook_instance(NotebookInstanceName="nb-gone")
    sm.delete_notebook_instance(NotebookInstanceName="nb-gone")
    capsys.readouterr()

    code = main(["fix", "apply", str(plan), "--yes", "-q", *FAST])

    lines = stderr_lines(capsys)
    assert code == 3
    assert len(lines) == 1, lines
    assert "nb-gone" in lines[0] and "no longer exists" in lines[0]
    names = [n["NotebookInstanceName"] for n in sm.list_notebook_instances()["NotebookInstances"]]
    assert names == ["nb-ok"]
    assert root_access(sm, "nb-ok") == "Disabled"


# --- 2. a rebuild is blocked without what it needs ------------------------------------------


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ([], ["--allow-rebuild", "--backup-s3", "--backed-up", "--subnet"]),
        (["--allow-rebuild", "--backed-up"], ["--subnet"]),
        (["--allow-rebuild", "--subnet", "subnet-0ab12cd34ef56"], ["--backup-s3", "--backed-up"]),
        (["--backed-up", "--subnet", "subnet-0ab12cd34ef56"], ["--allow-rebuild"]),
    ],
)
def test_rebuild_blocked_without_permission_backup_or_subnet(
    live: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    given: list[str],
    missing: list[str],
) -> None:
    sm = live.client("sagemaker", REGION)
    notebook(sm, "open-nb", DirectInternetAccess="Enabled")  # .1 and .2: no VPC
    only = ["--only", "SageMaker.1", "--only", "SageMaker.2"]
    capsys.readouterr()
    assert main(["fix", "plan", *LIVE, *only, *given]) == 0
    text = capsys.readouterr().out
    blocked = [line for line in text.splitlines() if "BLOCKED:" in line]
    assert len(blocked) == 1, text
    for option in missing:
        assert option in blocked[0], (option, blocked[0])
    for option in {"--allow-rebuild", "--subnet"} - set(missing):
        assert option not in blocked[0]

    plan, doc = make_plan(tmp_path, *only, *given)
    assert doc["resources"][0]["blocked"]
    before = sm.describe_notebook_instance(NotebookInstanceName="open-nb")
    start = len(live.calls)
    capsys.readouterr()

    code = main(["fix", "apply", str(plan), "--yes", "-q", *FAST])

    lines = stderr_lines(capsys)
    assert code == 3
    assert len(lines) == 1, lines
    assert "open-nb" in lines[0] and "blocked" in lines[0]
    assert mutating(live, start) == []
    after = sm.describe_notebook_instance(NotebookInstanceName="open-nb")
    assert after == {**before, "ResponseMetadata": after["ResponseMetadata"]}
    names = [n["NotebookInstanceName"] for n in sm.list_notebook_instances()["NotebookInstances"]]
    assert names == ["open-nb"]
    assert runs(capsys) == []  # nothing ran, nothing journalled


# --- 3. the delete rails, on hand-edited plans --------------------------------------------


def test_delete_endpoint_config_in_use_is_refused(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    serving_estate(sm)
    _, doc = make_plan(tmp_path, "--only", "SageMaker.4")
    cut = cut_to(tmp_path, doc, "scorer-config", "DeleteEndpointConfig")
    capsys.readouterr()

    code = main(["fix", "apply", str(cut), "--yes", "-q", *FAST])

    err = stderr_lines(capsys)
    assert code == 1
    refusal = [line for line in err if "refusing to delete endpoint config scorer-config" in line]
    assert len(refusal) == 1, err
    assert "scorer-prod" in refusal[0]
    assert all("Traceback" not in line for line in err)
    sm.describe_endpoint_config(EndpointConfigName="scorer-config")  # still there
    assert sm.describe_endpoint(EndpointName="scorer-prod")["EndpointConfigName"] == "scorer-config"
    run = runs(capsys)[0]
    assert run["state"] == "failed"
    assert "refusing to delete endpoint config scorer-config" in run["message"]


def test_delete_model_in_use_is_refused(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    serving_estate(sm)
    _, doc = make_plan(tmp_path, "--only", "SageMaker.5")
    cut = cut_to(tmp_path, doc, "scorer", "DeleteModel")
    capsys.readouterr()

    code = main(["fix", "apply", str(cut), "--yes", "-q", *FAST])

    err = stderr_lines(capsys)
    assert code == 1
    refusal = [line for line in err if "refusing to delete model scorer" in line]
    assert len(refusal) == 1, err
    assert "scorer-prod" in refusal[0]
    sm.describe_model(ModelName="scorer")  # still there
    assert runs(capsys)[0]["state"] == "failed"


def test_delete_job_definition_a_schedule_uses_is_refused(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    monitoring_estate(sm)
    _, doc = make_plan(tmp_path, "--only", "SageMaker.9")
    cut = cut_to(tmp_path, doc, "orders-dq", "DeleteJobDefinition")
    capsys.readouterr()

    code = main(["fix", "apply", str(cut), "--yes", "-q", *FAST])

    err = stderr_lines(capsys)
    assert code == 1
    refusal = [line for line in err if "refusing to delete job definition orders-dq" in line]
    assert len(refusal) == 1, err
    assert "orders-dq-daily" in refusal[0]
    sm.describe_data_quality_job_definition(JobDefinitionName="orders-dq")  # still there
    schedule = sm.describe_monitoring_schedule(MonitoringScheduleName="orders-dq-daily")
    assert schedule["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] == "orders-dq"
    assert runs(capsys)[0]["state"] == "failed"


def test_delete_notebook_without_a_backup_in_the_run_is_refused(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    notebook(sm, "open-nb", DirectInternetAccess="Enabled")
    sm.stop_notebook_instance(NotebookInstanceName="open-nb")
    live.notebook_volume("open-nb")["work/model.ipynb"] = b"{}"
    _, doc = make_plan(
        tmp_path,
        "--only", "SageMaker.2", "--allow-rebuild", "--backed-up",
        "--subnet", "subnet-0ab12cd34ef56",
    )  # fmt: skip
    assert not doc["resources"][0].get("blocked")
    cut = cut_to(tmp_path, doc, "open-nb", "DeleteNotebookInstance")
    capsys.readouterr()

    code = main(["fix", "apply", str(cut), "--yes", "-q", *FAST])

    err = stderr_lines(capsys)
    assert code == 1
    refusal = [line for line in err if "refusing to delete notebook open-nb" in line]
    assert len(refusal) == 1, err
    assert "backup" in refusal[0]
    d = sm.describe_notebook_instance(NotebookInstanceName="open-nb")
    assert d["NotebookInstanceStatus"] == "Stopped"
    assert live.notebook_volume("open-nb") == {"work/model.ipynb": b"{}"}
    assert runs(capsys)[0]["state"] == "failed"


# --- 4. --only and --resource --------------------------------------------------------------


def test_only_limits_the_plan_to_those_controls(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    notebook(sm, "nb", PlatformIdentifier="notebook-al2-v3")  # fails .3 and .8
    serving_estate(sm)  # fails .4 and .5
    _, doc = make_plan(tmp_path, "--only", "SageMaker.3")
    assert [(r["name"], r["controls"]) for r in doc["resources"]] == [("nb", ["SageMaker.3"])]
    capsys.readouterr()

    code = main(["fix", "apply", *LIVE, "--only", "SageMaker.3", "--yes", "-q", *FAST])

    assert code == 0, capsys.readouterr().err
    d = sm.describe_notebook_instance(NotebookInstanceName="nb")
    assert d["RootAccess"] == "Disabled"
    assert d["PlatformIdentifier"] == "notebook-al2-v3"  # .8 not asked for
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["scorer"]
    configs = sm.list_endpoint_configs()["EndpointConfigs"]
    assert [c["EndpointConfigName"] for c in configs] == ["scorer-config"]
    assert sm.describe_model(ModelName="scorer")["EnableNetworkIsolation"] is False


def test_resource_limits_the_plan_to_that_resource(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    arn = notebook(sm, "nb-a", **IN_VPC)  # fails only .3
    notebook(sm, "nb-b", **IN_VPC)
    _, doc = make_plan(tmp_path, "--resource", arn)
    assert {r["resource_id"] for r in doc["resources"]} == {arn}
    capsys.readouterr()

    code = main(["fix", "apply", *LIVE, "--resource", arn, "--yes", "-q", *FAST])

    assert code == 0, capsys.readouterr().err
    assert root_access(sm, "nb-a") == "Disabled"
    assert root_access(sm, "nb-b") == "Enabled"


# --- 5. bad input: exit 2, one line, no traceback ------------------------------------------


def _bad_input(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    capsys.readouterr()
    code = main(argv)
    lines = stderr_lines(capsys)
    assert code == 2, lines
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    assert lines[0].startswith("sagewarden: ")
    return lines[0]


def _real_plan(tmp_path: Path, live: Emulator) -> dict[str, Any]:
    notebook(live.client("sagemaker", REGION), "nb")
    return make_plan(tmp_path, "--only", "SageMaker.3", name="good.json")[1]


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ("{not json", "not JSON"),
        ("TRUNCATE", "not JSON"),
        ('{"evaluations": []}', "not a sagewarden plan"),
        ("[1, 2]", "not a sagewarden plan"),
        ("STEPS_NOT_A_LIST", "malformed plan"),
        ("RESOURCES_NOT_A_LIST", "not a sagewarden plan"),
        ("PHASE_UNKNOWN", "malformed plan"),
        ("PARAMS_NOT_AN_OBJECT", "malformed plan"),
    ],
)
def test_bad_plan_files(
    live: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    expect: str,
) -> None:
    good = _real_plan(tmp_path, live)
    text = json.dumps(good, indent=2)
    doc = copy.deepcopy(good)
    if content == "TRUNCATE":
        content = text[: len(text) // 2]
    elif content == "STEPS_NOT_A_LIST":
        doc["resources"][0]["steps"] = 7
        content = json.dumps(doc)
    elif content == "RESOURCES_NOT_A_LIST":
        doc["resources"] = {"nb": doc["resources"][0]}
        content = json.dumps(doc)
    elif content == "PHASE_UNKNOWN":
        doc["resources"][0]["steps"][0]["phase"] = "sometime"
        content = json.dumps(doc)
    elif content == "PARAMS_NOT_AN_OBJECT":
        doc["resources"][0]["steps"][0]["params"] = ["nb"]
        content = json.dumps(doc)
    path = tmp_path / "bad.json"
    path.write_text(content)
    start = len(live.calls)

    line = _bad_input(capsys, ["fix", "apply", str(path), "--yes", *FAST])

    assert str(path) in line and expect in line, line
    assert mutating(live, start) == []
    assert root_access(live.client("sagemaker", REGION), "nb") == "Enabled"


def test_missing_plan_file(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "absent.json"
    line = _bad_input(capsys, ["fix", "apply", str(path), *FAST])
    assert str(path) in line and "No such file" in line


@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        (["--only", "SageMaker.99"], ["--only", "SageMaker.99", "unknown control"]),
        (["--tag", "novalue"], ["--tag", "novalue", "KEY=VALUE"]),
        (["--tag", "=v"], ["--tag", "KEY=VALUE"]),
        (["--tag", "aws:x=y"], ["--tag", "aws:x", "reserved"]),
        (["--backup-s3", "/tmp/x"], ["--backup-s3", "/tmp/x", "s3://"]),
        (["--backup-s3", "s3://-bad/x"], ["--backup-s3", "bucket"]),
        (["--backup-s3", "s3://bucket/x", "--backed-up"], ["--backup-s3", "--backed-up"]),
        (["--resource", "nb"], ["--resource", "ARN"]),
        (["--report", "r.json", "--from-security-hub"], ["--report", "--from-security-hub"]),
    ],
)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_bad_plan_options(
    live: Emulator,
    capsys: pytest.CaptureFixture[str],
    command: str,
    extra: list[str],
    expect: list[str],
) -> None:
    notebook(live.client("sagemaker", REGION), "nb")
    start = len(live.calls)
    argv = ["fix", command, *LIVE, *extra]
    if command == "apply":
        argv += ["--yes", *FAST]

    line = _bad_input(capsys, argv)

    for word in expect:
        assert word in line, (word, line)
    assert mutating(live, start) == []
    assert root_access(live.client("sagemaker", REGION), "nb") == "Enabled"


def test_plan_without_aws(live: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    line = _bad_input(capsys, ["fix", "plan"])
    assert "--aws" in line


def test_apply_needs_a_plan_or_aws(live: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    line = _bad_input(capsys, ["fix", "apply", "--yes", *FAST])
    assert "PLAN" in line and "--aws" in line


def test_apply_plan_and_aws_together(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _bad_input(capsys, ["fix", "apply", str(tmp_path / "p.json"), *LIVE, *FAST])
    assert "PLAN" in line and "--aws" in line


def test_rollback_of_unknown_run(live: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    line = _bad_input(capsys, ["fix", "rollback", "no-such-run", "--yes", *FAST])
    assert "no-such-run" in line and "no such run" in line


def test_resume_of_unknown_run(live: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    line = _bad_input(capsys, ["fix", "apply", "--resume", "no-such-run", "--yes", *FAST])
    assert "--resume no-such-run" in line and "no such run" in line


@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        (["--workers", "0"], "--workers"),
        (["--timeout", "0"], "--timeout"),
        (["--poll-interval", "-1"], "--poll-interval"),
    ],
)
def test_bad_run_options(
    live: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    expect: str,
) -> None:
    plan, _ = make_plan(tmp_path, "--only", "SageMaker.3")
    line = _bad_input(capsys, ["fix", "apply", str(plan), "--yes", *FAST, *extra])
    assert expect in line


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        ("{oops", "not JSON"),
        ('{"resources": []}', "not a sagewarden JSON report"),
        ('{"evaluations": [3]}', "evaluation 0"),
    ],
)
def test_bad_report_files(
    live: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    expect: str,
) -> None:
    path = tmp_path / "report.json"
    path.write_text(content)
    line = _bad_input(capsys, ["fix", "plan", "--aws", "--report", str(path)])
    assert str(path) in line and expect in line, line


# --- 6. planning from a saved report --------------------------------------------------------


def test_plan_from_report_covers_what_still_fails(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    arn_a = notebook(sm, "nb-a")
    arn_b = notebook(sm, "nb-b")
    report = tmp_path / "report.json"
    main(
        ["scan", *LIVE, "--format", "json", "--output", str(report), "--no-history",
         "--control", "SageMaker.3"]
    )  # fmt: skip
    failing = {
        e["resource_name"]
        for e in scan_report(report.read_text())["evaluations"]
        if e["status"] == "FAILED"
    }
    assert failing == {"nb-a", "nb-b"}
    # nb-a is fixed by hand after the scan; nb-c fails but was not in the report.
    sm.stop_notebook_instance(NotebookInstanceName="nb-a")
    sm.update_notebook_instance(NotebookInstanceName="nb-a", RootAccess="Disabled")
    notebook(sm, "nb-c")

    _, doc = make_plan(tmp_path, "--report", str(report))

    assert [(r["resource_id"], r["controls"]) for r in doc["resources"]] == [
        (arn_b, ["SageMaker.3"])
    ]
    skipped = [(s["control"], s["resource_id"], s["reason"]) for s in doc["skipped"]]
    assert len(skipped) == 1, skipped
    assert skipped[0][:2] == ("SageMaker.3", arn_a)
    assert "no longer failing" in skipped[0][2]

    capsys.readouterr()
    code = main(["fix", "apply", *LIVE, "--report", str(report), "--yes", "-q", *FAST])
    assert code == 0, capsys.readouterr().err
    assert root_access(sm, "nb-b") == "Disabled"
    assert root_access(sm, "nb-c") == "Enabled"  # not in the report


# --- 7. planning from Security Hub ----------------------------------------------------------


def test_plan_from_security_hub_skips_suppressed_findings(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    arn_a = notebook(sm, "nb-a")
    arn_b = notebook(sm, "nb-b")
    arn_c = notebook(sm, "nb-c")
    code = main(
        ["scan", *LIVE, "--format", "json", "--quiet", "--push-security-hub",
         "--fail-on", "never", "--control", "SageMaker.3", "--no-history"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    hub = live.client("securityhub", REGION)
    findings = {
        f["Resources"][0]["Id"]: f
        for page in hub.get_paginator("get_findings").paginate()
        for f in page["Findings"]
    }
    assert set(findings) == {arn_a, arn_b, arn_c}
    # nb-b's finding is suppressed in Security Hub, as a user does: BatchUpdateFindings (a
    # re-import cannot change the Workflow of an existing finding, in AWS or the emulator).
    ident = {"Id": findings[arn_b]["Id"], "ProductArn": findings[arn_b]["ProductArn"]}
    answer = hub.batch_update_findings(
        FindingIdentifiers=[ident], Workflow={"Status": "SUPPRESSED"}
    )
    assert answer["ProcessedFindings"] == [ident]
    # nb-c is fixed by hand after the push.
    sm.stop_notebook_instance(NotebookInstanceName="nb-c")
    sm.update_notebook_instance(NotebookInstanceName="nb-c", RootAccess="Disabled")
    # A notebook created after the push has no finding: not planned.
    notebook(sm, "nb-new")
    capsys.readouterr()

    _, doc = make_plan(tmp_path, "--from-security-hub")

    assert [(r["resource_id"], r["controls"]) for r in doc["resources"]] == [
        (arn_a, ["SageMaker.3"])
    ]
    skipped = {s["resource_id"]: s["reason"] for s in doc["skipped"]}
    assert arn_b not in skipped
    assert "no longer failing" in skipped[arn_c]

    code = main(["fix", "apply", *LIVE, "--from-security-hub", "--yes", "-q", *FAST])
    assert code == 0, capsys.readouterr().err
    assert root_access(sm, "nb-a") == "Disabled"
    assert root_access(sm, "nb-b") == "Enabled"
    assert root_access(sm, "nb-new") == "Enabled"


# --- 8/9. dry runs ----------------------------------------------------------------------------


def test_apply_without_yes_is_a_dry_run(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    notebook(sm, "nb", **IN_VPC)
    serving_estate(sm)
    monitoring_estate(sm)
    plan, doc = make_plan(tmp_path)
    assert {r["name"] for r in doc["resources"]} >= {"nb", "scorer", "scorer-config", "orders-dq"}
    start = len(live.calls)
    capsys.readouterr()

    code = main(["fix", "apply", str(plan), *FAST])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Dry run: nothing was changed.")
    assert "UpdateNotebookInstance nb" in out
    assert "DeleteEndpointConfig scorer-config" in out
    assert "endpoints scorer-prod -> " in out
    assert "schedules orders-dq-daily -> " in out
    assert mutating(live, start) == []
    assert root_access(sm, "nb") == "Enabled"
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["scorer"]
    assert sm.describe_endpoint(EndpointName="scorer-prod")["EndpointConfigName"] == "scorer-config"
    assert runs(capsys) == []


def test_rollback_without_yes_is_a_dry_run(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    notebook(sm, "nb")
    capsys.readouterr()
    code = main(["fix", "apply", *LIVE, "--only", "SageMaker.3", "--yes", "-q", *FAST])
    assert code == 0, capsys.readouterr().err
    run_id = runs(capsys)[0]["id"]
    assert root_access(sm, "nb") == "Disabled"
    start = len(live.calls)
    capsys.readouterr()

    code = main(["fix", "rollback", run_id, *FAST])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Dry run: nothing was changed.")
    assert "undo UpdateNotebookInstance nb" in out
    assert mutating(live, start) == []
    assert root_access(sm, "nb") == "Disabled"
    assert sm.describe_notebook_instance(NotebookInstanceName="nb")["NotebookInstanceStatus"] == (
        "InService"
    )
    assert runs(capsys)[0]["state"] == "done"

    # With --yes it is undone.
    assert main(["fix", "rollback", run_id, "--yes", "-q", *FAST]) == 0
    assert root_access(sm, "nb") == "Enabled"
    assert runs(capsys)[0]["state"] == "rolled-back"


# --- hand-edited plans with wrong-typed fields the loader does not check (bugs) --------------


def _edited_plan(live: Emulator, tmp_path: Path, edit: Any) -> Path:
    notebook(live.client("sagemaker", REGION), "nb", **IN_VPC)
    _, doc = make_plan(tmp_path, "--only", "SageMaker.3")
    edit(doc)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(doc))
    return path


def _params_not_a_list(doc: dict[str, Any]) -> None:
    doc["params"] = 5


def _controls_not_a_list(doc: dict[str, Any]) -> None:
    doc["resources"][0]["controls"] = "SageMaker.3"


@pytest.mark.parametrize("edit", [_params_not_a_list, _controls_not_a_list])
def test_plan_with_wrong_typed_field_is_refused_before_any_change(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: Any
) -> None:
    path = _edited_plan(live, tmp_path, edit)
    start = len(live.calls)

    line = _bad_input(capsys, ["fix", "apply", str(path), "--yes", "-q", *FAST])

    assert str(path) in line and "malformed plan" in line, line
    assert mutating(live, start) == []
    assert root_access(live.client("sagemaker", REGION), "nb") == "Enabled"


def test_step_missing_a_parameter_fails_the_step_without_a_traceback(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def drop_name(doc: dict[str, Any]) -> None:
        for s in doc["resources"][0]["steps"]:
            if s["action"] == "UpdateNotebookInstance":
                s["params"] = {"RootAccess": "Disabled"}

    path = _edited_plan(live, tmp_path, drop_name)
    capsys.readouterr()

    code = main(["fix", "apply", str(path), "--yes", "-q", *FAST])

    err = stderr_lines(capsys)
    assert code in (1, 2), err
    assert any("NotebookInstanceName" in line for line in err), err
    assert root_access(live.client("sagemaker", REGION), "nb") == "Enabled"
    for run in runs(capsys):
        assert run["state"] != "running", run
