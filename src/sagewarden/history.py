"""Scan history in an embedded SQLite database: first seen, last seen, resolved.

The database lives in the user's data directory unless `--db` or SAGEWARDEN_DB says
otherwise; the demo keeps its own beside it (`demo-` + its name). This module records
scans and answers questions about them; `history_store` opens the file (schema,
migration, read-only fallback), `history_diff` compares two scans, and `finding_keys`
names each finding.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sagewarden import history_diff
from sagewarden.finding_keys import finding_key
from sagewarden.history_store import is_read_only, open_database, refuse_write
from sagewarden.outputs.encoding import scrub, scrubbed
from sagewarden.verdicts import Evaluation, Status

_CHUNK = 10_000  # findings written per statement batch: their rows are built per chunk

# One statement per finding, set-based: the SET expressions see the row before the update,
# so "was FAILED, now is not" marks it resolved and "failing again" clears that.
_UPSERT_FINDING = """
INSERT INTO findings (key, control, resource_type, resource_id, resource_name, first_seen,
                      last_seen, last_status, failing_since, resolved_at, account_id, region)
VALUES (:key, :control, :rtype, :rid, :name, :now, :now, :status,
        CASE WHEN :failing THEN :now END, NULL, :account, :region)
ON CONFLICT(key) DO UPDATE SET
    last_seen = excluded.last_seen,
    account_id = excluded.account_id,
    region = excluded.region,
    resource_name = excluded.resource_name,
    last_status = excluded.last_status,
    failing_since = CASE WHEN :failing THEN COALESCE(findings.failing_since, :now) END,
    resolved_at = CASE
        WHEN :failing THEN NULL
        WHEN findings.last_status = 'FAILED' THEN :now
        ELSE findings.resolved_at
    END
"""


def default_path() -> str:
    if os.environ.get("SAGEWARDEN_DB"):
        return os.environ["SAGEWARDEN_DB"]
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return os.path.join(base, "sagewarden", "history.sqlite3")


def demo_path() -> str:
    """The demo's own history, beside the user's (`demo-history.sqlite3`): its emulated
    account must never mix with real scans."""
    folder, name = os.path.split(default_path())
    return os.path.join(folder, f"demo-{name}")


@dataclass(frozen=True)
class Observed:
    first_seen: str
    last_seen: str
    failing_since: str | None


@dataclass(frozen=True)
class ScanRow:
    id: int
    started_at: str
    finished_at: str
    scope: str
    evaluations: int
    failed: int


class History:
    """One history database, open for one command; read-only when it cannot be written."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.db, self.read_only = open_database(path)

    def close(self) -> None:
        self.db.close()

    def record(self, evaluations: Sequence[Evaluation], scope: str, started: datetime) -> int:
        """Store one scan; returns its id. ReadOnlyHistory when the database cannot be
        written."""
        if self.read_only:
            raise refuse_write()
        now = _iso(datetime.now(timezone.utc))
        failed = sum(1 for e in evaluations if e.status is Status.FAILED)
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise (refuse_write() if is_read_only(exc) else exc) from None
        try:
            cur = db.execute(
                "INSERT INTO scans (started_at, finished_at, scope, evaluations, failed) "
                "VALUES (?, ?, ?, ?, ?)",
                (_iso(started), now, scrub(scope), len(evaluations), failed),
            )
            scan_id = int(cur.lastrowid or 0)
            for start in range(0, len(evaluations), _CHUNK):  # bounded memory, one transaction
                self._record_rows(evaluations[start : start + _CHUNK], now, scan_id)
            db.execute("COMMIT")
        except BaseException as exc:
            db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and is_read_only(exc):
                raise refuse_write() from None
            raise
        return scan_id

    def _record_rows(self, evaluations: Sequence[Evaluation], now: str, scan_id: int) -> None:
        rows = [
            {
                "key": finding_key(e),
                "control": e.control.id,
                "rtype": e.resource.type,
                "rid": e.resource.id,
                "name": e.resource.name,
                "account": e.resource.account_id,
                "region": e.resource.region,
                "now": now,
                "status": e.status.value,
                "failing": e.status is Status.FAILED,
                "scan": scan_id,
                "reason": e.reason,
            }
            for e in evaluations
        ]
        rows = scrubbed(rows)  # SQLite text is UTF-8: no lone surrogate
        self.db.executemany(_UPSERT_FINDING, rows)
        self.db.executemany(
            "INSERT OR REPLACE INTO results VALUES (:scan, :key, :status, :reason)", rows
        )

    def observed(self, keys: Iterable[str]) -> dict[str, Observed]:
        """When each finding was seen, by the keys asked for (stored with any lone
        surrogate as U+FFFD, as `record` writes them)."""
        out: dict[str, Observed] = {}
        asked = {scrub(k): k for k in keys}
        wanted = list(asked)
        for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            rows = self.db.execute(
                "SELECT key, first_seen, last_seen, failing_since FROM findings "
                f"WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            out.update({asked[key]: Observed(*rest) for key, *rest in rows})
        return out

    def last_push(self, scope: str) -> bytes | None:
        """The findings last pushed to Security Hub for this scope (to archive the gone)."""
        row = self.db.execute(
            "SELECT findings FROM pushes WHERE scope = ?", (scrub(scope),)
        ).fetchone()
        return bytes(row[0]) if row else None

    def save_push(self, scope: str, findings: bytes) -> None:
        """Remember what was pushed. ReadOnlyHistory when the database cannot be written."""
        if self.read_only:
            raise refuse_write()
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO pushes VALUES (?, ?, ?)",
                (scrub(scope), _iso(datetime.now(timezone.utc)), findings),
            )
        except sqlite3.Error as exc:
            raise (refuse_write() if is_read_only(exc) else exc) from None

    def scans(self, limit: int = 20) -> list[ScanRow]:
        rows = self.db.execute(
            "SELECT id, started_at, finished_at, scope, evaluations, failed FROM scans "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [ScanRow(*r) for r in rows]

    def scan(self, scan_id: int) -> ScanRow | None:
        row = self.db.execute(
            "SELECT id, started_at, finished_at, scope, evaluations, failed FROM scans "
            "WHERE id = ?",
            (scan_id,),
        ).fetchone()
        return ScanRow(*row) if row else None

    def last_two(self, scope: str | None = None) -> tuple[ScanRow, ScanRow] | None:
        """The two latest scans of one scope (the latest scan's scope by default)."""
        if scope is None:
            latest = self.scans(1)
            if not latest:
                return None
            scope = latest[0].scope
        rows = self.db.execute(
            "SELECT id, started_at, finished_at, scope, evaluations, failed FROM scans "
            "WHERE scope = ? ORDER BY id DESC LIMIT 2",
            (scope,),
        ).fetchall()
        if len(rows) < 2:
            return None
        return ScanRow(*rows[1]), ScanRow(*rows[0])

    def pass_rates(
        self, scope: str, upto: int | None = None, limit: int = 30
    ) -> list[tuple[str, int, int]]:
        """(started at, passed, judged) of the latest `limit` scans of `scope` (up to scan
        `upto`), oldest first: the pass-rate trend a report draws. Judged is passed +
        failed + unknown + error, as the report's pass rate; suppression is not recorded,
        so a suppressed failure counts as failed here."""
        rows = self.db.execute(
            "SELECT s.started_at, COALESCE(SUM(r.status = 'PASSED'), 0), "
            "COALESCE(SUM(r.status IN ('PASSED', 'FAILED', 'UNKNOWN', 'ERROR')), 0) "
            "FROM (SELECT id, started_at FROM scans WHERE scope = ? AND id <= ? "
            "      ORDER BY id DESC LIMIT ?) AS s "
            "LEFT JOIN results AS r ON r.scan_id = s.id GROUP BY s.id ORDER BY s.id",
            (scrub(scope), upto if upto is not None else 2**62, limit),
        ).fetchall()
        return [(str(at), int(passed), int(judged)) for at, passed, judged in rows]

    def diff(self, old: int, new: int) -> dict[str, list[dict[str, Any]]]:
        """New, resolved, not read and still-failing findings from scan `old` to `new`."""
        return history_diff.diff(self.db, old, new)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
