"""The README's quick start, as a new user types it on a fresh clone: at most four
commands reach a fix dry run on the demo account.

`make demo` (which installs into .venv) is the one command not run: the clone's `.venv`
is this test run's environment. The serve is started as the README says, in the
background (a second terminal), and the rest run in one shell, in the clone.
"""

from __future__ import annotations

import re
import shlex
import signal
import sys
from pathlib import Path

from sagewarden.cli.demo_serve import journey
from sagewarden.exitstatus import ExitStatus
from tests.e2e.serving import serve, shell

README = Path(__file__).resolve().parents[2] / "README.md"


def quick_start() -> list[str]:
    """The commands of the README's quick start block, comments dropped."""
    section = README.read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the quick start has no sh block"
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(shlex.join(words))
    return commands


def test_the_quick_start_has_at_most_four_commands() -> None:
    commands = quick_start()
    assert 1 <= len(commands) <= 4, commands
    assert commands[0] == "make demo"


def test_the_quick_start_reaches_a_fix_dry_run(tmp_path: Path) -> None:
    make_demo, serving, *rest = quick_start()
    assert make_demo == "make demo"
    # the clone after `make demo`: its .venv/bin/sagewarden is this environment's
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "sagewarden").symlink_to(Path(sys.executable).parent / "sagewarden")
    program, *args = shlex.split(serving)
    assert program == ".venv/bin/sagewarden" and args[:2] == ["demo", "--serve"], serving
    served = serve(*args[2:], cwd=tmp_path)
    try:
        run = shell("\n".join(rest), tmp_path)
    finally:
        code, stderr = served.stop(signal.SIGINT)
    assert code == ExitStatus.INTERRUPTED, stderr
    # a dry run: the plan's steps, nothing applied; the fixes that are a person's: exit 3
    assert run.code == ExitStatus.INCOMPLETE, run.stderr
    assert "--yes" not in rest[-1] and " fix apply " in f" {rest[-1]} "
    assert re.search(r"^\s*\d+\. AddTags ", run.stdout, re.M), run.stdout
    assert "dry run" in (run.stdout + run.stderr).lower()
    assert "done" not in run.stdout


def test_the_readme_journey_is_the_one_the_served_demo_prints() -> None:
    """The README's journey and the served demo's are one list: the README's words, as
    typed, are the printed ones (comments aside)."""
    section = README.read_text().split("### Every command on the demo", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the journey has no sh block"
    typed = [
        shlex.split(line, comments=True)
        for line in block.group(1).replace("\\\n", " ").splitlines()
    ]
    printed = [shlex.split(line, comments=True) for line in journey()]
    assert [words for words in typed if words] == printed
