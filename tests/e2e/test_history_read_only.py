"""A history database in a read-only place: reading works, a write says so in one line.

The commands run in a child process that file permissions bind: when the tests run as
root, `setpriv` drops the capabilities that let root write anywhere (each test first
checks the child really cannot write there, so none can pass by accident).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagewarden.cli import main
from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator
from tests.e2e.test_history import EXAMPLE, OLD_SCHEMA, snapshot
from tests.helpers import Run, scan_report

_DROP = "-dac_override,-dac_read_search,-fowner,-linux_immutable"


def _prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions would not bind")
    return [setpriv, f"--bounding-set={_DROP}"]


def unprivileged(*args: str) -> Run:
    """`sagewarden ARGS` as a user whom file permissions bind."""
    proc = subprocess.run(
        [*_prefix(), sys.executable, "-m", "sagewarden", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _cannot_write(folder: Path) -> None:
    probe = subprocess.run(
        [*_prefix(), sys.executable, "-c", f"open({str(folder / 'probe')!r}, 'w')"],
        capture_output=True,
        check=False,
    )
    assert probe.returncode != 0, "the child process can still write: the test proves nothing"


def _state(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def place(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "place"
    folder.mkdir()
    yield folder
    folder.chmod(0o755)
    for p in folder.iterdir():
        p.chmod(0o644)


def _lock(folder: Path, db: Path, *, file_too: bool) -> dict[str, str]:
    assert sorted(p.name for p in folder.iterdir()) == [db.name]  # no -wal or -shm left
    if file_too:
        db.chmod(0o444)
    folder.chmod(0o555)
    _cannot_write(folder)
    return _state(folder)


@pytest.mark.parametrize("file_too", [False, True], ids=["folder", "file-and-folder"])
def test_history_and_diff_read_a_database_in_a_read_only_place(
    tmp_path: Path, place: Path, capsys: pytest.CaptureFixture[str], file_too: bool
) -> None:
    db = place / "history.sqlite3"
    path = snapshot(tmp_path)
    for _ in range(2):
        main(["scan", path, "--db", str(db), "--format", "json", "--fail-on", "never"])
    capsys.readouterr()
    before = _lock(place, db, file_too=file_too)

    listed = unprivileged("history", "--db", str(db))
    assert (listed.code, listed.stderr) == (0, "")
    assert len(listed.stdout.strip().splitlines()) == 2
    as_json = unprivileged("history", "--db", str(db), "--format", "json")
    assert [s["id"] for s in json.loads(as_json.stdout)["scans"]] == [2, 1]
    changes = unprivileged("diff", "--db", str(db), "--format", "json")
    assert changes.code == 0, changes.stderr
    doc = json.loads(changes.stdout)
    assert (doc["from"], doc["to"]) == (1, 2) and doc["still_failing"]
    assert _state(place) == before  # nothing written, nothing left beside it

    # A scan still runs and reports; not recording it is one warning line.
    scan = unprivileged("scan", path, "--db", str(db), "--format", "json", "--fail-on", "never")
    assert scan.code == 0
    assert scan_report(scan.stdout)["evaluations"]
    (line,) = scan.stderr.splitlines()
    assert line.startswith("sagewarden: ") and "scan not recorded" in line
    assert "read-only" in line
    assert _state(place) == before


def test_a_new_history_in_a_read_only_folder_is_one_line_exit_2(place: Path) -> None:
    place.chmod(0o555)
    _cannot_write(place)
    run = unprivileged("history", "--db", str(place / "new.sqlite3"))
    assert run.code == 2  # creating it is a write that is needed
    (line,) = run.stderr.splitlines()
    assert line.startswith("sagewarden: ") and "Traceback" not in run.stderr
    assert list(place.iterdir()) == []


def test_an_older_database_in_a_read_only_place_is_read_without_migrating(place: Path) -> None:
    db = place / "old.sqlite3"
    con = sqlite3.connect(db)
    con.executescript(OLD_SCHEMA.replace("CREATE TABLE pushes", "CREATE TABLE old_pushes"))
    arn = "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-sandbox"
    key = f"SageMaker.3|AWS::SageMaker::NotebookInstance|{arn}"
    for scan_id in (1, 2):
        con.execute(
            "INSERT INTO scans VALUES (?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', "
            "'{}', 1, 1)",
            (scan_id,),
        )
        con.execute(
            "INSERT OR IGNORE INTO findings VALUES (?, 'SageMaker.3', "
            "'AWS::SageMaker::NotebookInstance', ?, 'research-sandbox', '2026-01-01T00:00:00Z', "
            "'2026-01-01T00:00:00Z', 'FAILED', '2026-01-01T00:00:00Z', NULL)",
            (key, arn),
        )
        con.execute("INSERT INTO results VALUES (?, ?, 'FAILED', 'old reason')", (scan_id, key))
    con.commit()
    con.close()
    before = _lock(place, db, file_too=True)

    changes = unprivileged("diff", "--db", str(db), "--format", "json", "1", "2")
    assert changes.code == 0, changes.stderr
    (row,) = json.loads(changes.stdout)["still_failing"]
    # The account and region columns the migration would add, read from the key instead.
    assert (row["account_id"], row["region"]) == ("111122223333", "eu-west-1")
    assert unprivileged("history", "--db", str(db)).code == 0
    # ASFF reads first-seen dates from the history (and a table it lacks is empty).
    asff = unprivileged("scan", str(EXAMPLE), "--db", str(db), "--format", "asff")
    assert json.loads(asff.stdout)["Findings"]
    assert _state(place) == before


def test_a_push_with_a_read_only_history_still_imports_and_warns(
    aws: Emulator, place: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What was pushed before is read (to archive the gone); remembering this push is the
    write that cannot happen: one warning, the import itself stands."""
    estate.build(aws.client, "123456789012", ["us-east-1"])
    db = place / "history.sqlite3"
    args = ["scan", "--aws", "--region", "us-east-1", "--control", "SageMaker.5"]
    args += ["--db", str(db), "--format", "json", "--quiet", "--fail-on", "never"]
    assert main([*args, "--push-security-hub"]) == 0
    capsys.readouterr()
    aws.client("sagemaker", "us-east-1").delete_model(ModelName="summarizer")
    before = _lock(place, db, file_too=True)

    run = unprivileged(*args, "--push-security-hub")
    assert run.code == 0, run.stderr
    lines = run.stderr.splitlines()
    assert [line for line in lines if "not remembered" in line and "read-only" in line]
    notes = [d["message"] for d in scan_report(run.stdout)["diagnostics"]]
    assert any("1 archived" in note for note in notes), notes  # the earlier push was read
    assert _state(place) == before
