"""Framework evidence: results per requirement, in table, JSON, CSV and HTML."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from sagewarden.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json")


def report(capsys: pytest.CaptureFixture[str], framework: str, fmt: str = "json") -> str:
    main(
        [
            "report",
            "--framework",
            framework,
            EXAMPLE,
            "--format",
            fmt,
            "--no-history",
            "--fail-on",
            "never",
        ]
    )
    return capsys.readouterr()[0]


def test_nist_requirements_from_related_requirements(capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(report(capsys, "nist-800-53"))
    by_id = {r["requirement"]: r for r in doc["requirements"]}
    # AC-21 maps to SageMaker.1 and .2; research-sandbox fails both, churn-analysis fails .1.
    assert by_id["AC-21"]["controls"] == ["SageMaker.1", "SageMaker.2"]
    assert by_id["AC-21"]["status"] == "FAILED"
    assert by_id["AC-21"]["resources_failed"] == 2
    assert by_id["AC-21"]["resources_passed"] == 1
    # CP-10 maps only to SageMaker.4: one endpoint config fails, one passes.
    assert by_id["CP-10"]["controls"] == ["SageMaker.4"]
    assert (by_id["CP-10"]["resources_failed"], by_id["CP-10"]["resources_passed"]) == (1, 1)


def test_pci_and_standards_made_of_controls(capsys: pytest.CaptureFixture[str]) -> None:
    pci = json.loads(report(capsys, "pci-dss-4.0.1"))["requirements"]
    assert [(r["requirement"], r["controls"]) for r in pci] == [("1.4.4", ["SageMaker.1"])]
    tagging = json.loads(report(capsys, "tagging"))["requirements"]
    assert [r["requirement"] for r in tagging] == ["SageMaker.6", "SageMaker.7"]
    ai = json.loads(report(capsys, "ai-security"))["requirements"]
    assert {r["requirement"] for r in ai} == {
        f"SageMaker.{n}" for n in (1, 2, 3, 4, 5, *range(8, 26))
    }


def test_csv_table_and_html(capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(report(capsys, "fsbp", "csv"))))
    assert {r["requirement"] for r in rows} == {f"SageMaker.{n}" for n in (1, 2, 3, 4, 5, 8)}
    table = report(capsys, "fsbp", "table")
    assert table.splitlines()[-1].endswith("requirements have failing resources")
    page = report(capsys, "pci-dss-3.2.1", "html")
    assert page.startswith("<!doctype html>") and "1.2.1" in page
    assert "://" not in page  # self-contained: no URL (the CSP's http-equiv is none)


def test_unknown_framework_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["report", "--framework", "iso-27001", EXAMPLE])
    assert exc.value.code == 2
