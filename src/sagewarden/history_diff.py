"""What changed between two scans: new, resolved, still failing and not read findings.

The one rule that matters: a finding that failed and cannot be seen now is "not_read",
never "resolved". A scope that could not be read (an ERROR verdict, or a type that could
not be listed in an account and region, recorded as a `TYPE/*` placeholder) proves
nothing, and a report that called such findings fixed would hide failures.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def diff(db: sqlite3.Connection, old: int, new: int) -> dict[str, list[dict[str, Any]]]:
    """New, resolved and still-failing findings from scan `old` to scan `new`.

    A finding that failed in `old` but could not be read in `new` (it is ERROR there, or
    it is absent where `new` could not list its type in its account and region) is
    "not_read", never "resolved": a scope that could not be read proves nothing.
    """

    def results(scan_id: int) -> dict[str, tuple[str, str]]:
        rows = db.execute(
            "SELECT finding_key, status, reason FROM results WHERE scan_id = ?", (scan_id,)
        ).fetchall()
        return {key: (status, reason) for key, status, reason in rows}

    was, now = results(old), results(new)
    before = {k: reason for k, (status, reason) in was.items() if status == "FAILED"}
    after = {k: reason for k, (status, reason) in now.items() if status == "FAILED"}
    # Placeholders stand for every resource of a type that could not be listed.
    blind = db.execute(
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
        row = db.execute(
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
