"""Ctrl-C during `fix apply --yes`, for real: the command runs as a child process against
the emulator and gets SIGINT while the emulator holds one of its requests (no sleeping: the
emulator's request hook is the synchronisation point, and it lets the request through only
once the child has said it saw the interrupt).

The first Ctrl-C lets the step in progress finish, starts no other, and ends the run
`interrupted` with the exact commands that resume or undo it (exit 130, no traceback); a
second Ctrl-C leaves at once, the step in progress `started` in the journal, as after a
crash. Either way the run resumes or rolls back to the state of before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden.remediation.journal import Journal
from sagewarden_demo.emulator import Call, Emulator
from tests.e2e.test_fix_rails import FAST, READS, live, notebook

__all__ = ["live"]  # the fixture, shared

REGION = "us-east-1"
ACK = "interrupted: finishing the steps in progress"
WAIT = 60  # seconds: only a bound on a broken child, never reached when it works


def _status(sm: Any, name: str) -> tuple[str, str]:
    d = sm.describe_notebook_instance(NotebookInstanceName=name)
    return d["RootAccess"], d["NotebookInstanceStatus"]


def _journal(run_id: str | None = None) -> tuple[str, str, list[tuple[str, str, str]]]:
    """(run id, run state, [(notebook, action, step state)]) of the newest run."""
    journal = Journal(os.environ["SAGEWARDEN_DB"])
    try:
        run = journal.runs(1)[0]
        rows = journal.db.execute(
            "SELECT resource_id, action, state FROM fix_steps WHERE run_id = ? ORDER BY idx",
            (run.id,),
        ).fetchall()
        return run.id, run.state, [(r[0].rsplit("/", 1)[1], r[1], r[2]) for r in rows]
    finally:
        journal.close()


APPLY = ("fix", "apply", "--aws", "--region", REGION, "--only", "SageMaker.3", "--workers", "1")


def _stop_a(call: Call) -> bool:
    return call.operation == "StopNotebookInstance" and call.params["NotebookInstanceName"] == "a"


def _apply_interrupted(
    live: Emulator,
    presses: int,
    argv: Sequence[str] = APPLY,
    when: Callable[[Call], bool] = _stop_a,
) -> tuple[int, str, str, list[Call]]:
    """`fix apply --aws --yes` on notebooks a and b, one at a time; Ctrl-C `presses` times
    as the first request `when` accepts arrives (the StopNotebookInstance of `a`). The
    request is held until the child has acknowledged the first Ctrl-C (and, for two,
    until the child has gone)."""
    acked = threading.Event()
    gone = threading.Event()
    seen: list[Call] = []
    proc: subprocess.Popen[str] | None = None

    def hook(call: Call) -> None:
        seen.append(call)
        if proc is None or acked.is_set() or not when(call):
            return
        os.kill(proc.pid, signal.SIGINT)
        if not acked.wait(WAIT):
            raise RuntimeError("the child never acknowledged Ctrl-C")
        if presses == 2:
            os.kill(proc.pid, signal.SIGINT)
            if not gone.wait(WAIT):
                raise RuntimeError("the child did not leave at the second Ctrl-C")

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["AWS_MAX_ATTEMPTS"] = "1"
    live.on_request(hook)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sagewarden", *argv, "--yes", *FAST],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert proc.stderr is not None and proc.stdout is not None
        err: list[str] = []
        for line in proc.stderr:
            err.append(line)
            if ACK in line:
                acked.set()
        out = proc.stdout.read()
        code = proc.wait(timeout=WAIT)
        gone.set()
    finally:
        acked.set()
        gone.set()
        live.remove_hook(hook)
    return code, out, "".join(err), seen


def test_first_ctrl_c_finishes_the_step_in_progress_and_says_how_to_resume(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code: SIGINT surfaced as a KeyboardInterrupt, every queued step
    still ran (notebook b was changed too), the run stayed `running` and no run id or
    command was printed."""
    sm = live.client("sagemaker", REGION)
    notebook(sm, "a")
    notebook(sm, "b")

    code, out, err, calls = _apply_interrupted(live, presses=1)

    run_id, state, steps = _journal()
    assert code == 130, err
    assert "Traceback" not in err
    assert out == f"run {run_id}: interrupted\n"
    assert f"sagewarden: continue it: sagewarden fix apply --resume {run_id} --yes\n" in err
    assert f"sagewarden fix rollback {run_id}  (lists what it would undo" in err
    assert state == "interrupted"
    # The stop that was in flight finished and is journaled; nothing else started.
    assert [s for s in steps if s[2] != "skipped"] == [("a", "StopNotebookInstance", "done")]
    changes = [c for c in calls if c.service == "sagemaker" and not c.operation.startswith(READS)]
    assert [(c.operation, c.params.get("NotebookInstanceName")) for c in changes] == [
        ("StopNotebookInstance", "a")
    ]
    assert _status(sm, "b") == ("Enabled", "InService")

    capsys.readouterr()
    assert main(["fix", "apply", "--resume", run_id, "--yes", *FAST]) == 0
    assert _journal()[1] == "done"
    for name in ("a", "b"):
        assert _status(sm, name) == ("Disabled", "InService")


def test_second_ctrl_c_leaves_at_once_and_the_run_rolls_back(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code, which had no answer to a Ctrl-C but a KeyboardInterrupt
    (the run stayed `running`, no command was printed, b was changed)."""
    sm = live.client("sagemaker", REGION)
    notebook(sm, "a")
    notebook(sm, "b")

    code, out, err, _ = _apply_interrupted(live, presses=2)
    assert out == ""

    run_id, state, steps = _journal()
    assert code == 130, err
    assert "Traceback" not in err
    assert "stopped at once by a second Ctrl-C: the steps in progress are in doubt" in err
    assert f"sagewarden fix apply --resume {run_id} --yes" in err
    assert f"sagewarden fix rollback {run_id}" in err
    assert state == "interrupted"
    assert [s for s in steps if s[2] != "skipped"] == [("a", "StopNotebookInstance", "started")]
    assert _status(sm, "b") == ("Enabled", "InService")

    capsys.readouterr()
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 0, capsys.readouterr().err
    assert _journal()[1] == "rolled-back"
    for name in ("a", "b"):
        assert _status(sm, name) == ("Enabled", "InService")


def test_ctrl_c_while_reading_before_any_change_changes_nothing(
    live: Emulator, tmp_path: Path
) -> None:
    """Interrupted during the reads before the first change: no run, no change."""
    sm = live.client("sagemaker", REGION)
    notebook(sm, "a")
    plan = tmp_path / "plan.json"
    assert main(["fix", "plan", "--aws", "--region", REGION, "--only", "SageMaker.3",
                 "--format", "json", "--output", str(plan)]) == 0  # fmt: skip

    def describe(call: Call) -> bool:
        return call.operation == "DescribeNotebookInstance"

    code, out, err, calls = _apply_interrupted(live, 1, ["fix", "apply", str(plan)], describe)

    assert code == 130, err
    assert "Traceback" not in err
    assert out == "interrupted before any change: nothing was changed\n"
    assert [c for c in calls if not c.operation.startswith(READS)] == []
    journal = Journal(os.environ["SAGEWARDEN_DB"])
    try:
        assert journal.runs(1) == []
    finally:
        journal.close()
    assert _status(sm, "a") == ("Enabled", "InService")


def test_ctrl_c_during_a_rollback_stops_after_the_undo_in_progress(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rollback stops between two undos, stays `rolling-back`, and running it again
    finishes it. Fails on the old code (a KeyboardInterrupt: every undo still ran, or the
    rollback died without a word on how to continue)."""
    sm = live.client("sagemaker", REGION)
    notebook(sm, "a")
    notebook(sm, "b")
    assert main([*APPLY, "--yes", "-q", *FAST]) == 0
    run_id = _journal()[0]

    def undo_update(call: Call) -> bool:
        return call.operation == "UpdateNotebookInstance"

    code, out, err, calls = _apply_interrupted(live, 1, ["fix", "rollback", run_id], undo_update)

    assert code == 130, err
    assert "Traceback" not in err
    assert out == f"run {run_id}: rollback-interrupted\n"
    assert f"sagewarden: continue the rollback: sagewarden fix rollback {run_id} --yes\n" in err
    assert _journal()[1] == "rolling-back"
    undone = [c.params["NotebookInstanceName"] for c in calls if undo_update(c)]
    assert undone == ["b"]  # newest first; a's undo never started
    assert sm.describe_notebook_instance(NotebookInstanceName="a")["RootAccess"] == "Disabled"

    capsys.readouterr()
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 0, capsys.readouterr().err
    assert _journal()[1] == "rolled-back"
    for name in ("a", "b"):
        assert _status(sm, name) == ("Enabled", "InService")


def test_ctrl_c_during_an_experiment_update_then_resume_and_roll_back(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The in-place update of an inference experiment's data capture (SageMaker.24) is
    journaled like every step: the update in flight finishes, the next experiment is not
    touched, resume fixes it, rollback puts both back."""
    from tests.e2e.test_emulator_featurestore import experiment, live_endpoint

    sm = live.client("sagemaker", REGION)
    live_endpoint(sm)
    capture = {"Destination": "s3://bucket/capture"}
    for name in ("a", "b"):
        experiment(sm, name, DataStorageConfig=capture)
    key = "alias/ml-data"
    argv = ("fix", "apply", "--aws", "--region", REGION, "--only", "SageMaker.24",
            "--kms-key", key, "--workers", "1")  # fmt: skip

    def update_a(call: Call) -> bool:
        return call.operation == "UpdateInferenceExperiment" and call.params["Name"] == "a"

    code, out, err, calls = _apply_interrupted(live, 1, argv, update_a)

    run_id, state, steps = _journal()
    assert code == 130, err
    assert state == "interrupted" and out == f"run {run_id}: interrupted\n"
    assert [s for s in steps if s[2] != "skipped"] == [("a", "UpdateInferenceExperiment", "done")]
    updated = [c.params["Name"] for c in calls if c.operation == "UpdateInferenceExperiment"]
    assert updated == ["a"]

    def data(name: str) -> Any:
        return sm.describe_inference_experiment(Name=name)["DataStorageConfig"]

    assert (data("a"), data("b")) == ({**capture, "KmsKey": key}, capture)

    capsys.readouterr()
    assert main(["fix", "apply", "--resume", run_id, "--yes", *FAST]) == 0
    assert _journal()[1] == "done"
    assert data("a") == data("b") == {**capture, "KmsKey": key}
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 0, capsys.readouterr().err
    assert data("a") == data("b") == capture
