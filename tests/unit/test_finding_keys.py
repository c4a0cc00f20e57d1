"""A baseline (a JSON report) names findings by the key the history uses: the key read back
from a report entry is the evaluation's own, for every kind of source."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from sagewarden.finding_keys import finding_key, report_key
from sagewarden.pipeline.options import ScanOptions
from sagewarden.pipeline.scan import run_scan
from tests.helpers import ACCOUNT, resource, run_control

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "examples" / "config-snapshot.json",
    ROOT / "tests" / "data" / "cfn" / "ml-platform.yaml",
    ROOT / "tests" / "data" / "terraform" / "aws-all-types.json",
    ROOT / "tests" / "data" / "cdk" / "ai-security-app",
]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_a_report_entry_gives_back_its_evaluation_s_key(source: Path) -> None:
    evaluations = run_scan(ScanOptions(paths=(str(source),), record=False)).evaluations
    assert evaluations
    for e in evaluations:
        entry = orjson.loads(orjson.dumps(e.to_dict()))  # as a report holds it
        assert report_key(entry) == finding_key(e)


def test_with_and_without_an_arn() -> None:
    live = resource("AWS::SageMaker::Model", {"EnableNetworkIsolation": True}, name="m")
    live.arn = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:model/m"
    for e in run_control("SageMaker.5", [live]):
        assert report_key(e.to_dict()) == finding_key(e) == f"SageMaker.5|{live.type}|{live.arn}"


def test_an_entry_without_control_or_resource_has_no_key() -> None:
    assert report_key({"control": "SageMaker.1", "source": {}}) is None
    assert (
        report_key({"control": 1, "resource_type": "t", "resource_id": "i", "source": {}}) is None
    )
