"""Whatever shape an item has, the scan ends in verdicts and one-line diagnostics.

Seeded random mutations of the example snapshot: random fields of SageMaker items (their
envelope included) are replaced by values of the wrong type or of a form AWS never
records. No exception may escape, every verdict carries a reason, diagnostics are one line
each, and the exit code follows the rule: 2 exactly when there was bad input (an input
diagnostic or an ERROR of class "input"), else 3 exactly when something could not be read
(a scope diagnostic or an ERROR of class "scope"); an ERROR never leaves 0 or 1.
FUZZ_SEEDS=3000 runs a longer campaign.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from tests.helpers import scan_report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json"
WRONG: list[Any] = [
    *(None, "two", 0, -1, 3.5, True, [], {}, [1, "x"], {"a": None}, "", "\x1b[31m"),
    *("\uff12", "2_0", " true", "Disabled ", {"": "x"}, [{"key": "", "value": "x"}]),
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for p in path[:-1]:
        doc = doc[p]
    doc[path[-1]] = value


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("FUZZ_SEEDS", "40"))))
def test_mutated_snapshot_never_raises(
    seed: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rnd = random.Random(seed)
    doc = json.loads(EXAMPLE.read_text())
    items = [i for i in doc["configurationItems"] if i["resourceType"].startswith("AWS::SageMaker")]
    for item in rnd.sample(items, 8):
        paths = _paths(item)
        for path in rnd.sample(paths, min(3, len(paths))):
            # An earlier mutation may have replaced a parent of this path.
            with contextlib.suppress(KeyError, IndexError, TypeError):
                _set(item, path, copy.deepcopy(rnd.choice(WRONG)))
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(doc))
    code = main(
        ["scan", str(path), "--format", "json", "--param", "SageMaker.14.resolveReferences=true"]
    )
    out, err = capsys.readouterr()
    assert code in (0, 1, 2, 3)
    report = scan_report(out)
    assert "Traceback" not in err
    assert all("\n" not in line for line in err.splitlines())
    errors = [e for e in report["evaluations"] if e["status"] == "ERROR"]
    assert all(e["problem"] in ("input", "scope") for e in errors)
    said = {d["kind"] for d in report["diagnostics"]}
    bad_input = "input" in said or any(e["problem"] == "input" for e in errors)
    unread = "scope" in said or any(e["problem"] == "scope" for e in errors)
    assert (code == 2) == bad_input
    assert (code == 3) == (unread and not bad_input)
    assert code in (2, 3) or not errors
    assert all(e["reason"] for e in report["evaluations"])
