"""`sagewarden demo`: the main job on the built-in account, as `make demo` runs it."""

from __future__ import annotations

import re
from collections import Counter

from sagewarden.catalog import CONTROLS
from sagewarden.cli.demo import DEMO_ACCOUNT, DEMO_REGIONS
from tests.helpers import cli


def test_demo_scans_a_live_estate_on_loopback_with_every_control() -> None:
    run = cli("demo", "--format", "json")
    assert run.code == 0, run.stderr
    assert "local emulator at http://127.0.0.1:" in run.stderr
    doc = run.json()
    statuses = Counter((e["control"], e["status"]) for e in doc["evaluations"])
    for n in range(1, 26):
        assert statuses[(f"SageMaker.{n}", "PASSED")] > 0
        assert statuses[(f"SageMaker.{n}", "FAILED")] > 0
    assert statuses[("SageMaker.4", "NOT_APPLICABLE")] == 2  # one serverless config a region
    # the new controls' scope conditions, per region: single- and multi-container models,
    # feature groups without either store, schedules by reference, experiments capturing
    # nothing
    for control, per_region in (
        ("SageMaker.16", 2),
        ("SageMaker.19", 4),
        ("SageMaker.17", 1),
        ("SageMaker.18", 3),
        ("SageMaker.22", 2),
        ("SageMaker.24", 1),
    ):
        assert statuses[(control, "NOT_APPLICABLE")] == 2 * per_region, control
    assert {e["source"]["region"] for e in doc["evaluations"]} == {"eu-west-1", "us-east-1"}
    assert {e["source"]["kind"] for e in doc["evaluations"]} == {"aws"}
    assert doc["summary"]["by_status"]["ERROR"] == 0


def test_demo_passes_scan_options_through() -> None:
    run = cli(
        "demo",
        "--format",
        "json",
        "--control",
        "SageMaker.14",
        "--fail-on",
        "medium",
        "--param",
        "SageMaker.14.resolveReferences=true",
        "--quiet",
    )
    assert run.code == 1
    assert run.stderr == ""
    got = {e["resource_name"]: e["status"] for e in run.json()["evaluations"]}
    assert got["recsys-bias-daily"] == "PASSED"
    assert got["credit-quality-daily"] == "FAILED"


def test_demo_fix_fixes_every_failing_control_of_the_estate() -> None:
    """Every control sagewarden fixes passes after the fix; only those whose fix is a
    person's choice (blocked: held in the plan, never run) still fail."""
    run = cli("demo", "--fix", "--format", "json", "--fail-on", "never")
    assert run.code == 0, run.stderr
    # the fix's steps, on stderr, each with its account and region (the demo has two)
    for region in DEMO_REGIONS:
        step = rf"\[\d+/\d+\] DeleteModel summarizer \({DEMO_ACCOUNT} {region}\): done"
        assert re.search(step, run.stderr), region
    assert "run " in run.stderr and ": done\n" in run.stderr
    doc = run.json()
    statuses = Counter(e["status"] for e in doc["evaluations"])
    assert statuses["ERROR"] == 0
    still = {e["control"] for e in doc["evaluations"] if e["status"] == "FAILED"}
    assert still <= {c.id for c in CONTROLS if c.fix.blocked}, still
    names = {e["resource_name"] for e in doc["evaluations"]}
    assert {"research-sandbox-sw1", "churn-analysis-sw1", "summarizer-sw1"} <= names
    assert not {"research-sandbox", "churn-analysis", "summarizer"} & names
