"""`sagewarden demo --serve` as a child process, as a user starts it in a second terminal,
and shell commands run against it with the environment it printed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import Run

READY = "sagewarden: serving until Ctrl-C"
# Only so that a broken serve fails its test instead of hanging it: never a timing check.
GUARD = 600
SAGEWARDEN = f"{shlex.quote(sys.executable)} -m sagewarden"

# A shell that would reach somewhere else than the demo if the printed lines left them.
ELSEWHERE = {
    "AWS_PROFILE": "production",
    "AWS_ENDPOINT_URL_SAGEMAKER": "http://127.0.0.1:9",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
}


def user_environment() -> dict[str, str]:
    """The environment of a user's shell: this one, with settings that point elsewhere."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(ELSEWHERE)
    return env


@dataclass
class Served:
    proc: subprocess.Popen[str]
    exports: list[str]  # the shell lines printed on stdout
    stderr: list[str] = field(default_factory=list)
    _drain: threading.Thread | None = None

    def journey(self) -> list[str]:
        """The commands the serve said to try, each as printed."""
        return [line.strip() for line in self.stderr if line.startswith("  sagewarden ")]

    def stop(self, signum: int) -> tuple[int, str]:
        """Send `signum`; the exit status and everything said on stderr."""
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=GUARD)
        if self._drain is not None:
            self._drain.join(timeout=GUARD)
        return code, "".join(self.stderr)


def serve(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Served:
    """Start `sagewarden demo --serve ARGS` and return once it says it is serving."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sagewarden", "demo", "--serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env or user_environment(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    guard = threading.Timer(GUARD, proc.kill)
    guard.start()
    lines: list[str] = []
    try:
        for line in proc.stderr:
            lines.append(line)
            if line.rstrip("\n") == READY:
                break
    finally:
        guard.cancel()
    if not lines or lines[-1].rstrip("\n") != READY:
        proc.kill()
        raise AssertionError("demo --serve never said it was serving:\n" + "".join(lines))
    exports: list[str] = []
    while not exports or not exports[-1].startswith("unset "):
        exports.append(proc.stdout.readline().rstrip("\n"))
    served = Served(proc, exports, lines)
    # keep reading stderr so the serve never blocks on a full pipe
    served._drain = threading.Thread(target=lambda: lines.extend(proc.stderr or ()), daemon=True)
    served._drain.start()
    return served


def shell(script: str, cwd: Path, env: dict[str, str] | None = None) -> Run:
    """`script` in bash, as a user types it (`sagewarden` is this checkout's)."""
    proc = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env or user_environment(),
        timeout=GUARD,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def as_typed(command: str) -> str:
    """A printed `sagewarden ...` line with this checkout's sagewarden."""
    assert command.startswith("sagewarden "), command
    return SAGEWARDEN + command[len("sagewarden") :]
