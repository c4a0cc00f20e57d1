"""`sagewarden demo --serve` as a user runs it: the serve in one terminal, and in another
the printed environment sourced and the printed commands pasted one by one."""

from __future__ import annotations

import re
import shlex
import signal
import socket
from collections import Counter
from pathlib import Path
from typing import Any

from sagewarden.cli.demo import DEMO_ACCOUNT, DEMO_REGIONS
from sagewarden.exitstatus import ExitStatus
from tests.e2e.serving import ELSEWHERE, SAGEWARDEN, as_typed, serve, shell
from tests.helpers import Run, cli


def _run(env_file: Path, command: str, cwd: Path) -> Run:
    return shell(f". {env_file} && {as_typed(command)}", cwd)


def _state(env_file: Path, cwd: Path) -> dict[tuple[str, str, str], str]:
    """Every verdict of the served estate's default region, read without recording."""
    run = shell(f". {env_file} && {SAGEWARDEN} scan --aws --format json --no-history", cwd)
    assert run.code in (0, 1), run.stderr
    doc = run.json()
    return {
        (e["control"], e["resource_name"], e["source"]["region"]): e["status"]
        for e in doc["evaluations"]
    }


def _failed(state: dict[Any, str]) -> int:
    return Counter(state.values())["FAILED"]


def test_every_command_of_the_journey_works_on_the_served_demo(tmp_path: Path) -> None:
    env_file = tmp_path / "demo.env"
    served = serve("--env-file", str(env_file), cwd=tmp_path)
    try:
        # the lines on stdout are the file's, and a shell takes them
        assert env_file.read_text() == "".join(f"{line}\n" for line in served.exports)
        exports = dict(
            re.fullmatch(r"export (\w+)=(.*)", line).groups()  # type: ignore[union-attr]
            for line in served.exports[:-1]
        )
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", exports["AWS_ENDPOINT_URL"])
        assert exports["AWS_DEFAULT_REGION"] == DEMO_REGIONS[0]
        db = exports["SAGEWARDEN_DB"]
        assert set(ELSEWHERE) <= set(served.exports[-1].split()[1:])
        journey = served.journey()
        assert [c.split("  #")[0].split()[:3] for c in journey] == [
            ["sagewarden", "scan", "--aws"],
            ["sagewarden", "fix", "plan"],
            ["sagewarden", "fix", "apply"],
            ["sagewarden", "fix", "apply"],
            ["sagewarden", "fix", "runs"],
            ["sagewarden", "scan", "--aws"],
            ["sagewarden", "history"],
            ["sagewarden", "diff"],
            ["sagewarden", "fix", "rollback"],
            ["sagewarden", "fix", "apply"],
        ]
        scan, plan, dry, apply, runs, rescan, history, diff, rollback, rebuild = journey

        # the shell's own AWS settings (a profile, another endpoint) are not used
        first = _run(env_file, scan, tmp_path)
        assert first.code == ExitStatus.FAILED, first.stderr
        assert f"{DEMO_ACCOUNT}/{DEMO_REGIONS[0]}" in first.stdout
        before = _state(env_file, tmp_path)
        assert _failed(before) > 0

        run = _run(env_file, plan, tmp_path)
        assert run.code == ExitStatus.SUCCESS, run.stderr
        assert "AddTags" in run.stdout

        # the dry run changes nothing; some fixes are a person's (blocked): exit 3
        run = _run(env_file, dry, tmp_path)
        assert run.code == ExitStatus.INCOMPLETE, run.stderr
        assert "not fixed by sagewarden" in run.stderr.lower()
        assert _state(env_file, tmp_path) == before
        assert "--yes" not in dry

        run = _run(env_file, apply, tmp_path)
        assert run.code == ExitStatus.INCOMPLETE, run.stderr
        assert re.search(r"\] AddTags \S+.*: done", run.stderr), run.stderr
        fixed = _state(env_file, tmp_path)
        assert _failed(fixed) < _failed(before)

        run = _run(env_file, runs, tmp_path)
        assert run.code == ExitStatus.SUCCESS, run.stderr
        (run_id,) = re.findall(r"^(\S+-\w+)\s+done\s", run.stdout, re.M)

        assert _run(env_file, rescan, tmp_path).code == ExitStatus.FAILED
        # history and diff: the two recorded scans of this estate, in its own database
        run = _run(env_file, history, tmp_path)
        assert run.code == ExitStatus.SUCCESS, run.stderr
        counts = [int(n) for n in re.findall(r"(\d+) failed", run.stdout)]
        assert counts == [_failed(fixed), _failed(before)], run.stdout  # newest first
        run = _run(env_file, diff, tmp_path)
        assert run.code == ExitStatus.SUCCESS, run.stderr
        assert "resolved" in run.stdout.lower()
        assert Path(db).is_file()

        run = _run(env_file, rollback.replace("RUN_ID", run_id), tmp_path)
        assert run.code == ExitStatus.SUCCESS, run.stderr
        assert _state(env_file, tmp_path) == before
        run = _run(env_file, runs, tmp_path)
        assert re.search(rf"^{run_id}\s+rolled-back\s", run.stdout, re.M), run.stdout

        # then the notebooks too: rebuilt, volumes backed up to the demo's bucket
        run = _run(env_file, rebuild, tmp_path)
        assert run.code == ExitStatus.INCOMPLETE, run.stderr
        after = _state(env_file, tmp_path)
        assert after[("SageMaker.2", "research-sandbox-sw1", DEMO_REGIONS[0])] == "PASSED"
        assert _failed(after) < _failed(fixed)
    finally:
        code, stderr = served.stop(signal.SIGINT)
    # Ctrl-C: a clean stop, what the demo made is gone
    assert code == ExitStatus.INTERRUPTED, stderr
    assert stderr.endswith("sagewarden: demo stopped (interrupted)\n"), stderr
    assert "Traceback" not in stderr
    assert not env_file.exists()
    assert not Path(db).parent.exists()


def test_sigterm_stops_the_served_demo_with_success(tmp_path: Path) -> None:
    db = tmp_path / "it's mine.sqlite3"  # quoted for the shell
    served = serve("--db", str(db), cwd=tmp_path)
    try:
        assert f"export SAGEWARDEN_DB={shlex.quote(str(db))}" in served.exports
        script = "; ".join(served.exports) + f"; {SAGEWARDEN} scan --aws --format json"
        run = shell(script, tmp_path)
        assert run.code == ExitStatus.FAILED, run.stderr
        assert {e["source"]["account_id"] for e in run.json()["evaluations"]} == {DEMO_ACCOUNT}
    finally:
        code, stderr = served.stop(signal.SIGTERM)
    assert code == ExitStatus.SUCCESS, stderr
    assert stderr.endswith("sagewarden: demo stopped\n"), stderr
    assert db.is_file()  # the user's own database is kept, and has the scan


def test_the_demo_ignores_the_shells_aws_settings() -> None:
    """A profile that is not in the config file, another endpoint: the demo (which sets
    its own environment before moto loads) still scans only its emulator."""
    run = cli("demo", "--control", "SageMaker.7", "--format", "json", env=ELSEWHERE)
    assert run.code == ExitStatus.SUCCESS, run.stderr
    assert {e["source"]["account_id"] for e in run.json()["evaluations"]} == {DEMO_ACCOUNT}


def test_a_port_in_use_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = cli("demo", "--serve", "--port", str(port), cwd=tmp_path)
    assert run.code == ExitStatus.BAD_INPUT
    assert run.stderr.startswith(f"sagewarden: --port {port}: "), run.stderr
    assert len(run.stderr.splitlines()) == 1
    assert run.stdout == ""


def test_a_command_after_demo_is_a_usage_error_that_points_at_serve() -> None:
    run = cli("demo", "fix", "plan")
    assert run.code == ExitStatus.BAD_INPUT
    assert run.stderr.count("\n") == 1, run.stderr
    assert "'fix'" in run.stderr and "sagewarden demo --serve" in run.stderr
    assert run.stdout == ""


def test_serve_takes_only_its_own_options() -> None:
    run = cli("demo", "--serve", "--format", "json")
    assert run.code == ExitStatus.BAD_INPUT
    assert "--format" in run.stderr and run.stderr.count("\n") == 1, run.stderr
    assert run.stdout == ""
