"""Output that fits CI and scripts, run as a user would (the CLI as a process): several
formats in one run, filters, `.sagewarden.yaml` defaults, the stderr summary line, a
baseline, and the run a JSON report states (validated against docs/report.schema.json)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator
from tests.helpers import cli, scan_report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "config-snapshot.json")
TEMPLATE = str(ROOT / "tests" / "data" / "cfn" / "ml-platform.yaml")
ACCOUNT = "123456789012"  # moto's account for the default test credentials


def _failing(doc: dict[str, Any], *also: str) -> list[dict[str, Any]]:
    return [e for e in doc["evaluations"] if e["status"] in ("FAILED", *also)]


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in stderr
    return lines[0]


# -- several formats in one run -------------------------------------------------------------


def test_several_formats_in_one_run_write_one_file_each(tmp_path: Path) -> None:
    """Fails on the old code: --format took one format (argparse refused the list)."""
    out, db = tmp_path / "reports", tmp_path / "h.sqlite3"
    run = cli(
        "scan", EXAMPLE, "--db", str(db), "--format", "json,sarif,html,asff,junit",
        "--output-dir", str(out),
    )  # fmt: skip
    assert run.code == 1, run.stderr
    assert run.stdout == ""  # stdout stays the report's, and there is none on it
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "sagewarden.asff.json",
        "sagewarden.html",
        "sagewarden.json",
        "sagewarden.junit.xml",
        "sagewarden.sarif",
    ]
    doc = scan_report((out / "sagewarden.json").read_text(encoding="utf-8"))
    sarif = json.loads((out / "sagewarden.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == len(_failing(doc))  # SARIF lists failures
    asff = json.loads((out / "sagewarden.asff.json").read_text(encoding="utf-8"))["Findings"]
    assert asff and all(f["FirstObservedAt"] for f in asff)  # the history's first-seen dates
    assert (
        (out / "sagewarden.html")
        .read_text(encoding="utf-8")
        .lstrip()
        .lower()
        .startswith("<!doctype html")
    )
    assert "<testsuites" in (out / "sagewarden.junit.xml").read_text(encoding="utf-8")
    # The scan ran once: one scan in the history, the one the JSON report names.
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM scans").fetchone()[0] == 1
    assert doc["run"]["history_scan"] == 1
    line = _one_line(run.stderr)
    assert f"reports in {out / 'sagewarden.json'}, {out / 'sagewarden.sarif'}" in line


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--format", "json,sarif"], "several formats (json,sarif) need --output-dir DIR"),
        (["--format", "json,sarif", "--output", "x.json"], "need --output-dir DIR, not --output"),
        (["--format", "json,xml", "--output-dir", "d"], "invalid choice: 'xml'"),
        (["--output", "x.json", "--output-dir", "d"], "--output and --output-dir cannot be"),
    ],
)
def test_several_formats_need_an_output_dir(tmp_path: Path, args: list[str], said: str) -> None:
    run = cli("scan", EXAMPLE, "--no-history", *args, cwd=tmp_path)
    assert run.code == 2
    assert said in _one_line(run.stderr)
    assert run.stdout == "" and not list(tmp_path.iterdir())  # nothing scanned or written


def test_a_report_file_that_cannot_be_written_names_output_dir(tmp_path: Path) -> None:
    (tmp_path / "sagewarden.sarif").mkdir()  # where the SARIF file would go
    run = cli(
        "scan", EXAMPLE, "--no-history", "--format", "json,sarif", "--output-dir", str(tmp_path)
    )  # fmt: skip
    assert run.code == 2
    assert f"--output-dir {tmp_path / 'sagewarden.sarif'}: Is a directory" in _one_line(run.stderr)


def test_report_writes_its_formats_per_framework(tmp_path: Path) -> None:
    run = cli(
        "report", "--framework", "nist-800-53", EXAMPLE, "--no-history", "--format", "json,csv",
        "--output-dir", str(tmp_path), "--fail-on", "never",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["sagewarden-nist-800-53.csv", "sagewarden-nist-800-53.json"]


# -- filters ----------------------------------------------------------------------------------


def test_severity_narrows_the_controls_and_the_exit_status(tmp_path: Path) -> None:
    """Fails on the old code: there was no --severity."""
    high = cli("scan", EXAMPLE, "--no-history", "--format", "json", "--severity", "high")
    doc = high.json()
    assert {e["severity"] for e in doc["evaluations"]} == {"HIGH"}
    assert doc["run"]["filters"]["severity"] == ["high"]
    assert all(c in doc["run"]["controls"] for c in {e["control"] for e in doc["evaluations"]})
    assert high.code == 1
    # The LOW failures (SageMaker.6, .7) alone do not fail a run asked for high and critical.
    low_only = cli(
        "scan", EXAMPLE, "--no-history", "--format", "json", "--severity", "high,critical",
        "--control", "SageMaker.6", "--control", "SageMaker.1",
    )  # fmt: skip
    assert {e["control"] for e in low_only.json()["evaluations"]} == {"SageMaker.1"}
    none = cli(
        "scan", EXAMPLE, "--no-history", "--severity", "critical", "--control", "SageMaker.6"
    )
    assert none.code == 2
    assert "no selected control has this severity" in _one_line(none.stderr)
    bad = cli("scan", EXAMPLE, "--no-history", "--severity", "urgent")
    assert bad.code == 2 and "--severity 'urgent': not a severity" in _one_line(bad.stderr)


def test_resource_glob_narrows_the_report_and_the_exit_status() -> None:
    """fraud-model-dev passes everything but SageMaker.21: with that control left out the
    run is green, though other notebooks fail."""
    args = ("scan", EXAMPLE, "--no-history", "--format", "json", "--control", "SageMaker.1")
    assert cli(*args).code == 1
    by_name = cli(*args, "--resource", "fraud-*")
    assert by_name.code == 0, by_name.stdout
    names = {e["resource_name"] for e in by_name.json()["evaluations"]}
    assert names == {"fraud-model-dev"}
    by_arn = cli(*args, "--resource", "arn:aws:sagemaker:*:notebook-instance/research-*")
    assert by_arn.code == 1
    assert {e["resource_name"] for e in by_arn.json()["evaluations"]} == {"research-sandbox"}
    typo = cli(*args, "--resource", "fruad-*")  # never an empty, green report
    assert typo.code == 2
    assert _one_line(typo.stderr) == (
        "sagewarden: --resource fruad-*: matches no resource of this scan (23 read)"
    )
    assert typo.json()["diagnostics"][0]["kind"] == "input"


def test_status_is_a_view_a_hidden_failure_still_fails_the_run() -> None:
    run = cli("scan", EXAMPLE, "--no-history", "--format", "json", "--status", "passed")
    assert run.code == 1  # the failures it hides still fail the run
    doc = run.json()
    assert doc["evaluations"] and {e["status"] for e in doc["evaluations"]} == {"PASSED"}
    assert doc["summary"]["by_status"]["FAILED"] == 0  # the report counts what it shows
    assert doc["run"]["filters"]["status"] == ["PASSED"]
    table = cli("scan", EXAMPLE, "--no-history", "--status", "FAILED", "--output", "/dev/null")
    line = _one_line(table.stderr)  # the stderr line counts the run, and says the view
    assert "18 passed" in line and "the report shows 25 (--status FAILED)" in line
    bad = cli("scan", EXAMPLE, "--no-history", "--status", "WARN")
    assert bad.code == 2 and "--status 'WARN': not a verdict" in _one_line(bad.stderr)


def test_errors_are_never_filtered_away(aws: Emulator) -> None:
    """A scope that could not be read stays in the report and keeps exit 3, whatever the
    filters say."""
    aws.add_fault(service="sts", operation="GetCallerIdentity", code="InvalidClientTokenId")
    run = cli(
        "scan", "--aws", "--region", "eu-west-1", "--no-history", "--format", "json",
        "--status", "PASSED", "--resource", "nothing-matches-*", "--control", "SageMaker.1",
    )  # fmt: skip
    assert run.code == 3
    doc = run.json()
    assert {e["status"] for e in doc["evaluations"]} == {"ERROR"}
    assert doc["summary"]["problems"]["scope"] == 1


# -- defaults from .sagewarden.yaml ----------------------------------------------------------


SETTINGS = """\
format: json
fail-on: never
controls: [SageMaker.14, SageMaker.1]
parameters:
  SageMaker.14.resolveReferences: true
suppressions: []
"""


def test_defaults_come_from_the_config_file_and_the_command_line_wins(tmp_path: Path) -> None:
    """Fails on the old code: every key but `suppressions` was an unknown setting (exit 2)."""
    (tmp_path / ".sagewarden.yaml").write_text(SETTINGS, encoding="utf-8")
    run = cli("scan", EXAMPLE, "--no-history", cwd=tmp_path)
    assert run.code == 0, run.stderr  # fail-on: never, though controls fail
    doc = run.json()  # format: json
    assert {e["control"] for e in doc["evaluations"]} == {"SageMaker.1", "SageMaker.14"}
    assert doc["run"]["parameters"]["SageMaker.14"]["resolveReferences"] is True
    assert doc["run"]["controls"] == ["SageMaker.1", "SageMaker.14"]
    wins = cli(
        "scan", EXAMPLE, "--no-history", "--format", "table", "--fail-on", "high",
        "--control", "SageMaker.3", "--param", "SageMaker.14.resolveReferences=false",
        cwd=tmp_path,
    )  # fmt: skip
    assert wins.code == 1
    assert wins.stdout.startswith("SageMaker.3 ")  # the table, of the command line's control


def test_output_dir_and_severity_from_the_file(tmp_path: Path) -> None:
    (tmp_path / ".sagewarden.yaml").write_text(
        "format: [json, sarif]\noutput-dir: out\nseverity: high\n", encoding="utf-8"
    )
    run = cli("scan", EXAMPLE, "--no-history", cwd=tmp_path)
    assert run.code == 1
    doc = scan_report((tmp_path / "out" / "sagewarden.json").read_text(encoding="utf-8"))
    assert {e["severity"] for e in doc["evaluations"]} == {"HIGH"}
    assert (tmp_path / "out" / "sagewarden.sarif").exists()
    mine = tmp_path / "mine.json"  # the command line's --output wins over the file's dir
    one = cli(
        "scan", EXAMPLE, "--no-history", "--format", "json", "--output", str(mine), cwd=tmp_path
    )  # fmt: skip
    assert one.code == 1
    assert scan_report(mine.read_text(encoding="utf-8"))["run"]["filters"]["severity"] == ["high"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("fail-on: sometimes\n", ".sagewarden.yaml: fail-on: 'sometimes' is not one of"),
        ("format: xml\n", ".sagewarden.yaml: format: invalid choice: 'xml'"),
        ("controls: 3\n", ".sagewarden.yaml: controls: must be a list"),
        ("parameters: [a]\n", ".sagewarden.yaml: parameters: must be a mapping"),
        ("severity: urgent\n", ".sagewarden.yaml: severity: 'urgent': not a severity"),
        ("output-dir: ''\n", ".sagewarden.yaml: output-dir: must be text"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_file_and_key(
    tmp_path: Path, text: str, said: str
) -> None:
    (tmp_path / ".sagewarden.yaml").write_text(text, encoding="utf-8")
    run = cli("scan", EXAMPLE, "--no-history", cwd=tmp_path)
    assert run.code == 2
    assert said in _one_line(run.stderr)


def test_config_names_another_settings_file(tmp_path: Path) -> None:
    other = tmp_path / "ci.yaml"
    other.write_text("format: json\nfail-on: never\n", encoding="utf-8")
    run = cli("scan", EXAMPLE, "--no-history", "--config", str(other), cwd=tmp_path)
    assert run.code == 0
    assert run.json()["evaluations"]


# -- the stderr summary line ------------------------------------------------------------------


def test_summary_line_on_stderr_when_the_report_goes_to_a_file(tmp_path: Path) -> None:
    """Fails on the old code: stderr said nothing unless it was a terminal."""
    report = tmp_path / "r.sarif"
    run = cli("scan", EXAMPLE, "--no-history", "--format", "sarif", "--output", str(report))
    assert run.stdout == ""
    assert _one_line(run.stderr) == (
        "sagewarden: 23 resources, 50 evaluations: 18 passed, 25 failed (7 high, 16 medium, "
        f"2 low), 7 not applicable, 0 errors; report in {report}"
    )
    quiet = cli("scan", EXAMPLE, "--no-history", "--format", "sarif", "--output", str(report), "-q")
    assert quiet.stderr == ""


# -- baseline ---------------------------------------------------------------------------------


def test_only_findings_not_in_the_baseline_fail_the_run(tmp_path: Path) -> None:
    """Fails on the old code: there was no --baseline."""
    base = tmp_path / "base.json"
    first = cli("scan", TEMPLATE, "--no-history", "--format", "json", "--output", str(base))
    assert first.code == 1
    known = len(_failing(scan_report(base.read_text(encoding="utf-8")), "UNKNOWN"))
    assert known

    again = cli("scan", TEMPLATE, "--no-history", "--format", "json", "--baseline", str(base))
    assert again.code == 0, again.stderr  # nothing new
    doc = again.json()
    assert all(e.get("baselined") for e in _failing(doc, "UNKNOWN"))
    assert doc["summary"]["baselined"] == known
    assert doc["run"]["baseline"] == {"file": str(base), "findings": known}

    more = cli(
        "scan", TEMPLATE, EXAMPLE, "--no-history", "--format", "json", "--baseline", str(base)
    )  # fmt: skip
    assert more.code == 1  # the snapshot's failures are new
    new = [e for e in _failing(more.json()) if not e.get("baselined")]
    assert new and {e["source"]["kind"] for e in new} == {"aws-config"}

    table = cli("scan", TEMPLATE, "--no-history", "--baseline", str(base), "-v")
    assert table.code == 0
    assert "(baselined: in the --baseline report)" in table.stdout
    assert f"{known} baselined," in " ".join(table.stdout.split())  # the summary, however wrapped
    out = tmp_path / "sarif"
    sarif = cli(
        "scan", TEMPLATE, "--no-history", "--baseline", str(base), "--format", "sarif,json,html",
        "--output-dir", str(out),
    )  # fmt: skip
    results = json.loads((out / "sagewarden.sarif").read_text(encoding="utf-8"))["runs"][0]
    assert sum(r.get("baselineState") == "unchanged" for r in results["results"]) == known
    page = (out / "sagewarden.html").read_text(encoding="utf-8")
    assert page.count('<span class="note">baselined</span>') == known
    assert f"{known} baselined" in _one_line(sarif.stderr)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "cannot read"),
        ("{not json", "not JSON"),
        ('{"version": "2.1.0", "runs": []}', "not a sagewarden JSON report"),
        ('{"tool": {"name": "sagewarden"}, "evaluations": [{}]}', "evaluation 1 has no"),
    ],
)
def test_a_baseline_that_is_not_a_report_is_one_line(
    tmp_path: Path, content: str | None, said: str
) -> None:
    base = tmp_path / "base.json"
    if content is not None:
        base.write_text(content, encoding="utf-8")
    run = cli("scan", TEMPLATE, "--no-history", "--baseline", str(base))
    assert run.code == 2
    line = _one_line(run.stderr)
    assert line.startswith(f"sagewarden: --baseline {base}: ") and said in line
    assert run.stdout == ""


# -- the run a JSON report states -------------------------------------------------------------


def test_the_json_report_states_its_run(tmp_path: Path) -> None:
    run = cli(
        "scan", EXAMPLE, "--format", "json", "--db", str(tmp_path / "h.sqlite3"),
        "--cfn-param", "Password=hunter2", "--param", "SageMaker.14.resolveReferences=true",
    )  # fmt: skip
    doc = run.json()  # valid against docs/report.schema.json
    info = doc["run"]
    assert doc["schema_version"] == "1.0"
    assert info["tool_version"] == doc["tool"]["version"]
    assert info["started"] <= info["ended"]
    assert info["command_line"][:3] == ["sagewarden", "scan", EXAMPLE]
    assert "hunter2" not in run.stdout and "Password=***" in info["command_line"]
    assert info["scope"]["files"] == [EXAMPLE]
    assert info["scope"]["accounts"] == {} and info["caller"] is None  # files: no caller
    assert info["parameters"]["SageMaker.14"] == {"resolveReferences": True}
    assert len(info["controls"]) == 25
    assert info["history_scan"] == 1
    second = cli("scan", EXAMPLE, "--format", "json", "--no-history").json()["run"]
    assert second["scan_id"] != info["scan_id"] and second["history_scan"] is None


def test_a_live_scan_states_the_caller_identity(aws: Emulator) -> None:
    estate.build(aws.client, ACCOUNT, ["eu-west-1"])
    caller = aws.client("sts", "eu-west-1").get_caller_identity()["Arn"]
    run = cli(
        "scan", "--aws", "--region", "eu-west-1", "--no-history", "--format", "json",
        "--fail-on", "never",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    info = run.json()["run"]
    assert info["caller"] == caller and caller.startswith("arn:aws:")
    assert info["scope"]["accounts"] == {ACCOUNT: ["eu-west-1"]}
    assert info["scope"]["regions"] == ["eu-west-1"]


def test_the_demo_takes_several_formats_and_states_its_caller(tmp_path: Path) -> None:
    run = cli("demo", "--format", "json,sarif", "--output-dir", str(tmp_path), "-q")
    assert run.code == 0, run.stderr
    doc = scan_report((tmp_path / "sagewarden.json").read_text(encoding="utf-8"))
    assert doc["run"]["caller"].startswith("arn:aws:")
    assert (tmp_path / "sagewarden.sarif").exists()
