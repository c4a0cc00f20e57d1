"""Mutelists people already use: suppressions by tag, account and Region, end to end.

The CLI runs as a process (as a user's script would) on the emulator and on a Config
snapshot, with a `.sagewarden.yaml` holding each kind. Muted findings go to Security Hub
with Workflow SUPPRESSED (read back with GetFindings) and are never fixed, whether the plan
comes from a live read, a JSON report or Security Hub. AWS state is read back with boto3.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sagewarden_demo.emulator import Emulator
from tests.e2e.test_fix_rails import FAST, ROLE
from tests.helpers import cli

ACCOUNT = "123456789012"  # the emulator's
EAST, WEST = "us-east-1", "eu-west-1"
LIVE = ["--aws", "--region", EAST, "--region", WEST]
SNAPSHOT = Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json"

MUTELIST = f"""\
suppressions:
  - control: SageMaker.3
    tags: {{Environment: "sandbox*"}}
    reason: sandbox notebooks need root for package installs
    expires: 2099-12-31
  - control: "*"
    region: {WEST}
    reason: {WEST} is the lab Region
  - control: SageMaker.5
    account: "{ACCOUNT}"
    reason: models of the data-science account are isolated by the VPC
"""


@pytest.fixture
def estate(aws: Emulator, tmp_path: Path) -> dict[str, str]:
    """In us-east-1: a sandbox notebook, a prod one, an untagged one (all failing .3) and a
    model failing .5; in eu-west-1 a lab notebook. `.sagewarden.yaml` in tmp_path."""
    (tmp_path / ".sagewarden.yaml").write_text(MUTELIST)
    arns: dict[str, str] = {}
    for region, name, tags in [
        (EAST, "sandbox-gpu", {"Environment": "sandbox-eu"}),
        (EAST, "etl", {"Environment": "prod"}),
        (EAST, "untagged", {}),
        (WEST, "eu-lab", {}),
    ]:
        sm = aws.client("sagemaker", region)
        sm.create_notebook_instance(
            NotebookInstanceName=name,
            InstanceType="ml.t3.medium",
            RoleArn=ROLE,
            RootAccess="Enabled",
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        arns[name] = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceArn"]
    aws.client("sagemaker", EAST).create_model(
        ModelName="scorer", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"}
    )
    return arns


def env(tmp_path: Path) -> dict[str, str]:
    return {"SAGEWARDEN_DB": str(tmp_path / "history.sqlite3"), "AWS_MAX_ATTEMPTS": "2"}


def by_name(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["control"], e["resource_name"]): e for e in doc["evaluations"]}


def test_scan_mutes_by_tag_account_and_region(estate: dict[str, str], tmp_path: Path) -> None:
    run = cli("scan", *LIVE, "--format", "json", "--no-history", "--control", "SageMaker.3",
              "--control", "SageMaker.5", env=env(tmp_path), cwd=tmp_path)  # fmt: skip
    assert run.code == 1, run.stderr  # etl and the untagged notebook still fail
    assert run.stderr == ""
    found = by_name(run.json())
    muted = {k: e["suppressed"]["source"] for k, e in found.items() if "suppressed" in e}
    assert muted == {
        ("SageMaker.3", "sandbox-gpu"): ".sagewarden.yaml:2",
        ("SageMaker.3", "eu-lab"): ".sagewarden.yaml:6",
        ("SageMaker.5", "scorer"): ".sagewarden.yaml:9",
    }
    assert all(found[k]["status"] == "FAILED" for k in muted)  # muted, never hidden
    assert found[("SageMaker.3", "sandbox-gpu")]["suppressed"]["expires"] == "2099-12-31"
    assert found[("SageMaker.3", "etl")]["status"] == "FAILED"
    assert found[("SageMaker.3", "untagged")]["status"] == "FAILED"
    assert run.json()["summary"]["suppressed"] == 3

    # Every finding muted: the run passes. Without the file, all five fail it.
    (tmp_path / ".sagewarden.yaml").write_text(
        MUTELIST + "  - {control: SageMaker.3, tags: {Environment: prod}, reason: batch}\n"
        "  - {control: SageMaker.3, resource: '*untagged', reason: scratch}\n"
    )
    run = cli("scan", *LIVE, "--format", "json", "--no-history", "--control", "SageMaker.3",
              "--control", "SageMaker.5", env=env(tmp_path), cwd=tmp_path)  # fmt: skip
    assert run.code == 0, run.stderr
    (tmp_path / ".sagewarden.yaml").unlink()
    run = cli("scan", *LIVE, "--format", "json", "--no-history", "--control", "SageMaker.3",
              "--control", "SageMaker.5", env=env(tmp_path), cwd=tmp_path)  # fmt: skip
    assert run.code == 1
    assert not any("suppressed" in e for e in run.json()["evaluations"])


def test_sarif_and_ocsf_mark_muted_findings_as_other_suppressions(
    estate: dict[str, str], tmp_path: Path
) -> None:
    run = cli("scan", *LIVE, "--format", "sarif", "--no-history", "--control", "SageMaker.3",
              env=env(tmp_path), cwd=tmp_path)  # fmt: skip
    assert run.code == 1, run.stderr
    results = run.json()["runs"][0]["results"]
    marked = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        if "physicalLocation" in r["locations"][0]
        else json.dumps(r["locations"]): r.get("suppressions")
        for r in results
    }
    text = json.dumps(results)
    assert text.count('"suppressions"') == 2  # sandbox-gpu (tag) and eu-lab (Region)
    assert "sandbox notebooks need root" in text and "is the lab Region" in text
    assert any(m and m[0]["kind"] == "external" for m in marked.values())

    run = cli("scan", *LIVE, "--format", "ocsf", "--no-history", "--control", "SageMaker.3",
              env=env(tmp_path), cwd=tmp_path)  # fmt: skip
    events = run.json()
    status = {e["resources"][0]["uid"]: e["status_id"] for e in events}
    assert status[estate["sandbox-gpu"]] == status[estate["eu-lab"]] == 3  # Suppressed
    assert status[estate["etl"]] == status[estate["untagged"]] == 1  # New


def test_a_config_snapshot_is_muted_by_its_recorded_tags_account_and_region(
    tmp_path: Path,
) -> None:
    (tmp_path / ".sagewarden.yaml").write_text(
        textwrap.dedent("""\
        suppressions:
          - control: SageMaker.3
            tags: {team: data-*}
            reason: the data team's notebooks (none here)
          - control: "*"
            accounts: ["444455556666"]
            reason: another account, which mutes nothing here
          - control: SageMaker.3
            tags: {team: ml-*}
            reason: the platform team's notebooks
          - control: SageMaker.2
            account: 111122223333
            regions: [eu-west-1]
            reason: no VPC in the snapshot's Region yet
        """)
    )
    args = ["scan", str(SNAPSHOT), "--format", "json", "--control", "SageMaker.3",
            "--control", "SageMaker.2"]  # fmt: skip
    run = cli(*args, cwd=tmp_path)
    assert run.code == 0, run.stderr
    found = by_name(run.json())
    failed = {k: e["suppressed"]["source"] for k, e in found.items() if e["status"] == "FAILED"}
    assert failed == {
        ("SageMaker.2", "research-sandbox"): ".sagewarden.yaml:11",
        ("SageMaker.3", "churn-analysis"): ".sagewarden.yaml:8",  # tagged team: ml-platform
        ("SageMaker.3", "research-sandbox"): ".sagewarden.yaml:8",
    }
    assert cli(*args, "--config", str(tmp_path / "absent.yaml"), cwd=tmp_path).code == 2
    (tmp_path / ".sagewarden.yaml").unlink()
    assert cli(*args, cwd=tmp_path).code == 1


def test_a_bad_mutelist_is_one_line_exit_2_and_the_scan_completes(tmp_path: Path) -> None:
    (tmp_path / ".sagewarden.yaml").write_text(
        textwrap.dedent("""\
        suppressions:
          - control: SageMaker.3
            tags: {team: ml-*}
            reason: fine
          - control: "*"
            account: 12345
            reason: a typo
          - control: "*"
            region: eu-wst-1
            reason: a typo
          - control: "*"
            tags: {Environment: 7}
            reason: not text
        """)
    )
    run = cli("scan", str(SNAPSHOT), "--format", "json", cwd=tmp_path)
    assert run.code == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert lines[0] == (
        "sagewarden: .sagewarden.yaml:5: suppression 2: account: 12345 is not a 12-digit AWS "
        "account id (quote ids that begin with 0: YAML reads them as numbers)"
    )
    assert lines[1].startswith(
        "sagewarden: .sagewarden.yaml:8: suppression 3: region: 'eu-wst-1' is not an AWS region "
        "that botocore knows; did you mean eu-west-1"
    )
    assert lines[2] == (
        "sagewarden: .sagewarden.yaml:11: suppression 4: tags.Environment must be text (a "
        "value, or a glob such as sandbox-*), not 7; quote it"
    )
    found = by_name(run.json())
    assert len(found) == 37 + 13  # every control still judged
    assert any("suppressed" in e for e in found.values())  # the good entry applies


def hub(aws: Emulator) -> dict[str, dict[str, Any]]:
    client = aws.client("securityhub", EAST)
    found: dict[str, dict[str, Any]] = {}
    for region in (EAST, WEST):
        client = aws.client("securityhub", region)
        for page in client.get_paginator("get_findings").paginate():
            for f in page["Findings"]:
                found[f["Resources"][0]["Id"]] = f
    return found


def test_muted_findings_reach_security_hub_as_suppressed_never_as_new(
    aws: Emulator, estate: dict[str, str], tmp_path: Path
) -> None:
    """Pushed once before the mutelist existed, so the findings are NEW in Security Hub.
    Fails on the old push: re-importing with Workflow SUPPRESSED leaves an existing finding
    NEW (Security Hub keeps the customer's Workflow), so the muted findings stayed NEW."""
    push = ["scan", *LIVE, "--format", "json", "--quiet", "--push-security-hub", "--fail-on",
            "never", "--control", "SageMaker.3", "--control", "SageMaker.5"]  # fmt: skip
    mutelist = (tmp_path / ".sagewarden.yaml").read_text()
    (tmp_path / ".sagewarden.yaml").unlink()
    run = cli(*push, env=env(tmp_path), cwd=tmp_path)
    assert run.code == 0, run.stderr
    first = hub(aws)
    assert {f["Workflow"]["Status"] for f in first.values()} == {"NEW"}

    (tmp_path / ".sagewarden.yaml").write_text(mutelist)
    run = cli(*push, env=env(tmp_path), cwd=tmp_path)
    assert run.code == 0, run.stderr
    second = hub(aws)
    assert set(second) == set(first)  # the same findings, updated in place
    workflow = {arn.rsplit("/", 1)[1]: f["Workflow"]["Status"] for arn, f in second.items()}
    assert workflow == {
        "sandbox-gpu": "SUPPRESSED",  # by tag
        "eu-lab": "SUPPRESSED",  # by Region
        "scorer": "SUPPRESSED",  # by account
        "etl": "NEW",
        "untagged": "NEW",
    }
    gpu = second[estate["sandbox-gpu"]]
    assert gpu["Compliance"]["Status"] == "FAILED"  # muted, not passed
    assert gpu["Note"]["Text"].startswith("Suppressed (.sagewarden.yaml:2): sandbox notebooks")
    updates = [c for c in aws.calls if c.operation == "BatchUpdateFindings"]
    assert {c.region for c in updates} == {EAST, WEST}

    # The mutelist goes: the findings this tool muted are NEW again.
    (tmp_path / ".sagewarden.yaml").unlink()
    run = cli(*push, env=env(tmp_path), cwd=tmp_path)
    assert run.code == 0, run.stderr
    assert {f["Workflow"]["Status"] for f in hub(aws).values()} == {"NEW"}


def test_the_emulator_keeps_the_customers_workflow_on_reimport_as_aws_does(
    aws: Emulator,
) -> None:
    client = aws.client("securityhub", EAST)
    finding = {
        "SchemaVersion": "2018-10-08",
        "Id": "sagewarden-test/1",
        "ProductArn": f"arn:aws:securityhub:{EAST}:{ACCOUNT}:product/{ACCOUNT}/default",
        "GeneratorId": "test",
        "AwsAccountId": ACCOUNT,
        "Types": ["Software and Configuration Checks"],
        "CreatedAt": "2026-01-01T00:00:00Z",
        "UpdatedAt": "2026-01-01T00:00:00Z",
        "Severity": {"Label": "LOW"},
        "Title": "t",
        "Description": "d",
        "Resources": [{"Type": "Other", "Id": "r"}],
        "Workflow": {"Status": "NEW"},
    }
    client.batch_import_findings(Findings=[finding])
    client.batch_import_findings(Findings=[{**finding, "Workflow": {"Status": "SUPPRESSED"}}])
    (got,) = client.get_findings()["Findings"]
    assert got["Workflow"]["Status"] == "NEW"
    ident = {"Id": finding["Id"], "ProductArn": finding["ProductArn"]}
    missing = {**ident, "Id": "nope"}
    answer = client.batch_update_findings(
        FindingIdentifiers=[ident, missing],
        Workflow={"Status": "SUPPRESSED"},
        Note={"Text": "accepted", "UpdatedBy": "me"},
    )
    assert answer["ProcessedFindings"] == [ident]
    assert answer["UnprocessedFindings"][0]["ErrorCode"] == "FindingNotFound"
    (got,) = client.get_findings()["Findings"]
    assert got["Workflow"]["Status"] == "SUPPRESSED" and got["Note"]["Text"] == "accepted"


def _root(aws: Emulator, name: str, region: str = EAST) -> str:
    sm = aws.client("sagemaker", region)
    return str(sm.describe_notebook_instance(NotebookInstanceName=name)["RootAccess"])


def test_fix_apply_never_changes_a_tag_muted_resource(
    aws: Emulator, estate: dict[str, str], tmp_path: Path
) -> None:
    """Fails on the old code: the notebook's tags were not read for SageMaker.3 (only the
    tag controls' types had them), so the tag suppression could not apply and
    `fix apply --yes` stopped sandbox-gpu and changed its root access."""
    e = env(tmp_path)
    plan = cli("fix", "plan", *LIVE, "--only", "SageMaker.3", "--format", "json",
               env=e, cwd=tmp_path)  # fmt: skip
    assert plan.code == 0, plan.stderr
    doc = plan.json()
    assert sorted(r["name"] for r in doc["resources"]) == ["etl", "untagged"]
    skipped = {s["resource_id"]: s["suppressed"]["source"] for s in doc["skipped"]}
    assert skipped == {
        estate["sandbox-gpu"]: ".sagewarden.yaml:2",
        estate["eu-lab"]: ".sagewarden.yaml:6",
    }
    start = len(aws.calls)
    run = cli("fix", "apply", *LIVE, "--only", "SageMaker.3", "--yes", "-q", *FAST,
              env=e, cwd=tmp_path)  # fmt: skip
    assert run.code == 0, run.stderr
    touched = {
        c.params.get("NotebookInstanceName")
        for c in aws.calls[start:]
        if not c.operation.startswith(("Describe", "List", "Get"))
    }
    assert touched == {"etl", "untagged"}
    assert _root(aws, "sandbox-gpu") == "Enabled"
    assert _root(aws, "eu-lab", WEST) == "Enabled"
    assert _root(aws, "etl") == _root(aws, "untagged") == "Disabled"


def test_fix_from_a_report_or_security_hub_skips_muted_findings(
    aws: Emulator, estate: dict[str, str], tmp_path: Path
) -> None:
    e = env(tmp_path)
    report = tmp_path / "report.json"
    run = cli("scan", *LIVE, "--format", "json", "--output", str(report), "--control",
              "SageMaker.3", "--push-security-hub", "--fail-on", "never", "-q",
              env=e, cwd=tmp_path)  # fmt: skip
    assert run.code == 0, run.stderr
    muted = {estate["sandbox-gpu"], estate["eu-lab"]}
    for source in (["--report", str(report)], ["--from-security-hub"]):
        plan = cli("fix", "plan", *LIVE, *source, "--format", "json", env=e, cwd=tmp_path)
        assert plan.code == 0, plan.stderr
        doc = plan.json()
        assert sorted(r["name"] for r in doc["resources"]) == ["etl", "untagged"], source
        assert not muted & {r["resource_id"] for r in doc["resources"]}
        if source[0] == "--report":  # listed as skipped, with the report's word
            assert muted <= {s["resource_id"] for s in doc["skipped"]}
    run = cli("fix", "apply", *LIVE, "--from-security-hub", "--yes", "-q", *FAST,
              env=e, cwd=tmp_path)  # fmt: skip
    assert run.code == 0, run.stderr
    assert _root(aws, "sandbox-gpu") == "Enabled"
    assert _root(aws, "eu-lab", WEST) == "Enabled"
    assert _root(aws, "etl") == "Disabled"


def test_a_saved_plan_is_refused_where_a_tag_suppression_may_apply(
    aws: Emulator, estate: dict[str, str], tmp_path: Path
) -> None:
    """The plan was made before the mutelist; it holds no tags, so at apply a tag
    suppression that may cover a planned resource blocks it (never a guess of "no")."""
    e = env(tmp_path)
    mutelist = tmp_path / ".sagewarden.yaml"
    mutelist.unlink()
    saved = tmp_path / "plan.json"
    plan = cli("fix", "plan", *LIVE, "--only", "SageMaker.3", "--format", "json", "--output",
               str(saved), env=e, cwd=tmp_path)  # fmt: skip
    assert plan.code == 0, plan.stderr
    mutelist.write_text(
        "suppressions:\n  - control: SageMaker.3\n    tags: {Environment: sandbox*}\n"
        f"    region: {EAST}\n    reason: sandbox\n"
    )
    run = cli("fix", "apply", str(saved), "--yes", "-q", *FAST, env=e, cwd=tmp_path)
    assert run.code == 3, run.stderr
    blocked = [line for line in run.stderr.splitlines() if "may be suppressed by tag" in line]
    assert len(blocked) == 3, run.stderr  # every us-east-1 notebook; not eu-lab
    assert _root(aws, "sandbox-gpu") == _root(aws, "etl") == "Enabled"
    assert _root(aws, "eu-lab", WEST) == "Disabled"


def test_the_push_policy_allows_setting_the_workflow() -> None:
    run = cli("iam-policy", "--push-security-hub")
    statements = {s["Sid"]: s for s in run.json()["Statement"]}
    assert statements["SageWardenSetFindingWorkflow"]["Action"] == [
        "securityhub:BatchUpdateFindings"
    ]
    plain = json.dumps(cli("iam-policy").json())
    assert "BatchUpdateFindings" not in plain
