"""The machine report: one JSON document on stdout (the contract scripts rely on).

Written a thousand evaluations at a time, each dumped on its own and indented as it sits in
the document: the bytes are those of dumping the whole document at once, without holding
every evaluation's dict and the whole text at the same time (200,000 resources made a
report of several hundred MB in memory).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import orjson

from sagewarden import __version__
from sagewarden.diagnostics import Diagnostic
from sagewarden.outputs.encoding import dumps
from sagewarden.outputs.runjson import SCHEMA_VERSION
from sagewarden.verdicts import Evaluation

CHUNK = 1000  # evaluations per write
_PLACE = "\x00evaluations\x00"  # stands for the list while the rest is dumped


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
    run: dict[str, Any] | None = None,
) -> None:
    """The report; `run` (outputs.runjson) states the run behind it, when known."""
    doc: dict[str, Any] = {"tool": {"name": "sagewarden", "version": __version__}}
    if run is not None:  # the command's report: docs/report.schema.json describes it
        doc |= {"schema_version": SCHEMA_VERSION, "run": run}
    doc |= {
        "evaluations": _PLACE if evaluations else [],
        "summary": summary,
        "diagnostics": [d.to_dict() for d in diagnostics],
    }
    text = dumps(doc, option=orjson.OPT_INDENT_2)
    if not evaluations:
        out.write(text)
        out.write(b"\n")
        return
    head, _, tail = text.partition(b'"\\u0000evaluations\\u0000"')
    out.write(head + b"[\n")
    for start in range(0, len(evaluations), CHUNK):
        chunk = evaluations[start : start + CHUNK]
        parts = [
            b"    " + dumps(e.to_dict(), option=orjson.OPT_INDENT_2).replace(b"\n", b"\n    ")
            for e in chunk
        ]
        out.write((b",\n" if start else b"") + b",\n".join(parts))
    out.write(b"\n  ]" + tail)
    out.write(b"\n")
