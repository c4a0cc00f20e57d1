"""What fix sends is valid before it is sent: inputs built from Describe copies through
botocore's input shape, checked with its ParamValidator, refused in one line otherwise
(in the plan, in the script, and at apply before the call)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden.remediation import Phase, Plan, ResourcePlan, Step, inputs, plan, render_text
from sagewarden.remediation.script import render_script
from sagewarden.resources import ResourceType as RT
from sagewarden_demo.emulator import Emulator
from tests.unit.test_remediation_plan import ACCOUNT, REGION, arn, job_def, model, run

DQ = "CreateDataQualityJobDefinition"


def dq_copy(**changes: Any) -> dict[str, Any]:
    """A DescribeDataQualityJobDefinition output, as a plan copies it."""
    props = dict(job_def(RT.DATA_QUALITY_JOB_DEFINITION, "dq").properties)
    props.update(
        JobDefinitionArn=arn(RT.DATA_QUALITY_JOB_DEFINITION, "dq"),
        CreationTime="2026-01-01T00:00:00+00:00",
    )
    props.update(changes)
    return props


def test_only_input_members_at_every_depth_and_no_empty_optional_ones() -> None:
    described = dq_copy(
        StoppingCondition={},  # optional, empty: AWS would want its MaxRuntimeInSeconds
        NetworkConfig={"VpcConfig": {}, "EnableNetworkIsolation": False, "Status": "x"},
        JobResources={
            "ClusterConfig": {
                "InstanceCount": 2,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
                "VolumeKmsKeyId": "",  # optional, empty
                "CurrentCount": 2,  # not an input member
            }
        },
        DataQualityAppSpecification={
            "ImageUri": "img",
            "Environment": {"EMPTY_IS_DATA": ""},  # a map's values are data: kept
            "ContainerArguments": [],  # optional, empty
        },
    )
    doc = inputs.build(DQ, described)
    assert "CreationTime" not in doc and "JobDefinitionArn" not in doc
    assert "StoppingCondition" not in doc
    assert doc["NetworkConfig"] == {"EnableNetworkIsolation": False}  # False is a value
    assert doc["JobResources"] == {
        "ClusterConfig": {"InstanceCount": 2, "InstanceType": "ml.m5.xlarge", "VolumeSizeInGB": 30}
    }
    assert doc["DataQualityAppSpecification"] == {
        "ImageUri": "img",
        "Environment": {"EMPTY_IS_DATA": ""},
    }
    assert inputs.problems(DQ, doc) == []
    assert inputs.build(DQ, doc) == doc  # building again changes nothing


def test_required_members_stay_and_a_missing_one_is_one_line_naming_operation_and_resource() -> (
    None
):
    described = dq_copy(JobResources={}, JobDefinitionName="dq-sw1")
    del described["RoleArn"]
    assert inputs.build(DQ, described)["JobResources"] == {}  # required: kept, and judged
    with pytest.raises(inputs.InvalidInput) as caught:
        inputs.checked(DQ, described)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{DQ} dq-sw1: not a valid input (")
    assert 'Missing required parameter in input: "RoleArn"' in message
    assert 'Missing required parameter in JobResources: "ClusterConfig"' in message


def test_a_refusal_names_the_parameter_never_its_value() -> None:
    secret = "hunter2\nline two"
    described = dq_copy(
        DataQualityAppSpecification={"ImageUri": "img", "Environment": {"TOKEN": [secret]}},
        JobResources={
            "ClusterConfig": {"InstanceCount": secret, "InstanceType": "t", "VolumeSizeInGB": 1}
        },
    )
    with pytest.raises(inputs.InvalidInput) as caught:
        inputs.checked(DQ, described)
    message = str(caught.value)
    assert "DataQualityAppSpecification.Environment.TOKEN" in message
    assert "JobResources.ClusterConfig.InstanceCount" in message
    assert "hunter2" not in message and "line two" not in message and "\n" not in message


def test_the_script_runs_the_same_prune_it_was_built_with() -> None:
    """The generated script embeds `inputs.prune` (it has no botocore): the embedded
    source must run on its own, without this module's imports."""
    import inspect

    namespace: dict[str, Any] = {}
    exec(inspect.getsource(inputs.prune), namespace)  # our own source
    described = dq_copy(StoppingCondition={}, NetworkConfig={"VpcConfig": {}})
    assert namespace["prune"](described, inputs.skeleton(DQ)) == inputs.build(DQ, described)


# --- the plan refuses, in one line, and the rest proceeds ------------------------------------


def test_plan_refuses_a_resource_whose_input_cannot_be_made_valid() -> None:
    broken = job_def(RT.DATA_QUALITY_JOB_DEFINITION, "dq")
    del broken.properties["RoleArn"]  # a Describe copy AWS would not take back
    p = plan(run([broken, model("m")]))
    jd, mdl = sorted(p.resources, key=lambda rp: rp.resource_type)
    assert jd.resource_type == RT.DATA_QUALITY_JOB_DEFINITION
    assert jd.blocked == (
        f'{DQ} dq-sw1: not a valid input (Missing required parameter in input: "RoleArn")'
    )
    assert all(s.blocked == jd.blocked for s in jd.steps)
    assert mdl.blocked is None and not any(s.blocked for s in mdl.steps)
    assert f"  BLOCKED: {jd.blocked}" in render_text(p).splitlines()
    script = render_script(p)
    assert script.count(f"# BLOCKED: {jd.blocked}\n") == len(jd.steps)
    assert "create-data-quality-job-definition" not in script
    assert "sw_aws sagemaker create-model --cli-input-json" in script


def test_plan_steps_carry_exactly_what_is_sent() -> None:
    m = model("m")
    m.properties.update(
        VpcConfig={},
        DeploymentRecommendation={"RecommendationStatus": "COMPLETED"},
        PrimaryContainer={"Image": "img", "ImageConfig": {}, "Environment": {}},
    )
    m.tags = {"team": "ml", "aws:cloudformation:stack-name": "s"}
    step = next(s for s in plan(run([m])).resources[0].steps if s.action == "CreateModel")
    assert step.params == {
        "ModelName": "m-sw1",
        "PrimaryContainer": {"Image": "img"},
        "ExecutionRoleArn": m.properties["ExecutionRoleArn"],
        "EnableNetworkIsolation": True,
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    m.tags = None  # tags unknown at plan time: read at apply, and kept as an instruction
    step = next(s for s in plan(run([m])).resources[0].steps if s.action == "CreateModel")
    assert step.params["CopyTagsFrom"] == m.arn


def test_a_hand_built_plan_gets_the_same_refusal_in_the_script() -> None:
    rp = ResourcePlan(RT.MODEL, arn(RT.MODEL, "m"), "m", ACCOUNT, REGION, ("SageMaker.5",), "x")
    rp.steps.append(
        Step(
            "CreateModel",
            {
                "ModelName": "m-sw1",
                "PrimaryContainer": {
                    "Image": "img",
                    "ImageConfig": {
                        "RepositoryAuthConfig": {"RepositoryCredentialsProviderArn": "a"}
                    },
                },
            },
            ("SageMaker.5",),
            Phase.CREATE,
            operation="CreateModel",
        )
    )
    script = render_script(Plan([rp]))
    assert "# BLOCKED: CreateModel m-sw1: not a valid input (" in script
    assert "RepositoryAccessMode" in script
    assert "create-model --cli-input-json" not in script
    assert rp.blocked is None  # the caller's plan is left as it was


# --- apply checks before the call -----------------------------------------------------------


def test_apply_refuses_an_invalid_input_before_any_change(
    aws: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A plan file edited by hand (or planned by an older version) with an input AWS would
    refuse: its resource is refused in one line before any change, and nothing is sent."""
    from sagewarden_demo.estate import _job_kwargs

    monkeypatch.setenv("SAGEWARDEN_DB", str(tmp_path / "journal.sqlite3"))
    region = "us-east-1"
    sm = aws.client("sagemaker", region)
    kw = _job_kwargs("DataQuality", "dq", "123456789012", 2, False, False)
    sm.create_data_quality_job_definition(**kw)
    plan_file = tmp_path / "plan.json"
    code = main(["fix", "plan", "--aws", "--region", region, "--format", "json",
                 "--output", str(plan_file)])  # fmt: skip
    assert code == 0
    doc = json.loads(plan_file.read_text())
    (resource,) = doc["resources"]
    create = resource["steps"][0]
    assert create["operation"] == DQ
    create["params"]["JobResources"]["ClusterConfig"].pop("InstanceType")
    plan_file.write_text(json.dumps(doc))
    aws.clear_calls()
    capsys.readouterr()

    code = main(["fix", "apply", str(plan_file), "--yes", "--poll-interval", "0"])
    err = capsys.readouterr().err
    assert code == 2  # bad input, the rest of the plan still runs
    assert err.strip().splitlines()[0] == (
        "sagewarden: not fixed: AWS::SageMaker::DataQualityJobDefinition dq (123456789012 "
        f"us-east-1): blocked: {DQ} dq-sw1: not a valid input (Missing required parameter in "
        'JobResources.ClusterConfig: "InstanceType")'
    )
    assert "Traceback" not in err
    assert not [c for c in aws.calls if not c.operation.startswith(("Describe", "List", "Get"))]
    names = sm.list_data_quality_job_definitions()["JobDefinitionSummaries"]
    assert [j["MonitoringJobDefinitionName"] for j in names] == ["dq"]


# --- the script: copies made at run time are cut to the input shape too ----------------------


def test_script_cuts_its_run_time_copies_to_the_input_shape(tmp_path: Path) -> None:
    """The endpoint configs of a replaced model, and the schedules of a replaced job
    definition, are read and copied by the script itself: what they carry beyond the
    input (moto-style empty structures, read-only members) is not sent."""
    from tests.e2e.test_fix_script import Account

    p = plan(run([model("lone"), job_def(RT.MODEL_BIAS_JOB_DEFINITION, "mb")]))
    assert not p.blocked
    variant = {"VariantName": "v1", "ModelName": "lone", "CoreDumpConfig": {}}
    schedule = {
        "MonitoringJobDefinitionName": "mb",
        "MonitoringType": "ModelBias",
        "ScheduleConfig": {},
        "MonitoringJobDefinition": {},
    }
    acct = Account(
        tmp_path,
        {
            "models": {"lone": {}},
            "configs": {
                "uses-lone": {
                    "ProductionVariants": [variant],
                    "DataCaptureConfig": {},
                    "CreationTime": "2026-01-01T00:00:00Z",
                }
            },
            "endpoints": {"e1": "uses-lone"},
            "job_definitions": {"mb": {}},
            "schedules": {"s": {"MonitoringScheduleConfig": schedule}},
        },
    )
    proc, calls = acct.run(render_script(p))
    assert proc.returncode == 0, proc.stderr

    def sent(op: str, flag: str) -> Any:
        argv = next(c for c in calls if c[1] == op)
        return json.loads(argv[argv.index(flag) + 1])

    assert sent("create-endpoint-config", "--cli-input-json") == {
        "EndpointConfigName": "uses-lone-sw1",
        "ProductionVariants": [{"VariantName": "v1", "ModelName": "lone-sw1"}],
    }
    assert sent("update-monitoring-schedule", "--monitoring-schedule-config") == {
        "MonitoringJobDefinitionName": "mb-sw1",
        "MonitoringType": "ModelBias",
    }
