"""Running sagewarden as a user does (its `scan` command, in this process) and reading
the verdict of one resource out of the JSON report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sagewarden.cli import main
from tests.helpers import scan_report


@dataclass(frozen=True)
class Seen:
    """What the report says about one resource and control."""

    status: str
    reason: str


def scan(report: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """`sagewarden scan ARGS --format json`, the report written to `report`."""
    code = main(
        [
            "scan",
            *args,
            "--format",
            "json",
            "--quiet",
            "--no-history",
            "--output",
            str(report),
        ]
    )
    return code, scan_report(report.read_text(encoding="utf-8"))


def verdicts(doc: dict[str, Any], control: str) -> dict[str, Seen]:
    """The control's verdicts by resource name; a name seen twice is a harness bug."""
    out: dict[str, Seen] = {}
    for e in doc["evaluations"]:
        if e["control"] != control:
            continue
        name = e["resource_name"]
        if name in out:
            raise AssertionError(f"{control}: two verdicts for {name}")
        out[name] = Seen(e["status"], e["reason"])
    return out


def diagnostics(doc: dict[str, Any]) -> list[str]:
    return [f"{d.get('where', '')}: {d.get('message', '')}" for d in doc["diagnostics"]]
