"""The fixes of SageMaker.16 to .25, planned (the spec's "Fixing them" table): .20/.25 on
the job-definition blue/green path, .21 inside the notebook rebuild with the key the
user names, .22 in the same UpdateMonitoringSchedule as .14, .24 in place while the
experiment's status allows it, and .16/.17/.18/.19/.23 held: listed with the reason and
what a person does, nothing of theirs run, the resource's other fixes going ahead."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sagewarden.catalog import BY_ID
from sagewarden.remediation import Plan, plan, render_text
from sagewarden.remediation.script import render_script
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from tests.unit.test_remediation_plan import (
    ACCOUNT,
    REGION,
    ROLE,
    actions,
    endpoint_config,
    inline_job,
    job_def,
    model,
    notebook,
    only,
    res,
    run,
)

KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0000aaaa-11bb-22cc-33dd-444455556666"
RESOLVE_22 = "SageMaker.22.resolveReferences=true"


def _step(p: Plan, action: str) -> dict[str, Any]:
    return next(s for s in only(p).steps if s.action == action).params


# --- .20 and .25: one new job definition with every failing flag ----------------------------


@pytest.mark.parametrize(
    ("rtype", "controls"),
    [
        (RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, ("SageMaker.10", "SageMaker.20")),
        (RT.MODEL_QUALITY_JOB_DEFINITION, ("SageMaker.13", "SageMaker.25")),
    ],
)
def test_isolation_and_encryption_of_a_definition_are_fixed_in_one_new_definition(
    rtype: str, controls: tuple[str, ...]
) -> None:
    jd = job_def(rtype, "jd", count=2)
    p = plan(run([jd]))
    rp = only(p)
    assert rp.controls == controls and rp.strategy == "blue/green" and rp.blocked is None
    assert actions(rp).count("CreateJobDefinition") == 1
    create = rp.steps[0]
    assert create.params["JobDefinitionName"] == "jd-sw1"
    assert create.params["NetworkConfig"] == {
        "EnableInterContainerTrafficEncryption": True,
        "EnableNetworkIsolation": True,
    }
    assert actions(rp)[1:] == ["RepointSchedules", "WaitSchedulesNotPending", "DeleteJobDefinition"]
    assert any("stage inputs and baselines" in w for w in rp.warnings)


def test_a_single_instance_definition_is_fixed_for_isolation_only() -> None:
    """.25 has no instance-count condition; .13 does not apply to one instance."""
    rp = only(plan(run([job_def(RT.MODEL_QUALITY_JOB_DEFINITION, "q", count=1)])))
    assert rp.controls == ("SageMaker.25",)
    assert rp.steps[0].params["NetworkConfig"] == {"EnableNetworkIsolation": True}


# --- .22: in the same UpdateMonitoringSchedule as .14 --------------------------------------


def _inline(name: str, **network: bool) -> Resource:
    job = inline_job(NetworkConfig=dict(network)) if network else inline_job()
    config = {
        "MonitoringJobDefinition": job,
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
    }
    return res(RT.MONITORING_SCHEDULE, name, {"MonitoringScheduleConfig": config})


def test_an_inline_schedule_failing_both_gets_one_update_with_both_flags() -> None:
    sched = _inline("s")  # no NetworkConfig: .14 and .22 both fail
    statuses = {e.control.id: e.status.name for e in run([sched])}
    assert statuses["SageMaker.14"] == statuses["SageMaker.22"] == "FAILED"
    rp = only(plan(run([sched])))
    assert rp.controls == ("SageMaker.14", "SageMaker.22")
    assert actions(rp) == ["UpdateMonitoringSchedule", "WaitMonitoringScheduleNotPending"]
    network = rp.steps[0].params["MonitoringScheduleConfig"]["MonitoringJobDefinition"][
        "NetworkConfig"
    ]
    assert network == {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
    }
    assert rp.steps[0].why == ("SageMaker.14", "SageMaker.22")


def test_encryption_alone_keeps_the_isolation_as_it_is() -> None:
    rp = only(plan(run([_inline("s", EnableNetworkIsolation=True)])))
    assert rp.controls == ("SageMaker.22",)
    sent = rp.steps[0].params["MonitoringScheduleConfig"]["MonitoringJobDefinition"]
    assert sent["NetworkConfig"] == {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
    }


def _by_reference(definition: str) -> Resource:
    config = {"MonitoringJobDefinitionName": definition, "MonitoringType": "DataQuality"}
    return res(RT.MONITORING_SCHEDULE, "byref", {"MonitoringScheduleConfig": config})


def test_a_schedule_naming_a_definition_is_fixed_there_only_when_22_follows_references() -> None:
    jd = job_def(RT.DATA_QUALITY_JOB_DEFINITION, "dq", count=1, EnableNetworkIsolation=True)
    assert plan(run([jd, _by_reference("dq")], ["SageMaker.14.resolveReferences=true"])) == Plan()
    both = ["SageMaker.14.resolveReferences=true", RESOLVE_22]
    rp = only(plan(run([jd, _by_reference("dq")], both)))
    assert rp.resource_id == jd.id and rp.controls == ("SageMaker.22",)
    assert rp.steps[0].params["NetworkConfig"] == {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
    }


# --- .21: the key, inside the notebook rebuild ----------------------------------------------


def test_without_a_key_the_volume_key_is_held_saying_which_option_names_it() -> None:
    p = plan(run([notebook(KmsKeyId=None)]), allow_rebuild=True, backup="user")
    rp = only(p)
    assert rp.controls == () and rp.steps == []
    (reason,) = rp.blocked_controls.values()
    assert list(rp.blocked_controls) == ["SageMaker.21"]
    assert reason.startswith("name a KMS key with --kms-key: KmsKeyId is set to it")
    assert "only when the resource is created: the fix is a rebuild" in reason
    assert "BLOCKED SageMaker.21: name a KMS key with --kms-key" in render_text(p)


def test_without_a_key_the_in_place_fixes_still_run_in_place() -> None:
    """A notebook without a key that fails root access is stopped, updated and started as
    before: the key alone never turns it into a rebuild."""
    rp = only(plan(run([notebook(KmsKeyId=None, RootAccess="Enabled")])))
    assert rp.strategy == "in-place" and rp.controls == ("SageMaker.3",)
    assert list(rp.blocked_controls) == ["SageMaker.21"]
    assert "CreateNotebookInstance" not in actions(rp)
    assert _step(Plan([rp]), "UpdateNotebookInstance") == {
        "NotebookInstanceName": "nb",
        "RootAccess": "Disabled",
    }


def test_one_rebuild_fixes_network_root_platform_and_the_key() -> None:
    nb = notebook(
        KmsKeyId=None,
        SubnetId=None,
        SecurityGroupIds=None,
        DirectInternetAccess="Enabled",
        RootAccess="Enabled",
        PlatformIdentifier="notebook-al2-v3",
    )
    p = plan(run([nb]), allow_rebuild=True, backup="user", subnet="subnet-9", kms_key=KEY)
    rp = only(p)
    assert rp.strategy == "rebuild" and rp.blocked is None and rp.blocked_controls == {}
    assert rp.controls == (
        "SageMaker.1",
        "SageMaker.2",
        "SageMaker.3",
        "SageMaker.8",
        "SageMaker.21",
    )
    assert actions(rp).count("CreateNotebookInstance") == 1
    create = _step(p, "CreateNotebookInstance")
    assert create["KmsKeyId"] == KEY
    assert (create["SubnetId"], create["DirectInternetAccess"]) == ("subnet-9", "Disabled")
    assert (create["RootAccess"], create["PlatformIdentifier"]) == (
        "Disabled",
        "notebook-al2023-v1",
    )
    assert any("key policy must let SageMaker" in w and KEY in w for w in rp.warnings)


def test_a_key_alone_is_a_rebuild_gated_like_every_rebuild() -> None:
    rp = only(plan(run([notebook(KmsKeyId=None)]), kms_key=KEY))
    assert rp.strategy == "rebuild" and rp.controls == ("SageMaker.21",)
    assert rp.blocked and "--allow-rebuild" in rp.blocked and "no backup" in rp.blocked
    assert all(s.blocked for s in rp.steps)


def test_a_rebuild_without_a_key_says_the_key_later_takes_another_rebuild() -> None:
    nb = notebook(KmsKeyId=None, DirectInternetAccess="Enabled")
    rp = only(plan(run([nb]), allow_rebuild=True, backup="user"))
    assert rp.strategy == "rebuild" and rp.controls == ("SageMaker.1",)
    assert "KmsKeyId" not in _step(Plan([rp]), "CreateNotebookInstance")
    assert list(rp.blocked_controls) == ["SageMaker.21"]
    assert any(
        w.startswith("SageMaker.21 is not fixed by this rebuild") and "another rebuild" in w
        for w in rp.warnings
    )


def test_the_notebooks_own_key_is_kept_by_a_rebuild() -> None:
    nb = notebook(DirectInternetAccess="Enabled")
    rp = only(plan(run([nb]), allow_rebuild=True, backup="user", kms_key=KEY))
    assert rp.controls == ("SageMaker.1",)
    own = nb.properties["KmsKeyId"]
    assert own != KEY and _step(Plan([rp]), "CreateNotebookInstance")["KmsKeyId"] == own


# --- .24: in place, while the experiment's status allows it ---------------------------------

CAPTURE = {
    "Destination": "s3://bucket/capture",
    "ContentType": {"JsonContentTypes": ["application/json"]},
}


def experiment(name: str = "shadow", **props: Any) -> Resource:
    """An inference experiment as DescribeInferenceExperiment gives it."""
    base: dict[str, Any] = {
        "Type": "ShadowMode",
        "Status": "Running",
        "RoleArn": ROLE,
        "EndpointMetadata": {"EndpointName": "ep", "EndpointStatus": "InService"},
        "Schedule": {"StartTime": "2026-01-01T00:00:00Z", "EndTime": "2026-01-08T00:00:00Z"},
        "ModelVariants": [
            {
                "ModelName": "m",
                "VariantName": "v",
                "InfrastructureConfig": {
                    "InfrastructureType": "RealTimeInference",
                    "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
                },
                "Status": "InService",
            }
        ],
        "ShadowModeConfig": {
            "SourceModelVariantName": "v",
            "ShadowModelVariants": [{"ShadowModelVariantName": "v", "SamplingPercentage": 50}],
        },
        "DataStorageConfig": CAPTURE,
        "KmsKey": KEY,
    }
    base.update(props)
    return res(RT.INFERENCE_EXPERIMENT, name, {k: v for k, v in base.items() if v is not None})


@pytest.mark.parametrize("status", ["Created", "Running"])
def test_data_capture_key_is_set_in_place_with_the_whole_structure(status: str) -> None:
    p = plan(run([experiment(Status=status)]), kms_key=KEY)
    rp = only(p)
    assert rp.controls == ("SageMaker.24",) and rp.strategy == "in-place"
    assert rp.blocked is None and rp.blocked_controls == {}
    assert actions(rp) == ["UpdateInferenceExperiment", "WaitInferenceExperimentSettled"]
    update = rp.steps[0]
    assert update.operation == "UpdateInferenceExperiment"
    assert update.params == {"Name": "shadow", "DataStorageConfig": {**CAPTURE, "KmsKey": KEY}}
    assert update.condition is None
    assert "DataStorageConfig.KmsKey" in (update.iac_note or "")
    assert any("captured before the update" in w for w in rp.warnings)


@pytest.mark.parametrize("status", ["Completed", "Cancelled"])
def test_a_finished_experiment_is_blocked_with_the_reason(status: str) -> None:
    rp = only(plan(run([experiment(Status=status)]), kms_key=KEY))
    assert rp.controls == ("SageMaker.24",)
    assert rp.blocked and f"the experiment is {status}" in rp.blocked
    assert "Created or Running" in rp.blocked and "DeleteInferenceExperiment" in rp.blocked
    assert all(s.blocked for s in rp.steps)


def test_an_unrecorded_status_is_decided_at_apply() -> None:
    rp = only(plan(run([experiment(Status=None)]), kms_key=KEY))
    assert rp.blocked is None
    assert rp.steps[0].condition == "only if Status is Created or Running at apply"


def test_without_a_key_the_data_capture_key_is_held() -> None:
    rp = only(plan(run([experiment()])))
    assert rp.controls == () and rp.steps == []
    assert rp.blocked_controls == {
        "SageMaker.24": "name a KMS key with --kms-key: DataStorageConfig.KmsKey is set to it"
    }


def test_instance_storage_is_held_while_the_data_capture_is_fixed() -> None:
    rp = only(plan(run([experiment(KmsKey=None)]), kms_key=KEY))
    assert rp.controls == ("SageMaker.24",) and rp.blocked is None
    assert rp.blocked_controls == {"SageMaker.23": BY_ID["SageMaker.23"].fix.blocked}
    assert "StopInferenceExperiment" in rp.blocked_controls["SageMaker.23"]
    assert "KmsKey" not in rp.steps[0].params  # never sent: create-only


# --- .16, .17, .18, .19, .23: held, each with the reason and what a person does ---------------


def _held_only(r: Resource, **options: Any) -> dict[str, str]:
    rp = only(plan(run([r]), **options))
    assert rp.controls == () and rp.steps == [] and rp.blocked
    return rp.blocked_controls


def test_a_model_failing_only_the_registry_rule_is_held_and_nothing_is_replaced() -> None:
    ecr = {"ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "img"}}
    m = res(RT.MODEL, "m", {**ecr, "EnableNetworkIsolation": True})
    p = plan(run([m, endpoint_config("ec", model="m", count=2)]))
    (rp,) = p.resources  # the endpoint config that uses it is not touched
    assert rp.resource_type == RT.MODEL and rp.steps == [] and rp.new_name is None
    assert rp.blocked_controls == {"SageMaker.16": BY_ID["SageMaker.16"].fix.blocked}


def test_a_model_failing_isolation_and_the_registry_rule_is_isolated() -> None:
    m = res(RT.MODEL, "m", {"ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "img"}})
    p = plan(run([m, endpoint_config("ec", model="m", count=2)]))
    by_type = {rp.resource_type: rp for rp in p.resources}
    assert by_type[RT.MODEL].controls == ("SageMaker.5",)
    assert list(by_type[RT.MODEL].blocked_controls) == ["SageMaker.16"]
    assert "CreateModel" in actions(by_type[RT.MODEL])
    # the config follows the model for .5 only: the held control does not travel
    assert by_type[RT.ENDPOINT_CONFIG].steps[0].why == ("SageMaker.5 (uses model m)",)


def test_a_multi_container_model_is_held_for_every_container() -> None:
    containers = [{"Image": "a"}, {"Image": "b", "ImageConfig": {"RepositoryAccessMode": "Vpc"}}]
    pipeline = {"ExecutionRoleArn": ROLE, "Containers": containers, "EnableNetworkIsolation": True}
    held = _held_only(res(RT.MODEL, "pipe", pipeline))
    assert held == {"SageMaker.19": BY_ID["SageMaker.19"].fix.blocked}
    assert "Amazon ECR" in held["SageMaker.19"] and "A person:" in held["SageMaker.19"]


def test_a_feature_group_is_held_for_both_stores_whatever_the_options() -> None:
    fg = res(
        RT.FEATURE_GROUP,
        "fg",
        {
            "RecordIdentifierFeatureName": "id",
            "EventTimeFeatureName": "t",
            "OnlineStoreConfig": {"EnableOnlineStore": True},
            "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": "s3://b/f"}},
        },
    )
    held = _held_only(fg, kms_key=KEY, allow_rebuild=True, backup="user")
    assert list(held) == ["SageMaker.17", "SageMaker.18"]
    assert all("re-ingest the records" in why for why in held.values())


def test_held_controls_in_text_json_and_script() -> None:
    fg = res(RT.FEATURE_GROUP, "fg", {"OfflineStoreConfig": {"S3StorageConfig": {}}})
    m = res(RT.MODEL, "m", {"ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": "img"}})
    p = plan(run([fg, m]))
    reason = BY_ID["SageMaker.17"].fix.blocked
    assert reason is not None

    text = render_text(p)
    assert f"fg ({RT.FEATURE_GROUP}, rebuild): not fixed: SageMaker.17" in text
    assert f"  BLOCKED SageMaker.17: {reason}" in text
    assert f"m ({RT.MODEL}, blue/green): SageMaker.5; not fixed: SageMaker.16" in text
    assert "  BLOCKED: " not in text  # each held control says its own reason, once

    doc = json.loads(json.dumps(p.to_dict()))
    fg_doc = next(r for r in doc["resources"] if r["name"] == "fg")
    assert fg_doc["controls"] == [] and fg_doc["steps"] == []
    assert fg_doc["blocked_controls"] == {"SageMaker.17": reason}
    assert Plan.from_dict(doc).resources == p.resources

    script = render_script(p)
    assert f"# BLOCKED SageMaker.17 {fg.id}: {reason}" in script
    assert "# BLOCKED SageMaker.16 " in script
    assert "feature-group" not in "".join(
        line for line in script.splitlines() if line.startswith("sw_aws")
    )
    assert "create-model" in script  # the model's own fix is scripted


def test_a_saved_plan_with_malformed_held_controls_is_refused() -> None:
    doc = plan(run([res(RT.MODEL, "m", {"PrimaryContainer": {"Image": "i"}})])).to_dict()
    doc["resources"][0]["blocked_controls"] = ["SageMaker.16"]
    with pytest.raises(ValueError, match="blocked_controls must be an object"):
        Plan.from_dict(doc)


def test_the_passing_demo_model_shape_is_not_planned() -> None:
    """model() of the planner tests pulls from a private registry: isolation decides."""
    assert plan(run([model("m", isolated=True)])) == Plan()
