"""Suppressions: reported as suppressed with their reason, never hidden; expiry; bad entries."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sagewarden.cli import main
from tests.helpers import scan_report

DATA = Path(__file__).resolve().parents[1] / "data"
PLATFORM = DATA / "cfn" / "ml-platform.yaml"
SNAPSHOT = Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code = main(["scan", "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, scan_report(out), err


def config(tmp_path: Path, body: str) -> str:
    path = tmp_path / ".sagewarden.yaml"
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_template_suppression_is_reported_not_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    _, doc, _ = run(capsys, str(PLATFORM), "--control", "SageMaker.3")
    open_nb = next(e for e in doc["evaluations"] if e["resource_id"] == "OpenNotebook")
    assert open_nb["status"] == "FAILED"
    assert open_nb["suppressed"] == {
        "reason": "Data scientists install system packages; tracked in SEC-142",
        "source": "template",
    }
    assert doc["summary"]["suppressed"] == 1


def test_suppressed_failures_do_not_fail_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(
        tmp_path,
        """
        suppressions:
          - control: SageMaker.7
            resource: "arn:aws:sagemaker:*:*:image/untagged-*"
            reason: Base images are tagged by the pipeline
            expires: 2099-12-31
    """,
    )
    code, doc, err = run(capsys, str(SNAPSHOT), "--control", "SageMaker.7", "--config", cfg)
    assert code == 0
    assert err == ""
    failed = [e for e in doc["evaluations"] if e["status"] == "FAILED"]
    assert len(failed) == 1
    assert failed[0]["suppressed"]["source"].endswith(".sagewarden.yaml:3")  # the entry
    assert failed[0]["suppressed"]["expires"] == "2099-12-31"
    code, _, _ = run(capsys, str(SNAPSHOT), "--control", "SageMaker.7")
    assert code == 1


def test_expired_suppression_stops_applying_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = config(
        tmp_path,
        """
        suppressions:
          - control: SageMaker.7
            resource: "*untagged-image"
            reason: temporary
            expires: 2020-01-31
    """,
    )
    code, doc, err = run(capsys, str(SNAPSHOT), "--control", "SageMaker.7", "--config", cfg)
    assert code == 1
    assert all("suppressed" not in e for e in doc["evaluations"])
    assert "expired on 2020-01-31: it no longer applies" in err
    assert len(err.strip().splitlines()) == 1


def test_default_config_file_in_the_working_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config(
        tmp_path,
        """
        suppressions:
          - control: "*"
            reason: everything in this sandbox account is accepted
    """,
    )
    monkeypatch.chdir(tmp_path)
    code, doc, _ = run(capsys, str(SNAPSHOT))
    assert code == 0
    assert all("suppressed" in e for e in doc["evaluations"] if e["status"] == "FAILED")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("suppressions:\n  - reason: x\n", "control is required"),
        ("suppressions:\n  - control: SageMaker.99\n    reason: x\n", "unknown control"),
        ("suppressions:\n  - control: SageMaker.1\n", "reason is required"),
        (
            "suppressions:\n  - control: SageMaker.1\n    reason: x\n    expires: soon\n",
            "is not a date",
        ),
        (
            "suppressions:\n  - control: SageMaker.1\n    reason: x\n    colour: red\n",
            "unknown field 'colour'",
        ),
        ("suppressions: {control: SageMaker.1}\n", "suppressions must be a list"),
        ("suppressions:\n  - [unclosed\n", "invalid YAML"),
        ("- a list\n", "must be a mapping"),
        ("supressions: []\n", "unknown setting 'supressions'"),
    ],
)
def test_malformed_config_is_one_line_exit_2_and_the_scan_still_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    cfg = config(tmp_path, body)
    code, doc, err = run(capsys, str(SNAPSHOT), "--config", cfg)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert cfg in lines[0] and message in lines[0]
    assert len(doc["evaluations"]) == 37 + 13  # SageMaker.1-15, and .16-.25


def test_malformed_template_suppression(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        textwrap.dedent("""
        Resources:
          Model:
            Type: AWS::SageMaker::Model
            Metadata:
              sagewarden:
                suppress:
                  - control: SageMaker.5
            Properties: {ExecutionRoleArn: arn:aws:iam::1:role/r}
    """)
    )
    code, doc, err = run(capsys, str(path))
    assert code == 2
    assert f"{path}:3: Model: suppression 1: reason is required" in err
    assert doc["evaluations"][0]["status"] == "FAILED"
    assert "suppressed" not in doc["evaluations"][0]


def test_missing_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(SNAPSHOT), "--config", "/nope/.sagewarden.yaml")
    assert code == 2
    assert "--config /nope/.sagewarden.yaml: no such file" in err


def test_fail_on_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, str(PLATFORM), "--control", "SageMaker.8", "--fail-on", "never")
    assert code == 0
    code, _, _ = run(
        capsys, str(PLATFORM), "--control", "SageMaker.8", "--fail-on", "never", "--fail-on-unknown"
    )
    assert code == 1
