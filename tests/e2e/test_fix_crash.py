"""A fix killed at any point can be resumed or rolled back.

The apply runs in a child process (the real command); the emulator kills it with SIGKILL
as a chosen request arrives (the request still lands, as when a process dies after
sending). Every kill point of a scenario is tried: the journal must let `--resume` finish
the job (the rescan passes) and `rollback` restore the Describe output of before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden.remediation.journal import Journal
from sagewarden_demo.emulator import Call, Emulator
from tests.e2e.test_fix_apply import ACCOUNT, FAST, REGION, describe_all, live, scan

__all__ = ["live"]  # the fixture, shared

READS = ("Describe", "List", "Get")


def _notebook(live: Emulator) -> None:
    live.client("sagemaker", REGION).create_notebook_instance(
        NotebookInstanceName="nb",
        InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        RootAccess="Enabled",
        PlatformIdentifier="notebook-al2-v3",
        SubnetId="subnet-1",
        SecurityGroupIds=["sg-1"],
        DirectInternetAccess="Disabled",
    )


def _endpoint_config(live: Emulator) -> None:
    sm = live.client("sagemaker", REGION)
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/m:1"},
        EnableNetworkIsolation=True,
    )
    sm.create_endpoint_config(
        EndpointConfigName="cfg",
        ProductionVariants=[
            {"VariantName": "v", "ModelName": "m", "InitialInstanceCount": 1,
             "InstanceType": "ml.c5.xlarge"}
        ],
        Tags=[{"Key": "team", "Value": "ml"}],
    )  # fmt: skip
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")


def _job_definition(live: Emulator) -> None:
    from sagewarden_demo.estate import _job_kwargs

    sm = live.client("sagemaker", REGION)
    sm.create_data_quality_job_definition(
        **_job_kwargs("DataQuality", "dq", ACCOUNT, 2, None, False)
    )
    sm.create_monitoring_schedule(
        MonitoringScheduleName="dq-daily",
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 3 ? * * *)"},
            "MonitoringJobDefinitionName": "dq",
            "MonitoringType": "DataQuality",
        },
    )


def _exposed_notebook(live: Emulator) -> None:
    live.client("sagemaker", REGION).create_notebook_instance(
        NotebookInstanceName="lab",
        InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r",
        DirectInternetAccess="Enabled",
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    live.notebook_volume("lab")["work.ipynb"] = b"{}"
    live.client("s3", REGION).create_bucket(Bucket="nb-backups")


def _experiment(live: Emulator) -> None:
    from tests.e2e.test_emulator_featurestore import experiment, live_endpoint

    sm = live.client("sagemaker", REGION)
    live_endpoint(sm)
    experiment(sm, "shadow", DataStorageConfig={"Destination": "s3://bucket/capture"})


KEY = ["--kms-key", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0000aaaa-11bb-22cc-33dd-444455556666"]
REBUILD = ["--allow-rebuild", "--backup-s3", "s3://nb-backups/x", "--subnet", "subnet-1"]
# name: (build, controls fixed, plan options, where to kill: "every" call, "mutating" calls
# and the call after each, or "writes" only)
SCENARIOS: dict[str, tuple[Callable[[Emulator], None], list[str], list[str], str]] = {
    "notebook-in-place": (_notebook, ["SageMaker.3", "SageMaker.8"], [], "every"),
    "endpoint-config-blue-green": (_endpoint_config, ["SageMaker.4"], [], "mutating"),
    "job-definition-blue-green": (_job_definition, ["SageMaker.9", "SageMaker.11"], [], "mutating"),
    "notebook-rebuild": (_exposed_notebook, ["SageMaker.1", "SageMaker.2"], REBUILD, "writes"),
    "inference-experiment-in-place": (_experiment, ["SageMaker.24"], KEY, "every"),
}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["AWS_MAX_ATTEMPTS"] = "1"
    return env


def _plan(tmp_path: Path, controls: list[str], options: list[str] = []) -> Path:  # noqa: B006
    plan = tmp_path / "plan.json"
    only = [a for c in controls for a in ("--only", c)]
    assert main(["fix", "plan", "--aws", "--region", REGION, *only, *options, "--format",
                 "json", "--output", str(plan)]) == 0  # fmt: skip
    return plan


def _apply_child(live: Emulator, plan: Path, kill_at: int | None) -> tuple[int, list[Call]]:
    """Run `fix apply --yes` in a child; kill it as request number `kill_at` arrives."""
    seen: list[Call] = []
    proc: subprocess.Popen[bytes] | None = None

    def hook(call: Call) -> None:
        seen.append(call)
        if kill_at is not None and len(seen) == kill_at and proc is not None:
            os.kill(proc.pid, signal.SIGKILL)

    live.on_request(hook)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sagewarden", "fix", "apply", str(plan), "--yes", *FAST],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        code = proc.wait(timeout=120)
    finally:
        live.remove_hook(hook)
    return code, seen


def _runs() -> list[tuple[str, str]]:
    journal = Journal(os.environ["SAGEWARDEN_DB"])
    try:
        return [(r.id, r.state) for r in journal.runs(100)]
    finally:
        journal.close()


def _kill_points(calls: list[Call], where: str) -> list[int]:
    if where == "every":
        return list(range(1, len(calls) + 1))
    points: set[int] = set()
    for n, c in enumerate(calls, 1):
        if c.service == "sagemaker" and not c.operation.startswith(READS):
            points.update((n, n + 1) if where == "mutating" else (n,))
    return sorted(p for p in points if p <= len(calls))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_killed_at_every_point_then_resumed_or_rolled_back(
    scenario: str, live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, controls, options, where = SCENARIOS[scenario]
    sm = live.client("sagemaker", REGION)

    def fresh() -> tuple[Path, dict[str, Any], dict[tuple[str, str], str]]:
        live.reset()
        build(live)
        return _plan(tmp_path, controls, options), describe_all(sm), scan(capsys)

    # A clean run tells how many requests the apply makes, and the state it ends in.
    plan, original, before = fresh()
    code, calls = _apply_child(live, plan, None)
    assert code == 0
    fixed = scan(capsys)
    assert any(v == "FAILED" for v in before.values())

    points = _kill_points(calls, where)
    assert len(points) >= 4
    for kill_at in points:
        for then in ("resume", "rollback"):
            plan, original, before = fresh()
            known = {r for r, _ in _runs()}
            code, _ = _apply_child(live, plan, kill_at)
            assert code == -signal.SIGKILL, (kill_at, then)
            new = [(r, s) for r, s in _runs() if r not in known]
            where = f"killed at request {kill_at} ({calls[kill_at - 1].operation}), then {then}"
            if not new:  # died before the run began: nothing may have changed
                assert describe_all(sm) == original, where
                continue
            ((run_id, state),) = new
            assert state == "running", where
            if then == "resume":
                code = main(["fix", "apply", "--resume", run_id, "--yes", *FAST])
                assert code == 0, where
                assert scan(capsys) == fixed, where
            else:
                old_gone = scenario == "notebook-rebuild" and "notebook/lab" not in describe_all(sm)
                code = main(["fix", "rollback", run_id, "--yes", *FAST])
                if old_gone:  # its volume went with it: rollback says so, keeps the new one
                    assert code == 1, where
                    assert "notebook/lab-sw1" in describe_all(sm), where
                    continue
                assert code == 0, where
                assert scan(capsys) == before, where
                assert describe_all(sm) == original, where


def test_resume_refuses_finished_runs(live: Emulator, tmp_path: Path) -> None:
    _notebook(live)
    plan = _plan(tmp_path, ["SageMaker.3"])
    code, _ = _apply_child(live, plan, None)
    assert code == 0
    run_id = _runs()[0][0]
    assert main(["fix", "apply", "--resume", run_id, "--yes", *FAST]) == 2
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 0
    assert main(["fix", "rollback", run_id, "--yes", *FAST]) == 2  # already rolled back
    assert _runs()[0][1] == "rolled-back"
