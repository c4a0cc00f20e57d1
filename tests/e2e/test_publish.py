"""Security Hub import end to end on the emulator: what GetFindings shows is what we sent."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator
from tests.helpers import scan_report

ACCOUNT = "123456789012"


@pytest.fixture
def live(aws: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Emulator:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("SAGEWARDEN_DB", str(tmp_path / "history.sqlite3"))
    return aws


def push(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any], str]:
    code = main(
        [
            "scan",
            "--aws",
            "--region",
            "us-east-1",
            "--format",
            "json",
            "--quiet",
            "--push-security-hub",
            "--fail-on",
            "never",
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    return code, scan_report(out), err


def hub(live: Emulator) -> dict[str, dict[str, Any]]:
    client = live.client("securityhub", "us-east-1")
    found: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("get_findings").paginate():
        for f in page["Findings"]:
            found[f["Id"]] = f
    return found


def test_import_update_resolve_and_archive(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.build(live.client, ACCOUNT, ["us-east-1"])
    code, doc, err = push(capsys, "--control", "SageMaker.3", "--control", "SageMaker.5")
    assert code == 0, err
    first = hub(live)
    assert len(first) == len(doc["evaluations"]) == 9  # 3 notebooks, 6 models
    statuses = sorted(f["Compliance"]["Status"] for f in first.values())
    assert statuses == sorted(
        {"PASSED": "PASSED", "FAILED": "FAILED"}[e["status"]] for e in doc["evaluations"]
    )
    assert all(f["GeneratorId"].startswith("security-control/SageMaker.") for f in first.values())
    assert all(f["RecordState"] == "ACTIVE" for f in first.values())

    # Fix one notebook and delete one model, then push again.
    sm = live.client("sagemaker", "us-east-1")
    sm.stop_notebook_instance(NotebookInstanceName="churn-analysis")
    sm.update_notebook_instance(NotebookInstanceName="churn-analysis", RootAccess="Disabled")
    sm.delete_model(ModelName="summarizer")
    code, doc, err = push(capsys, "--control", "SageMaker.3", "--control", "SageMaker.5")
    assert code == 0, err
    second = hub(live)
    assert set(second) == set(first)  # updated in place, nothing duplicated
    by_name = {f["Resources"][0]["Id"].rsplit("/", 1)[1]: f for f in second.values()}
    assert by_name["churn-analysis"]["Compliance"]["Status"] == "PASSED"
    assert by_name["summarizer"]["RecordState"] == "ARCHIVED"
    kept = by_name["research-sandbox"]
    assert kept["FirstObservedAt"] == first[kept["Id"]]["FirstObservedAt"]  # from the history
    assert "1 archived" in err or err == ""


def test_findings_of_a_type_that_could_not_be_listed_are_not_archived(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.build(live.client, ACCOUNT, ["us-east-1"])
    code, _, err = push(capsys, "--control", "SageMaker.5")
    assert code == 0, err
    first = hub(live)
    assert first
    live.add_fault(
        service="sagemaker", operation="ListModels", code="AccessDeniedException", message="no"
    )
    code, doc, err = push(capsys, "--control", "SageMaker.5")
    assert code == 3
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"]
    second = hub(live)
    for finding_id in first:
        assert second[finding_id]["RecordState"] == "ACTIVE"  # absent proves nothing


def test_a_refused_import_is_reported_never_dropped(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.build(live.client, ACCOUNT, ["us-east-1"])
    live.add_fault(
        service="securityhub",
        operation="BatchImportFindings",
        code="AccessDeniedException",
        message="not allowed",
    )
    code, _, err = push(capsys, "--control", "SageMaker.5")
    assert code == 3
    assert "securityhub:BatchImportFindings failed for 6 findings: AccessDeniedException" in err
    assert "6 not imported" in err  # the estate's 6 models
    assert hub(live) == {}


def test_more_than_one_hundred_findings_go_in_batches(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", "us-east-1")
    for i in range(230):
        sm.create_model(
            ModelName=f"m-{i:03d}",
            ExecutionRoleArn="arn:aws:iam::1:role/r",
            PrimaryContainer={"Image": "img"},
        )
    live.clear_calls()
    code, _, err = push(capsys, "--control", "SageMaker.5")
    assert code == 0, err
    calls = [c for c in live.calls if c.operation == "BatchImportFindings"]
    assert [len(c.params["Findings"]) for c in calls] == [100, 100, 30]
    assert len(hub(live)) == 230


def test_policy_for_pushing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam-policy", "--push-security-hub"]) == 0
    policy = json.loads(capsys.readouterr()[0])
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    assert "securityhub:BatchImportFindings" in actions
    assert main(["iam-policy"]) == 0
    plain = json.loads(capsys.readouterr()[0])
    assert not any(a.startswith("securityhub:") for s in plain["Statement"] for a in s["Action"])


def test_template_findings_are_never_pushed(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CDK stack's environment gives its resources an account and Region, yet they are
    not deployed resources: none of their findings reaches Security Hub."""
    from pathlib import Path

    cdk_out = Path(__file__).resolve().parents[1] / "data" / "cdk" / "nested-app" / "cdk.out"
    code = main(
        ["scan", str(cdk_out), "--control", "SageMaker.4", "--format", "json", "--quiet",
         "--push-security-hub", "--fail-on", "never"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    placed = [e for e in scan_report(out)["evaluations"] if e["source"].get("region")]
    assert len(placed) == 4  # all but the environment-agnostic stack's
    assert "5 findings not pushed: templates and plans are not deployed resources" in err
    assert hub(live) == {}
