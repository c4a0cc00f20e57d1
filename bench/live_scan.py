"""Benchmark: a live scan of 5,000 resources in 3 accounts x 2 regions, at 50 ms a call.

Builds the estate in the emulator (an organization of three accounts, every resource type,
feature groups and inference experiments included),
puts a loopback proxy in front of it that adds 50 ms to every call, runs the real
`sagewarden scan --aws --org` in a child process through the proxy, and prints:

- wall time, API calls made, calls per resource, peak calls in flight;
- the calls the read path requires (List pages + one Describe per resource where the type
  needs one + ListTags where a control reads tags + the organization and STS calls);
- the ideal wall time, calls x 50 ms / concurrency, and the ratio to it (target <= 1.5).

The emulator spends a few ms of CPU on each call (moto), which on a 2-core machine would
make it, not the scanner, the bottleneck. So the scan first runs once through the proxy
with no delay while the proxy records every response, and the measured run is answered
from that record after 50 ms each, as AWS would answer (see latency_proxy.py; calls the
record lacks still go to the emulator and are reported as misses). `--no-replay` measures
against the live emulator instead.

    .venv/bin/python bench/live_scan.py [--resources 5000] [--max-workers 16] [--no-replay]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency_proxy import LatencyProxy
from sagewarden.kinds import TAGGED_TYPES
from sagewarden.sources.aws.readpath import READ_PATHS
from sagewarden_demo.emulator import Emulator
from sidebyside import byte_compile_sagewarden

OUT = Path(__file__).resolve().parent / "out"
REGIONS = ["us-east-1", "eu-west-1"]
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
# Share of each type in the estate (sums to 1).
MIX = {
    "NotebookInstance": 0.16, "Model": 0.16, "EndpointConfig": 0.10, "AppImageConfig": 0.06,
    "Image": 0.06, "DataQualityJobDefinition": 0.06, "ModelBiasJobDefinition": 0.06,
    "ModelQualityJobDefinition": 0.06, "ModelExplainabilityJobDefinition": 0.06,
    "MonitoringSchedule": 0.08, "FeatureGroup": 0.07, "InferenceExperiment": 0.07,
}  # fmt: skip
KEY = "arn:aws:kms:us-east-1:123456789012:key/0b5e6c1d-2f3a-4b5c-8d9e-0f1a2b3c4d5e"
# An inference experiment shadows model "m" on endpoint "e" of its scope (both must exist).
VARIANTS = [
    {
        "ModelName": "m",
        "VariantName": variant,
        "InfrastructureConfig": {
            "InfrastructureType": "RealTimeInference",
            "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        },
    }
    for variant in ("v", "shadow")
]
SHADOW = {
    "SourceModelVariantName": "v",
    "ShadowModelVariants": [{"ShadowModelVariantName": "shadow", "SamplingPercentage": 10}],
}


def _job(kind: str, name: str, count: int) -> dict[str, Any]:
    app: dict[str, Any] = {"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/m:1"}
    if kind in ("ModelBias", "ModelExplainability"):
        app["ConfigUri"] = "s3://b/cfg"
    if kind == "ModelQuality":
        app["ProblemType"] = "Regression"
    job_input: dict[str, Any] = {"EndpointInput": {"EndpointName": "e", "LocalPath": "/opt/in"}}
    if kind in ("ModelBias", "ModelQuality"):
        job_input["GroundTruthS3Input"] = {"S3Uri": "s3://b/truth"}
    return {
        "JobDefinitionName": name, f"{kind}AppSpecification": app, f"{kind}JobInput": job_input,
        f"{kind}JobOutputConfig": {"MonitoringOutputs": [
            {"S3Output": {"S3Uri": "s3://b/out", "LocalPath": "/opt/out"}}]},
        "JobResources": {"ClusterConfig": {"InstanceCount": count, "InstanceType": "ml.m5.large",
                                           "VolumeSizeInGB": 20}},
        "RoleArn": ROLE, "NetworkConfig": {"EnableNetworkIsolation": count > 1},
    }  # fmt: skip


def _name(kind: str, i: int) -> str:
    return f"{kind.lower()[:12]}-{i:05d}"


def _create(sm: Any, kind: str, i: int, definition: str = "") -> None:
    name = _name(kind, i)
    if kind == "NotebookInstance":
        sm.create_notebook_instance(
            NotebookInstanceName=name,
            InstanceType="ml.t3.medium",
            RoleArn=ROLE,
            RootAccess="Disabled" if i % 2 else "Enabled",
        )
    elif kind == "Model":
        sm.create_model(
            ModelName=name,
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": "i"},
            EnableNetworkIsolation=bool(i % 2),
        )
    elif kind == "EndpointConfig":
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "v",
                    "ModelName": "m",
                    "InitialInstanceCount": 1 + i % 2,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
    elif kind == "AppImageConfig":
        sm.create_app_image_config(
            AppImageConfigName=name, Tags=[{"Key": "team", "Value": "ml"}] if i % 2 else []
        )
    elif kind == "Image":
        sm.create_image(
            ImageName=name, RoleArn=ROLE, Tags=[{"Key": "team", "Value": "ml"}] if i % 2 else []
        )
    elif kind.endswith("JobDefinition"):
        prefix = kind.removesuffix("JobDefinition")
        getattr(sm, f"create_{_snake(prefix)}_job_definition")(**_job(prefix, name, 1 + i % 3))
    elif kind == "FeatureGroup":
        online: dict[str, Any] = {"EnableOnlineStore": i % 3 != 0}
        if i % 2:
            online["SecurityConfig"] = {"KmsKeyId": KEY}
        offline = {"S3StorageConfig": {"S3Uri": "s3://b/features"}}
        sm.create_feature_group(
            FeatureGroupName=name,
            RecordIdentifierFeatureName="id",
            EventTimeFeatureName="t",
            FeatureDefinitions=[
                {"FeatureName": "id", "FeatureType": "String"},
                {"FeatureName": "t", "FeatureType": "Fractional"},
            ],
            OnlineStoreConfig=online,
            **({"OfflineStoreConfig": offline, "RoleArn": ROLE} if i % 4 else {}),
        )
    elif kind == "InferenceExperiment":
        capture = {"Destination": "s3://b/capture", **({"KmsKey": KEY} if i % 2 else {})}
        sm.create_inference_experiment(
            Name=name,
            Type="ShadowMode",
            RoleArn=ROLE,
            EndpointName="e",
            ModelVariants=VARIANTS,
            ShadowModeConfig=SHADOW,
            **({"DataStorageConfig": capture} if i % 3 else {"KmsKey": KEY}),
        )
    elif kind == "MonitoringSchedule":
        sm.create_monitoring_schedule(
            MonitoringScheduleName=name,
            MonitoringScheduleConfig={
                "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
                "MonitoringJobDefinitionName": definition,
                "MonitoringType": "DataQuality",
            },
        )


def _snake(name: str) -> str:
    return "".join(("_" + c.lower()) if c.isupper() else c for c in name).lstrip("_")


def build(emulator: Emulator, total: int) -> tuple[list[str], Counter[tuple[str, str, str]]]:
    """Create the organization and the estate; returns accounts and counts per scope/type."""
    org = emulator.client("organizations", "us-east-1")
    org.create_organization(FeatureSet="ALL")
    accounts = ["123456789012"]
    for name in ("ml-dev", "ml-prod"):
        st = org.create_account(Email=f"{name}@example.com", AccountName=name)
        accounts.append(st["CreateAccountStatus"]["AccountId"])
    scopes = [(a, r) for a in accounts for r in REGIONS]
    jobs = []
    for kind, share in MIX.items():
        for i in range(round(total * share)):
            account, region = scopes[i % len(scopes)]
            jobs.append((account, region, kind, i))
    return accounts, populate(emulator, scopes, jobs)


def populate(
    emulator: Emulator, scopes: list[tuple[str, str]], jobs: list[tuple[str, str, str, int]]
) -> Counter[tuple[str, str, str]]:
    """Create each (account, region, kind, i) resource; returns counts per scope/type.
    Endpoint configs serve model "m", created (and counted) in every scope that has any;
    inference experiments shadow it on endpoint "e", created with its own config."""
    counts: Counter[tuple[str, str, str]] = Counter((a, r, k) for a, r, k, _ in jobs)
    clients = {s: emulator.client("sagemaker", s[1], account=s[0]) for s in scopes}
    for (account, region), sm in clients.items():
        experiments = counts[(account, region, "InferenceExperiment")]
        if experiments or counts[(account, region, "EndpointConfig")]:
            sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "i"})
            counts[(account, region, "Model")] += 1
        if experiments:
            _create(sm, "EndpointConfig", 99999)  # served by endpoint "e"
            sm.create_endpoint(EndpointName="e", EndpointConfigName=_name("EndpointConfig", 99999))
            counts[(account, region, "EndpointConfig")] += 1
    # A schedule must name an existing job definition of its scope (AWS refuses others):
    # schedule i names data-quality definition j, j = i modulo a multiple of the scope
    # count, so both sit in the same scope; schedules are created once definitions exist.
    schedules = [j for j in jobs if j[2] == "MonitoringSchedule"]
    definitions = sum(1 for j in jobs if j[2] == "DataQualityJobDefinition")
    usable = definitions - definitions % len(scopes)
    if schedules and usable == 0:
        raise SystemExit("too few resources: each scope needs a data-quality job definition")
    with ThreadPoolExecutor(8) as pool:
        list(
            pool.map(
                lambda j: _create(clients[(j[0], j[1])], j[2], j[3]),
                [j for j in jobs if j[2] != "MonitoringSchedule"],
            )
        )
        list(
            pool.map(
                lambda j: _create(
                    clients[(j[0], j[1])],
                    j[2],
                    j[3],
                    _name("DataQualityJobDefinition", j[3] % usable),
                ),
                schedules,
            )
        )
    return counts


def required_calls(accounts: list[str], counts: Counter[tuple[str, str, str]]) -> int:
    """What the read path requires: the floor for any correct scanner."""
    calls = 1 + 1 + (len(accounts) - 1)  # GetCallerIdentity, ListAccounts, AssumeRole each
    return calls + sum(scope_calls(a, r, counts) for a in accounts for r in REGIONS)


def scope_calls(account: str, region: str, counts: Counter[tuple[str, str, str]]) -> int:
    """The calls one account and region requires: a List page per 100 resources of each
    type (one even when empty), a Describe where the type needs one, ListTags where a
    control reads tags."""
    calls = 0
    for rtype, path in READ_PATHS.items():
        n = counts[(account, region, rtype.rsplit("::", 1)[1])]
        calls += max(1, math.ceil(n / 100))
        if path.describe_op:
            calls += n
        if rtype in TAGGED_TYPES:
            calls += n
    return calls


@dataclass
class Run:
    """One measured scan: wall and CPU time, the calls by operation, what the proxy saw."""

    wall: float
    cpu: float
    calls: Counter[str]
    peak_in_flight: int
    misses: int
    stderr: str
    exit_code: int
    before_calls: float  # from the start to the first call (Python, imports, set-up)
    calls_window: float  # from the first call to the last answer

    @property
    def made(self) -> int:
        return sum(self.calls.values())


def measure(
    emulator: Emulator, scan_args: list[str], latency: float, replay: bool, db: Path
) -> Run:
    """Run `sagewarden scan --aws SCAN_ARGS` in a child process through a proxy adding
    `latency` to every call; with `replay`, a first run records the answers and the
    measured run is answered from that record. sagewarden is byte-compiled first, as an
    installed copy is (sidebyside.byte_compile_sagewarden)."""
    byte_compile_sagewarden()
    proxy = LatencyProxy(emulator.endpoint_url, latency).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=proxy.url,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    cmd = [
        sys.executable,
        "-m",
        "sagewarden",
        "scan",
        "--aws",
        *scan_args,
        "--format",
        "json",
        "--output",
        os.devnull,
        "--fail-on",
        "never",
        "--quiet",
        "--db",  # the history is recorded, as in real use, but not in the user's home
        str(db),
    ]
    try:
        if replay:
            proxy.delay, proxy.recording = 0.0, True
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            proxy.delay, proxy.recording, proxy.replaying = latency, False, True
            proxy.reset()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
        stderr = proc.stderr.read() if proc.stderr else ""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    finally:
        proxy.stop()
    return Run(
        wall,
        usage.ru_utime + usage.ru_stime,
        Counter(proxy.calls),
        proxy.peak_in_flight,
        proxy.misses,
        stderr,
        os.waitstatus_to_exitcode(status),
        (proxy.first_call or started) - started,
        (proxy.last_answer or started) - (proxy.first_call or started),
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--resources", type=int, default=5000)
    ap.add_argument("--max-workers", type=int, default=16)
    ap.add_argument("--no-replay", action="store_true")
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    with Emulator() as emulator:
        t = time.perf_counter()
        accounts, counts = build(emulator, args.resources)
        print(
            f"built {sum(counts.values())} resources in {time.perf_counter() - t:.1f}s",
            file=sys.stderr,
        )
        scan_args = [
            "--org",
            *[x for r in REGIONS for x in ("--region", r)],
            "--max-workers",
            str(args.max_workers),
        ]
        replay = not args.no_replay
        run = measure(emulator, scan_args, args.latency, replay, OUT / "history.sqlite3")
    if run.exit_code != 0:
        print(run.stderr, file=sys.stderr)
        return 1
    resources = sum(counts.values())
    need = required_calls(accounts, counts)
    ideal = run.made * args.latency / args.max_workers
    print(f"resources        {resources:,} ({len(accounts)} accounts x {len(REGIONS)} regions)")
    report(run, need, resources, args.max_workers, args.latency)
    print(
        f"wall time        {run.wall:.2f} s; ideal calls x {args.latency * 1000:.0f} ms / "
        f"{args.max_workers} = {ideal:.2f} s; ratio {run.wall / ideal:.2f} (target <= 1.5)"
        f"  {'OK' if run.wall <= 1.5 * ideal else 'MISSED'}"
    )
    mode = "live emulator" if args.no_replay else f"replayed, {run.misses} misses"
    print(f"answers          {mode}")
    return 0


def report(run: Run, need: int, resources: int, workers: int, latency: float) -> None:
    """The figures every live benchmark prints: calls against the read path's floor,
    concurrency, CPU, calls by operation."""
    print(
        f"API calls        {run.made:,} made, {need:,} required by the read path"
        f"  {'OK' if run.made <= need else 'MORE THAN REQUIRED'}"
    )
    print(f"calls/resource   {run.made / resources:.3f}")
    print(f"concurrency      {workers} workers, peak {run.peak_in_flight} in flight")
    print(f"scan CPU         {run.cpu:.2f} s ({run.cpu / run.made * 1000:.2f} ms a call)")
    after = run.wall - run.before_calls - run.calls_window
    print(
        f"time split       {run.before_calls:.2f} s to the first call, {run.calls_window:.2f} s "
        f"of calls, {after:.2f} s after the last answer"
    )
    by_op = ", ".join(f"{op} {n}" for op, n in sorted(run.calls.items()))
    print(f"by operation     {by_op}")


if __name__ == "__main__":
    raise SystemExit(main())
