"""`--baseline report.json`: a previous JSON report whose failures are known, so only new
findings fail the run (as Checkov's and Semgrep's baselines). Identity is the finding key
(`finding_keys`): the same control on the same resource, wherever its verdict came from.

A baselined finding stays in the report, marked (`Evaluation.baselined`), and is counted;
it no longer fails the run. ERROR verdicts are never baselined: a scope that could not be
read this time is not the same as one that failed before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import orjson

from sagewarden.finding_keys import finding_key, report_key
from sagewarden.sources import inputfile
from sagewarden.verdicts import Evaluation, Status

BASELINED = (Status.FAILED, Status.UNKNOWN)  # the verdicts a baseline can cover


class BaselineError(ValueError):
    """A baseline that cannot be used: one line naming the file."""


def load(path: str) -> frozenset[str]:
    """The keys of the findings failing (or unknown) in the report at `path`."""
    try:
        doc = orjson.loads(inputfile.read_regular(path))
    except OSError as exc:
        raise BaselineError(f"--baseline {path}: cannot read: {inputfile.reason(exc)}") from None
    except orjson.JSONDecodeError:
        raise BaselineError(
            f"--baseline {path}: not JSON (a sagewarden --format json report)"
        ) from None
    tool = doc.get("tool") if isinstance(doc, dict) else None
    entries = doc.get("evaluations") if isinstance(doc, dict) else None
    if (
        not isinstance(tool, dict)
        or tool.get("name") != "sagewarden"
        or not isinstance(entries, list)
    ):
        raise BaselineError(
            f"--baseline {path}: not a sagewarden JSON report (make one with --format json)"
        )
    keys: set[str] = set()
    for n, entry in enumerate(entries):
        key = report_key(entry) if isinstance(entry, dict) else None
        if key is None:
            raise BaselineError(
                f"--baseline {path}: evaluation {n + 1} has no control and resource"
            )
        if entry.get("status") in {s.value for s in BASELINED}:
            keys.add(key)
    return frozenset(keys)


def mark(evaluations: Sequence[Evaluation], keys: frozenset[str]) -> list[Evaluation]:
    """The evaluations, each FAILED or UNKNOWN one found in the baseline marked."""
    return [
        dataclasses.replace(e, baselined=True)
        if e.status in BASELINED and finding_key(e) in keys
        else e
        for e in evaluations
    ]
