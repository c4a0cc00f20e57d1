"""What a report says about the run behind it, so a reader can trust it: which scan, when,
by whom, with which tool, command line, scope, controls and parameters.

Built once by the pipeline (`pipeline.scan.run_scan`) and read by every report that states
it (the JSON report, the HTML report). The command line is kept with the values that may
be secrets replaced (`redact_command_line`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sagewarden import __version__

REDACTED = "***"
TREND_CAP = 30  # recorded scans of the same scope a report's trend shows
# Options whose values may be secrets: a template's NoEcho parameter, a Terraform variable
# marked sensitive, the external id that guards a role.
_SECRET_VALUES = ("--cfn-param", "--tf-var", "--external-id")
_SECRET_ASSIGNMENTS = ("--cfn-param", "--tf-var")  # KEY=VALUE: the key is kept


def new_scan_id() -> str:
    """A scan's id: unique without coordination (two scans may run at once)."""
    return str(uuid.uuid4())


def redact_command_line(argv: Sequence[str]) -> tuple[str, ...]:
    """The command line with the values of `_SECRET_VALUES` options replaced."""
    out: list[str] = []
    pending: str | None = None  # the option whose value is the next word
    for word in argv:
        if pending is not None:
            out.append(_redacted(pending, word))
            pending = None
            continue
        option, eq, value = word.partition("=")
        if option in _SECRET_VALUES:
            if eq:
                out.append(f"{option}={_redacted(option, value)}")
            else:
                out.append(word)
                pending = option
            continue
        out.append(word)
    return tuple(out)


def _redacted(option: str, value: str) -> str:
    if option in _SECRET_ASSIGNMENTS and "=" in value:
        return f"{value.partition('=')[0]}={REDACTED}"
    return REDACTED


@dataclass(frozen=True)
class TrendPoint:
    """One earlier scan of the same scope: when, and its pass-rate counts."""

    at: str  # ISO 8601 UTC
    passed: int
    judged: int  # passed + failed + unknown + error (not applicable, suppressed left out)


@dataclass(frozen=True)
class RunInfo:
    """The run behind a report."""

    scan_id: str
    started: datetime
    ended: datetime
    tool_version: str = __version__
    command_line: tuple[str, ...] = ()  # redacted; empty when not run from the CLI
    scope: dict[str, Any] = field(default_factory=dict)  # pipeline.scope's document
    caller: str | None = None  # the caller identity's ARN, for live and AWS Config reads
    history_scan: int | None = None  # the scan's id in the history, when recorded
    trend: tuple[TrendPoint, ...] = ()  # earlier scans of the same scope, oldest first
