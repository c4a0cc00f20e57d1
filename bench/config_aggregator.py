"""Benchmark: `scan --config-aggregator` over an organization of 1,000 accounts x 4 Regions
holding 200,000 SageMaker resources, beside `scan --aws --org` on the same estate, every
answer at 50 ms.

The estate has the same shape in every account and Region (a scope): 50 resources in the
mix of bench/live_scan.py, each built by live_scan's own `_create` (recorded as the
arguments it passes, for Config), plus the model and endpoint config its inference
experiments shadow. Config's side: each resource is a configuration item in the emulator's
recorder (config_service.py), read through one organization aggregator. The live side: the
same resources created in the emulator's SageMaker, read by `scan --aws --org`.

Both scans run as the real CLI in a child process, through bench/latency_proxy.py: a first
run with no delay records every answer, the measured run replays them after 50 ms each
(as AWS answers, however many calls arrive; see live_scan.py). Printed: wall time, API
calls and peak memory (the child's max RSS) of each, and the ratios against the targets:
>= 20x fewer calls, >= 10x less time, < 1 GB for the aggregator scan.

The live org scan of 200,000 resources (4,000 scopes, one AssumeRole per account) takes
about an hour and a half on a 2-core machine (20 minutes to build in moto, 35 to record the
answers, 21 for the measured run), so by default it is MEASURED on --live-accounts
accounts (same 4 Regions, same 50 per scope) and its calls and wall time are EXTRAPOLATED
linearly in the number of scopes to the full estate (about 4 minutes in all); the output
says so on every such line. `--live-accounts 1000` measures it whole (docs/performance.md
has both).

    .venv/bin/python bench/config_aggregator.py [--accounts 1000] [--live-accounts 20]
        [--max-workers 16] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency_proxy import LatencyProxy
from live_scan import MIX, ROLE, _create, _name
from sagewarden_demo.emulator import Emulator
from sagewarden_demo.emulator.config_service import delivered_item

REGIONS = ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"]
PER_SCOPE = 50  # resources in each account and Region, the two shared ones included
SHARED = [("Model", -1), ("EndpointConfig", 99999)]  # model "m", the config endpoint "e" serves
OUT = Path(__file__).resolve().parent / "out"
CALLS_TARGET, TIME_TARGET, MEMORY_TARGET_MB = 20.0, 10.0, 1024.0
CAPTURED = "2026-11-20T06:12:41.379Z"


def scope_mix() -> list[tuple[str, int]]:
    """(kind, index) of the resources of one scope: MIX's shares of PER_SCOPE less the
    shared two (largest remainder), then the shared ones."""
    n = PER_SCOPE - len(SHARED)
    exact = {k: share * n for k, share in MIX.items()}
    counts = {k: int(v) for k, v in exact.items()}
    short = n - sum(counts.values())
    for k in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[:short]:
        counts[k] += 1
    return [(k, i) for k, c in counts.items() for i in range(c)] + SHARED


class _Capture:
    """Stands for a SageMaker client: records what `_create` would send."""

    def __init__(self) -> None:
        self.sent: tuple[str, dict[str, Any]] | None = None

    def __getattr__(self, method: str) -> Callable[..., None]:
        def send(**kwargs: Any) -> None:
            self.sent = (method, kwargs)

        return send


def definition(kind: str, i: int) -> str:
    """A schedule's job definition: a data-quality definition of its own scope."""
    return _name("DataQualityJobDefinition", 0) if kind == "MonitoringSchedule" else ""


def name_of(kind: str, i: int) -> str:
    return "m" if (kind, i) == ("Model", -1) else _name(kind, i)


def create_live(sm: Any, kind: str, i: int) -> None:
    if (kind, i) == ("Model", -1):
        sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "i"})
        return
    _create(sm, kind, i, definition(kind, i))
    if (kind, i) == ("EndpointConfig", 99999):
        sm.create_endpoint(EndpointName="e", EndpointConfigName=_name(kind, i))


def config_item(account: str, region: str, kind: str, i: int) -> dict[str, Any]:
    """The resource `_create` makes, as Config records it: its create arguments as the
    configuration (CloudFormation names, bar a few renames no control here reads)."""
    capture = _Capture()
    if (kind, i) == ("Model", -1):
        capture.sent = (
            "create_model",
            {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "i"}},
        )
    else:
        _create(capture, kind, i, definition(kind, i))
    assert capture.sent is not None
    configuration = dict(capture.sent[1])
    tags = {t["Key"]: t["Value"] for t in configuration.pop("Tags", [])}
    rtype = f"AWS::SageMaker::{kind}"
    name = name_of(kind, i)
    return delivered_item(
        rtype, name, configuration, account=account, region=region, tags=tags, captured=CAPTURED
    )


# The scan is started by this small launcher, which reports the scan's own peak memory and
# CPU: a process forked straight from this one (which holds the whole estate) starts with
# this one's resident pages, and its max RSS would be ours.
LAUNCH = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:]); "
    "_, s, ru = os.wait4(p.pid, 0); "
    "print(f'LAUNCHED {ru.ru_maxrss} {ru.ru_utime + ru.ru_stime}', file=sys.stderr); "
    "sys.exit(os.waitstatus_to_exitcode(s))"
)


@dataclass
class Run:
    wall: float
    calls: int
    peak_mb: float
    cpu: float
    misses: int
    by_op: dict[str, int]


def measure(emulator: Emulator, args: list[str], latency: float, workers: int) -> Run:
    """The CLI through the proxy: recorded without delay, then replayed at `latency`."""
    proxy = LatencyProxy(emulator.endpoint_url, 0.0).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=proxy.url,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION=REGIONS[0],
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    cmd = [
        sys.executable, "-m", "sagewarden", "scan", *args, "--format", "json",
        "--output", os.devnull, "--fail-on", "never", "--quiet",
        "--max-workers", str(workers), "--db", str(OUT / "history.sqlite3"),
    ]  # fmt: skip
    proxy.recording = True
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: exit {done.returncode}\n{done.stderr[-2000:]}")
    proxy.delay, proxy.recording, proxy.replaying = latency, False, True
    proxy.calls.clear()
    started = time.perf_counter()
    launched = [sys.executable, "-c", LAUNCH, *cmd]
    done = subprocess.run(launched, env=env, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    proxy.stop()
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)}: failed\n{done.stderr[-2000:]}")
    line = [x for x in done.stderr.splitlines() if x.startswith("LAUNCHED ")][-1].split()
    calls = sum(proxy.calls.values())
    return Run(wall, calls, int(line[1]) / 1024, float(line[2]), proxy.misses, dict(proxy.calls))


def aggregator_run(accounts: int, latency: float, workers: int) -> tuple[Run, int]:
    mix = scope_mix()
    with Emulator() as emulator:
        t = time.perf_counter()
        ids = [f"{200000000000 + a}" for a in range(accounts)]
        total = 0
        for account in ids:
            for region in REGIONS:
                emulator.config.record_many(config_item(account, region, k, i) for k, i in mix)
                total += len(mix)
        config: Any = emulator.client("config", REGIONS[0])
        config.put_configuration_aggregator(
            ConfigurationAggregatorName="org",
            OrganizationAggregationSource={"RoleArn": ROLE, "AllAwsRegions": True},
        )
        took = time.perf_counter() - t
        print(f"recorded {total:,} Config items in {took:.0f}s", file=sys.stderr)
        run = measure(emulator, ["--config-aggregator", "org"], latency, workers)
    return run, total


def live_run(accounts: int, latency: float, workers: int) -> tuple[Run, int]:
    from concurrent.futures import ThreadPoolExecutor

    mix = scope_mix()
    with Emulator() as emulator:
        t = time.perf_counter()
        org = emulator.client("organizations", REGIONS[0])
        org.create_organization(FeatureSet="ALL")
        ids = ["123456789012"]
        for n in range(accounts - 1):
            made = org.create_account(Email=f"a{n}@example.com", AccountName=f"a{n}")
            ids.append(made["CreateAccountStatus"]["AccountId"])
        scopes = [(a, r) for a in ids for r in REGIONS]
        order = [(k, i) for k, i in mix if k != "MonitoringSchedule"]
        order = SHARED + [x for x in order if x not in SHARED]
        order += [(k, i) for k, i in mix if k == "MonitoringSchedule"]

        def build(scope: tuple[str, str]) -> None:
            sm = emulator.client("sagemaker", scope[1], account=scope[0])
            for k, i in order:
                create_live(sm, k, i)

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(build, scopes))
        total = len(scopes) * len(mix)
        took = time.perf_counter() - t
        print(f"created {total:,} live resources in {took:.0f}s", file=sys.stderr)
        regions = [x for r in REGIONS for x in ("--region", r)]
        run = measure(emulator, ["--aws", "--org", *regions], latency, workers)
    return run, total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--live-accounts", type=int, default=20)
    ap.add_argument("--max-workers", type=int, default=16)
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    agg, total = aggregator_run(args.accounts, args.latency, args.max_workers)
    print(f"aggregator scan: {agg}", file=sys.stderr)
    live, live_total = live_run(args.live_accounts, args.latency, args.max_workers)
    scale = args.accounts / args.live_accounts
    extrapolated = scale != 1
    live_calls, live_wall = live.calls * scale, live.wall * scale
    note = (
        f"  (EXTRAPOLATED x{scale:g} from {live_total:,} resources measured in "
        f"{args.live_accounts} accounts x {len(REGIONS)} Regions)"
        if extrapolated
        else "  (measured)"
    )
    calls_x, time_x = live_calls / agg.calls, live_wall / agg.wall
    ok = {True: "OK", False: "MISSED"}
    side = " (live side extrapolated)" if extrapolated else ""
    ms = args.latency * 1000
    ops = ", ".join(f"{op} {n}" for op, n in sorted(agg.by_op.items()))
    lines = [
        f"estate           {total:,} SageMaker resources, {args.accounts:,} accounts x "
        f"{len(REGIONS)} Regions, {PER_SCOPE} per scope; answers at {ms:.0f} ms",
        f"--config-aggregator  wall {agg.wall:.1f} s, {agg.calls:,} API calls, peak "
        f"{agg.peak_mb:.0f} MB, CPU {agg.cpu:.1f} s (replay misses {agg.misses})",
        f"                 by operation: {ops}",
        f"--aws --org measured  wall {live.wall:.1f} s, {live.calls:,} API calls, peak "
        f"{live.peak_mb:.0f} MB, CPU {live.cpu:.1f} s, {live_total:,} resources "
        f"(replay misses {live.misses})",
        "                 by operation: "
        + ", ".join(f"{op} {n}" for op, n in sorted(live.by_op.items())),
        f"--aws --org full      wall {live_wall:.0f} s, {live_calls:,.0f} API calls{note}",
        f"calls            {calls_x:.1f}x fewer (target >= {CALLS_TARGET:g}x)  "
        f"{ok[calls_x >= CALLS_TARGET]}{side}",
        f"time             {time_x:.1f}x less (target >= {TIME_TARGET:g}x)  "
        f"{ok[time_x >= TIME_TARGET]}{side}",
        f"memory           {agg.peak_mb:.0f} MB peak (target < {MEMORY_TARGET_MB:.0f} MB)  "
        f"{ok[agg.peak_mb < MEMORY_TARGET_MB]}",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
