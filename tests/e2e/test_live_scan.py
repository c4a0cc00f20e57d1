"""Live scanning end to end: boto3 over HTTP to the emulator, exactly as in production."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden_demo import estate
from sagewarden_demo.emulator import Call, Emulator
from tests.helpers import scan_report

REGIONS = ["us-east-1", "eu-west-1"]
ACCOUNT = "123456789012"  # moto's account for the default test credentials


@pytest.fixture
def live(aws: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator, with the environment a user would set to point the CLI at it."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    return aws


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["scan", "--aws", "--format", "json", "--quiet", *args])
    out, err = capsys.readouterr()
    return code, scan_report(out), err


def by_key(doc: dict[str, Any]) -> dict[tuple[str, str, str], str]:
    return {
        (e["control"], e["source"].get("region", "*"), e["resource_name"]): e["status"]
        for e in doc["evaluations"]
    }


def region_args(regions: list[str]) -> list[str]:
    return [a for r in regions for a in ("--region", r)]


def test_every_control_passes_fails_and_is_not_applicable_from_live_resources(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = estate.build(live.client, ACCOUNT, REGIONS)
    code, doc, err = scan(capsys, *region_args(REGIONS))
    assert err == ""
    assert code == 1
    assert by_key(doc) == expected.verdicts
    statuses = {(c, s) for (c, _, _), s in expected.verdicts.items()}
    for n in range(1, 26):
        assert (f"SageMaker.{n}", "FAILED") in statuses
        assert (f"SageMaker.{n}", "PASSED") in statuses
    for n in (4, 9, 10, 13, 15, 16, 17, 18, 19, 22, 24):  # those with a scope condition
        assert (f"SageMaker.{n}", "NOT_APPLICABLE") in statuses
    for e in doc["evaluations"]:
        assert e["resource_id"].startswith(f"arn:aws:sagemaker:{e['source']['region']}:{ACCOUNT}:")
        assert e["source"]["kind"] == "aws"


def test_resolve_references_judges_schedules_by_their_job_definition(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.build(live.client, ACCOUNT, ["us-east-1"])
    live.clear_calls()
    _, doc, _ = scan(
        capsys,
        "--region",
        "us-east-1",
        "--control",
        "SageMaker.14",
        "--param",
        "SageMaker.14.resolveReferences=true",
    )
    got = {e["resource_name"]: e["status"] for e in doc["evaluations"]}
    assert got == {
        "orders-drift-hourly": "PASSED",
        "clicks-drift-hourly": "FAILED",
        **estate.RESOLVED_14,
    }
    ops = Counter(c.operation for c in live.calls if c.service == "sagemaker")
    # Only the two referenced definitions are read: no List of job definitions at all.
    assert ops["DescribeModelBiasJobDefinition"] == 1
    assert ops["DescribeModelQualityJobDefinition"] == 1
    assert not any(op.endswith("JobDefinitions") for op in ops)


def sagemaker_ops(calls: list[Call]) -> Counter[str]:
    return Counter(c.operation for c in calls if c.service == "sagemaker")


@pytest.mark.parametrize(
    ("control", "allowed"),
    [
        ("SageMaker.5", {"ListModels", "DescribeModel"}),
        ("SageMaker.7", {"ListImages", "ListTags"}),
        ("SageMaker.6", {"ListAppImageConfigs", "ListTags"}),
        ("SageMaker.1", {"ListNotebookInstances", "DescribeNotebookInstance"}),
        ("SageMaker.14", {"ListMonitoringSchedules", "DescribeMonitoringSchedule"}),
    ],
)
def test_only_what_the_selected_controls_need_is_called(
    live: Emulator, capsys: pytest.CaptureFixture[str], control: str, allowed: set[str]
) -> None:
    estate.build(live.client, ACCOUNT, ["us-east-1"])
    live.clear_calls()
    scan(capsys, "--region", "us-east-1", "--control", control)
    ops = sagemaker_ops(live.calls)
    assert set(ops) == allowed
    listed = [op for op in ops if op.startswith("List") and op != "ListTags"]
    assert all(ops[op] == 1 for op in listed)  # one page each


def test_pagination_past_one_hundred(live: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    sm = live.client("sagemaker", "us-east-1")
    for i in range(230):
        sm.create_model(
            ModelName=f"model-{i:03d}",
            ExecutionRoleArn="arn:aws:iam::1:role/r",
            PrimaryContainer={"Image": "img"},
            EnableNetworkIsolation=i % 2 == 0,
        )
    for i in range(105):
        sm.create_image(
            ImageName=f"image-{i:03d}",
            RoleArn="arn:aws:iam::1:role/r",
            Tags=[{"Key": "team", "Value": "x"}] if i % 3 else [],
        )
    live.clear_calls()
    code, doc, _ = scan(
        capsys, "--region", "us-east-1", "--control", "SageMaker.5", "--control", "SageMaker.7"
    )
    by_control = Counter((e["control"], e["status"]) for e in doc["evaluations"])
    assert by_control[("SageMaker.5", "PASSED")] == 115
    assert by_control[("SageMaker.5", "FAILED")] == 115
    assert by_control[("SageMaker.7", "PASSED")] == 70
    assert by_control[("SageMaker.7", "FAILED")] == 35
    ops = sagemaker_ops(live.calls)
    assert ops["ListModels"] == 3
    assert ops["ListImages"] == 2
    assert ops["DescribeModel"] == 230
    assert ops["ListTags"] == 105
    assert code == 1


def _org(live: Emulator) -> list[str]:
    org = live.client("organizations", "us-east-1")
    org.create_organization(FeatureSet="ALL")
    members = []
    for name in ("ml-dev", "ml-prod"):
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        members.append(status["CreateAccountStatus"]["AccountId"])
    return members


def test_organization_of_three_accounts_with_assumed_roles(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    members = _org(live)
    for account in members:
        sm = live.client("sagemaker", "us-east-1", account=account)
        sm.create_model(
            ModelName=f"model-in-{account}",
            ExecutionRoleArn="arn:aws:iam::1:role/r",
            PrimaryContainer={"Image": "img"},
        )
    live.client("sagemaker", "us-east-1").create_model(
        ModelName="model-in-management",
        ExecutionRoleArn="arn:aws:iam::1:role/r",
        PrimaryContainer={"Image": "img"},
        EnableNetworkIsolation=True,
    )
    live.clear_calls()
    code, doc, err = scan(capsys, "--org", "--region", "us-east-1", "--control", "SageMaker.5")
    assert err == ""
    got = {(e["source"]["account_id"], e["resource_name"]): e["status"] for e in doc["evaluations"]}
    assert got == {
        (ACCOUNT, "model-in-management"): "PASSED",
        **{(a, f"model-in-{a}"): "FAILED" for a in members},
    }
    assumed = [c for c in live.calls if c.operation == "AssumeRole"]
    assert sorted(c.params["RoleArn"] for c in assumed) == sorted(
        f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole" for a in members
    )
    listing = [c for c in live.calls if c.operation == "ListModels"]
    assert sorted(c.account for c in listing) == sorted([ACCOUNT, *members])
    assert code == 1

    code, doc, _ = scan(
        capsys,
        "--org",
        "--account",
        members[1],
        "--region",
        "us-east-1",
        "--control",
        "SageMaker.5",
    )
    assert {e["source"]["account_id"] for e in doc["evaluations"]} == {members[1]}


def test_an_organization_is_read_a_window_of_scopes_at_a_time(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """One worker: at most two accounts-and-Regions have calls under way at once, so each
    scope's --timeout counts its own calls, not the whole organization's turns."""
    members = _org(live)
    regions = ("us-east-1", "eu-west-1")
    for account in [ACCOUNT, *members]:
        for region in regions:
            sm = live.client("sagemaker", region, account=account)
            for i in range(3):
                sm.create_model(
                    ModelName=f"m{i}",
                    ExecutionRoleArn="arn:aws:iam::1:role/r",
                    PrimaryContainer={"Image": "img"},
                )
    live.clear_calls()
    args = ["--org", "--max-workers", "1", "--control", "SageMaker.5"]
    code, doc, err = scan(capsys, *args, *(x for r in regions for x in ("--region", r)))
    assert err == ""
    assert len(doc["evaluations"]) == 3 * 3 * len(regions)
    order = [(c.account, c.region) for c in live.calls if c.service == "sagemaker"]
    first = {scope: order.index(scope) for scope in set(order)}
    last = {scope: len(order) - 1 - order[::-1].index(scope) for scope in set(order)}
    assert len(first) == 6
    most_open = max(sum(1 for s in first if first[s] <= i <= last[s]) for i in range(len(order)))
    assert most_open == 2  # the window: twice the workers
    assert code == 1


def test_an_account_whose_role_cannot_be_assumed_is_an_error_not_a_pass(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    members = _org(live)
    live.add_fault(
        service="sts",
        operation="AssumeRole",
        code="AccessDenied",
        message="not authorized to perform sts:AssumeRole",
    )
    code, doc, err = scan(capsys, "--org", "--region", "us-east-1", "--control", "SageMaker.5")
    assert code == 3
    for account in members:
        assert f"account {account}: sts:AssumeRole" in err
        assert "AccessDenied" in err
    errors = {e["source"]["account_id"] for e in doc["evaluations"] if e["status"] == "ERROR"}
    assert errors == set(members)


def test_access_denied_region_is_isolated_and_never_passes(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = estate.build(live.client, ACCOUNT, REGIONS)
    live.add_fault(
        service="sagemaker",
        region="eu-west-1",
        code="AccessDeniedException",
        message="User is not authorized to perform sagemaker:List*",
    )
    code, doc, err = scan(capsys, *region_args(REGIONS))
    assert code == 3
    got = by_key(doc)
    for key, status in expected.verdicts.items():
        if key[1] == "us-east-1":
            assert got[key] == status
    west = [e for e in doc["evaluations"] if e["source"].get("region") == "eu-west-1"]
    assert west
    assert {e["status"] for e in west} == {"ERROR"}
    assert {e["control"] for e in west} == {f"SageMaker.{n}" for n in range(1, 26)}
    assert doc["summary"]["by_status"]["ERROR"] == len(west)
    lines = err.strip().splitlines()
    assert any(
        f"account {ACCOUNT} region eu-west-1" in line
        and "ListNotebookInstances" in line
        and "AccessDeniedException" in line
        for line in lines
    ), lines


def test_throttled_region_recovers_or_errors_but_never_passes(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", "eu-west-1")
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn="arn:aws:iam::1:role/r",
        PrimaryContainer={"Image": "img"},
        EnableNetworkIsolation=True,
    )
    # Throttled once: the adaptive retry succeeds and the scan is complete.
    live.add_fault(
        service="sagemaker",
        region="eu-west-1",
        code="ThrottlingException",
        message="Rate exceeded",
        times=1,
    )
    code, doc, _ = scan(capsys, "--region", "eu-west-1", "--control", "SageMaker.5")
    assert code == 0
    assert [e["status"] for e in doc["evaluations"]] == ["PASSED"]
    # Throttled past every retry: ERROR, exit 3.
    live.add_fault(
        service="sagemaker",
        region="eu-west-1",
        operation="DescribeModel",
        code="ThrottlingException",
        message="Rate exceeded",
    )
    code, doc, err = scan(capsys, "--region", "eu-west-1", "--control", "SageMaker.5")
    assert code == 3
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"]
    assert "DescribeModel failed: ThrottlingException" in err


def test_resource_deleted_between_list_and_describe_is_skipped(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    estate.build(live.client, ACCOUNT, ["us-east-1"])
    sm = live.client("sagemaker", "us-east-1")

    def delete_on_describe(call: Call) -> None:
        if call.operation == "DescribeModel" and call.params.get("ModelName") == "summarizer":
            sm.delete_model(ModelName="summarizer")
        if (
            call.operation == "DescribeMonitoringSchedule"
            and call.params.get("MonitoringScheduleName") == "clicks-drift-hourly"
        ):
            sm.delete_monitoring_schedule(MonitoringScheduleName="clicks-drift-hourly")

    live.on_request(delete_on_describe)
    code, doc, err = scan(
        capsys, "--region", "us-east-1", "--control", "SageMaker.5", "--control", "SageMaker.14"
    )
    assert err == ""
    names = {e["resource_name"] for e in doc["evaluations"]}
    assert "summarizer" not in names
    assert "clicks-drift-hourly" not in names
    assert "recsys-v7" in names
    assert code == 1


def test_every_operation_a_scan_calls_is_in_the_printed_policy(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    members = _org(live)
    estate.build(live.client, ACCOUNT, REGIONS)
    estate.build(
        lambda svc, region: live.client(svc, region, account=members[0]), members[0], ["us-east-1"]
    )
    live.clear_calls()
    # Every control in an organization; resolved references; every region (one control,
    # to keep the test fast: the regions add no operation of their own but DescribeRegions).
    scan(capsys, "--org", *region_args(REGIONS), "--param", "SageMaker.14.resolveReferences=true")
    scan(
        capsys,
        "--region",
        "us-east-1",
        "--control",
        "SageMaker.14",
        "--param",
        "SageMaker.14.resolveReferences=true",
    )
    scan(capsys, "--all-regions", "--control", "SageMaker.7")
    scan(
        capsys,
        "--role-arn",
        f"arn:aws:iam::{members[1]}:role/Audit",
        "--region",
        "us-east-1",
        "--control",
        "SageMaker.6",
    )
    assert main(["iam-policy", "--org", "--role-arn", f"arn:aws:iam::{members[1]}:role/Audit"]) == 0
    policy = json.loads(capsys.readouterr()[0])
    allowed = {a for s in policy["Statement"] for a in s["Action"]}
    called = {f"{c.service}:{c.operation}" for c in live.calls}
    assert called, "the scan made no calls"
    assert called <= allowed, called - allowed
    for needed in (
        "sagemaker:DescribeModelBiasJobDefinition",
        "ec2:DescribeRegions",
        "organizations:ListAccounts",
        "sts:AssumeRole",
        "sagemaker:ListTags",
        "sagemaker:DescribeFeatureGroup",
        "sagemaker:DescribeInferenceExperiment",
    ):
        assert needed in called


def test_all_regions_come_from_botocore_minus_regions_not_enabled(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    live.clear_calls()
    code, _, _ = scan(capsys, "--all-regions", "--control", "SageMaker.5")
    assert code == 0
    regions = {c.region for c in live.calls if c.operation == "ListModels"}
    import boto3

    offered = set(boto3.Session().get_available_regions("sagemaker"))
    enabled = {
        r["RegionName"] for r in live.client("ec2", "us-east-1").describe_regions()["Regions"]
    }
    assert regions == offered & enabled
    assert len(regions) > 10


def test_no_region_is_a_usage_error(
    live: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    code = main(["scan", "--aws", "--format", "json"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "no region: pass --region or --all-regions" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "1"], "--account needs --org"),
        (["--org", "--role-arn", "arn:aws:iam::1:role/x"], "cannot be combined"),
        (["--max-workers", "0"], "must be at least 1"),
        (["--max-rate", "fast"], "is not a number"),
    ],
)
def test_live_usage_errors(
    live: Emulator, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    try:
        code = main(["scan", "--aws", "--region", "us-east-1", *args])
    except SystemExit as exc:  # argparse's own type errors
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr()[1]
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_profile_region_option_without_aws_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", "x.json", "--region", "us-east-1"]) == 2
    assert "--region needs --aws" in capsys.readouterr()[1]


def test_role_arn_scans_that_account(live: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    other = "210987654321"
    live.client("sagemaker", "us-east-1", account=other).create_model(
        ModelName="cross-account",
        ExecutionRoleArn="arn:aws:iam::1:role/r",
        PrimaryContainer={"Image": "img"},
    )
    live.clear_calls()
    code, doc, _ = scan(
        capsys,
        "--role-arn",
        f"arn:aws:iam::{other}:role/Scanner",
        "--external-id",
        "s3cr3t-id",
        "--region",
        "us-east-1",
        "--control",
        "SageMaker.5",
    )
    assert [(e["source"]["account_id"], e["resource_name"]) for e in doc["evaluations"]] == [
        (other, "cross-account")
    ]
    assume = [c for c in live.calls if c.operation == "AssumeRole"]
    assert assume and assume[0].params["ExternalId"] == "s3cr3t-id"
    assert code == 1


# --- a scope that could not be read is never green ------------------------------------


def _report(capsys: pytest.CaptureFixture[str], fmt: str, *args: str) -> tuple[int, str, str]:
    code = main(["scan", "--aws", "--quiet", "--format", fmt, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_credentials_that_cannot_be_used_are_errors_in_every_format(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    live.add_fault(
        service="sts",
        operation="GetCallerIdentity",
        code="InvalidClientTokenId",
        message="The security token included in the request is invalid.",
    )
    args = ("--region", "eu-west-1", "--control", "SageMaker.5", "--control", "SageMaker.1")
    reports: dict[str, str] = {}
    for fmt in ("table", "json", "sarif", "junit", "asff", "ocsf", "csv", "html"):
        code, out, err = _report(capsys, fmt, *args)
        assert code == 3, (fmt, err)
        assert err.strip().splitlines() == [
            "sagewarden: aws: cannot use the credentials: InvalidClientTokenId: "
            "The security token included in the request is invalid."
        ]
        reports[fmt] = out
    assert "2 errors; 1 read failure" in reports["table"].splitlines()[-1]
    assert "ERROR" in reports["table"] and "eu-west-1" in reports["table"]
    doc = scan_report(reports["json"])
    assert doc["summary"]["by_status"]["ERROR"] == 2
    assert doc["summary"]["problems"] == {"input": 0, "scope": 1}
    assert {(e["control"], e["status"]) for e in doc["evaluations"]} == {
        ("SageMaker.1", "ERROR"),
        ("SageMaker.5", "ERROR"),
    }
    assert {e["reason"] for e in doc["evaluations"]} == {
        "could not be read: credentials: InvalidClientTokenId"
    }
    run = json.loads(reports["sarif"])["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["properties"] == {
        "kind": "scope",
        "where": "aws",
    }
    assert run["properties"]["summary"]["by_status"]["ERROR"] == 2
    assert {r["kind"] for r in run["results"]} == {"review"}
    import xml.etree.ElementTree as ET

    junit = ET.fromstring(reports["junit"])
    assert junit.get("errors") == "3"  # two controls that could not run, one scope problem
    asff = json.loads(reports["asff"])["Findings"]
    assert {f["Compliance"]["Status"] for f in asff} == {"NOT_AVAILABLE"}
    assert {f["Region"] for f in asff} == {"eu-west-1"}
    ocsf = json.loads(reports["ocsf"])
    assert {f["compliance"]["status"] for f in ocsf} == {"Error"}
    assert reports["csv"].count(",ERROR,") == 2
    assert "could not be read: credentials: InvalidClientTokenId" in reports["html"]


def test_an_organization_that_cannot_be_listed_is_an_error_not_an_empty_report(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    live.add_fault(service="organizations", operation="ListAccounts", code="AccessDeniedException")
    code, doc, err = scan(capsys, "--org", "--region", "us-east-1", "--control", "SageMaker.5")
    assert code == 3
    assert "organizations:ListAccounts failed: AccessDeniedException" in err
    assert [(e["control"], e["status"]) for e in doc["evaluations"]] == [("SageMaker.5", "ERROR")]


def test_a_mistyped_region_is_named_with_close_matches_not_blamed_on_credentials(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    live.clear_calls()
    code = main(["scan", "--aws", "--region", "eu-wst-1", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(  # the closest of botocore's regions first
        "sagewarden: --region eu-wst-1: not an AWS region that botocore knows; "
        "did you mean eu-west-1 or "
    )
    assert live.calls == []  # nothing was asked of AWS with a region that does not exist
    assert scan_report(out)["evaluations"] == []

    # With a good region beside it, that region is still scanned.
    estate.build(live.client, ACCOUNT, ["us-east-1"])
    code, doc, err = scan(
        capsys, "--region", "eu-wst-1", "--region", "us-east-1", "--control", "SageMaker.5"
    )
    assert code == 2
    assert "--region eu-wst-1" in err and "credentials" not in err
    assert {e["source"]["region"] for e in doc["evaluations"]} == {"us-east-1"}


def test_a_mistyped_default_region_is_named_too(
    live: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-eats-1")
    code, _, err = scan(capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "sagewarden: region us-eats-1 (from AWS_REGION, AWS_DEFAULT_REGION or the profile): "
        "not an AWS region that botocore knows; did you mean us-east-1 or "
    )


def test_no_credentials_at_all_names_the_three_ways_to_give_them(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),  # no ~/.aws: the credential chain really finds nothing
        AWS_EC2_METADATA_DISABLED="true",  # and never asks the instance metadata service
        SAGEWARDEN_DB=str(tmp_path / "h.db"),
    )
    env.pop("BOTO_CONFIG", None)
    command = ["scan", "--aws", "--region", "eu-west-1", "--format", "json"]
    proc = subprocess.run(
        [sys.executable, "-m", "sagewarden", *command, "--control", "SageMaker.3"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 3  # could not read: the README's exit code for it
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for way in (
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        "--profile NAME or AWS_PROFILE",
        "`aws configure`",
        "`aws sso login`",
        "an instance or container role",
    ):
        assert way in lines[0]
    doc = scan_report(proc.stdout)
    assert doc["summary"]["by_status"]["ERROR"] == 1
    assert doc["evaluations"][0]["source"]["region"] == "eu-west-1"
