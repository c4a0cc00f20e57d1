"""The verdicts of every fixture file are those recorded in tests/data/results.

A change in what any control says about a fixture (status or reason) fails here, naming
the fixture; when the change is meant, `python tests/tools/snapshot_results.py` rewrites
the snapshots and the diff shows what changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tools.snapshot_results import (
    RESULTS,
    ROOT,
    fixtures,
    render,
    result_path,
    snapshot,
)

REGENERATE = "run `python tests/tools/snapshot_results.py` if the change is meant"
FIXTURES = fixtures()


def test_every_fixture_has_its_snapshot_and_no_other() -> None:
    assert len(FIXTURES) >= 15  # templates, plans and Config files: the finder found them
    kinds = {p.parts[2] if p.parts[:2] == ("tests", "data") else p.parts[0] for p in FIXTURES}
    assert {"cfn", "terraform", "examples"} <= kinds
    expected = {result_path(f) for f in FIXTURES}
    stored = {p.relative_to(ROOT) for p in (ROOT / RESULTS).rglob("*.json")}
    assert stored == expected, REGENERATE


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.as_posix())
def test_verdicts_match_the_snapshot(fixture: Path) -> None:
    stored = ROOT / result_path(fixture)
    assert stored.exists(), f"no snapshot for {fixture}: {REGENERATE}"
    now = snapshot(fixture)
    then = json.loads(stored.read_text(encoding="utf-8"))
    for was, run in zip(then["runs"], now["runs"], strict=True):
        assert run["parameters"] == was["parameters"]
        assert run["verdicts"] == was["verdicts"], f"{fixture}: {REGENERATE}"
    assert render(now) == stored.read_text(encoding="utf-8"), f"{fixture}: {REGENERATE}"
