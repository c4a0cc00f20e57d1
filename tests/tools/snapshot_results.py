"""Write the verdicts of every fixture file to tests/data/results (as cfn-lint keeps
test/fixtures/results), so a change in what any control says about them shows in a diff.

    python tests/tools/snapshot_results.py          # rewrite every snapshot
    python tests/tools/snapshot_results.py --check  # exit 1 when one is stale

A fixture is any file under tests/data (or examples/config-snapshot.json) that sagewarden
reads as AWS Config data, a CloudFormation template or a Terraform plan. Its snapshot is
tests/data/results/<path under tests/data, suffix replaced by .json>: the verdicts of every
control with the default parameters, then of SageMaker.14 with resolveReferences (the one
parameter that makes a control read other resources), each sorted.
tests/sources/test_fixture_results.py compares them with what sagewarden says now.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = Path("tests") / "data"
RESULTS = DATA / "results"
EXTRA = (Path("examples") / "config-snapshot.json",)
# (parameters, controls evaluated: None for all) per run recorded in a snapshot.
RUNS: tuple[tuple[tuple[str, ...], tuple[str, ...] | None], ...] = (
    ((), None),
    (("SageMaker.14.resolveReferences=true",), ("SageMaker.14",)),
)


@contextmanager
def at_root() -> Iterator[None]:
    """Paths relative to the repository, whatever the caller's directory: they show in
    reasons and must read the same on every machine."""
    before = os.getcwd()
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(before)


def fixtures() -> list[Path]:
    """Every fixture file, relative to the repository, sorted."""
    from sagewarden.sources.files import DATA_SUFFIXES, read_files

    with at_root():
        candidates = [
            p
            for p in DATA.rglob("*")
            if p.is_file() and RESULTS not in p.parents and p.name.endswith(DATA_SUFFIXES)
        ]
        candidates += [p for p in EXTRA if p.is_file()]
        return sorted(p for p in candidates if read_files([str(p)]).recognised)


def result_path(fixture: Path) -> Path:
    rel = fixture.relative_to(DATA) if DATA in fixture.parents else fixture
    name = rel.name.removesuffix(".gz")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return RESULTS / rel.parent / f"{stem}.json"


def snapshot(fixture: Path) -> dict[str, Any]:
    """The verdicts sagewarden gives the fixture, run by run, sorted."""
    from sagewarden.catalog import BY_ID, CONTROLS
    from sagewarden.engine import evaluate
    from sagewarden.params import parse_params
    from sagewarden.sources.files import read_files

    with at_root():
        read = read_files([str(fixture)])
    runs = []
    for params, controls in RUNS:
        pset, diags = parse_params(list(params))
        assert not diags, [d.line() for d in diags]
        chosen = [BY_ID[c] for c in controls] if controls else list(CONTROLS)
        result = evaluate(read.resources, chosen, pset)
        verdicts = [
            {
                "resource": e.resource.id,
                "control": e.control.id,
                "status": e.status.value,
                "reason": e.reason,
            }
            for e in result.evaluations
        ]
        verdicts.sort(
            key=lambda v: (v["resource"], BY_ID[v["control"]].number, v["status"], v["reason"])
        )
        runs.append({"parameters": list(params), "verdicts": verdicts})
    return {"fixture": fixture.as_posix(), "runs": runs}


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    found = fixtures()
    targets = {result_path(f): f for f in found}
    if len(targets) != len(found):
        print("two fixtures map to one result file: rename one", file=sys.stderr)
        return 2
    stale = 0
    with at_root():
        for target, fixture in sorted(targets.items()):
            text = render(snapshot(fixture))
            current = target.read_text(encoding="utf-8") if target.exists() else None
            if current == text:
                continue
            stale += 1
            if check:
                print(f"{target}: stale (verdicts of {fixture} changed)", file=sys.stderr)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
                print(f"wrote {target}")
        for orphan in sorted(set(RESULTS.rglob("*.json")) - set(targets)):
            stale += 1
            if check:
                print(f"{orphan}: no fixture has this result", file=sys.stderr)
            else:
                orphan.unlink()
                print(f"removed {orphan}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main(sys.argv[1:]))
