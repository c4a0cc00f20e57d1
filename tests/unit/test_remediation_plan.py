"""The remediation planner: failing verdicts of live resources -> ordered, grouped steps."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from sagewarden import kinds
from sagewarden.catalog import CONTROLS
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.remediation import Phase, Plan, ResourcePlan, new_name, plan, render_text
from sagewarden.resources import Provenance, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.verdicts import Evaluation, Status, Suppression
from sagewarden_demo.estate import _job_kwargs

ACCOUNT = "111122223333"
REGION = "eu-west-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sm"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def arn(rtype: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kinds.kind(rtype).arn_kind}/{name}"


def res(
    rtype: str,
    name: str,
    props: dict[str, Any] | None = None,
    *,
    tags: dict[str, str] | None = None,
    kind: str = "aws",
) -> Resource:
    resource_arn = arn(rtype, name)
    live = kind in ("aws", "aws-config")
    properties = {kinds.kind(rtype).name_property: name, **(props or {})}
    return Resource(
        type=rtype,
        id=resource_arn if live else f"Logical{name}",
        name=name,
        properties=properties,
        tags=tags,
        provenance=Provenance(kind, file=None if live else "template.yaml"),
        account_id=ACCOUNT if live else None,
        region=REGION if live else None,
        arn=resource_arn if live else None,
    )


def run(resources: list[Resource], params: list[str] | None = None) -> list[Evaluation]:
    pset, diags = parse_params(params or [])
    assert not diags
    return evaluate(resources, list(CONTROLS), pset).evaluations


def notebook(name: str = "nb", **props: Any) -> Resource:
    base: dict[str, Any] = {
        "InstanceType": "ml.t3.medium",
        "RoleArn": ROLE,
        "SubnetId": "subnet-1",
        "SecurityGroupIds": ["sg-1"],
        "DirectInternetAccess": "Disabled",
        "RootAccess": "Disabled",
        "PlatformIdentifier": "notebook-al2023-v1",
        "KmsKeyId": KEY,
        "NotebookInstanceStatus": "InService",
    }
    base.update(props)
    return res(RT.NOTEBOOK_INSTANCE, name, {k: v for k, v in base.items() if v is not None})


def job_def(rtype: str, name: str = "jd", *, count: int = 2, **network: bool) -> Resource:
    """A job definition as Describe gives it: a complete CreateXJobDefinition input (the
    planner refuses a copy AWS would refuse)."""
    mtype = kinds.kind(rtype).monitoring_type
    props = _job_kwargs(mtype, name, ACCOUNT, count, None, None)
    props.update(RoleArn=ROLE, NetworkConfig=dict(network))
    return res(rtype, name, props)


def inline_job(**extra: Any) -> dict[str, Any]:
    """An inline MonitoringJobDefinition with every member AWS requires."""
    return {
        "MonitoringInputs": [
            {"EndpointInput": {"EndpointName": "ep", "LocalPath": "/opt/ml/processing/input"}}
        ],
        "MonitoringOutputConfig": {
            "MonitoringOutputs": [
                {"S3Output": {"S3Uri": "s3://b/out", "LocalPath": "/opt/ml/processing/output"}}
            ]
        },
        "MonitoringResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
            }
        },
        "MonitoringAppSpecification": {"ImageUri": "img"},
        "RoleArn": ROLE,
        **extra,
    }


def endpoint_config(name: str = "ec", model: str = "m", count: int = 1) -> Resource:
    return res(
        RT.ENDPOINT_CONFIG,
        name,
        {
            "ProductionVariants": [
                {"VariantName": "v1", "ModelName": model, "InitialInstanceCount": count}
            ]
        },
    )


def model(name: str = "m", isolated: bool = False) -> Resource:
    return res(
        RT.MODEL,
        name,
        {
            "ExecutionRoleArn": ROLE,
            # from a private registry in the VPC: only isolation (SageMaker.5) can fail
            "PrimaryContainer": {"Image": "img", "ImageConfig": {"RepositoryAccessMode": "Vpc"}},
            "EnableNetworkIsolation": isolated,
            "VpcConfig": {"Subnets": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
        },
    )


def actions(rp: ResourcePlan) -> list[str]:
    return [s.action for s in rp.steps]


def only(p: Plan) -> ResourcePlan:
    assert len(p.resources) == 1, [rp.resource_id for rp in p.resources]
    return p.resources[0]


def phases_nondecreasing(rp: ResourcePlan) -> bool:
    ph = [s.phase for s in rp.steps]
    return ph == sorted(ph)


# --- each control's plan shape ------------------------------------------------------------

STOP_UPDATE_START = [
    "StopNotebookInstance",
    "WaitNotebookInstanceStopped",
    "UpdateNotebookInstance",
    "WaitNotebookInstanceStopped",
    "StartNotebookInstance",
    "WaitNotebookInstanceInService",
]
JOB_DEF_SHAPE = ["CreateJobDefinition", "RepointSchedules", "WaitSchedulesNotPending"]
JOB_DEF_SHAPE += ["DeleteJobDefinition"]


@pytest.mark.parametrize(
    ("resource", "controls", "strategy", "shape"),
    [
        (notebook(RootAccess="Enabled"), ("SageMaker.3",), "in-place", STOP_UPDATE_START),
        (
            notebook(PlatformIdentifier="notebook-al2-v3"),
            ("SageMaker.8",),
            "in-place",
            STOP_UPDATE_START,
        ),
        (
            endpoint_config(),
            ("SageMaker.4",),
            "blue/green",
            ["CreateEndpointConfig", "UpdateEndpoints", "DeleteEndpointConfig"],
        ),
        (
            model(),
            ("SageMaker.5",),
            "blue/green",
            ["CreateModel", "ReplaceModelInEndpointConfigs", "DeleteModel"],
        ),
        (res(RT.APP_IMAGE_CONFIG, "aic", tags={}), ("SageMaker.6",), "in-place", ["AddTags"]),
        (res(RT.IMAGE, "img", tags={}), ("SageMaker.7",), "in-place", ["AddTags"]),
        (
            job_def(RT.DATA_QUALITY_JOB_DEFINITION, EnableNetworkIsolation=True),
            ("SageMaker.9",),
            "blue/green",
            JOB_DEF_SHAPE,
        ),
        (
            job_def(RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, EnableNetworkIsolation=True),
            ("SageMaker.10",),
            "blue/green",
            JOB_DEF_SHAPE,
        ),
        (
            job_def(
                RT.MODEL_EXPLAINABILITY_JOB_DEFINITION,
                EnableInterContainerTrafficEncryption=True,
            ),
            ("SageMaker.20",),
            "blue/green",
            JOB_DEF_SHAPE,
        ),
        (
            job_def(
                RT.MODEL_QUALITY_JOB_DEFINITION,
                EnableInterContainerTrafficEncryption=True,
            ),
            ("SageMaker.25",),
            "blue/green",
            JOB_DEF_SHAPE,
        ),
        (
            job_def(RT.DATA_QUALITY_JOB_DEFINITION, count=1),
            ("SageMaker.11",),
            "blue/green",
            JOB_DEF_SHAPE,
        ),
        (
            job_def(
                RT.MODEL_BIAS_JOB_DEFINITION,
                EnableInterContainerTrafficEncryption=True,
            ),
            ("SageMaker.12",),
            "blue/green",
            JOB_DEF_SHAPE,
        ),
        (
            job_def(RT.MODEL_QUALITY_JOB_DEFINITION, EnableNetworkIsolation=True),
            ("SageMaker.13",),
            "blue/green",
            JOB_DEF_SHAPE,
        ),
        (
            job_def(RT.MODEL_BIAS_JOB_DEFINITION, EnableNetworkIsolation=True),
            ("SageMaker.15",),
            "blue/green",
            JOB_DEF_SHAPE,
        ),
        (
            res(
                RT.MONITORING_SCHEDULE,
                "sched",
                {
                    "MonitoringScheduleConfig": {
                        "MonitoringJobDefinition": inline_job(),
                        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
                    }
                },
            ),
            ("SageMaker.14", "SageMaker.22"),  # one update fixes both flags
            "in-place",
            ["UpdateMonitoringSchedule", "WaitMonitoringScheduleNotPending"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_control_plan_shape(
    resource: Resource, controls: tuple[str, ...], strategy: str, shape: list[str]
) -> None:
    p = plan(run([resource]), tags={"team": "ml"})
    rp = only(p)
    assert rp.controls == controls
    assert rp.strategy == strategy
    assert actions(rp) == shape
    assert phases_nondecreasing(rp)
    assert rp.blocked is None
    json.dumps(p.to_dict())  # JSON-able throughout


def test_rebuild_shape_for_network_controls() -> None:
    nb = notebook(DirectInternetAccess="Enabled", SubnetId=None, RootAccess="Enabled")
    p = plan(run([nb]), allow_rebuild=True, backup="s3://bk/notebooks", subnet="subnet-9")
    rp = only(p)
    assert rp.controls == ("SageMaker.1", "SageMaker.2", "SageMaker.3")
    assert rp.strategy == "rebuild"
    assert rp.blocked is None
    assert actions(rp) == [
        # back the volume up: an OnStart lifecycle script, run by a restart, verified
        "CreateNotebookInstanceLifecycleConfig",
        "StopNotebookInstance",
        "WaitNotebookInstanceStopped",
        "UpdateNotebookInstance",
        "WaitNotebookInstanceStopped",
        "StartNotebookInstance",
        "WaitNotebookInstanceInService",
        "VerifyVolumeBackup",
        # the new notebook restores it on creation, verified, then gets the original LCC
        "CreateRestoreLifecycleConfig",
        "CreateNotebookInstance",
        "WaitNotebookInstanceInService",
        "VerifyVolumeRestore",
        "StopNotebookInstance",
        "WaitNotebookInstanceStopped",
        "UpdateNotebookInstance",
        "WaitNotebookInstanceStopped",
        "StartNotebookInstance",
        "WaitNotebookInstanceInService",
        # only then the old one goes
        "StopNotebookInstance",
        "WaitNotebookInstanceStopped",
        "DeleteNotebookInstance",
        "DeleteNotebookInstanceLifecycleConfig",
        "DeleteNotebookInstanceLifecycleConfig",
    ]
    assert phases_nondecreasing(rp)
    create = next(s for s in rp.steps if s.action == "CreateNotebookInstance").params
    assert create["NotebookInstanceName"] == "nb-sw1"
    assert create["SubnetId"] == "subnet-9"
    assert create["DirectInternetAccess"] == "Disabled"
    assert create["RootAccess"] == "Disabled"  # .3 fixed in the same rebuild
    assert create["RoleArn"] == ROLE
    assert create["SecurityGroupIds"] == ["sg-1"]
    assert create["CopyTagsFrom"] == nb.arn  # tags not recorded: read at apply
    assert create["LifecycleConfigName"] == "sw-restore-nb-sw1"
    verify = next(s for s in rp.steps if s.action == "VerifyVolumeBackup").params
    assert verify == {"NotebookInstanceName": "nb", "Bucket": "bk", "Prefix": "notebooks/nb/"}
    # the original had no lifecycle configuration: the new one ends without one too
    final = [s for s in rp.steps if s.action == "UpdateNotebookInstance"][-1].params
    assert final == {"NotebookInstanceName": "nb-sw1", "DisassociateLifecycleConfig": True}


# --- grouping -----------------------------------------------------------------------------


def test_root_access_and_platform_share_one_restart() -> None:
    nb = notebook(RootAccess="Enabled", PlatformIdentifier="notebook-al2-v3")
    rp = only(plan(run([nb])))
    assert rp.controls == ("SageMaker.3", "SageMaker.8")
    assert actions(rp) == STOP_UPDATE_START
    update = rp.steps[2].params
    assert update == {
        "NotebookInstanceName": "nb",
        "RootAccess": "Disabled",
        "PlatformIdentifier": "notebook-al2023-v1",
    }
    assert rp.steps[2].iac_note and "replacement" in rp.steps[2].iac_note


def test_job_definition_flags_fixed_in_one_new_definition() -> None:
    jd = job_def(RT.DATA_QUALITY_JOB_DEFINITION, "dq")
    rp = only(plan(run([jd])))
    assert rp.controls == ("SageMaker.9", "SageMaker.11")
    assert actions(rp).count("CreateJobDefinition") == 1
    create = rp.steps[0]
    assert create.operation == "CreateDataQualityJobDefinition"
    assert create.params["JobDefinitionName"] == "dq-sw1"
    assert create.params["NetworkConfig"] == {
        "EnableInterContainerTrafficEncryption": True,
        "EnableNetworkIsolation": True,
    }
    assert create.params["RoleArn"] == ROLE
    assert rp.steps[1].params["MonitoringJobDefinitionName"] == "dq"
    assert rp.steps[-1].params == {"JobDefinitionName": "dq"}


def test_referenced_schedule_is_fixed_on_its_job_definition() -> None:
    jd = job_def(RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, "mx", count=1)
    sched = res(
        RT.MONITORING_SCHEDULE,
        "s",
        {
            "MonitoringScheduleConfig": {
                "MonitoringJobDefinitionName": "mx",
                "MonitoringType": "ModelExplainability",
            }
        },
    )
    rp = only(plan(run([jd, sched], ["SageMaker.14.resolveReferences=true"])))
    assert rp.resource_id == jd.id
    # the definition's own isolation control (SageMaker.20) is the same flag: one fix
    assert rp.controls == ("SageMaker.14", "SageMaker.20")
    assert rp.steps[0].params["NetworkConfig"] == {"EnableNetworkIsolation": True}


def _referencing(name: str) -> Resource:
    return res(
        RT.MONITORING_SCHEDULE,
        "s",
        {
            "MonitoringScheduleConfig": {
                "MonitoringJobDefinitionName": name,
                "MonitoringType": "ModelBias",
            }
        },
    )


def test_literal_mode_reference_to_an_isolated_definition_is_skipped_with_the_reason() -> None:
    jd = job_def(RT.MODEL_BIAS_JOB_DEFINITION, "bias", EnableNetworkIsolation=True,
                 EnableInterContainerTrafficEncryption=True)  # fmt: skip
    p = plan(run([jd, _referencing("bias")]))
    assert p.resources == []
    (skipped,) = p.skipped
    assert skipped.control == "SageMaker.14"
    assert "resolveReferences" in skipped.reason and "nothing to change" in skipped.reason


def test_literal_mode_reference_fix_says_the_schedule_still_fails_literally() -> None:
    jd = job_def(RT.MODEL_BIAS_JOB_DEFINITION, "bias", EnableNetworkIsolation=False,
                 EnableInterContainerTrafficEncryption=True)  # fmt: skip
    literal = only(plan(run([jd, _referencing("bias")])))
    assert any("still fails SageMaker.14's literal rule" in w for w in literal.warnings)
    resolved = only(plan(run([jd, _referencing("bias")], ["SageMaker.14.resolveReferences=true"])))
    assert not any("literal rule" in w for w in resolved.warnings)


def test_referenced_job_definition_not_scanned_is_blocked() -> None:
    sched = res(
        RT.MONITORING_SCHEDULE,
        "s",
        {"MonitoringScheduleConfig": {"MonitoringJobDefinitionName": "elsewhere"}},
    )
    rp = only(plan(run([sched])))
    assert rp.blocked and "scan it too" in rp.blocked
    assert all(s.blocked for s in rp.steps)


def test_inline_schedule_update_carries_the_whole_config() -> None:
    vpc = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    config = {
        "MonitoringJobDefinition": inline_job(NetworkConfig={"VpcConfig": vpc}),
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
    }
    sched = res(RT.MONITORING_SCHEDULE, "s", {"MonitoringScheduleConfig": config})
    rp = only(plan(run([sched])))
    assert rp.blocked is None
    sent = rp.steps[0].params["MonitoringScheduleConfig"]
    assert sent["ScheduleConfig"] == config["ScheduleConfig"]
    assert sent["MonitoringJobDefinition"]["MonitoringInputs"] == inline_job()["MonitoringInputs"]
    assert sent["MonitoringJobDefinition"]["NetworkConfig"] == {
        "VpcConfig": vpc,
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,  # SageMaker.22, same update
    }
    assert "EnableNetworkIsolation" not in config["MonitoringJobDefinition"]["NetworkConfig"]


# --- notebooks: restart only if running, AL2023 instance types ----------------------------


@pytest.mark.parametrize(
    ("status", "shape"),
    [
        ("InService", STOP_UPDATE_START),
        ("Stopped", ["UpdateNotebookInstance", "WaitNotebookInstanceStopped"]),
        (
            "Stopping",
            [
                "WaitNotebookInstanceStopped",
                "UpdateNotebookInstance",
                "WaitNotebookInstanceStopped",
            ],
        ),
        ("Pending", ["WaitNotebookInstanceInService", *STOP_UPDATE_START]),
    ],
)
def test_restart_only_if_running(status: str, shape: list[str]) -> None:
    nb = notebook(RootAccess="Enabled", NotebookInstanceStatus=status)
    rp = only(plan(run([nb])))
    assert actions(rp) == shape
    assert all(s.condition is None for s in rp.steps)


def test_unknown_status_stop_and_start_are_conditional() -> None:
    nb = notebook(RootAccess="Enabled", NotebookInstanceStatus=None)
    rp = only(plan(run([nb])))
    assert actions(rp) == STOP_UPDATE_START
    assert rp.steps[0].condition and "InService" in rp.steps[0].condition
    assert rp.steps[4].condition


def test_failed_notebook_is_blocked() -> None:
    rp = only(plan(run([notebook(RootAccess="Enabled", NotebookInstanceStatus="Failed")])))
    assert rp.blocked and "Failed" in rp.blocked


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("ml.p3.2xlarge", "ml.g5.2xlarge"),
        ("ml.p3.8xlarge", "ml.g5.12xlarge"),
        ("ml.p3dn.24xlarge", "ml.g5.48xlarge"),
        ("ml.p2.xlarge", "ml.g4dn.xlarge"),
        ("ml.g3.4xlarge", "ml.g4dn.4xlarge"),
        ("ml.inf1.xlarge", "ml.g4dn.xlarge"),
        ("ml.t3.medium", None),
        ("ml.g5.xlarge", None),
    ],
)
def test_al2023_instance_type_change(old: str, new: str | None) -> None:
    nb = notebook(PlatformIdentifier="notebook-al2-v3", InstanceType=old)
    rp = only(plan(run([nb])))
    update = next(s for s in rp.steps if s.action == "UpdateNotebookInstance").params
    assert update.get("InstanceType") == new
    assert any(old in w for w in rp.warnings) == (new is not None)


def test_lifecycle_scripts_warned_for_dnf() -> None:
    nb = notebook(PlatformIdentifier="notebook-al2-v3", LifecycleConfigName="setup")
    rp = only(plan(run([nb])))
    assert any("dnf" in w for w in rp.warnings)


def test_root_access_only_does_not_change_platform_or_type() -> None:
    nb = notebook(RootAccess="Enabled", InstanceType="ml.p3.2xlarge")
    update = only(plan(run([nb]))).steps[2].params
    assert update == {"NotebookInstanceName": "nb", "RootAccess": "Disabled"}


# --- tags ---------------------------------------------------------------------------------


def test_tags_blocked_without_tags() -> None:
    rp = only(plan(run([res(RT.IMAGE, "img", tags={"aws:x": "1"})])))
    assert rp.blocked and "--tag" in rp.blocked
    assert rp.steps[0].blocked


def test_tags_add_missing_keys_only() -> None:
    img = res(RT.IMAGE, "img", tags={"team": "a"})
    evs = run([img], ["SageMaker.7.requiredKeyTags=team,owner"])
    rp = only(plan(evs, tags={"team": "b", "owner": "me", "extra": "x"}))
    assert rp.blocked is None
    assert rp.steps[0].params == {
        "ResourceArn": img.arn,
        "Tags": [{"Key": "owner", "Value": "me"}],
    }


def test_required_key_without_value_is_blocked() -> None:
    evs = run([res(RT.IMAGE, "img", tags={})], ["SageMaker.7.requiredKeyTags=owner"])
    rp = only(plan(evs, tags={"team": "x"}))
    assert rp.blocked and "owner" in rp.blocked


def test_too_many_tags_blocked() -> None:
    evs = run([res(RT.IMAGE, "img", tags={})])
    rp = only(plan(evs, tags={f"k{i}": "v" for i in range(51)}))
    assert rp.blocked and "50" in rp.blocked


def test_aws_tag_keys_rejected() -> None:
    with pytest.raises(ValueError, match="aws:"):
        plan([], tags={"aws:owner": "x"})


# --- rebuild gating -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "--allow-rebuild"),
        ({"allow_rebuild": True}, "no backup"),
        ({"backup": "user"}, "--allow-rebuild"),
        ({"allow_rebuild": True, "backup": "user", "subnet": None}, None),
    ],
)
def test_rebuild_blocked_without_permission_and_backup(
    kwargs: dict[str, Any], fragment: str | None
) -> None:
    nb = notebook(DirectInternetAccess="Enabled")  # has a subnet
    rp = only(plan(run([nb]), **kwargs))
    if fragment is None:
        assert rp.blocked is None
        assert actions(rp)[0] == "ConfirmUserBackup"
        assert "RestoreNotebookVolume" not in actions(rp)
        assert not any(s.blocked for s in rp.steps)
    else:
        assert rp.blocked and fragment in rp.blocked
        assert all(s.blocked for s in rp.steps)
    assert actions(rp)[-1] == "DeleteNotebookInstance"


def test_rebuild_without_subnet_needs_one() -> None:
    nb = notebook(SubnetId=None)
    rp = only(plan(run([nb]), allow_rebuild=True, backup="user"))
    assert rp.controls == ("SageMaker.2",)
    assert rp.blocked and "--subnet" in rp.blocked


def test_rebuild_folds_platform_and_root_fix() -> None:
    nb = notebook(
        DirectInternetAccess="Enabled",
        RootAccess="Enabled",
        PlatformIdentifier="notebook-al2-v3",
        InstanceType="ml.p3.2xlarge",
        KmsKeyId="kms-1",
        VolumeSizeInGB=50,
        LifecycleConfigName="lc",
        DefaultCodeRepository="repo",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
    )
    nb.tags = {"team": "ml", "aws:cloudformation:stack-name": "s"}
    rp = only(plan(run([nb]), allow_rebuild=True, backup="s3://b/"))
    assert rp.controls == ("SageMaker.1", "SageMaker.3", "SageMaker.8")
    updates = [s.params for s in rp.steps if s.action == "UpdateNotebookInstance"]
    # no separate in-place fix: the updates only swap lifecycle configurations
    assert all(set(u) <= {"NotebookInstanceName", "LifecycleConfigName"} for u in updates)
    create = next(s for s in rp.steps if s.action == "CreateNotebookInstance").params
    assert create["PlatformIdentifier"] == "notebook-al2023-v1"
    assert create["InstanceType"] == "ml.g5.2xlarge"
    assert create["RootAccess"] == "Disabled"
    assert create["KmsKeyId"] == "kms-1"
    assert create["VolumeSizeInGB"] == 50
    assert create["LifecycleConfigName"] == "sw-restore-nb-sw1"  # restores, then back to lc
    restore = next(s for s in rp.steps if s.action == "CreateRestoreLifecycleConfig").params
    assert restore["OnStartFrom"] == "lc"
    final = [s for s in rp.steps if s.action == "UpdateNotebookInstance"][-1].params
    assert final == {"NotebookInstanceName": "nb-sw1", "LifecycleConfigName": "lc"}
    assert create["DefaultCodeRepository"] == "repo"
    assert create["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "2"
    }
    assert create["Tags"] == [{"Key": "team", "Value": "ml"}]
    backup = next(s for s in rp.steps if s.action == "VerifyVolumeBackup").params
    assert (backup["Bucket"], backup["Prefix"]) == ("b", "nb/")


def test_bad_backup_rejected() -> None:
    with pytest.raises(ValueError, match="backup"):
        plan([], backup="/tmp/x")


# --- cross-resource order -----------------------------------------------------------------


def test_model_and_endpoint_config_replaced_together_and_deleted_last() -> None:
    m = model("m")
    ec = endpoint_config("ec", model="m", count=1)
    nb = notebook(RootAccess="Enabled")
    jd = job_def(RT.DATA_QUALITY_JOB_DEFINITION, "dq")
    p = plan(run([jd, ec, m, nb]))
    by_type = {rp.resource_type: rp for rp in p.resources}
    ec_plan = by_type[RT.ENDPOINT_CONFIG]
    assert ec_plan.controls == ("SageMaker.4", "SageMaker.5")
    create = ec_plan.steps[0].params
    assert create["ProductionVariants"][0] == {
        "VariantName": "v1",
        "ModelName": "m-sw1",
        "InitialInstanceCount": 2,
    }
    assert ec_plan.steps[0].cost and "double" in ec_plan.steps[0].cost
    # the model plan leaves the config to the endpoint-config plan
    assert actions(by_type[RT.MODEL]) == ["CreateModel", "DeleteModel"]

    order = [(rp.resource_type, s.action) for rp, s in p.ordered_steps()]
    phases = [s.phase for _, s in p.ordered_steps()]
    assert phases == sorted(phases)
    idx = {a: i for i, (_, a) in enumerate(order)}
    assert idx["UpdateNotebookInstance"] < idx["CreateModel"] < idx["CreateEndpointConfig"]
    assert idx["CreateEndpointConfig"] < idx["UpdateEndpoints"] < idx["DeleteEndpointConfig"]
    assert idx["DeleteEndpointConfig"] < idx["DeleteModel"]
    assert idx["RepointSchedules"] < idx["DeleteJobDefinition"]
    assert order[-1] == (RT.MODEL, "DeleteModel")
    # every in-place step first, every deletion after every repoint
    first_delete = min(i for i, (_, a) in enumerate(order) if a.startswith("Delete"))
    last_repoint = max(i for i, (_, s) in enumerate(p.ordered_steps()) if s.phase is Phase.REPOINT)
    assert last_repoint < first_delete


def scoped(r: Resource, account: str, region: str) -> Resource:
    """The same resource (same name) in another account or region."""
    new_arn = str(r.arn).replace(f":{REGION}:{ACCOUNT}:", f":{region}:{account}:")
    return dataclasses.replace(r, account_id=account, region=region, arn=new_arn, id=new_arn)


OTHER_SCOPES = {"two regions": (ACCOUNT, "us-east-1"), "two accounts": ("444455556666", REGION)}


@pytest.mark.parametrize("other", sorted(OTHER_SCOPES))
def test_same_names_in_another_scope_are_other_resources(other: str) -> None:
    """Dependencies are looked up by account, region and name: the model `m` of one scope
    is used by `ec` there, the `m` of the other scope by nothing (its endpoint configs are
    found at apply). Fails on the old planner, which keyed the users of a model by its
    name: both models said `endpoint configs ec move to m-sw1`, and the second lost the
    step that moves the configs only apply can see."""
    account, region = OTHER_SCOPES[other]
    here = [model("m"), endpoint_config("ec", model="m", count=2)]
    here += [job_def(RT.MODEL_BIAS_JOB_DEFINITION, "bias", count=2), _referencing("bias")]
    there = [scoped(model("m"), account, region)]
    there += [scoped(job_def(RT.MODEL_BIAS_JOB_DEFINITION, "bias", count=2), account, region)]
    p = plan(run([*here, *there], ["SageMaker.14.resolveReferences=true"]))
    plans = {(rp.resource_type, rp.account_id, rp.region): rp for rp in p.resources}
    m_here, m_there = plans[(RT.MODEL, ACCOUNT, REGION)], plans[(RT.MODEL, account, region)]
    assert actions(m_here) == ["CreateModel", "DeleteModel"]
    assert [w for w in m_here.warnings if "move to" in w] == ["endpoint configs ec move to m-sw1"]
    assert actions(m_there) == ["CreateModel", "ReplaceModelInEndpointConfigs", "DeleteModel"]
    assert not any("move to" in w for w in m_there.warnings)
    # only this scope's config is replaced, pointing at this scope's new model
    (ec,) = [rp for rp in p.resources if rp.resource_type == RT.ENDPOINT_CONFIG]
    assert (ec.account_id, ec.region) == (ACCOUNT, REGION)
    assert ec.steps[0].params["ProductionVariants"][0]["ModelName"] == "m-sw1"
    # the schedule referencing `bias` is fixed on this scope's definition only
    jd_here = plans[(RT.MODEL_BIAS_JOB_DEFINITION, ACCOUNT, REGION)]
    jd_there = plans[(RT.MODEL_BIAS_JOB_DEFINITION, account, region)]
    assert "SageMaker.14" in jd_here.controls and "SageMaker.14" not in jd_there.controls
    # the order says where each step runs
    text = render_text(p)
    assert f"CreateModel m ({ACCOUNT} {REGION})" in text
    assert f"CreateModel m ({account} {region})" in text


def test_passing_model_used_by_config_unchanged() -> None:
    p = plan(run([model("m", isolated=True), endpoint_config("ec", model="m", count=1)]))
    rp = only(p)
    assert rp.steps[0].params["ProductionVariants"][0]["ModelName"] == "m"


# --- what is not planned ------------------------------------------------------------------


def test_passed_not_planned_nor_listed() -> None:
    evs = run([notebook("ok")])
    assert evs and all(e.status is not Status.FAILED for e in evs)
    p = plan(evs)
    assert (p.resources, p.skipped) == ([], [])
    assert "Nothing to fix" in render_text(p)


def _suppress(evs: list[Evaluation], sup: Suppression) -> list[Evaluation]:
    return [
        dataclasses.replace(e, suppression=sup) if e.control.id == sup.control else e for e in evs
    ]


def test_suppressed_finding_is_listed_as_skipped_with_reason_and_expiry_not_planned() -> None:
    # Fails on the old planner: a suppressed finding vanished from the plan without a word.
    sup = Suppression("SageMaker.3", "users need sudo", ".sagewarden.yaml:3", None, "2099-12-31")
    p = plan(_suppress(run([notebook(RootAccess="Enabled")]), sup))
    assert p.resources == []
    (sk,) = p.skipped
    assert sk.control == "SageMaker.3" and sk.resource_id == arn(RT.NOTEBOOK_INSTANCE, "nb")
    assert "users need sudo" in sk.reason and "until 2099-12-31" in sk.reason
    assert "--include-suppressed" in sk.reason
    d = json.loads(json.dumps(p.to_dict()))
    assert d["skipped"][0]["suppressed"] == {
        "reason": "users need sudo",
        "source": ".sagewarden.yaml:3",
        "expires": "2099-12-31",
    }
    assert Plan.from_dict(d).skipped == p.skipped
    assert "users need sudo" in render_text(p)


def test_include_suppressed_plans_it_and_says_which_suppression_it_overrides() -> None:
    sup = Suppression("SageMaker.3", "users need sudo", ".sagewarden.yaml:3")
    p = plan(_suppress(run([notebook(RootAccess="Enabled")]), sup), include_suppressed=True)
    rp = only(p)
    assert rp.controls == ("SageMaker.3",) and p.skipped == []
    assert rp.warnings[0].startswith("SageMaker.3 is suppressed (.sagewarden.yaml:3: users need")
    assert "--include-suppressed" in rp.warnings[0]


def test_suppressed_control_is_listed_and_not_fixed_with_the_resources_other_one() -> None:
    """.3 suppressed, .8 failing: the one update changes the platform, not root access, and
    .3 is listed as skipped (the old planner left it out of the plan without a word)."""
    nb = notebook(RootAccess="Enabled", PlatformIdentifier="notebook-al2-v2")
    sup = Suppression("SageMaker.3", "users need sudo", ".sagewarden.yaml:3")
    p = plan(_suppress(run([nb]), sup))
    rp = only(p)
    assert rp.controls == ("SageMaker.8",)
    update = next(s for s in rp.steps if s.action == "UpdateNotebookInstance")
    assert "RootAccess" not in update.params and "PlatformIdentifier" in update.params
    assert [sk.control for sk in p.skipped] == ["SageMaker.3"]


def test_suppressed_internet_access_is_kept_by_a_rebuild_for_the_vpc() -> None:
    """.1 suppressed (direct internet accepted), .2 failing (no VPC): the rebuild moves the
    notebook into the subnet and keeps its internet access. Fails on the old planner,
    which disabled direct internet access in every rebuild."""
    nb = notebook(SubnetId=None, SecurityGroupIds=None, DirectInternetAccess="Enabled")
    sup = Suppression("SageMaker.1", "public datasets", ".sagewarden.yaml:7")
    p = plan(
        _suppress(run([nb]), sup),
        allow_rebuild=True,
        backup="user",
        subnet="subnet-9",
    )
    rp = only(p)
    assert rp.controls == ("SageMaker.2",) and rp.strategy == "rebuild"
    create = next(s for s in rp.steps if s.action == "CreateNotebookInstance")
    assert create.params["SubnetId"] == "subnet-9"
    assert create.params["DirectInternetAccess"] == "Enabled"
    assert not any("without direct internet access" in w for w in rp.warnings)
    assert [sk.control for sk in p.skipped] == ["SageMaker.1"]


@pytest.mark.parametrize("kind", ["cloudformation", "terraform"])
def test_iac_skipped(kind: str) -> None:
    nb = res(RT.NOTEBOOK_INSTANCE, "nb", {"RootAccess": "Enabled", "InstanceType": "x"}, kind=kind)
    p = plan(run([nb]))
    assert p.resources == []
    assert p.skipped and all("change the template" in s.reason for s in p.skipped)
    assert "SageMaker.3" in {s.control for s in p.skipped}


def test_aws_config_provenance_is_planned() -> None:
    nb = notebook(RootAccess="Enabled")
    nb.provenance = Provenance("aws-config")
    assert only(plan(run([nb]))).controls == ("SageMaker.3",)


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("dq", "dq-sw1"),
        ("dq-sw1", "dq-sw2"),
        ("dq-sw9", "dq-sw10"),
        ("a" * 63, "a" * 59 + "-sw1"),
        ("a" * 58 + "-bbbb", "a" * 58 + "-sw1"),
    ],
)
def test_new_names_bounded(old: str, new: str) -> None:
    assert new_name(old) == new
    assert len(new) <= 63


def test_long_name_in_plan_bounded() -> None:
    name = "x" * 63
    rp = only(plan(run([job_def(RT.DATA_QUALITY_JOB_DEFINITION, name)])))
    assert rp.new_name is not None and len(rp.new_name) <= 63
    assert rp.steps[0].params["JobDefinitionName"] == rp.new_name


# --- output -------------------------------------------------------------------------------


def test_to_dict_and_text() -> None:
    p = plan(run([notebook(RootAccess="Enabled"), endpoint_config()]))
    d = json.loads(json.dumps(p.to_dict()))
    assert [r["strategy"] for r in d["resources"]] == ["in-place", "blue/green"]
    assert d["order"][0]["action"] == "StopNotebookInstance"
    assert d["order"][-1]["action"] == "DeleteEndpointConfig"
    text = render_text(p)
    assert "UpdateNotebookInstance" in text and "Order:" in text
    assert "at least doubles" in text


def test_replacement_names_skip_names_in_use() -> None:
    taken = endpoint_config("ec-sw1", count=2)  # passes .4, but its name is in use
    p = plan(run([endpoint_config("ec"), taken]))
    assert only(p).new_name == "ec-sw2"
    assert only(p).steps[0].params["EndpointConfigName"] == "ec-sw2"
