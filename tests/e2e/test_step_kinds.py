"""Every action a planner can emit has a step kind, and every kind says all it must:
what it does, how it is undone (or why nothing is), the bash it writes, the SageMaker
operations it calls (botocore's, all in `iam-policy --fix`) and the states it starts from.

The actions are found two ways: by reading the whole `sagewarden.remediation` package
for `Step("<action>", ...)` (so a planner module added later is covered without editing
this test), and by planning: the demo estate on the emulator, and resources built to
reach every branch of the planner (rebuilds with an S3 or a user backup, every notebook
status, schedules, job definitions, models, endpoint configs, tags).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.waiter import WaiterModel

import sagewarden.remediation
from sagewarden.cli import main
from sagewarden.iampolicy import fix_operations, scan_policy
from sagewarden.kinds import RT, service_model
from sagewarden.remediation import plan, preflight, waiting
from sagewarden.remediation.context import ApplyOptions, StepFailed
from sagewarden.remediation.stepkinds import REGISTRY, StepKind
from sagewarden.remediation.stepkinds.base import StepKind as Base
from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator
from tests.e2e.test_fix_script import endpoint_config, model
from tests.unit.test_remediation_plan import ACCOUNT, REGION, job_def, notebook, res, run

PACKAGE = Path(sagewarden.remediation.__file__).parent


def emitted_in_source() -> dict[str, list[str]]:
    """action -> where in the remediation package a `Step("<action>", ...)` names it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            name = callee.id if isinstance(callee, ast.Name) else getattr(callee, "attr", "")
            if name != "Step":
                continue
            args = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "action")]
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                    found.setdefault(arg.value, []).append(where)
    return found


def _planned_branches() -> set[str]:
    """The actions of plans that reach every branch of the planner."""
    schedule_by_ref = res(
        RT.MONITORING_SCHEDULE,
        "byref",
        {
            "MonitoringScheduleConfig": {
                "MonitoringJobDefinitionName": "dq",
                "MonitoringType": "DataQuality",
            }
        },
    )
    inline = res(
        RT.MONITORING_SCHEDULE,
        "inline",
        {
            "MonitoringScheduleConfig": {
                "MonitoringType": "DataQuality",
                "MonitoringJobDefinition": {
                    "MonitoringInputs": [],
                    "MonitoringOutputConfig": {"MonitoringOutputs": []},
                    "MonitoringResources": {
                        "ClusterConfig": {
                            "InstanceCount": 1,
                            "InstanceType": "ml.m5.large",
                            "VolumeSizeInGB": 1,
                        }
                    },
                    "MonitoringAppSpecification": {"ImageUri": "img"},
                    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/sm",
                    "NetworkConfig": {"EnableNetworkIsolation": False},
                },
            }
        },
    )
    resources = [
        notebook("nb", RootAccess="Enabled", PlatformIdentifier="notebook-al2-v3"),
        notebook("pending", RootAccess="Enabled", NotebookInstanceStatus="Pending"),
        notebook("stopped", RootAccess="Enabled", NotebookInstanceStatus="Stopped"),
        notebook("unknown", RootAccess="Enabled", NotebookInstanceStatus=None),
        notebook("rb", DirectInternetAccess="Enabled", LifecycleConfigName="orig"),
        notebook("rbs", DirectInternetAccess="Enabled", NotebookInstanceStatus="Stopped"),
        res(RT.IMAGE, "img"),
        res(RT.APP_IMAGE_CONFIG, "aic"),
        inline,
        job_def(RT.DATA_QUALITY_JOB_DEFINITION, "dq", count=1),
        schedule_by_ref,
        job_def(RT.MODEL_BIAS_JOB_DEFINITION, "mb", count=2),
        model("m"),
        endpoint_config("ec", "m"),
        model("lone"),
        endpoint_config("solo", "other", count=1),
    ]
    actions: set[str] = set()
    evaluations = run(resources, ["SageMaker.14.resolveReferences=true"])
    for backup in ("s3://bk/notebooks", "user"):
        p = plan(
            evaluations, tags={"team": "ml"}, allow_rebuild=True, backup=backup, subnet="subnet-9"
        )
        actions |= {s.action for rp in p.resources for s in rp.steps}
    # An inference experiment's data capture, in place with the key the user names.
    from tests.unit.test_plan_newer_controls import KEY, experiment

    p = plan(run([experiment("shadow")]), kms_key=KEY)
    actions |= {s.action for rp in p.resources for s in rp.steps}
    # A schedule whose job definition is not in the scan: planned, blocked.
    p = plan(run([schedule_by_ref], ["SageMaker.14.resolveReferences=true"]))
    return actions | {s.action for rp in p.resources for s in rp.steps}


def _missing(actions: set[str]) -> list[str]:
    return sorted(a for a in actions if a not in REGISTRY)


def test_every_action_in_the_source_has_a_step_kind() -> None:
    found = emitted_in_source()
    assert len(found) >= 20, "the scan found too few Step(...) calls: is the package there?"
    missing = [f"{a} (at {', '.join(found[a])})" for a in _missing(set(found))]
    assert not missing, "actions without a step kind: " + "; ".join(missing)


def test_every_planned_action_has_a_step_kind() -> None:
    actions = _planned_branches()
    assert not _missing(actions), f"planned actions without a step kind: {_missing(actions)}"
    # The branches reached: every kind is emitted somewhere (none is dead).
    assert set(REGISTRY) <= actions | set(emitted_in_source()), set(REGISTRY) - actions


def test_the_demo_estate_plans_only_known_actions(aws: Emulator, tmp_path: Path) -> None:
    estate.build(aws.client, ACCOUNT, [REGION])
    out = tmp_path / "plan.json"
    code = main(
        ["fix", "plan", "--aws", "--region", REGION, "--param",
         "SageMaker.14.resolveReferences=true", "--tag", "team=ml", "--allow-rebuild",
         "--backup-s3", "s3://bk/nb", "--subnet", "subnet-1", "--format", "json",
         "--output", str(out)]
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out.read_text())
    actions = {s["action"] for r in doc["resources"] for s in r["steps"]}
    assert len(actions) >= 15, actions
    assert not _missing(actions), (
        f"the demo plan's actions without a step kind: {_missing(actions)}"
    )


def _own(kind: StepKind, method: str) -> bool:
    return getattr(type(kind), method) is not getattr(Base, method)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_kind_has_all_three_renderings(name: str) -> None:
    kind = REGISTRY[name]
    assert kind.name == name
    assert _own(kind, "do"), f"{name}: no do"
    scripted = _own(kind, "script") or _own(kind, "bash")
    assert scripted, f"{name}: no script rendering"
    if kind.nothing_to_undo is None:
        assert _own(kind, "undo"), f"{name}: no undo and no reason why there is none"
    else:
        assert kind.nothing_to_undo.strip(), name
        assert not _own(kind, "undo"), f"{name}: an undo and a reason for none"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_kind_names_real_operations_and_states(name: str) -> None:
    kind = REGISTRY[name]
    model = service_model()
    unknown = [op for op in kind.permissions if op not in model.operation_names]
    assert not unknown, f"{name}: not SageMaker operations: {unknown}"
    if kind.origin_states:
        assert kind.resource_type and kind.status_key, name
        shape = model.operation_model(f"Describe{name_of_type(kind.resource_type)}").output_shape
        assert kind.status_key in shape.members, name
        enum = shape.members[kind.status_key].enum
        assert set(kind.origin_states) <= set(enum), (name, kind.origin_states)


def name_of_type(rtype: str) -> str:
    from sagewarden.kinds import kind

    return kind(rtype).noun


def test_the_fix_policy_is_the_union_of_the_kinds_operations() -> None:
    allowed = {a for st in scan_policy(fix=True)["Statement"] for a in st["Action"]}
    for name, kind in REGISTRY.items():
        for op in kind.permissions:
            assert f"sagemaker:{op}" in allowed, f"{name} calls {op}: not in iam-policy --fix"
    for op in preflight.OPERATIONS:
        assert f"sagemaker:{op}" in allowed, op
    # Nothing else: every fix action is a kind's, or the runner's own read.
    union = {op for k in REGISTRY.values() for op in k.permissions} | set(preflight.OPERATIONS)
    assert fix_operations() <= union


def test_no_control_id_in_the_runner_side() -> None:
    """The runner, the kinds and the script derive what a control needs from data (the
    catalog); the planner (plan.py and its modules) is checked with its own split."""
    pattern = re.compile(r"SageMaker\.\d")
    planner = {"plan.py"}
    offenders = [
        f"{p.relative_to(PACKAGE)}:{n}"
        for p in sorted(PACKAGE.rglob("*"))
        if p.suffix in (".py", ".sh", ".json") and p.name not in planner
        and "planner" not in p.parts and "plans" not in p.parts
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]  # fmt: skip
    assert not offenders, offenders


# --- waiters ------------------------------------------------------------------------------


def test_waiter_models_are_botocore_waiters_on_real_operations() -> None:
    model = waiting.model()
    assert isinstance(model, WaiterModel) and model.waiter_names
    published = set(botocore.session.get_session().get_waiter_model("sagemaker").waiter_names)
    for name in model.waiter_names:
        config = model.get_waiter(name)
        assert config.operation in service_model().operation_names, name
        assert name not in published, f"{name}: botocore publishes it: use theirs"
        assert config.acceptors, name


def _schedule(aws: Emulator, name: str) -> Any:
    sm = aws.client("sagemaker", REGION)
    sm.create_monitoring_schedule(
        MonitoringScheduleName=name,
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringJobDefinition": {
                "MonitoringInputs": [
                    {"EndpointInput": {"EndpointName": "ep", "LocalPath": "/opt/ml/in"}}
                ],
                "MonitoringOutputConfig": {
                    "MonitoringOutputs": [
                        {"S3Output": {"S3Uri": "s3://b/o", "LocalPath": "/opt/ml/out"}}
                    ]
                },
                "MonitoringResources": {
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.large",
                        "VolumeSizeInGB": 1,
                    }
                },
                "MonitoringAppSpecification": {"ImageUri": "img"},
                "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
            },
        },
    )
    return sm


class _Ctx:
    """What `waiting.wait` reads of a step: the client and the options."""

    def __init__(self, sm: Any, attempts: int) -> None:
        self.sm = sm
        self.options = ApplyOptions(poll_interval=0, timeout=attempts * 0.001)


def test_schedule_waiter_runs_on_botocores_machinery(aws: Emulator) -> None:
    """A new schedule is Pending on its first Describe (the emulator's clock moves it on
    read): the waiter retries with no delay, and is done at once for a deleted one."""
    sm = _schedule(aws, "sched")
    ctx: Any = _Ctx(sm, attempts=5)
    waiting.wait(ctx, "monitoring_schedule_not_pending", MonitoringScheduleName="sched")
    reads = [c for c in aws.calls if c.operation == "DescribeMonitoringSchedule"]
    assert len(reads) == 2  # Pending, then Scheduled
    waiting.wait(ctx, "monitoring_schedule_not_pending", MonitoringScheduleName="gone")


def test_schedule_waiter_gives_up_in_one_line(aws: Emulator) -> None:
    sm = _schedule(aws, "slow")
    ctx: Any = _Ctx(sm, attempts=1)
    with pytest.raises(StepFailed) as caught:
        waiting.wait(ctx, "monitoring_schedule_not_pending", MonitoringScheduleName="slow")
    assert str(caught.value) == "monitoring schedule not pending did not happen: status Pending"


def test_experiment_waiter_waits_out_a_transition_and_a_deleted_one(aws: Emulator) -> None:
    """A new experiment is Creating on its first Describe (the emulator moves it on read):
    the waiter retries, and is done at once for one that does not exist."""
    from tests.e2e.test_emulator_featurestore import experiment, live_endpoint

    sm = aws.client("sagemaker", REGION)
    live_endpoint(sm)
    experiment(sm, "shadow")
    ctx: Any = _Ctx(sm, attempts=5)
    aws.clear_calls()
    waiting.wait(ctx, "inference_experiment_settled", Name="shadow")
    reads = [c for c in aws.calls if c.operation == "DescribeInferenceExperiment"]
    assert len(reads) == 2  # Creating, then Running
    waiting.wait(ctx, "inference_experiment_settled", Name="gone")


def test_experiment_waiter_gives_up_in_one_line(aws: Emulator) -> None:
    from tests.e2e.test_emulator_featurestore import experiment, live_endpoint

    sm = aws.client("sagemaker", REGION)
    live_endpoint(sm)
    experiment(sm, "shadow")
    ctx: Any = _Ctx(sm, attempts=1)
    with pytest.raises(StepFailed) as caught:
        waiting.wait(ctx, "inference_experiment_settled", Name="shadow")
    assert str(caught.value) == "inference experiment settled did not happen: status Creating"
