"""Scan history in an embedded SQLite database: first seen, last seen, resolved.

Every scan is one transaction (`BEGIN IMMEDIATE` in WAL mode with a busy timeout), so two
scans writing to the same database at once are serialised by SQLite instead of corrupting
it or losing one. The database lives in the user's data directory unless `--db` or
SAGEWARDEN_DB says otherwise; the demo keeps its own beside it (`demo-` + its name).

Databases written before findings had an account and region column are migrated when
opened: the columns are added and filled from each finding's key (its ARN, or the file,
account and region it was read from). Their scans keep the scope they were recorded
with, which no newer scan's scope equals, so `diff` never pairs an old scan with a new
one by itself.

An existing database that cannot be written (a read-only file, folder or file system) is
opened read-only instead, so `history`, `diff` and the first-seen dates still work: with
SQLite's ``mode=ro``, or, when not even that can run because WAL mode needs a shared-memory
file beside the database that the folder cannot take (and so no writer is at work there
either), as ``immutable``. What a read needs and the file lacks (an older schema's columns
or tables) is made up in the connection's TEMP schema, never written. Only a write fails,
with `ReadOnlyHistory` and one line saying so.
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

from sagewarden.outputs.encoding import scrub
from sagewarden.verdicts import Evaluation, Status

BUSY_TIMEOUT_MS = 60_000
# SQLite's primary result codes that mean "cannot write here" (extended codes carry
# them in the low byte): SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN.
_READ_ONLY_CODES = frozenset({3, 8, 14})
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
    resolved_at TEXT,
    account_id TEXT,
    region TEXT
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


def finding_key(e: Evaluation) -> str:
    """One key per control and resource, stable across scans (and the ASFF Id's seed)."""
    r = e.resource
    where = r.arn or "|".join(x or "" for x in (r.provenance.file, r.account_id, r.region, r.id))
    return f"{e.control.id}|{r.type}|{where}"


def key_scope(key: str) -> tuple[str | None, str | None]:
    """Account and region from a finding key (for rows written before they had columns)."""
    where = key.split("|", 2)[2] if key.count("|") >= 2 else ""
    if where.startswith("arn:"):
        parts = where.split(":")
        if len(parts) > 4:
            return parts[4] or None, parts[3] or None
        return None, None
    fields = where.rsplit("|", 3)  # file|account|region|id; a file name may hold a "|"
    if len(fields) == 4:
        return fields[1] or None, fields[2] or None
    return None, None


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


class ReadOnlyHistory(sqlite3.OperationalError):
    """A write to a history database that can only be read; the message is one line."""


def _is_read_only(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if isinstance(code, int):
        return code & 0xFF in _READ_ONLY_CODES
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


class History:
    def __init__(self, path: str) -> None:
        self.path = path
        self.read_only = False
        try:
            self.db = self._open_for_writing()
        except sqlite3.Error as exc:
            if not (_is_read_only(exc) and os.path.isfile(path)):
                raise
            self.db = self._open_read_only()
            self.read_only = True

    def _open_for_writing(self) -> sqlite3.Connection:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        return db

    def _open_read_only(self) -> sqlite3.Connection:
        uri = Path(os.path.abspath(self.path)).as_uri()
        for query in ("mode=ro", "mode=ro&immutable=1"):
            db = sqlite3.connect(
                f"{uri}?{query}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            try:
                db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                _read_only_schema(db)
            except sqlite3.Error as exc:
                db.close()
                if "immutable" in query or not _is_read_only(exc):
                    raise
                continue
            return db
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _refuse_write() -> ReadOnlyHistory:
        return ReadOnlyHistory(
            "the history database is read-only (its file, folder or file system)"
        )

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        """Add the account and region columns to a database from before they existed."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(findings)")}
        if {"account_id", "region"} <= columns:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            columns = {row[1] for row in db.execute("PRAGMA table_info(findings)")}
            for name in ("account_id", "region"):  # another process may have just done it
                if name not in columns:
                    db.execute(f"ALTER TABLE findings ADD COLUMN {name} TEXT")
            keys = [k for (k,) in db.execute("SELECT key FROM findings")]
            db.executemany(
                "UPDATE findings SET account_id = ?, region = ? WHERE key = ?",
                [(*key_scope(k), k) for k in keys],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

    def record(self, evaluations: Sequence[Evaluation], scope: str, started: datetime) -> int:
        """Store one scan; returns its id. ReadOnlyHistory when the database cannot be
        written."""
        if self.read_only:
            raise self._refuse_write()
        now = _iso(datetime.now(timezone.utc))
        failed = sum(1 for e in evaluations if e.status is Status.FAILED)
        db = self.db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise (self._refuse_write() if _is_read_only(exc) else exc) from None
        try:
            cur = db.execute(
                "INSERT INTO scans (started_at, finished_at, scope, evaluations, failed) "
                "VALUES (?, ?, ?, ?, ?)",
                (_iso(started), now, scrub(scope), len(evaluations), failed),
            )
            scan_id = int(cur.lastrowid or 0)
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
            rows = [scrub(row) for row in rows]  # SQLite text is UTF-8: no lone surrogate
            db.executemany(_UPSERT_FINDING, rows)
            db.executemany(
                "INSERT OR REPLACE INTO results VALUES (:scan, :key, :status, :reason)", rows
            )
            db.execute("COMMIT")
        except BaseException as exc:
            db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and _is_read_only(exc):
                raise self._refuse_write() from None
            raise
        return scan_id

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
            raise self._refuse_write()
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO pushes VALUES (?, ?, ?)",
                (scrub(scope), _iso(datetime.now(timezone.utc)), findings),
            )
        except sqlite3.Error as exc:
            raise (self._refuse_write() if _is_read_only(exc) else exc) from None

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
        """New, resolved and still-failing findings from scan `old` to scan `new`.

        A finding that failed in `old` but could not be read in `new` (it is ERROR there, or
        it is absent where `new` could not list its type in its account and region) is
        "not_read", never "resolved": a scope that could not be read proves nothing.
        """

        def results(scan_id: int) -> dict[str, tuple[str, str]]:
            rows = self.db.execute(
                "SELECT finding_key, status, reason FROM results WHERE scan_id = ?", (scan_id,)
            ).fetchall()
            return {key: (status, reason) for key, status, reason in rows}

        was, now = results(old), results(new)
        before = {k: reason for k, (status, reason) in was.items() if status == "FAILED"}
        after = {k: reason for k, (status, reason) in now.items() if status == "FAILED"}
        # Placeholders stand for every resource of a type that could not be listed.
        blind = self.db.execute(
            "SELECT f.control, f.account_id, f.region FROM results r "
            "JOIN findings f ON f.key = r.finding_key "
            "WHERE r.scan_id = ? AND r.status = 'ERROR' AND f.resource_id LIKE '%/*'",
            (new,),
        ).fetchall()
        names = (
            "control",
            "resource_type",
            "resource_id",
            "resource_name",
            "account_id",
            "region",
            "first_seen",
            "failing_since",
        )

        def describe(key: str, reason: str) -> dict[str, Any]:
            row = self.db.execute(
                f"SELECT {', '.join(names)} FROM findings WHERE key = ?", (key,)
            ).fetchone()
            return {**dict(zip(names, row, strict=True)), "reason": reason}

        def unread(key: str, row: dict[str, Any]) -> str | None:
            status, reason = now.get(key, ("", ""))
            if status:
                return reason if status == "ERROR" else None
            for control, account, region in blind:
                if (
                    control == row["control"]
                    and account in (None, row["account_id"])
                    and region in (None, row["region"])
                ):
                    return "its type could not be listed in its account and region"
            return None

        resolved: list[dict[str, Any]] = []
        not_read: list[dict[str, Any]] = []
        for key, reason in sorted(before.items()):
            if key in after:
                continue
            row = describe(key, reason)
            why = unread(key, row)
            if why is not None:
                not_read.append({**row, "now": why})
            else:
                resolved.append({**row, "now": "passing" if key in now else "gone"})
        return {
            "new": [describe(k, r) for k, r in sorted(after.items()) if k not in before],
            "resolved": resolved,
            "not_read": not_read,
            "still_failing": [describe(k, r) for k, r in sorted(after.items()) if k in before],
        }


def _read_only_schema(db: sqlite3.Connection) -> None:
    """What reading needs and a read-only database lacks, in the connection's TEMP schema
    (never written to the database file): the tables of a newer schema, empty, and the
    account and region columns of an older one, computed from each finding's key as the
    migration would store them. Reading the schema also proves the database can be read."""
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for statement in _SCHEMA.split(";"):
        words = statement.split()
        if words[:5] == ["CREATE", "TABLE", "IF", "NOT", "EXISTS"] and words[5] not in tables:
            db.execute(statement.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
    if "findings" not in tables:
        return
    columns = {row[1] for row in db.execute("PRAGMA main.table_info(findings)")}
    if {"account_id", "region"} <= columns:
        return
    db.create_function("sw_scope", 2, _key_scope_part, deterministic=True)
    computed = ", ".join(
        f"sw_scope(key, {i}) AS {name}"
        for i, name in enumerate(("account_id", "region"))
        if name not in columns
    )
    db.execute(f"CREATE TEMP VIEW findings AS SELECT *, {computed} FROM main.findings")


def _key_scope_part(key: object, index: object) -> str | None:
    return key_scope(str(key))[int(str(index))]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
