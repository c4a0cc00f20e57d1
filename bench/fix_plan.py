"""Benchmark: plan the fixes for 10,000 failing live resources (target: under 5 s).

Builds realistic live resources in memory across 5 accounts x 2 regions, in a mix of every
type the planner handles:

- notebooks failing SageMaker.3 and/or .8 (fixed in place: stop, update, start), and some
  failing .1/.2 as well (rebuilt, with an S3 volume backup and a new subnet);
- models failing .5 (blue/green), with endpoint configs that use them (replaced too);
- endpoint configs failing .4; app image configs and images failing .6/.7 (tags added);
- the four job definition types failing .9-.13/.15, with schedules that reference them;
- monitoring schedules failing .14, inline (updated in place) and by reference (fixed on
  the job definition they name, with SageMaker.14.resolveReferences=true).

Evaluates them with the real engine, then times each stage of `sagewarden fix plan`:
planning (`plan()` with --tag, --allow-rebuild, --backup-s3 and --subnet), the JSON plan
(`to_dict()` + orjson), the text rendering and the bash script. Prints wall time per stage
and in total against the target, peak memory (tracemalloc and ru_maxrss) and counts.

    .venv/bin/python bench/fix_plan.py [--resources 10000]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource as rlimit
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from sagewarden.catalog import CONTROLS
from sagewarden.engine import evaluate
from sagewarden.kinds import JOB_DEFINITION_TYPES, kind
from sagewarden.params import parse_params
from sagewarden.remediation import plan, render_text
from sagewarden.resources import Provenance, Resource
from sagewarden.resources import ResourceType as RT

try:
    from sagewarden.remediation.script import render_script
except ImportError:  # not built yet
    render_script = None  # type: ignore[assignment]

TARGET_SECONDS = 5.0
OUT = Path(__file__).resolve().parent / "out"
ACCOUNTS = [f"{210000000000 + i}" for i in range(5)]
REGIONS = ["us-east-1", "eu-west-1"]

# Share of each type in the estate (sums to 1); endpoint configs include those that use a
# failing model, schedules are half inline and half by reference.
MIX = {
    RT.NOTEBOOK_INSTANCE: 0.25, RT.MODEL: 0.12, RT.ENDPOINT_CONFIG: 0.15,
    RT.APP_IMAGE_CONFIG: 0.06, RT.IMAGE: 0.06, RT.DATA_QUALITY_JOB_DEFINITION: 0.06,
    RT.MODEL_BIAS_JOB_DEFINITION: 0.06, RT.MODEL_EXPLAINABILITY_JOB_DEFINITION: 0.06,
    RT.MODEL_QUALITY_JOB_DEFINITION: 0.06, RT.MONITORING_SCHEDULE: 0.12,
}  # fmt: skip


def _scope(i: int) -> tuple[str, str]:
    return ACCOUNTS[i % len(ACCOUNTS)], REGIONS[(i // len(ACCOUNTS)) % len(REGIONS)]


def _res(
    rtype: str,
    name: str,
    i: int,
    props: dict[str, Any],
    tags: dict[str, str],
    scope: tuple[str, str] | None = None,
) -> Resource:
    account, region = scope or _scope(i)
    arn = f"arn:aws:sagemaker:{region}:{account}:{kind(rtype).arn_kind}/{name}"
    properties = {kind(rtype).name_property: name, **props}
    return Resource(
        type=rtype,
        id=arn,
        name=name,
        properties=properties,
        tags=tags,
        provenance=Provenance("aws"),
        account_id=account,
        region=region,
        arn=arn,
    )


def _role(i: int) -> str:
    return f"arn:aws:iam::{ACCOUNTS[i % len(ACCOUNTS)]}:role/SageMakerExecution"


def _notebook(i: int) -> Resource:
    rebuild = i % 10 == 0  # 10 % fail .1/.2 too: rebuilt
    props: dict[str, Any] = {
        "InstanceType": "ml.t3.medium",
        "RoleArn": _role(i),
        "DirectInternetAccess": "Enabled" if rebuild else "Disabled",
        "RootAccess": "Enabled" if i % 3 else "Disabled",
        "PlatformIdentifier": "notebook-al2-v3" if i % 3 != 1 else "notebook-al2023-v1",
        "NotebookInstanceStatus": "InService" if i % 7 else "Stopped",
        "VolumeSizeInGB": 5 + i % 50,
        "KmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNTS[0]}:key/k{i % 4}",
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "NotebookInstanceArn": "",
    }
    if not rebuild:
        props["SubnetId"] = f"subnet-{i % 16:04x}"
    if i % 4 == 0:
        props["NotebookInstanceLifecycleConfigName"] = f"lcc-{i % 20}"
    if i % 5 == 0:
        props["DefaultCodeRepository"] = "https://github.com/example/notebooks.git"
    return _res(RT.NOTEBOOK_INSTANCE, f"nb-{i:05d}", i, props, {"team": "ml", "env": "dev"})


def _model(i: int) -> Resource:
    props = {
        "ExecutionRoleArn": _role(i),
        "PrimaryContainer": {
            "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
            "ModelDataUrl": f"s3://models/m-{i}/model.tar.gz",
            "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
        },
        "EnableNetworkIsolation": False,
        "VpcConfig": {"Subnets": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]},
    }
    return _res(RT.MODEL, f"model-{i:05d}", i, props, {"team": "ml"})


def _endpoint_config(i: int, model: Resource | None, count: int) -> Resource:
    """Serves `model` (in its account and region) or, without one, a passing model."""
    scope = (str(model.account_id), str(model.region)) if model else None
    variants = [
        {
            "VariantName": "AllTraffic",
            "ModelName": model.name if model else "shared-model",
            "InitialInstanceCount": count,
            "InstanceType": "ml.m5.large",
            "InitialVariantWeight": 1.0,
        }
    ]
    props = {
        "ProductionVariants": variants,
        "KmsKeyId": f"arn:aws:kms:us-east-1:{ACCOUNTS[0]}:key/k",
        "DataCaptureConfig": {
            "EnableCaptureBoolean": False,
            "InitialSamplingPercentage": 10,
            "DestinationS3Uri": "s3://capture/",
            "CaptureOptions": [{"CaptureMode": "Input"}],
        },
    }
    return _res(RT.ENDPOINT_CONFIG, f"ec-{i:05d}", i, props, {"team": "ml"}, scope)


def _job_props(rtype: str, i: int) -> dict[str, Any]:
    mtype = kind(rtype).monitoring_type
    app: dict[str, Any] = {"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mon:1"}
    if mtype in ("ModelBias", "ModelExplainability"):
        app["ConfigUri"] = f"s3://monitoring/cfg-{i}.json"
    if mtype == "ModelQuality":
        app["ProblemType"] = "Regression"
    job_input: dict[str, Any] = {"EndpointInput": {"EndpointName": f"ep-{i}", "LocalPath": "/in"}}
    if mtype in ("ModelBias", "ModelQuality"):
        job_input["GroundTruthS3Input"] = {"S3Uri": f"s3://monitoring/truth-{i}"}
    # Every one fails (all run on 2-3 instances): a quarter have isolation on but no
    # inter-container encryption; the rest lack isolation (.11/.12 where the type has an
    # isolation control) and, for the types with only an encryption control, encryption.
    isolated = i % 4 == 0
    has_isolation_control = mtype in ("DataQuality", "ModelBias")
    count = 2 + i % 2
    network = {
        "EnableNetworkIsolation": isolated,
        "EnableInterContainerTrafficEncryption": (
            not isolated and has_isolation_control and i % 2 == 1
        ),
    }
    return {
        f"{mtype}AppSpecification": app,
        f"{mtype}JobInput": job_input,
        f"{mtype}JobOutputConfig": {
            "MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://monitoring/out", "LocalPath": "/o"}}]
        },
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": count,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
            }
        },
        "RoleArn": _role(i),
        "NetworkConfig": network,
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
    }


def _schedule(
    i: int, ref: tuple[str, str] | None, scope: tuple[str, str] | None = None
) -> Resource:
    cfg: dict[str, Any] = {"ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"}}
    if ref is None:
        rtype = RT.DATA_QUALITY_JOB_DEFINITION
        job = _job_props(rtype, i)
        cfg["MonitoringJobDefinition"] = {
            "MonitoringAppSpecification": {
                "ImageUri": job["DataQualityAppSpecification"]["ImageUri"]
            },
            "MonitoringInputs": [
                {"EndpointInput": {"EndpointName": f"ep-{i}", "LocalPath": "/in"}}
            ],
            "MonitoringOutputConfig": job["DataQualityJobOutputConfig"],
            "MonitoringResources": job["JobResources"],
            "RoleArn": job["RoleArn"],
            "NetworkConfig": {"EnableNetworkIsolation": False},
        }
        cfg["MonitoringType"] = "DataQuality"
    else:
        cfg["MonitoringJobDefinitionName"], cfg["MonitoringType"] = ref
    props = {"MonitoringScheduleConfig": cfg}
    return _res(RT.MONITORING_SCHEDULE, f"sched-{i:05d}", i, props, {}, scope)


def build(total: int) -> list[Resource]:
    """`total` resources in MIX proportions; every one of them fails at least one control."""
    n = {t: round(total * share) for t, share in MIX.items()}
    n[RT.NOTEBOOK_INSTANCE] += total - sum(n.values())
    out: list[Resource] = []
    out += [_notebook(i) for i in range(n[RT.NOTEBOOK_INSTANCE])]
    models = [_model(i) for i in range(n[RT.MODEL])]
    out += models
    for i in range(n[RT.ENDPOINT_CONFIG]):
        # two thirds use a failing model (replaced with it), the rest a passing one, all with
        # a single instance (.4); each failing model is used by at most a few configs.
        m = models[i % len(models)] if i % 3 and models else None
        out.append(_endpoint_config(i, m, 1))
    for rtype in (RT.APP_IMAGE_CONFIG, RT.IMAGE):
        prefix = "aic" if rtype == RT.APP_IMAGE_CONFIG else "img"
        out += [_res(rtype, f"{prefix}-{i:05d}", i, {}, {}) for i in range(n[rtype])]
    jobs: list[Resource] = []
    for rtype in sorted(JOB_DEFINITION_TYPES):
        jobs += [
            _res(
                rtype,
                f"{str(kind(rtype).monitoring_type).lower()}-{i:05d}",
                i,
                _job_props(rtype, i),
                {},
            )
            for i in range(n[rtype])
        ]
    out += jobs
    for i in range(n[RT.MONITORING_SCHEDULE]):
        if i % 2 and jobs:  # by reference, in the job definition's account and region
            j = jobs[(i // 2 * 7) % len(jobs)]
            scope = (str(j.account_id), str(j.region))
            out.append(_schedule(i, (j.name, kind(j.type).monitoring_type), scope))
        else:
            out.append(_schedule(i, None))
    return out


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def run_stages(evaluations: list[Any], write: bool) -> tuple[Any, list[tuple[str, float, str]]]:
    """The stages of `fix plan`, each timed: (the plan, [(stage, seconds, output size)])."""
    stages: list[tuple[str, float, str]] = []
    t = time.perf_counter()
    p = plan(
        evaluations,
        tags={"team": "ml", "owner": "platform"},
        allow_rebuild=True,
        backup="s3://sagewarden-backups/notebooks",
        subnet="subnet-0abc1234def567890",
    )
    stages.append(("plan()", time.perf_counter() - t, ""))

    t = time.perf_counter()
    doc = orjson.dumps(p.to_dict(), option=orjson.OPT_INDENT_2)
    if write:
        (OUT / "fix_plan.json").write_bytes(doc)
    stages.append(("JSON plan", time.perf_counter() - t, f"{len(doc) / 1e6:.1f} MB"))

    t = time.perf_counter()
    text = render_text(p)
    if write:
        (OUT / "fix_plan.txt").write_text(text)
    stages.append(("text plan", time.perf_counter() - t, f"{len(text) / 1e6:.1f} MB"))

    if render_script is not None:
        t = time.perf_counter()
        script = render_script(p)
        if write:
            (OUT / "fix_plan.sh").write_text(script)
        stages.append(("bash script", time.perf_counter() - t, f"{len(script) / 1e6:.1f} MB"))
    elif write:
        print("note: sagewarden.remediation.script.render_script is absent; script not timed")
    return p, stages


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--resources", type=int, default=10_000)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["SAGEWARDEN_DB"] = str(OUT / "fix_plan.sqlite3")  # not used; never the home

    t = time.perf_counter()
    resources = build(args.resources)
    built = time.perf_counter() - t
    params, _ = parse_params([])  # as `fix plan --aws` without --param
    t = time.perf_counter()
    evaluations = evaluate(resources, list(CONTROLS), params).evaluations
    evaluated = time.perf_counter() - t
    failed = [e for e in evaluations if e.status.value == "FAILED"]
    failing_resources = {e.resource.id for e in failed}

    gc.collect()
    p, stages = run_stages(evaluations, write=True)
    total = sum(s for _, s, _ in stages)
    maxrss = rlimit.getrusage(rlimit.RUSAGE_SELF).ru_maxrss * 1024
    # Peak memory of the stages, measured in a second pass: tracemalloc slows allocation a
    # lot, so the timed pass runs without it.
    del p
    gc.collect()
    tracemalloc.start()
    p, _ = run_stages(evaluations, write=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    steps = sum(len(rp.steps) for rp in p.resources)
    strategies = Counter(rp.strategy for rp in p.resources)
    by_type = Counter(r.type.rsplit("::", 1)[1] for r in resources)
    print(f"command          {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"resources        {len(resources):,} built in {built:.2f} s; "
        f"{len(failing_resources):,} failing"
    )
    print("by type          " + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())))
    print(
        f"evaluation       {len(evaluations):,} verdicts, {len(failed):,} failed, "
        f"{evaluated:.2f} s (not timed)"
    )
    print(
        f"plan             {len(p.resources):,} resource plans, {steps:,} steps, "
        f"{len(p.blocked)} blocked, {len(p.skipped)} skipped; "
        + ", ".join(f"{k} {v}" for k, v in sorted(strategies.items()))
    )
    for name, seconds, size in stages:
        print(f"  {name:14} {seconds:7.3f} s  {size}")
    verdict = "PASS" if total < TARGET_SECONDS else "MISS"
    print(f"  {'total':14} {total:7.3f} s  target < {TARGET_SECONDS:.0f} s  {verdict}")
    print(f"peak memory      tracemalloc {_mb(peak)} (the timed stages); ru_maxrss {_mb(maxrss)}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
