"""What the benchmarks that run beside Checkov share: where their files go, how a command
is timed (wall time and peak memory of a child process, cut off from the network), and
Checkov's installation (bench/out/checkov-venv on first use, or CHECKOV=/path).

Imported by bench/templates.py and bench/terraform_sources.py, run as scripts from any
directory (Python puts bench/ on the path).
"""

from __future__ import annotations

import json
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


def byte_compile_sagewarden() -> None:
    """Compile sagewarden's modules, as `pip install` does for an installed package (and did
    for Checkov's): an editable install under PYTHONDONTWRITEBYTECODE would otherwise compile
    every module from source on every run, a cost no installed copy pays."""
    import sagewarden

    package = str(Path(sagewarden.__file__).resolve().parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)


def compare_and_print(folder: Path, framework: str, repeat: int, what: str) -> None:
    """Time `sagewarden scan` (best of `repeat`, history recorded as in real use) and one
    `checkov -d --framework` on the same folder, and print both against the targets."""
    byte_compile_sagewarden()
    ours = best(
        [
            sys.executable,
            "-m",
            "sagewarden",
            "scan",
            str(folder),
            "--format",
            "json",
            "--quiet",
            "--fail-on",
            "never",
            "--db",  # the history is recorded, as in real use, but not in the user's home
            str(OUT / "history.sqlite3"),
        ],
        repeat,
    )
    checkov = checkov_path()
    version = subprocess.run(
        sandboxed([checkov, "--version"]), capture_output=True, text=True
    ).stdout
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    theirs = best(
        [
            checkov,
            "-d",
            str(folder),
            "--framework",
            framework,
            "--quiet",
            "--compact",
            "--skip-download",
            "-o",
            "json",
        ],
        1,
        env,
    )
    speedup = theirs[0] / ours[0]
    our_summary = json.loads(ours[2])["summary"]
    report = json.loads(theirs[2] or b"{}")
    their_summary = (report[0] if isinstance(report, list) else report).get("summary", {})
    print(what)
    print(
        f"sagewarden       {ours[0]:.2f} s wall (best of {repeat}), {ours[1]:,.0f} MB peak;"
        f" {our_summary['resources']:,} SageMaker resources, "
        f"{our_summary['evaluations']:,} evaluations"
    )
    print(
        f"checkov {version.strip():8} {theirs[0]:.2f} s wall, {theirs[1]:,.0f} MB peak;"
        f" {their_summary.get('resource_count', '?')} resources, "
        f"{their_summary.get('parsing_errors', '?')} parsing errors"
    )
    print(
        f"speed-up         {speedup:.1f}x (target >= {TARGET_SPEEDUP:.0f}x)"
        f"  {'OK' if speedup >= TARGET_SPEEDUP else 'MISSED'}"
    )
    print(
        f"memory           {'OK' if ours[1] < theirs[1] else 'MISSED'} (sagewarden below checkov)"
    )
