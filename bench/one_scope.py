"""Benchmark: a live scan of one account and Region, at 50 ms a call.

300 notebook instances, 300 models, 300 endpoint configs and 200 monitoring job
definitions (50 of each of the four kinds) in one account and Region of the emulator; the
real `sagewarden scan --aws --region us-east-1` runs in a child process through the
loopback proxy that adds 50 ms to every call, answered from a recording as AWS would
answer (live_scan.measure: the same proxy, replay and child process as the organization
benchmark). It prints wall time against the ideal, calls x 50 ms / workers, and the
target: within 1.3x of it.

Each configuration runs `--repeat` times (best and spread printed: the machine is shared).

    .venv/bin/python bench/one_scope.py [--max-workers 16] [--max-rate R] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live_scan import OUT, measure, populate, report, scope_calls
from sagewarden_demo.emulator import Emulator

ACCOUNT = "123456789012"
REGION = "us-east-1"
ESTATE = {
    "NotebookInstance": 300,
    "Model": 299,  # and model "m", which the endpoint configs serve
    "EndpointConfig": 300,
    "DataQualityJobDefinition": 50,
    "ModelBiasJobDefinition": 50,
    "ModelQualityJobDefinition": 50,
    "ModelExplainabilityJobDefinition": 50,
}
TARGET = 1.3  # wall time at most this times calls x latency / workers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--max-workers", type=int, default=16)
    ap.add_argument("--max-rate", type=float, default=None, help="default: the scan's own")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-replay", action="store_true")
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    jobs = [(ACCOUNT, REGION, kind, i) for kind, n in ESTATE.items() for i in range(n)]
    scan_args = ["--region", REGION, "--max-workers", str(args.max_workers)]
    if args.max_rate is not None:
        scan_args += ["--max-rate", f"{args.max_rate:g}"]
    with Emulator() as emulator:
        t = time.perf_counter()
        counts = populate(emulator, [(ACCOUNT, REGION)], jobs)
        print(
            f"built {sum(counts.values())} resources in {time.perf_counter() - t:.1f}s",
            file=sys.stderr,
        )
        runs = []
        for _ in range(args.repeat):
            run = measure(
                emulator, scan_args, args.latency, not args.no_replay, OUT / "history.sqlite3"
            )
            if run.exit_code != 0:
                print(run.stderr, file=sys.stderr)
                return 1
            runs.append(run)
    best = min(runs, key=lambda r: r.wall)
    need = 1 + scope_calls(ACCOUNT, REGION, counts)  # GetCallerIdentity, then the scope
    ideal = best.made * args.latency / args.max_workers
    rate = "the default" if args.max_rate is None else f"{args.max_rate:g}"
    print(f"resources        {sum(counts.values()):,} (one account, one region), --max-rate {rate}")
    report(best, need, sum(counts.values()), args.max_workers, args.latency)
    walls = ", ".join(f"{r.wall:.2f}" for r in runs)
    print(
        f"wall time        best {best.wall:.2f} s of {len(runs)} ({walls}); ideal calls x "
        f"{args.latency * 1000:.0f} ms / {args.max_workers} = {ideal:.2f} s; ratio "
        f"{best.wall / ideal:.2f} (target <= {TARGET})"
        f"  {'OK' if best.wall <= TARGET * ideal else 'MISSED'}"
    )
    mode = "live emulator" if args.no_replay else f"replayed, {best.misses} misses"
    print(f"answers          {mode}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
