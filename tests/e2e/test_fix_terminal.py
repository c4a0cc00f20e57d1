"""`sagewarden fix` on a terminal, run as a process against the emulator: each progress
line of apply and rollback names the account and Region it acts in, and `fix runs` lines
its columns up whatever the widths of ids, states, times and counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sagewarden_demo.emulator import Emulator
from tests.helpers import cli

ACCOUNT = "123456789012"
REGION = "us-east-1"
FAST = ["--poll-interval", "0", "--timeout", "30"]
PROGRESS = re.compile(r"^sagewarden: (\[\d+/\d+\] |undo |notebook )", re.M)


@pytest.fixture
def db(aws: Emulator, tmp_path: Path) -> str:
    return str(tmp_path / "journal.sqlite3")


def notebooks(aws: Emulator, *names: str) -> None:
    sm = aws.client("sagemaker", REGION)
    for name in names:
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium",
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RootAccess="Enabled",
        )  # fmt: skip


def apply(db: str) -> str:
    """Fix SageMaker.3 in the one Region; the run's id."""
    run = cli(
        "fix", "apply", "--aws", "--region", REGION, "--only", "SageMaker.3", "--yes",
        "--db", db, *FAST,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    found = re.search(r"^run (\S+): done$", run.stdout, re.M)
    assert found, run.stdout
    return found.group(1)


def progress_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if PROGRESS.match(line)]


def test_apply_and_rollback_progress_name_account_and_region(aws: Emulator, db: str) -> None:
    notebooks(aws, "nb")
    run = cli(
        "fix", "apply", "--aws", "--region", REGION, "--only", "SageMaker.3", "--yes",
        "--db", db, *FAST,
    )  # fmt: skip
    assert run.code == 0, run.stderr
    steps = progress_lines(run.stderr)
    assert len(steps) == 6, run.stderr  # stop, wait, update, wait, start, wait
    assert all(f"nb ({ACCOUNT} {REGION}): done" in line for line in steps), steps
    run_id = re.search(r"^run (\S+): done$", run.stdout, re.M).group(1)  # type: ignore[union-attr]

    back = cli("fix", "rollback", run_id, "--yes", "--db", db, *FAST)
    assert back.code == 0, back.stderr
    undone = progress_lines(back.stderr)
    assert undone and all(f"nb ({ACCOUNT} {REGION})" in line for line in undone), back.stderr
    assert any(line.startswith("sagewarden: undo ") for line in undone)


def test_fix_runs_columns_align(aws: Emulator, db: str) -> None:
    notebooks(aws, "nb")
    first = apply(db)  # 6 steps, then rolled back: a longer state
    assert cli("fix", "rollback", first, "--yes", "--db", db, *FAST).code == 0
    notebooks(aws, *(f"nb-{n}" for n in range(2)))
    apply(db)  # 18 steps (the first notebook is fixed again): a wider count
    listing = cli("fix", "runs", "--db", db)
    assert listing.code == 0
    header, *rows = listing.stdout.splitlines()
    assert len(rows) == 2
    states = {row.split()[1] for row in rows}
    assert states == {"done", "rolled-back"}
    steps = {row.split()[2] for row in rows}
    assert len({len(s) for s in steps}) == 2, steps  # counts of different widths
    # Every left-aligned column starts under its heading, STEPS ends under its own.
    for heading in ("RUN", "STATE", "UPDATED", "MESSAGE"):
        at = header.index(heading)
        for row in rows:
            if heading == "MESSAGE" and len(row) <= at:
                continue  # no message
            assert row[at] != " " and (at == 0 or row[at - 1] == " "), (heading, header, row)
    end = header.index("STEPS") + len("STEPS")
    for row in rows:
        assert row[end - 1] != " " and row[end] == " ", (header, row)
    assert cli("fix", "runs", "--db", db, "--color", "always").stdout.count("\x1b[") >= 2
