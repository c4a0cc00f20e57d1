"""The run behind a report, as an auditor reads it: what was scanned, when, by whom, with
which tool, controls and parameters, and which verdicts depend on a parameter set away
from its default. Built from `RunInfo` (its scope document) and the catalog; the HTML
templates show it, escaped like every other value.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sagewarden.catalog import BY_ID, CONTROLS
from sagewarden.runinfo import RunInfo, TrendPoint

PATH_CAP = 50  # files named in the header; the rest are counted


@dataclass(frozen=True)
class ParamRow:
    """One parameter in effect for a control that ran."""

    control: str
    name: str
    value: str
    default: str
    changed: bool  # set away from its default: the control's verdicts depend on it
    security_hub: bool  # Security Hub has this parameter (False: sagewarden's addition)


@dataclass(frozen=True)
class RunView:
    scanned: list[str]  # one line per account, Config aggregator or file
    started: datetime
    ended: datetime
    caller: str
    tool_version: str
    scan_id: str
    history_scan: int | None
    command_line: str
    controls: str
    not_run: list[str]
    params: list[ParamRow]
    trend: Sequence[TrendPoint]

    @property
    def changed(self) -> list[ParamRow]:
        return [p for p in self.params if p.changed]

    @property
    def seconds(self) -> float:
        return (self.ended - self.started).total_seconds()


def run_view(info: RunInfo) -> RunView:
    scope = info.scope
    ran = [c for c in scope.get("controls") or [] if isinstance(c, str)]
    return RunView(
        scanned=_scanned(scope),
        started=info.started,
        ended=info.ended,
        caller=_caller(info),
        tool_version=info.tool_version,
        scan_id=info.scan_id,
        history_scan=info.history_scan,
        command_line=shlex.join(info.command_line) if info.command_line else "(no command line)",
        controls=_controls(ran),
        not_run=[c.id for c in CONTROLS if c.id not in ran],
        params=_params(scope.get("params") or {}),
        trend=info.trend,
    )


def _scanned(scope: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    aws = scope.get("aws")
    if isinstance(aws, dict):
        accounts = aws.get("accounts") or {}
        for account, regions in sorted(accounts.items()):
            where = "every enabled Region" if regions == ["all"] else ", ".join(regions)
            lines.append(f"AWS account {account}: {where or 'no Region'}")
        if not accounts:
            lines.append("AWS: no account could be reached")
        if aws.get("endpoint"):
            lines.append(f"AWS endpoint: {aws['endpoint']}")
    config = scope.get("config")
    if isinstance(config, dict):
        name = config.get("aggregator")
        what = f"AWS Config aggregator {name}" if name else "AWS Config recorder"
        regions = ", ".join(config.get("regions") or []) or "no Region"
        lines.append(f"{what} in account {config.get('account')}: {regions}")
    paths = [str(p) for p in scope.get("paths") or []]
    lines += [f"file: {p}" for p in paths[:PATH_CAP]]
    if len(paths) > PATH_CAP:
        lines.append(f"and {len(paths) - PATH_CAP:,} more files")
    return lines or ["nothing"]


def _caller(info: RunInfo) -> str:
    if info.caller:
        return info.caller
    if info.scope.get("aws") is None and info.scope.get("config") is None:
        return "not applicable (files only: no AWS call was made)"
    return "not known (this scan did not record the caller identity)"


def _controls(ran: list[str]) -> str:
    if len(ran) == len(CONTROLS) and set(ran) == {c.id for c in CONTROLS}:
        return f"all {len(ran)}: {ran[0]} to {ran[-1]}"
    return ", ".join(ran) if ran else "none"


def _shown(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value) if value else "(not set)"
    return str(value)


def _params(params: dict[str, Any]) -> list[ParamRow]:
    rows: list[ParamRow] = []
    for cid in sorted(params, key=lambda c: BY_ID[c].number if c in BY_ID else 0):
        values = params[cid]
        control = BY_ID.get(cid)
        if control is None or not isinstance(values, dict):
            continue
        for name, value in sorted(values.items()):
            param = control.parameter(name)
            default = param.default if param else None
            rows.append(
                ParamRow(
                    control=cid,
                    name=name,
                    value=_shown(value),
                    default=_shown(default),
                    changed=_shown(value) != _shown(default),
                    security_hub=param.security_hub if param else False,
                )
            )
    return rows
