"""Benchmark: ASFF, OCSF and HTML output for 100,000 verdicts.

Builds 100,000 evaluations through the real engine (notebooks, models and job definitions
across 50 accounts x 4 regions, a mix of passing, failing and suppressed), then renders
each format in its own child process and prints the render time and the process's peak
memory against the targets: each under 10 s and 1 GB.

    .venv/bin/python bench/findings.py [--verdicts 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

TARGET_SECONDS = 10.0
TARGET_MB = 1024.0

CHILD = r"""
import dataclasses, io, sys, time
from sagewarden.catalog import BY_ID
from sagewarden.diagnostics import Diagnostics
from sagewarden.params import parse_params
from sagewarden.pipeline import judge
from sagewarden.resources import Provenance, Resource, ResourceType as RT
from sagewarden.summary import summarize
from sagewarden.verdicts import Suppression
from sagewarden.outputs import asff, html, ocsf

n, fmt = int(sys.argv[1]), sys.argv[2]
resources = []
for i in range(n // 4):  # each notebook gets 4 verdicts (SageMaker.1, .2, .3, .8)
    account, region = f"{100000000000 + i % 50}", ["us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"][i % 4]
    arn = f"arn:aws:sagemaker:{region}:{account}:notebook-instance/nb-{i}"
    resources.append(Resource(RT.NOTEBOOK_INSTANCE, arn, f"nb-{i}", {
        "NotebookInstanceName": f"nb-{i}", "DirectInternetAccess": "Disabled" if i % 3 else "Enabled",
        "RootAccess": "Disabled" if i % 2 else "Enabled", "SubnetId": "subnet-1" if i % 5 else None,
        "PlatformIdentifier": "notebook-al2023-v1" if i % 4 else "notebook-al2-v3"},
        {"team": "ml"}, Provenance("aws"), account, region, arn))
params, _ = parse_params([])
controls = [BY_ID[c] for c in ("SageMaker.1", "SageMaker.2", "SageMaker.3", "SageMaker.8")]
evs = judge(resources, controls, params, [], Diagnostics(), ordered=False)  # as a scan judges
sup = Suppression("SageMaker.3", "accepted", "template")
evs = [dataclasses.replace(e, suppression=sup) if e.status.value == "FAILED" and i % 7 == 0 else e
       for i, e in enumerate(evs)]
summary = summarize(evs)
renderer = {"asff": asff.render, "ocsf": ocsf.render, "html": html.render}[fmt]
path = sys.argv[3]
with open(path, "wb") as out:  # as --output FILE does
    start = time.perf_counter()
    renderer(out, evs, summary, [])
    took = time.perf_counter() - start
import os
print(f"{len(evs)} {took:.3f} {os.path.getsize(path)}")
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--verdicts", type=int, default=100_000)
    args = ap.parse_args()
    ok = True
    for fmt in ("asff", "ocsf", "html"):
        target = os.path.join(tempfile.gettempdir(), f"sagewarden-bench.{fmt}")
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(args.verdicts), fmt, target],
            stdout=subprocess.PIPE,
            text=True,
        )
        started = time.perf_counter()
        _, status, usage = os.wait4(proc.pid, 0)
        total = time.perf_counter() - started
        out = proc.stdout.read() if proc.stdout else ""
        if os.waitstatus_to_exitcode(status) != 0:
            print(f"{fmt}: failed", file=sys.stderr)
            return 1
        count, seconds, size = out.split()
        peak = usage.ru_maxrss / 1024
        good = float(seconds) < TARGET_SECONDS and peak < TARGET_MB
        ok &= good
        print(
            f"{fmt:5} {int(count):,} verdicts rendered in {float(seconds):.2f} s "
            f"({int(size) / 1e6:.1f} MB out), peak memory {peak:,.0f} MB, "
            f"whole process {total:.1f} s  {'OK' if good else 'MISSED'} "
            f"(targets < {TARGET_SECONDS:.0f} s, < {TARGET_MB:,.0f} MB)"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
