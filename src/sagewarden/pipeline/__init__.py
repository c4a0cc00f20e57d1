"""The work behind every command, as a library: collect (files, live accounts), evaluate
(controls, suppressions), record (the history), push (Security Hub) and the exit status.

Typed options in, results and diagnostics out; nothing here parses a command line or
prints. Used by the `cli` package, the benchmarks and any other caller (a Lambda handler).
"""

from __future__ import annotations

from sagewarden.pipeline.evaluate import cfn_parameters, judge, load_suppressions, order
from sagewarden.pipeline.exitcode import FAIL_ON, exit_code, problem_status
from sagewarden.pipeline.live import Progress, account_sessions, scan_live
from sagewarden.pipeline.options import LiveOptions, ScanOptions
from sagewarden.pipeline.record import HistoryError, observed_at, open_history, push, record
from sagewarden.pipeline.scan import ScanOutcome, run_scan
from sagewarden.pipeline.scope import SCOPE_VERSION, scope_document, scope_text

__all__ = [
    "FAIL_ON",
    "SCOPE_VERSION",
    "HistoryError",
    "LiveOptions",
    "Progress",
    "ScanOptions",
    "ScanOutcome",
    "account_sessions",
    "cfn_parameters",
    "exit_code",
    "judge",
    "load_suppressions",
    "observed_at",
    "open_history",
    "order",
    "problem_status",
    "push",
    "record",
    "run_scan",
    "scan_live",
    "scope_document",
    "scope_text",
]
