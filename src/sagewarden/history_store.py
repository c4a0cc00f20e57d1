"""The history database file: its schema, opening it, and what to do when it cannot be
written.

Every scan is one transaction (`BEGIN IMMEDIATE` in WAL mode with a busy timeout), so two
scans writing to the same database at once are serialised by SQLite instead of corrupting
it or losing one.

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

import os
import sqlite3
from pathlib import Path

from sagewarden.finding_keys import key_scope

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


class ReadOnlyHistory(sqlite3.OperationalError):
    """A write to a history database that can only be read; the message is one line."""


def is_read_only(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused because the file, folder or file system cannot be written."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if isinstance(code, int):
        return code & 0xFF in _READ_ONLY_CODES
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


def refuse_write() -> ReadOnlyHistory:
    """The error a write to a read-only history raises (one line, no SQLite jargon)."""
    return ReadOnlyHistory("the history database is read-only (its file, folder or file system)")


def open_database(path: str) -> tuple[sqlite3.Connection, bool]:
    """The database at `path` (created, or migrated, when needed) and whether it could only
    be opened read-only."""
    try:
        return _open_for_writing(path), False
    except sqlite3.Error as exc:
        if not (is_read_only(exc) and os.path.isfile(path)):
            raise
        return _open_read_only(path), True


def _open_for_writing(path: str) -> sqlite3.Connection:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.executescript(_SCHEMA)
        _migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _open_read_only(path: str) -> sqlite3.Connection:
    uri = Path(os.path.abspath(path)).as_uri()
    for query in ("mode=ro", "mode=ro&immutable=1"):
        db = sqlite3.connect(
            f"{uri}?{query}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _read_only_schema(db)
        except sqlite3.Error as exc:
            db.close()
            if "immutable" in query or not is_read_only(exc):
                raise
            continue
        return db
    raise AssertionError("unreachable")  # pragma: no cover


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
