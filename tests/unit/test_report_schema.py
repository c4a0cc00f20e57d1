"""The JSON report's published schema (docs/report.schema.json): itself valid draft
2020-12, met by the report with its run, and strict enough that a report missing a
required field fails it. Every test that reads a scan report validates it too
(tests/helpers.py `scan_report`, `Run.json`)."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from sagewarden import __version__
from sagewarden.outputs import jsonout
from sagewarden.outputs.encoding import dumps
from sagewarden.outputs.runjson import SCHEMA_VERSION, run_document
from sagewarden.pipeline import ScanOptions, run_scan
from tests.helpers import REPORT_SCHEMA, check_report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json"


def _report(copies: int = 1) -> tuple[bytes, dict[str, Any]]:
    outcome = run_scan(ScanOptions(paths=(str(EXAMPLE),), record=False, command_line=("x",)))
    assert outcome.info is not None
    run = run_document(outcome.info)
    evaluations = outcome.evaluations * copies
    out = io.BytesIO()
    jsonout.render(out, evaluations, outcome.summary, outcome.diagnostics.items, run=run)
    whole = {
        "tool": {"name": "sagewarden", "version": __version__},
        "schema_version": SCHEMA_VERSION,
        "run": run,
        "evaluations": [e.to_dict() for e in evaluations],
        "summary": outcome.summary,
        "diagnostics": [d.to_dict() for d in outcome.diagnostics.items],
    }
    return out.getvalue(), whole


def test_the_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema.validators.validator_for(schema) is jsonschema.Draft202012Validator


@pytest.mark.parametrize("copies", [0, 1, 30])
def test_the_report_with_its_run_streams_the_bytes_of_one_dump(copies: int) -> None:
    data, whole = _report(copies)
    assert data == dumps(whole, option=orjson.OPT_INDENT_2) + b"\n"
    check_report(json.loads(data))


@pytest.mark.parametrize(
    "path",
    [
        ("run",),
        ("schema_version",),
        ("run", "scan_id"),
        ("run", "caller"),
        ("run", "scope", "files"),
        ("summary", "by_status"),
        ("evaluations", 0, "status"),
        ("diagnostics",),
    ],
    ids=lambda p: ".".join(map(str, p)),
)
def test_a_report_missing_a_required_field_fails(path: tuple[Any, ...]) -> None:
    doc = json.loads(_report()[0])
    check_report(doc)
    broken = copy.deepcopy(doc)
    parent = broken
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    with pytest.raises(AssertionError, match="required property"):
        check_report(broken)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("evaluations", 0, "status"), "OK"),
        (("run", "caller"), "root"),
        (("schema_version",), "2.0"),
        (("evaluations", 0, "renamed"), 1),
    ],
)
def test_a_report_with_a_wrong_value_fails(path: tuple[Any, ...], value: Any) -> None:
    doc = json.loads(_report()[0])
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    with pytest.raises(AssertionError):
        check_report(doc)
