"""Scan history: first seen, last seen, resolved; diff between scans; concurrent writers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "config-snapshot.json"


def snapshot(tmp_path: Path, mutate: Any = None) -> str:
    doc = json.loads(EXAMPLE.read_text())
    if mutate:
        mutate(doc["configurationItems"])
    path = tmp_path / "snapshot.json"  # the same path: the same scope
    path.write_text(json.dumps(doc))
    return str(path)


def item(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(i for i in items if i.get("resourceName") == name)


def scan(db: Path, path: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["scan", path, "--db", str(db), "--format", "json", "--fail-on", "never"])
    capsys.readouterr()


def diff(db: Path, capsys: pytest.CaptureFixture[str], *ids: str) -> dict[str, Any]:
    assert main(["diff", "--db", str(db), "--format", "json", *ids]) == 0
    return json.loads(capsys.readouterr()[0])


def names(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["control"], r["resource_name"]) for r in rows}


def test_resources_added_fixed_and_deleted_across_scans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "history.sqlite3"
    scan(db, snapshot(tmp_path), capsys)

    def change(items: list[dict[str, Any]]) -> None:
        item(items, "research-sandbox")["configuration"]["RootAccess"] = "Disabled"  # fixed
        items.remove(item(items, "summarizer"))  # deleted
        new = json.loads(json.dumps(item(items, "untagged-image")))
        new.update(
            resourceName="another-image",
            resourceId="another-image",
            ARN=new["ARN"].replace("untagged-image", "another-image"),
        )
        new["configuration"]["ImageName"] = "another-image"
        items.append(new)  # added, failing

    scan(db, snapshot(tmp_path, change), capsys)
    changes = diff(db, capsys)
    assert names(changes["new"]) == {("SageMaker.7", "another-image")}
    assert names(changes["resolved"]) == {
        ("SageMaker.3", "research-sandbox"),
        ("SageMaker.5", "summarizer"),
    }
    now = {r["resource_name"]: r["now"] for r in changes["resolved"]}
    assert now == {"research-sandbox": "passing", "summarizer": "gone"}
    assert ("SageMaker.1", "research-sandbox") in names(changes["still_failing"])
    still = next(r for r in changes["still_failing"] if r["control"] == "SageMaker.1")
    assert still["first_seen"] == still["failing_since"]

    assert main(["history", "--db", str(db), "--format", "json"]) == 0
    scans = json.loads(capsys.readouterr()[0])["scans"]
    assert [s["id"] for s in scans] == [2, 1]
    assert scans[0]["failed"] == scans[1]["failed"] - 1  # one fixed, one deleted, one added
    assert diff(db, capsys, "1", "2") == changes | {"from": 1, "to": 2}


def test_diff_needs_two_scans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite3"
    assert main(["diff", "--db", str(db)]) == 2
    assert "diff needs two scans" in capsys.readouterr()[1]
    scan(db, snapshot(tmp_path), capsys)
    assert main(["diff", "--db", str(db), "1", "9"]) == 2
    assert "no scan 9" in capsys.readouterr()[1]


def test_two_scans_writing_at_once_both_land(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    path = snapshot(tmp_path)
    cmd = [
        sys.executable,
        "-m",
        "sagewarden",
        "scan",
        path,
        "--db",
        str(db),
        "--format",
        "json",
        "--output",
        str(tmp_path / "out.json"),
        "--fail-on",
        "never",
    ]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    import sqlite3

    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM scans").fetchone()[0] == 4
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    per_scan = con.execute("SELECT COUNT(*) FROM results GROUP BY scan_id").fetchall()
    assert [n for (n,) in per_scan] == [37, 37, 37, 37]


def test_no_history_and_unwritable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    main(["scan", str(EXAMPLE), "--db", str(db), "--no-history", "--format", "json"])
    capsys.readouterr()
    assert not db.exists()
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main(
        [
            "scan",
            str(EXAMPLE),
            "--db",
            str(blocker / "h.sqlite3"),
            "--format",
            "json",
            "--fail-on",
            "never",
        ]
    )
    err = capsys.readouterr()[1]
    assert code == 0  # a history that cannot be written is a warning, not a failed scan
    assert "scan not recorded in the history" in err


def test_asff_observed_times_come_from_the_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    path = snapshot(tmp_path)
    scan(db, path, capsys)
    main(["scan", path, "--db", str(db), "--format", "asff", "--control", "SageMaker.1"])
    findings = json.loads(capsys.readouterr()[0])["Findings"]
    assert findings
    for f in findings:
        assert f["FirstObservedAt"] == f["CreatedAt"]
        assert f["FirstObservedAt"] < f["UpdatedAt"]  # first seen by the earlier scan


@pytest.mark.parametrize("command", [["history"], ["diff"]])
def test_unopenable_history_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main([*command, "--db", str(blocker / "h.sqlite3")])
    err = capsys.readouterr()[1]
    assert code == 2
    assert err.startswith("sagewarden: ") and "cannot open the history database" in err
    assert len(err.strip().splitlines()) == 1
