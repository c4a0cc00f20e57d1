"""The JSON report written in chunks is byte for byte the document dumped at once."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest

from sagewarden import __version__
from sagewarden.outputs import jsonout
from sagewarden.outputs.encoding import dumps
from sagewarden.pipeline import ScanOptions, run_scan

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json"


@pytest.mark.parametrize("copies", [0, 1, 30])
def test_chunks_make_the_same_bytes_as_one_dump(copies: int) -> None:
    outcome = run_scan(ScanOptions(paths=(str(EXAMPLE),), record=False))
    evaluations = outcome.evaluations * copies  # 30 copies: more than one chunk
    assert copies < 30 or len(evaluations) > jsonout.CHUNK
    whole = {
        "tool": {"name": "sagewarden", "version": __version__},
        "evaluations": [e.to_dict() for e in evaluations],
        "summary": outcome.summary,
        "diagnostics": [d.to_dict() for d in outcome.diagnostics.items],
    }
    out = io.BytesIO()
    jsonout.render(out, evaluations, outcome.summary, outcome.diagnostics.items)
    assert out.getvalue() == dumps(whole, option=orjson.OPT_INDENT_2) + b"\n"
