"""Scan history in an embedded SQLite database: first seen, last seen, resolved.

Every scan is one transaction (`BEGIN IMMEDIATE` in WAL mode with a busy timeout), so two
scans writing to the same database at once are serialised by SQLite instead of corrupting
it or losing one. The database lives in the user's data directory unless `--db` or
SAGEWARDEN_DB says otherwise.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sagewarden.verdicts import Evaluation, Status

BUSY_TIMEOUT_MS = 60_000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    scope TEXT NOT NULL,
    evaluations INTEGER NOT NULL,
    failed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    key TEXT PRIMARY KEY,
    control TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_status TEXT NOT NULL,
    failing_since TEXT,
    resolved_at TEXT
);
CREATE TABLE IF NOT EXISTS results (
    scan_id INTEGER NOT NULL REFERENCES scans(id),
    finding_key TEXT NOT NULL REFERENCES findings(key),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (scan_id, finding_key)
);
CREATE INDEX IF NOT EXISTS scans_by_scope ON scans(scope, id);
CREATE TABLE IF NOT EXISTS pushes (
    scope TEXT PRIMARY KEY,
    pushed_at TEXT NOT NULL,
    findings BLOB NOT NULL
);
"""


# One statement per finding, set-based: the SET expressions see the row before the update,
# so "was FAILED, now is not" marks it resolved and "failing again" clears that.
_UPSERT_FINDING = """
INSERT INTO findings (key, control, resource_type, resource_id, resource_name, first_seen,
                      last_seen, last_status, failing_since, resolved_at)
VALUES (:key, :control, :rtype, :rid, :name, :now, :now, :status,
        CASE WHEN :failing THEN :now END, NULL)
ON CONFLICT(key) DO UPDATE SET
    last_seen = excluded.last_seen,
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


def finding_key(e: Evaluation) -> str:
    """One key per control and resource, stable across scans (and the ASFF Id's seed)."""
    r = e.resource
    where = r.arn or "|".join(x or "" for x in (r.provenance.file, r.account_id, r.region, r.id))
    return f"{e.control.id}|{r.type}|{where}"


def short_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


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
    def __init__(self, path: str) -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def record(self, evaluations: Sequence[Evaluation], scope: str, started: datetime) -> int:
        """Store one scan; returns its id."""
        now = _iso(datetime.now(timezone.utc))
        failed = sum(1 for e in evaluations if e.status is Status.FAILED)
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            cur = db.execute(
                "INSERT INTO scans (started_at, finished_at, scope, evaluations, failed) "
                "VALUES (?, ?, ?, ?, ?)",
                (_iso(started), now, scope, len(evaluations), failed),
            )
            scan_id = int(cur.lastrowid or 0)
            rows = [
                {
                    "key": finding_key(e),
                    "control": e.control.id,
                    "rtype": e.resource.type,
                    "rid": e.resource.id,
                    "name": e.resource.name,
                    "now": now,
                    "status": e.status.value,
                    "failing": e.status is Status.FAILED,
                    "scan": scan_id,
                    "reason": e.reason,
                }
                for e in evaluations
            ]
            db.executemany(_UPSERT_FINDING, rows)
            db.executemany(
                "INSERT OR REPLACE INTO results VALUES (:scan, :key, :status, :reason)", rows
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return scan_id

    def observed(self, keys: Iterable[str]) -> dict[str, Observed]:
        out: dict[str, Observed] = {}
        wanted = list(dict.fromkeys(keys))
        for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            rows = self.db.execute(
                "SELECT key, first_seen, last_seen, failing_since FROM findings "
                f"WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            out.update({key: Observed(*rest) for key, *rest in rows})
        return out

    def last_push(self, scope: str) -> bytes | None:
        """The findings last pushed to Security Hub for this scope (to archive the gone)."""
        row = self.db.execute("SELECT findings FROM pushes WHERE scope = ?", (scope,)).fetchone()
        return bytes(row[0]) if row else None

    def save_push(self, scope: str, findings: bytes) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO pushes VALUES (?, ?, ?)",
            (scope, _iso(datetime.now(timezone.utc)), findings),
        )

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

    def diff(self, old: int, new: int) -> dict[str, list[dict[str, Any]]]:
        """New, resolved and still-failing findings from scan `old` to scan `new`."""

        def failing(scan_id: int) -> dict[str, str]:
            rows = self.db.execute(
                "SELECT finding_key, reason FROM results WHERE scan_id = ? AND status = 'FAILED'",
                (scan_id,),
            ).fetchall()
            return dict(rows)

        before, after = failing(old), failing(new)
        seen_after = {
            k
            for (k,) in self.db.execute(
                "SELECT finding_key FROM results WHERE scan_id = ?", (new,)
            ).fetchall()
        }

        def describe(key: str, reason: str) -> dict[str, Any]:
            row = self.db.execute(
                "SELECT control, resource_type, resource_id, resource_name, first_seen, "
                "failing_since FROM findings WHERE key = ?",
                (key,),
            ).fetchone()
            names = (
                "control",
                "resource_type",
                "resource_id",
                "resource_name",
                "first_seen",
                "failing_since",
            )
            return {**dict(zip(names, row, strict=True)), "reason": reason}

        return {
            "new": [describe(k, r) for k, r in sorted(after.items()) if k not in before],
            "resolved": [
                {**describe(k, r), "now": "gone" if k not in seen_after else "passing"}
                for k, r in sorted(before.items())
                if k not in after
            ],
            "still_failing": [describe(k, r) for k, r in sorted(after.items()) if k in before],
        }


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
