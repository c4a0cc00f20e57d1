"""The run behind a JSON report, as the report states it: which scan, when, by whom, with
which tool, command line, scope, controls, parameters, filters and baseline. Its shape is
docs/report.schema.json (`SCHEMA_VERSION`); keys are added, never renamed."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sagewarden.runinfo import RunInfo

# The JSON report's schema version: the minor number grows when keys are added, the major
# one would grow if a key changed meaning or went away.
SCHEMA_VERSION = "1.0"


def run_document(
    info: RunInfo,
    filters: dict[str, list[str]] | None = None,
    baseline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The report's `run` object (RunInfo's scope document made plain)."""
    scope = info.scope
    aws = scope.get("aws") or {}
    accounts: dict[str, list[str]] = dict(aws.get("accounts") or {})
    config = scope.get("config")
    regions = {r for rs in accounts.values() for r in rs}
    if isinstance(config, dict):
        regions.update(config.get("regions") or [])
    return {
        "scan_id": info.scan_id,
        "started": _when(info.started),
        "ended": _when(info.ended),
        "tool_version": info.tool_version,
        "command_line": list(info.command_line),
        "caller": info.caller,
        "history_scan": info.history_scan,
        "scope": {
            "accounts": accounts,
            "regions": sorted(regions),
            "files": list(scope.get("paths") or []),
            "endpoint": aws.get("endpoint"),
            "config": config if isinstance(config, dict) else None,
        },
        "controls": list(scope.get("controls") or []),
        "parameters": dict(scope.get("params") or {}),
        "filters": filters or {"severity": [], "status": [], "resource": []},
        "baseline": baseline,
    }


def _when(moment: datetime) -> str:
    """ISO 8601 in UTC, to the millisecond, with a Z."""
    utc = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="milliseconds") + "Z"
