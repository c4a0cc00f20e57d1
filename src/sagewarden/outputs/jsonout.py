"""The machine report: one JSON document on stdout (the contract scripts rely on)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import orjson

from sagewarden import __version__
from sagewarden.diagnostics import Diagnostic
from sagewarden.outputs.encoding import dumps
from sagewarden.verdicts import Evaluation


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
) -> None:
    doc = {
        "tool": {"name": "sagewarden", "version": __version__},
        "evaluations": [e.to_dict() for e in evaluations],
        "summary": summary,
        "diagnostics": [d.to_dict() for d in diagnostics],
    }
    out.write(dumps(doc, option=orjson.OPT_INDENT_2))
    out.write(b"\n")
