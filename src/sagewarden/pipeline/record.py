"""After judging: record the scan in the history and push the findings to Security Hub.

The history and boto3 are imported only when used. A history that cannot be opened or
written is a warning, never a failed scan: the report itself stands.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sagewarden.diagnostics import Diagnostics, Kind
from sagewarden.runinfo import TREND_CAP, TrendPoint
from sagewarden.verdicts import Evaluation

if TYPE_CHECKING:
    from sagewarden.history import History

PUSH = "--push-security-hub"  # where push problems are said


class HistoryError(Exception):
    """The history database cannot be opened: one line naming it."""


def open_history(db: str | None) -> History:
    """The history at `db` (None: the default path), or HistoryError."""
    from sagewarden.history import History, default_path

    path = db or default_path()
    try:
        return History(path)
    except (OSError, sqlite3.Error) as exc:
        raise HistoryError(f"{path}: cannot open the history database: {exc}") from None


def record(
    db: str | None,
    evaluations: Sequence[Evaluation],
    diags: Diagnostics,
    started: datetime,
    scope: str,
) -> int | None:
    """Record the scan and return its id in the history; a history that cannot take it
    is a warning (and None)."""
    from sagewarden.history import History, default_path

    path = db or default_path()
    try:
        history = History(path)
        try:
            return history.record(evaluations, scope, started)
        finally:
            history.close()
    except (OSError, sqlite3.Error) as exc:
        diags.add(path, f"scan not recorded in the history: {exc}", Kind.WARNING)
        return None


def trend(db: str | None, scope: str, upto: int | None) -> tuple[TrendPoint, ...]:
    """The pass rates of the recorded scans of `scope` up to scan `upto`, oldest first
    (at most `TREND_CAP`); a history that cannot be read gives none."""
    from sagewarden.history import History, default_path

    try:
        history = History(db or default_path())
        try:
            rates = history.pass_rates(scope, upto, TREND_CAP)
        finally:
            history.close()
    except (OSError, sqlite3.Error):
        return ()
    return tuple(TrendPoint(at, passed, judged) for at, passed, judged in rates)


def observed_at(
    db: str | None, evaluations: Sequence[Evaluation]
) -> Callable[[Evaluation], tuple[str, str, str] | None]:
    """First and last seen from the history, for ASFF's FirstObservedAt and CreatedAt."""
    from sagewarden.finding_keys import finding_key
    from sagewarden.history import History, default_path

    try:
        history = History(db or default_path())
        seen = history.observed(finding_key(e) for e in evaluations)
        history.close()
    except (OSError, sqlite3.Error):
        seen = {}

    def lookup(e: Evaluation) -> tuple[str, str, str] | None:
        o = seen.get(finding_key(e))
        return (o.first_seen, o.last_seen, o.first_seen) if o else None

    return lookup


def push(
    evaluations: Sequence[Evaluation],
    sessions: dict[str, Any],
    profile: str | None,
    db: str | None,
    scope: str,
    diags: Diagnostics,
) -> None:
    """Security Hub import; the history keeps what was pushed, to archive what is gone.
    Without live sessions (Config data, templates) the findings go to the caller's own
    account, reached with `profile`."""
    from sagewarden import publish
    from sagewarden.finding_keys import finding_key

    if not sessions:
        sessions, problem = publish.own_session(profile)
        if problem:
            diags.add(PUSH, f"no AWS credentials: {problem}", Kind.SCOPE)
            return
    history: History | None
    try:
        history = open_history(db)
    except HistoryError as exc:
        diags.add(PUSH, f"{exc}: findings of gone resources are not archived", Kind.WARNING)
        history = None
    previous = publish.loads(history.last_push(scope)) if history else {}
    observed = history.observed(finding_key(e) for e in evaluations) if history else {}
    report = publish.push(evaluations, sessions, previous, observed)
    if history:
        try:
            history.save_push(scope, publish.dumps(report.pushed))
        except sqlite3.Error as exc:  # e.g. a read-only database: the push itself stands
            diags.add(
                PUSH,
                f"what was pushed is not remembered ({exc}): the next push cannot archive "
                "the findings of resources gone by then",
                Kind.WARNING,
            )
        history.close()
    diags.extend(report.diagnostics)
    diags.add(
        PUSH,
        f"{report.imported} findings imported, {report.archived} archived, "
        f"{report.failed} not imported, in {report.calls} BatchImportFindings calls",
        Kind.WARNING if report.failed else Kind.INFO,
    )
