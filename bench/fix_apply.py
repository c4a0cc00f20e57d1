"""Benchmark: `sagewarden fix apply` of SageMaker.3 on 100 notebooks, at 50 ms a call.

For each worker count: resets the emulator, creates 100 InService notebooks with root
access on, plans with the real `sagewarden fix plan --aws --only SageMaker.3 --format json`
(straight to the emulator, untimed), then times the real `sagewarden fix apply PLAN --yes
--poll-interval 0 --workers N` in a child process, through a loopback proxy that adds
50 ms to every call (stop, wait, update, wait, start, wait per notebook). Afterwards it
checks that every notebook is InService with RootAccess Disabled, and prints:

- wall time, API calls made (counted by the proxy), calls per notebook, peak in flight;
- the ideal wall time, calls x 50 ms / workers, and the ratio to it;
- the speed-up of each concurrent run over the sequential one (--workers 1).

The answers come from the live emulator (no replay: a mutating call's answer depends on
the state, so a record of another run cannot answer it). The emulator is moto, which
spends a few ms of CPU on each call in this process, in series under the GIL; at high
worker counts that, not the 50 ms, can set the pace. The emulator CPU per call is printed
so the figures can be judged.

    .venv/bin/python bench/fix_apply.py [--notebooks 100] [--workers 1,16]
"""

from __future__ import annotations

import argparse
import os
import resource as rlimit
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency_proxy import LatencyProxy
from sagewarden_demo.emulator import Emulator

OUT = Path(__file__).resolve().parent / "out"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
REGION = "us-east-1"


def _env(endpoint: str, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        SAGEWARDEN_DB=str(db),
    )
    return env


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "sagewarden", "fix", *args]


def build(emulator: Emulator, n: int) -> None:
    sm = emulator.client("sagemaker", REGION)

    def make(i: int) -> None:
        sm.create_notebook_instance(
            NotebookInstanceName=f"nb-{i:03d}",
            InstanceType="ml.t3.medium",
            RoleArn=ROLE,
            RootAccess="Enabled",
            Tags=[{"Key": "team", "Value": "ml"}],
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(make, range(n)))


def check(emulator: Emulator, n: int) -> list[str]:
    """What is wrong with the notebooks after the run (nothing, when it worked)."""
    sm = emulator.client("sagemaker", REGION)
    wrong = []
    for i in range(n):
        d = sm.describe_notebook_instance(NotebookInstanceName=f"nb-{i:03d}")
        state = (d["NotebookInstanceStatus"], d.get("RootAccess"))
        if state != ("InService", "Disabled"):
            wrong.append(f"nb-{i:03d}: {state[0]}, RootAccess {state[1]}")
    return wrong


def run_once(
    emulator: Emulator, proxy: LatencyProxy, n: int, workers: int, latency: float
) -> dict[str, Any]:
    emulator.reset()
    build(emulator, n)
    plan_file = OUT / f"fix_apply.plan.{workers}.json"
    db = OUT / f"fix_apply.{workers}.sqlite3"
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    planned = _cli("plan", "--aws", "--only", "SageMaker.3", "--format", "json", "--quiet")
    subprocess.run(
        [*planned, "--output", str(plan_file)],
        env=_env(emulator.endpoint_url, db),
        check=True,
        capture_output=True,
    )
    cmd = _cli("apply", str(plan_file), "--yes", "--poll-interval", "0")
    cmd += ["--workers", str(workers)]
    proxy.delay = latency
    proxy.calls.clear()
    proxy.peak_in_flight = 0
    emulator.clear_calls()
    cpu0 = time.process_time()
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=_env(proxy.url, db), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: list[tuple[float, str]] = []  # the CLI's progress lines, as they arrive

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append((time.perf_counter() - started, line.rstrip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    reader.join(5)
    # stages, from the progress lines: start-up and preflight (fresh reads and backups)
    # until "applying"; the steps until the last step is done; then verify and exit
    applying = next((t for t, line in lines if line.endswith("applying")), 0.0)
    last_step = max((t for t, line in lines if "] " in line and ": done" in line), default=wall)
    server_cpu = time.process_time() - cpu0  # this process: the emulator and the proxy
    out = proc.stdout.read() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        tail = "\n".join(line for _, line in lines[-20:])
        raise SystemExit(f"fix apply --workers {workers} failed:\n{out}{tail}")
    made = sum(proxy.calls.values())
    return {
        "workers": workers,
        "wall": wall,
        "stages": (applying, last_step - applying, wall - last_step),
        "calls": made,
        "by_op": dict(proxy.calls),
        "peak": proxy.peak_in_flight,
        "cpu": usage.ru_utime + usage.ru_stime,
        "server_cpu": server_cpu,
        "wrong": check(emulator, n),
        "cmd": cmd,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--notebooks", type=int, default=100)
    ap.add_argument("--workers", default="1,16", help="comma-separated worker counts")
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["SAGEWARDEN_DB"] = str(OUT / "fix_apply.sqlite3")  # never the user's home
    results = []
    with Emulator() as emulator:
        proxy = LatencyProxy(emulator.endpoint_url, args.latency).start()
        try:
            for w in counts:
                r = run_once(emulator, proxy, args.notebooks, w, args.latency)
                results.append(r)
                print(f"  --workers {w}: {r['wall']:.2f} s", file=sys.stderr)
        finally:
            proxy.stop()
    n = args.notebooks
    ms = args.latency * 1000
    print(f"command          {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"measured         {' '.join(results[0]['cmd'][1:]).replace(str(OUT) + '/', 'bench/out/')}"
    )
    print(f"notebooks        {n} InService, RootAccess Enabled -> Disabled (SageMaker.3)")
    by_op = ", ".join(f"{op} {c}" for op, c in sorted(results[0]["by_op"].items()))
    print(f"calls by op      {by_op}  (--workers {results[0]['workers']})")
    print(
        f"{'workers':>7} {'wall s':>7} {'calls':>6} {'/nb':>5} {'peak':>5} {'ideal s':>8} "
        f"{'ratio':>6} {'speed-up':>8} {'CLI cpu':>8} {'emu cpu':>8} {'ms/call':>7}  result"
    )
    base = next((r["wall"] for r in results if r["workers"] == 1), None)
    ok = True
    for r in results:
        ideal = r["calls"] * args.latency / r["workers"]
        speed = f"{base / r['wall']:.1f}x" if base else "-"
        good = not r["wrong"]
        ok &= good
        print(
            f"{r['workers']:>7} {r['wall']:>7.2f} {r['calls']:>6} {r['calls'] / n:>5.1f} "
            f"{r['peak']:>5} {ideal:>8.2f} {r['wall'] / ideal:>6.2f} {speed:>8} "
            f"{r['cpu']:>8.2f} {r['server_cpu']:>8.2f} {r['server_cpu'] / r['calls'] * 1000:>7.1f}"
            f"  {'all InService, RootAccess Disabled' if good else str(len(r['wrong'])) + ' WRONG'}"
        )
        for line in r["wrong"][:5]:
            print(f"          {line}")
    print("stages (s)       start-up + preflight (fresh reads, backups) / steps / verify + exit")
    for r in results:
        pre, steps, post = r["stages"]
        step_calls = r["calls"] - 1 - 4 * n  # less GetCallerIdentity, preflight and verify
        print(
            f"  --workers {r['workers']:<3}   {pre:6.2f} / {steps:6.2f} / {post:6.2f}   "
            f"(steps ideal {step_calls * args.latency / r['workers']:.2f}; preflight and "
            f"verify make {2 * n} calls each, ideal {2 * n * args.latency:.1f} s each in series)"
        )
    print(
        f"ideal = calls x {ms:.0f} ms / workers; ratio = wall / ideal; emu cpu = CPU of the "
        "emulator + proxy process (moto) during the run, ms/call its share per call"
    )
    maxrss = rlimit.getrusage(rlimit.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"CLI peak memory  {maxrss:,.0f} MB (largest child)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
