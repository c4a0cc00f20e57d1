"""`fix` honours suppressions as `scan` does: the same `.sagewarden.yaml` (or --config),
suppressed findings listed as skipped with their reason and expiry and never changed,
unless --include-suppressed. End to end: the real CLI on the emulator, AWS state read back
with boto3 and the emulator's record of calls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden_demo.emulator import Emulator
from tests.e2e.test_fix_rails import FAST, LIVE, READS, live, notebook, root_access
from tests.helpers import scan_report

__all__ = ["live"]  # the fixture, shared

SUPPRESS_NB = """\
suppressions:
  - control: SageMaker.3
    resource: "arn:aws:sagemaker:*:*:notebook-instance/lab-*"
    reason: Data scientists install system packages; tracked in SEC-142
    expires: {expires}
"""


def _touched(live: Emulator, since: int, name: str) -> list[Any]:
    return [
        c
        for c in live.calls[since:]
        if not c.operation.startswith(READS) and c.params.get("NotebookInstanceName") == name
    ]


def _status(sm: Any, name: str) -> tuple[str, str]:
    d = sm.describe_notebook_instance(NotebookInstanceName=name)
    return d["RootAccess"], d["NotebookInstanceStatus"]


@pytest.fixture
def estate(live: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Two notebooks failing SageMaker.3, one of them suppressed in ./.sagewarden.yaml."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".sagewarden.yaml").write_text(SUPPRESS_NB.format(expires="2099-12-31"))
    sm = live.client("sagemaker", "us-east-1")
    notebook(sm, "lab-gpu")
    notebook(sm, "etl")
    return sm


def test_scan_and_fix_agree_a_suppressed_finding_is_skipped_not_changed(
    live: Emulator, estate: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code: `scan` showed lab-gpu SUPPRESSED, yet `fix plan` planned it
    and `fix apply --aws --yes` stopped the notebook and changed its root access."""
    sm = estate
    capsys.readouterr()
    main(["scan", *LIVE, "--format", "json", "--no-history", "--control", "SageMaker.3"])
    shown = {e["resource_name"]: e for e in scan_report(capsys.readouterr().out)["evaluations"]}
    assert shown["lab-gpu"]["suppressed"]["reason"].startswith("Data scientists")
    assert "suppressed" not in shown["etl"]

    assert main(["fix", "plan", *LIVE, "--only", "SageMaker.3", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in doc["resources"]] == ["etl"]
    (skipped,) = doc["skipped"]
    assert skipped["control"] == "SageMaker.3"
    assert skipped["resource_id"] == shown["lab-gpu"]["resource_id"]
    assert skipped["suppressed"] == {
        "reason": "Data scientists install system packages; tracked in SEC-142",
        "source": ".sagewarden.yaml:2",
        "expires": "2099-12-31",
    }
    assert main(["fix", "plan", *LIVE, "--only", "SageMaker.3"]) == 0
    text = capsys.readouterr().out
    assert "Skipped:" in text and "until 2099-12-31: Data scientists install" in text

    start = len(live.calls)
    code = main(["fix", "apply", *LIVE, "--only", "SageMaker.3", "--yes", *FAST])
    assert code == 0, capsys.readouterr().err
    assert _touched(live, start, "lab-gpu") == []
    assert _status(sm, "lab-gpu") == ("Enabled", "InService")
    assert _status(sm, "etl") == ("Disabled", "InService")

    # Only an explicit --include-suppressed changes it, and the plan says so.
    assert main(["fix", "plan", *LIVE, "--only", "SageMaker.3", "--include-suppressed"]) == 0
    text = capsys.readouterr().out
    assert "! SageMaker.3 is suppressed (.sagewarden.yaml:2 until 2099-12-31" in text
    code = main(["fix", "apply", *LIVE, "--only", "SageMaker.3", "--include-suppressed",
                 "--yes", *FAST])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert _status(sm, "lab-gpu") == ("Disabled", "InService")


def test_an_expired_suppression_no_longer_applies(
    live: Emulator, estate: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".sagewarden.yaml").write_text(SUPPRESS_NB.format(expires="2020-01-31"))
    capsys.readouterr()
    assert main(["fix", "plan", *LIVE, "--only", "SageMaker.3", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert sorted(r["name"] for r in doc["resources"]) == ["etl", "lab-gpu"]
    assert doc["skipped"] == []
    assert "expired on 2020-01-31: it no longer applies" in err


def test_config_option_names_the_suppressions_file(
    live: Emulator, estate: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "team.yaml"
    other.write_text(
        "suppressions:\n  - control: '*'\n    resource: '*etl'\n    reason: batch host\n"
    )
    capsys.readouterr()
    code = main(["fix", "plan", *LIVE, "--only", "SageMaker.3", "--config", str(other),
                 "--format", "json"])  # fmt: skip
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in doc["resources"]] == ["lab-gpu"]  # ./.sagewarden.yaml not read
    assert [s["suppressed"]["reason"] for s in doc["skipped"]] == ["batch host"]


def test_a_saved_plan_does_not_change_what_was_suppressed_since(
    live: Emulator, estate: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan was made before the suppression was written: apply reads the suppressions
    again and refuses that resource (exit 3), the rest is fixed."""
    sm = estate
    (tmp_path / ".sagewarden.yaml").unlink()
    plan = tmp_path / "plan.json"
    code = main(["fix", "plan", *LIVE, "--only", "SageMaker.3", "--format", "json",
                 "--output", str(plan)])  # fmt: skip
    assert code == 0
    assert sorted(r["name"] for r in json.loads(plan.read_text())["resources"]) == [
        "etl",
        "lab-gpu",
    ]
    (tmp_path / ".sagewarden.yaml").write_text(SUPPRESS_NB.format(expires="2099-12-31"))
    capsys.readouterr()
    start = len(live.calls)
    code = main(["fix", "apply", str(plan), "--yes", "-q", *FAST])
    err = capsys.readouterr().err
    assert code == 3, err
    (line,) = err.splitlines()
    assert "not fixed" in line and "lab-gpu" in line
    assert "SageMaker.3 is suppressed (.sagewarden.yaml:2 until 2099-12-31" in line
    assert _touched(live, start, "lab-gpu") == []
    assert _status(sm, "lab-gpu") == ("Enabled", "InService")
    assert _status(sm, "etl") == ("Disabled", "InService")


def test_a_malformed_suppressions_file_stops_apply_before_any_change(
    live: Emulator, estate: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = estate
    (tmp_path / ".sagewarden.yaml").write_text(
        "suppressions:\n  - control: SageMaker.3\n    resource: '*lab-*'\n"
    )  # no reason
    capsys.readouterr()
    assert main(["fix", "plan", *LIVE, "--only", "SageMaker.3"]) == 2
    err = capsys.readouterr().err
    assert ".sagewarden.yaml:2: suppression 1: reason is required" in err
    start = len(live.calls)
    assert main(["fix", "apply", *LIVE, "--only", "SageMaker.3", "--yes", *FAST]) == 2
    err = capsys.readouterr().err
    assert "fix apply changes nothing while its input has errors (above)" in err
    assert "Traceback" not in err
    assert [c for c in live.calls[start:] if not c.operation.startswith(READS)] == []
    assert root_access(sm, "lab-gpu") == root_access(sm, "etl") == "Enabled"


def test_a_report_shows_suppressed_findings_which_are_skipped_unless_included(
    live: Emulator, estate: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.json"
    main(["scan", *LIVE, "--format", "json", "--output", str(report), "--no-history",
          "--control", "SageMaker.3"])  # fmt: skip
    (tmp_path / ".sagewarden.yaml").unlink()  # the report's word is enough
    capsys.readouterr()
    assert main(["fix", "plan", *LIVE, "--report", str(report), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in doc["resources"]] == ["etl"]
    (skipped,) = doc["skipped"]
    assert skipped["resource_id"].endswith("notebook-instance/lab-gpu")
    assert skipped["reason"].startswith(f"suppressed in {report} until 2099-12-31: Data")
    code = main(["fix", "plan", *LIVE, "--report", str(report), "--include-suppressed",
                 "--format", "json"])  # fmt: skip
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert sorted(r["name"] for r in doc["resources"]) == ["etl", "lab-gpu"]
