"""The fix journal: what a run will touch, as it was, and how far the run got.

It lives in the history database (SQLite, WAL, busy timeout) so a killed run can be
resumed or rolled back from any machine that has the file. Every backup is written, and
committed, before the first change; every step is marked `started` before its call and
`done` after it, so a crash leaves at most one step in doubt, and every step is written
to be safe to run again.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from sagewarden.history_store import BUSY_TIMEOUT_MS
from sagewarden.outputs.encoding import dumps

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fix_runs (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state TEXT NOT NULL,
    plan BLOB NOT NULL,
    options BLOB NOT NULL,
    message TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS fix_backups (
    run_id TEXT NOT NULL REFERENCES fix_runs(id),
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    describe BLOB,
    tags BLOB,
    taken_at TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS fix_steps (
    run_id TEXT NOT NULL REFERENCES fix_runs(id),
    idx INTEGER NOT NULL,
    resource_id TEXT NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    result BLOB,
    error TEXT,
    started_at TEXT,
    finished_at TEXT,
    PRIMARY KEY (run_id, idx)
);
"""

# Run states: the run's last word, shown by `fix runs`.
RUNNING = "running"  # changing AWS (or killed while it was)
FAILED = "failed"  # stopped at a failing step or verification: resume or roll back
INTERRUPTED = "interrupted"  # stopped by Ctrl-C: resume or roll back
DONE = "done"  # every step done and verified
ROLLING_BACK = "rolling-back"
ROLLED_BACK = "rolled-back"
ROLLBACK_FAILED = "rollback-failed"

# Step states.
STARTED = "started"
STEP_DONE = "done"
SKIPPED = "skipped"
STEP_FAILED = "failed"
UNDONE = "undone"


@dataclass(frozen=True)
class RunRow:
    id: str
    created_at: str
    updated_at: str
    state: str
    message: str
    steps_done: int
    steps_total: int


@dataclass(frozen=True)
class Backup:
    key: str
    kind: str
    describe: dict[str, Any] | None
    tags: list[dict[str, str]] | None


def backup_key(kind: str, account: str | None, region: str | None, name: str) -> str:
    """A backup's key: the same name is another resource in another account or region."""
    return f"{kind}|{account or ''}|{region or ''}|{name}"


def dependents_key(resource_id: str) -> str:
    """The key of what used a resource before the run (endpoints, schedules, configs)."""
    return f"dependents|{resource_id}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(3)}"


class Journal:
    def __init__(self, path: str) -> None:
        self.path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(_SCHEMA)
        self._claims: dict[str, int] = {}
        if os.name == "posix":
            os.chmod(path, 0o600)  # it holds full Describe output of the account

    def close(self) -> None:
        for fd in self._claims.values():
            os.close(fd)
        self._claims.clear()
        self.db.close()

    def claim(self, run_id: str) -> bool:
        """Hold a run for this process (an OS lock on a file beside the database, released
        when the process ends, however it ends). False if another process holds it."""
        if run_id in self._claims:
            return True
        fd = os.open(f"{self.path}.{run_id}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._claims[run_id] = fd
        return True

    # -- runs ------------------------------------------------------------------------------

    def create_run(self, plan: dict[str, Any], options: dict[str, Any]) -> str:
        run_id = new_run_id()
        now = _now()
        self.db.execute(
            "INSERT INTO fix_runs (id, created_at, updated_at, state, plan, options) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, now, now, RUNNING, dumps(plan), dumps(options)),
        )
        return run_id

    def set_state(self, run_id: str, state: str, message: str = "") -> None:
        self.db.execute(
            "UPDATE fix_runs SET state = ?, message = ?, updated_at = ? WHERE id = ?",
            (state, message, _now(), run_id),
        )

    def run(self, run_id: str) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
        """(state, plan, options) of a run, or None."""
        row = self.db.execute(
            "SELECT state, plan, options FROM fix_runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None:
            return None
        return str(row[0]), orjson.loads(row[1]), orjson.loads(row[2])

    def runs(self, limit: int = 50) -> list[RunRow]:
        rows = self.db.execute(
            "SELECT r.id, r.created_at, r.updated_at, r.state, r.message, "
            "(SELECT COUNT(*) FROM fix_steps s WHERE s.run_id = r.id AND s.state IN "
            "('done', 'skipped')), "
            "json_array_length(json_extract(r.plan, '$.order')) "
            "FROM fix_runs r ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            RunRow(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]), int(r[6] or 0))
            for r in rows
        ]

    # -- backups ---------------------------------------------------------------------------

    def save_backups(self, run_id: str, backups: list[Backup]) -> None:
        """All at once, in one transaction: before the first change."""
        now = _now()
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR IGNORE INTO fix_backups (run_id, key, kind, describe, tags, taken_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        b.key,
                        b.kind,
                        None if b.describe is None else dumps(b.describe),
                        None if b.tags is None else dumps(b.tags),
                        now,
                    )
                    for b in backups
                ],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def backups(self, run_id: str) -> dict[str, Backup]:
        rows = self.db.execute(
            "SELECT key, kind, describe, tags FROM fix_backups WHERE run_id = ?", (run_id,)
        ).fetchall()
        return {
            r[0]: Backup(
                r[0],
                r[1],
                None if r[2] is None else orjson.loads(r[2]),
                None if r[3] is None else orjson.loads(r[3]),
            )
            for r in rows
        }

    # -- steps -----------------------------------------------------------------------------

    def step_started(self, run_id: str, idx: int, resource_id: str, action: str) -> None:
        self.db.execute(
            "INSERT INTO fix_steps (run_id, idx, resource_id, action, state, started_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, idx) DO UPDATE SET "
            "state = excluded.state, started_at = excluded.started_at, error = NULL",
            (run_id, idx, resource_id, action, STARTED, _now()),
        )

    def mark_skipped(self, run_id: str, steps: list[tuple[int, str, str]]) -> None:
        """The steps of refused or blocked resources, in one transaction."""
        now = _now()
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR REPLACE INTO fix_steps (run_id, idx, resource_id, action, state, "
                "started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, i, rid, action, SKIPPED, now, now) for i, rid, action in steps],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def step_finished(
        self,
        run_id: str,
        idx: int,
        state: str,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        self.db.execute(
            "UPDATE fix_steps SET state = ?, result = COALESCE(?, result), error = ?, "
            "finished_at = ? WHERE run_id = ? AND idx = ?",
            (
                state,
                None if result is None else dumps(result),
                error,
                _now(),
                run_id,
                idx,
            ),
        )

    def steps(self, run_id: str) -> dict[int, tuple[str, dict[str, Any] | None, str | None]]:
        """idx -> (state, result, error) for every step the run has reached."""
        rows = self.db.execute(
            "SELECT idx, state, result, error FROM fix_steps WHERE run_id = ?", (run_id,)
        ).fetchall()
        return {
            int(r[0]): (str(r[1]), None if r[2] is None else orjson.loads(r[2]), r[3]) for r in rows
        }
