"""What the benchmarks that run beside Checkov share: where their files go, how a command
is timed (wall time and peak memory of a child process, cut off from the network), and
Checkov's installation (bench/out/checkov-venv on first use, or CHECKOV=/path).

Imported by bench/templates.py and bench/terraform_sources.py, run as scripts from any
directory (Python puts bench/ on the path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
TARGET_SPEEDUP = 20.0


def sandboxed(cmd: list[str]) -> list[str]:
    """Run in a fresh network namespace (loopback only) where possible: Checkov phones home
    for versions and guidelines, and no benchmark may reach outside the machine."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n", *cmd]
    return cmd


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS in MB, and what the command printed (read after it exits)."""
    cmd = sandboxed(cmd)
    with open(OUT / "stdout.tmp", "w+b") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, _, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        return wall, usage.ru_maxrss / 1024, out.read()


def checkov_path() -> str:
    if os.environ.get("CHECKOV"):
        return os.environ["CHECKOV"]
    venv = OUT / "checkov-venv"
    exe = venv / "bin" / "checkov"
    if not exe.exists():
        print("installing checkov 3.x into bench/out/checkov-venv ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "checkov>=3,<4"], check=True)
    return str(exe)


def best(
    cmd: list[str], repeat: int, env: dict[str, str] | None = None
) -> tuple[float, float, bytes]:
    runs = [measure(cmd, env) for _ in range(repeat)]
    wall = min(r[0] for r in runs)
    return wall, max(r[1] for r in runs), runs[-1][2]
