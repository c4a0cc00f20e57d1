"""Reasons read like sentences and never give away a secret, whatever the source.

Every fixture of every file source (AWS Config data, CloudFormation, CDK output, Terraform
plans) and the live demo estate is evaluated with every control, both ways of
SageMaker.14, and rendered in every report format: no reason may carry a Python repr
(`UnresolvedValue(...)`, `<... object at ...>`, `Choice(`), and no report may carry a value
a Terraform plan marks sensitive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import CONTROLS
from sagewarden.cli import main
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.sources.files import read_files
from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator
from tests.helpers import scan_report

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
FIXTURES = sorted(
    [
        *(ROOT / "examples").glob("*.json"),
        *DATA.glob("*.json"),
        *(DATA / "cfn").glob("*.yaml"),
        DATA / "cfn" / "cdk.out",
        *(DATA / "terraform").glob("*.json"),
        *(DATA / "terraform" / "real").glob("*/plan.json"),
    ]
)
REPR = re.compile(r"UnresolvedValue\(|Choice\(|Sensitive\w*\(|<[\w.]+ object at 0x|\bobject at 0x")
FORMATS = ("table", "json", "sarif", "junit", "asff", "ocsf", "csv", "html")
PARAMS = ([], ["SageMaker.14.resolveReferences=true"])


def _sensitive_leaves(value: Any, marks: Any) -> Iterator[str]:
    """The texts a plan marks sensitive (at least 6 characters, to be unmistakable)."""
    if marks is True:
        if isinstance(value, dict):
            for k, v in value.items():
                yield from _sensitive_leaves(k, True)
                yield from _sensitive_leaves(v, True)
        elif isinstance(value, list):
            for v in value:
                yield from _sensitive_leaves(v, True)
        elif isinstance(value, (str, int, float)) and len(str(value)) >= 6:
            yield str(value)
    elif isinstance(marks, dict) and isinstance(value, dict):
        for k, m in marks.items():
            yield from _sensitive_leaves(value.get(k), m)
    elif isinstance(marks, list) and isinstance(value, list):
        for v, m in zip(value, marks, strict=False):
            yield from _sensitive_leaves(v, m)


def _secrets(plan: Path) -> set[str]:
    doc = json.loads(plan.read_text())
    out: set[str] = set()
    for rc in doc.get("resource_changes", []):
        change = rc.get("change", {})
        out.update(_sensitive_leaves(change.get("after"), change.get("after_sensitive")))
    return out


def test_the_fixtures_hold_secrets_to_keep() -> None:
    """The check below is only worth something if a fixture marks values sensitive."""
    plan = DATA / "terraform" / "real" / "unknowns" / "plan.json"
    assert {"subnet-0secret0000000001", "notebook-al2-v3", "cc-secret-4242"} <= _secrets(plan)


@pytest.mark.parametrize("params", PARAMS, ids=["literal", "resolved"])
def test_no_reason_carries_a_python_repr(params: list[str]) -> None:
    read = read_files([str(p) for p in FIXTURES], None)
    pset, diags = parse_params(params)
    assert not diags
    evaluations = evaluate(read.resources, list(CONTROLS), pset).evaluations
    assert len({e.resource.provenance.kind for e in evaluations}) == 3  # config, cfn, terraform
    bad = [(e.control.id, e.resource.id, e.reason) for e in evaluations if REPR.search(e.reason)]
    assert not bad
    assert not [d.line() for d in read.diagnostics if REPR.search(d.line())]


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_report_carries_a_sensitive_value(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plans = [p for p in sorted((DATA / "terraform").glob("**/*.json")) if _secrets(p)]
    secrets = set().union(*(_secrets(p) for p in plans))
    assert secrets
    out = tmp_path / f"report.{fmt}"
    main(["scan", *map(str, plans), "-v", "-q", "--format", fmt, "--output", str(out)])
    _, err = capsys.readouterr()
    text = out.read_text() + err
    assert "(sensitive)" in text or fmt in ("junit",)
    leaked = sorted(s for s in secrets if s in text)
    assert not leaked, leaked
    assert not REPR.search(text)


def test_live_reasons_carry_no_python_repr(
    aws: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    estate.build(aws.client, "123456789012", ["us-east-1"])
    for params in PARAMS:
        extra = [a for p in params for a in ("--param", p)]
        main(["scan", "--aws", "--region", "us-east-1", "--format", "json", "-q", *extra])
        doc = scan_report(capsys.readouterr().out)
        assert doc["evaluations"]
        assert not [e["reason"] for e in doc["evaluations"] if REPR.search(e["reason"])]
