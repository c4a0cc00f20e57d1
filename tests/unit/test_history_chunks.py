"""A scan recorded in chunks (bounded memory) stores exactly what one batch stored."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sagewarden import history
from sagewarden.pipeline import ScanOptions, run_scan

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json"


def _stored(path: Path) -> tuple[list[tuple[object, ...]], ...]:
    with sqlite3.connect(path) as db:
        findings = db.execute(
            "SELECT key, control, resource_id, last_status, failing_since IS NULL FROM findings "
            "ORDER BY key"
        ).fetchall()
        results = db.execute("SELECT * FROM results ORDER BY finding_key").fetchall()
    return findings, results


def test_chunked_record_stores_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluations = run_scan(ScanOptions(paths=(str(EXAMPLE),), record=False)).evaluations
    started = datetime(2026, 11, 20, tzinfo=timezone.utc)
    whole = history.History(str(tmp_path / "whole.sqlite3"))
    whole.record(evaluations, "scope", started)
    whole.close()
    monkeypatch.setattr(history, "_CHUNK", 7)
    assert len(evaluations) > 3 * 7
    chunked = history.History(str(tmp_path / "chunked.sqlite3"))
    chunked.record(evaluations, "scope", started)
    chunked.close()
    assert _stored(tmp_path / "chunked.sqlite3") == _stored(tmp_path / "whole.sqlite3")
    assert len(_stored(tmp_path / "chunked.sqlite3")[1]) == len(evaluations)
