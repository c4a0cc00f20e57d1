"""Benchmark: the AWS Config rule handler, cold, at 50 ms a call.

Two invocations, each in a fresh Python process as a Lambda cold start is (the import of
`sagewarden.configrule` included), against the emulator behind the loopback latency proxy:

- one ConfigurationItemChangeNotification (SageMaker.1 on one notebook: one PutEvaluations);
- one ScheduledNotification over 1,000 notebooks (SageMaker.1: List pages, a Describe per
  notebook through the live collector, PutEvaluations in batches of 100).

Each prints wall time (process start to exit), the import time, the handler's time, peak
memory (the process's own high-water mark, VmHWM) and the calls made, against named targets:
a cold change notification within 1 s and 256 MB; the scheduled run within 1.5x of its
ideal time (the larger of calls x 50 ms / 16 workers and calls / the collector's default
rate of 100 a second, which binds here) and within the function's 512 MB.

Answers are recorded on a first run with no delay and replayed after 50 ms each on the
measured one (latency_proxy.py), so moto's CPU does not set the pace.

    .venv/bin/python bench/configrule.py [--notebooks 1000] [--no-replay]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency_proxy import LatencyProxy
from sagewarden.sources.aws.limits import DEFAULT_MAX_RATE, DEFAULT_MAX_WORKERS
from sagewarden_demo.emulator import Emulator

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution"
RULE_ARN = f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-0123456"
NOTIFIED = "2026-11-21T09:00:00.000Z"
CHANGE_SECONDS, CHANGE_MB = 1.0, 256
PERIODIC_RATIO, FUNCTION_MB = 1.5, 512  # the deploy templates' MemorySize

# The Lambda runtime's part: import the handler, call it once with the event, report.
DRIVER = """
import json, sys, time
started = time.perf_counter()
from sagewarden.configrule import handler
imported = time.perf_counter()
class Context:
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:sagewarden"
    def get_remaining_time_in_millis(self):
        return 900000
with open(sys.argv[1], encoding="utf-8") as f:
    event = json.load(f)
answer = handler(event, Context())
done = time.perf_counter()
try:  # this process's own high-water mark (ru_maxrss would count the forking parent's)
    with open("/proc/self/status", encoding="ascii") as f:
        peak = next(int(x.split()[1]) / 1024 for x in f if x.startswith("VmHWM:"))
except (OSError, StopIteration):
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
figures = {"import": imported - started, "handler": done - imported, "answer": answer,
           "peak_mb": peak}
sys.stderr.write(json.dumps(figures) + "\\n")
"""


def rule_event(invoking: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps({"control": "SageMaker.1"}),
        "resultToken": "bench-token",
        "eventLeftScope": False,
        "configRuleArn": RULE_ARN,
        "configRuleName": "sagewarden-sagemaker-1",
        "accountId": ACCOUNT,
    }


def change_event() -> dict[str, Any]:
    item = {
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": "2026-11-20T06:12:41.379Z",
        "configurationItemStatus": "OK",
        "awsAccountId": ACCOUNT,
        "awsRegion": REGION,
        "resourceType": "AWS::SageMaker::NotebookInstance",
        "resourceId": "nb-0000",
        "resourceName": "nb-0000",
        "ARN": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/nb-0000",
        "configuration": {
            "NotebookInstanceName": "nb-0000",
            "InstanceType": "ml.t3.medium",
            "RoleArn": ROLE,
            "DirectInternetAccess": "Enabled",
        },
        "tags": {},
        "relationships": [],
        "relatedEvents": [],
    }
    return rule_event(
        {
            "configurationItem": item,
            "notificationCreationTime": NOTIFIED,
            "messageType": "ConfigurationItemChangeNotification",
            "recordVersion": "1.3",
        }
    )


def scheduled_event() -> dict[str, Any]:
    return rule_event(
        {
            "awsAccountId": ACCOUNT,
            "notificationCreationTime": NOTIFIED,
            "messageType": "ScheduledNotification",
            "recordVersion": "1.0",
        }
    )


def build(emulator: Emulator, notebooks: int) -> None:
    sm = emulator.client("sagemaker", region=REGION)
    for i in range(notebooks):
        sm.create_notebook_instance(
            NotebookInstanceName=f"nb-{i:04d}", InstanceType="ml.t3.medium", RoleArn=ROLE
        )


def invoke(event_file: Path, env: dict[str, str]) -> dict[str, Any]:
    """One cold invocation: wall time, peak memory and the driver's own figures."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(event_file)],
        env=env,
        stdout=subprocess.DEVNULL,  # the handler's log lines
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the handler failed:\n{err}")
    figures: dict[str, Any] = json.loads(err.strip().splitlines()[-1])
    figures.update(wall=wall, cpu=usage.ru_utime + usage.ru_stime)
    return figures


def measure(
    proxy: LatencyProxy, event_file: Path, env: dict[str, str], replay: bool, latency: float
) -> tuple[dict[str, Any], Counter[str]]:
    if replay:
        proxy.delay, proxy.recording, proxy.replaying = 0.0, True, False
        invoke(event_file, env)
        proxy.delay, proxy.recording, proxy.replaying = latency, False, True
    proxy.calls.clear()
    figures = invoke(event_file, env)
    return figures, Counter(proxy.calls)


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--notebooks", type=int, default=1000)
    ap.add_argument("--no-replay", action="store_true")
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    replay = not args.no_replay
    with Emulator() as emulator, tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        build(emulator, args.notebooks)
        built = time.perf_counter() - t
        print(f"built {args.notebooks} notebooks in {built:.1f}s", file=sys.stderr)
        proxy = LatencyProxy(emulator.endpoint_url, args.latency).start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=proxy.url,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_REGION=REGION,
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        change_file, scheduled_file = Path(tmp) / "change.json", Path(tmp) / "scheduled.json"
        change_file.write_text(json.dumps(change_event()), encoding="utf-8")
        scheduled_file.write_text(json.dumps(scheduled_event()), encoding="utf-8")
        change, change_calls = measure(proxy, change_file, env, replay, args.latency)
        periodic, periodic_calls = measure(proxy, scheduled_file, env, replay, args.latency)
        proxy.stop()
    mode = "live emulator" if args.no_replay else f"replayed, {proxy.misses} misses"
    ok = change["wall"] <= CHANGE_SECONDS and change["peak_mb"] <= CHANGE_MB
    print("change notification (cold: interpreter, import, one evaluation)")
    print(
        f"  wall {change['wall']:.2f} s (import {change['import']:.2f} s, handler "
        f"{change['handler']:.2f} s; CPU {change['cpu']:.2f} s), peak "
        f"{change['peak_mb']:.0f} MB; target <= "
        f"{CHANGE_SECONDS:.0f} s and <= {CHANGE_MB} MB  {verdict(ok)}"
    )
    print(f"  calls {sum(change_calls.values())}: {dict(sorted(change_calls.items()))}")
    made = sum(periodic_calls.values())
    ideal = max(made * args.latency / DEFAULT_MAX_WORKERS, made / DEFAULT_MAX_RATE)
    ok = periodic["wall"] <= PERIODIC_RATIO * ideal and periodic["peak_mb"] <= FUNCTION_MB
    print(f"scheduled run over {args.notebooks:,} notebooks (cold)")
    print(
        f"  wall {periodic['wall']:.2f} s (handler {periodic['handler']:.2f} s; CPU "
        f"{periodic['cpu']:.2f} s), peak "
        f"{periodic['peak_mb']:.0f} MB, {periodic['answer'].get('evaluations')} evaluations"
    )
    print(
        f"  ideal max(calls x {args.latency * 1000:.0f} ms / {DEFAULT_MAX_WORKERS}, calls / "
        f"{DEFAULT_MAX_RATE:.0f} per s) = {ideal:.2f} s; ratio {periodic['wall'] / ideal:.2f} "
        f"(target <= {PERIODIC_RATIO}) and <= {FUNCTION_MB} MB  {verdict(ok)}"
    )
    print(f"  calls {made}: {dict(sorted(periodic_calls.items()))}")
    print(
        f"answers          {mode}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
