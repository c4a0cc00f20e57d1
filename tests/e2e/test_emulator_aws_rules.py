"""The emulator refuses what AWS refuses and answers what AWS answers (issue 10, item 7).

Each refusal is one the SageMaker API reference documents (quoted where the emulator
implements it); each answer must match botocore's output model, which the `aws` fixture
enforces by failing any test after which the emulator reported a bug of its own.
Everything goes through boto3 over HTTP on 127.0.0.1.
"""

from __future__ import annotations

from typing import Any

import pytest

from sagewarden_demo.emulator import Emulator
from sagewarden_demo.emulator.validation import OutputMismatch, check_output, operation_model
from tests.e2e.test_emulator import (
    ACCOUNT,
    ROLE,
    data_quality,
    error_of,
    inline_schedule,
    model,
    model_bias,
    notebook,
)

INSTANCES = {"InstanceType": "ml.m5.large", "InitialInstanceCount": 2}
SERVERLESS = {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}
CAPTURE = {
    "InitialSamplingPercentage": 50,
    "DestinationS3Uri": "s3://capture/ep",
    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
}
DAILY = {"ScheduleExpression": "cron(0 3 ? * * *)"}


def variant(name: str = "v", model_name: str = "m", **resources: Any) -> dict[str, Any]:
    return {"VariantName": name, "ModelName": model_name, **resources}


def config(sm: Any, name: str, variants: list[dict[str, Any]], **extra: Any) -> None:
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=variants, **extra)


def refused(call: Any) -> str:
    """The message of a ValidationException answered with HTTP 400 (anything else fails)."""
    code, message, status = error_of(call)
    assert (code, status) == ("ValidationException", 400), (code, status, message)
    return message


def config_names(sm: Any) -> list[str]:
    return sorted(c["EndpointConfigName"] for c in sm.list_endpoint_configs()["EndpointConfigs"])


# Notebook instances


def test_notebook_without_direct_internet_access_needs_a_subnet(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    message = refused(lambda: notebook(sm, "no-subnet", DirectInternetAccess="Disabled"))
    assert "SubnetId" in message
    assert sm.list_notebook_instances()["NotebookInstances"] == []

    notebook(
        sm,
        "private",
        DirectInternetAccess="Disabled",
        SubnetId="subnet-0123",
        SecurityGroupIds=["sg-0123"],
    )
    notebook(sm, "open", DirectInternetAccess="Enabled")  # no subnet needed when Enabled
    notebook(sm, "default")  # Enabled is the default
    listed = sm.list_notebook_instances()["NotebookInstances"]
    assert sorted(n["NotebookInstanceName"] for n in listed) == ["default", "open", "private"]


# Endpoint configs: production variants


BAD_VARIANTS = {
    "type-without-count": {"InstanceType": "ml.m5.large"},
    "count-without-type": {"InitialInstanceCount": 2},
    "nothing": {},
    "serverless-with-count": {**SERVERLESS, "InitialInstanceCount": 1},
    "serverless-with-type": {**SERVERLESS, "InstanceType": "ml.m5.large"},
}


@pytest.mark.parametrize("case", sorted(BAD_VARIANTS))
def test_variant_is_serverless_or_names_its_instances(aws: Emulator, case: str) -> None:
    sm = aws.client("sagemaker")
    model(sm, "m")
    bad = variant("bad", **BAD_VARIANTS[case])
    message = refused(lambda: config(sm, "cfg", [variant("ok", **INSTANCES), bad]))
    assert "ProductionVariants[1]" in message and "'bad'" in message
    assert config_names(sm) == []


def test_valid_variants_are_accepted_with_every_modelled_instance_type(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model(sm, "m")
    config(sm, "instances", [variant(**INSTANCES)])
    config(sm, "serverless", [variant(**SERVERLESS)])
    newer = variant(InstanceType="ml.g5.xlarge", InitialInstanceCount=1)  # not in moto's list
    config(sm, "newer", [newer])
    described = sm.describe_endpoint_config(EndpointConfigName="newer")
    assert described["ProductionVariants"] == [newer]
    assert config_names(sm) == ["instances", "newer", "serverless"]


# Endpoint configs: shadow variants and members moto drops


def test_shadow_variants_round_trip_to_the_endpoint(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model(sm, "m")
    model(sm, "challenger")
    production = variant("prod", **INSTANCES)
    shadow = variant("shadow", "challenger", InstanceType="ml.m5.large", InitialInstanceCount=1)
    config(sm, "with-shadow", [production], ShadowProductionVariants=[shadow])

    described = sm.describe_endpoint_config(EndpointConfigName="with-shadow")
    assert described["ProductionVariants"] == [production]
    assert described["ShadowProductionVariants"] == [shadow]

    sm.create_endpoint(EndpointName="ep", EndpointConfigName="with-shadow")
    endpoint = sm.describe_endpoint(EndpointName="ep")
    assert [v["VariantName"] for v in endpoint["ProductionVariants"]] == ["prod"]
    shadows = endpoint["ShadowProductionVariants"]
    assert [(v["VariantName"], v["CurrentInstanceCount"]) for v in shadows] == [("shadow", 1)]

    config(sm, "plain", [production])
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="plain")
    assert "ShadowProductionVariants" not in sm.describe_endpoint(EndpointName="ep")


def test_shadow_variants_follow_the_reference(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model(sm, "m")
    shadow = variant("shadow", **INSTANCES)
    two = [variant("a", **INSTANCES), variant("b", **INSTANCES)]
    message = refused(lambda: config(sm, "two-prod", two, ShadowProductionVariants=[shadow]))
    assert "exactly one" in message
    one = [variant("a", **INSTANCES)]
    refused(
        lambda: config(
            sm, "two-shadows", one, ShadowProductionVariants=[shadow, variant("s2", **INSTANCES)]
        )
    )
    message = refused(
        lambda: config(
            sm, "lost-model", one, ShadowProductionVariants=[variant("s", "gone", **INSTANCES)]
        )
    )
    assert f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:model/gone" in message
    message = refused(
        lambda: config(
            sm,
            "countless",
            one,
            ShadowProductionVariants=[variant("s", InstanceType="ml.m5.large")],
        )
    )
    assert "ShadowProductionVariants[0]" in message
    assert config_names(sm) == []


def test_endpoint_config_members_moto_drops_come_back(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model(sm, "m")
    vpc = {"SecurityGroupIds": ["sg-0123"], "Subnets": ["subnet-0123"]}
    config(
        sm,
        "full",
        [variant(**INSTANCES)],
        ExecutionRoleArn=ROLE,
        VpcConfig=vpc,
        EnableNetworkIsolation=True,
        KmsKeyId="alias/volumes",
        DataCaptureConfig=CAPTURE,
    )
    described = sm.describe_endpoint_config(EndpointConfigName="full")
    assert described["ExecutionRoleArn"] == ROLE
    assert described["VpcConfig"] == vpc
    assert described["EnableNetworkIsolation"] is True
    assert described["KmsKeyId"] == "alias/volumes"
    assert described["DataCaptureConfig"] == CAPTURE


# Names must be unique; what an endpoint refers to must exist


def test_existing_endpoint_config_and_endpoint_names_are_refused(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model(sm, "m")
    config(sm, "cfg", [variant("first", **INSTANCES)])
    message = refused(lambda: config(sm, "cfg", [variant("second", **INSTANCES)]))
    assert f'"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint-config/cfg"' in message
    kept = sm.describe_endpoint_config(EndpointConfigName="cfg")["ProductionVariants"]
    assert [v["VariantName"] for v in kept] == ["first"]  # moto replaced it

    config(sm, "other", [variant("other", **INSTANCES)])
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    message = refused(lambda: sm.create_endpoint(EndpointName="ep", EndpointConfigName="other"))
    assert f'"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/ep"' in message
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "cfg"


def test_endpoints_need_an_existing_config(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    message = refused(lambda: sm.create_endpoint(EndpointName="ep", EndpointConfigName="nope"))
    assert "endpoint-config/nope" in message
    assert sm.list_endpoints()["Endpoints"] == []
    model(sm, "m")
    config(sm, "cfg", [variant(**INSTANCES)])
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    refused(lambda: sm.update_endpoint(EndpointName="ep", EndpointConfigName="nope"))
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "cfg"


# DescribeEndpoint with data capture


def test_describe_endpoint_answers_a_data_capture_summary(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model(sm, "m")
    config(sm, "captured", [variant(**INSTANCES)], DataCaptureConfig=CAPTURE)
    stopped = {**CAPTURE, "EnableCapture": False, "KmsKeyId": "alias/capture"}
    config(sm, "stopped", [variant(**INSTANCES)], DataCaptureConfig=stopped)
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="captured")

    described = sm.describe_endpoint(EndpointName="ep")  # was HTTP 500: off the model
    assert described["DataCaptureConfig"] == {
        "EnableCapture": True,  # "defaults to enabled"
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 50,
        "DestinationS3Uri": "s3://capture/ep",
    }  # no KmsKeyId: AWS leaves it out when none was given

    sm.update_endpoint(EndpointName="ep", EndpointConfigName="stopped")
    assert sm.describe_endpoint(EndpointName="ep")["DataCaptureConfig"] == {
        "EnableCapture": False,
        "CaptureStatus": "Stopped",
        "CurrentSamplingPercentage": 50,
        "DestinationS3Uri": "s3://capture/ep",
        "KmsKeyId": "alias/capture",
    }


def test_only_the_documented_omission_passes_the_output_check() -> None:
    operation = operation_model("sagemaker", "DescribeEndpoint")
    assert operation is not None
    base = {
        "EndpointName": "ep",
        "EndpointArn": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/ep",
        "EndpointStatus": "InService",
        "CreationTime": 0,
        "LastModifiedTime": 0,
    }
    summary = {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 50,
        "DestinationS3Uri": "s3://capture/ep",
    }
    check_output(operation, {**base, "DataCaptureConfig": summary})
    check_output(operation, {**base, "DataCaptureConfig": {**summary, "KmsKeyId": "k"}})
    for member in summary:
        partial = {k: v for k, v in summary.items() if k != member}
        with pytest.raises(OutputMismatch, match=member):
            check_output(operation, {**base, "DataCaptureConfig": partial})
    # the DataCaptureConfig request shape is not a summary (moto's old answer)
    with pytest.raises(OutputMismatch):
        check_output(operation, {**base, "DataCaptureConfig": CAPTURE})


# Monitoring schedules by reference


def by_reference(name: str, monitoring_type: str) -> dict[str, Any]:
    return {
        "ScheduleConfig": DAILY,
        "MonitoringJobDefinitionName": name,
        "MonitoringType": monitoring_type,
    }


def test_schedule_must_name_an_existing_definition_of_its_type(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    data_quality(sm, "dq", endpoint="ep-dq")
    model_bias(sm, "bias", endpoint="ep-bias")

    def create(config: dict[str, Any]) -> None:
        sm.create_monitoring_schedule(MonitoringScheduleName="s", MonitoringScheduleConfig=config)

    message = refused(lambda: create(by_reference("missing", "DataQuality")))
    assert "'missing'" in message
    message = refused(lambda: create(by_reference("dq", "ModelBias")))  # dq is DataQuality
    assert "ModelBias" in message and "'dq'" in message
    assert sm.list_monitoring_schedules()["MonitoringScheduleSummaries"] == []

    create(by_reference("bias", "ModelBias"))
    assert sm.describe_monitoring_schedule(MonitoringScheduleName="s")["EndpointName"] == "ep-bias"


def test_schedule_update_must_name_an_existing_definition(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    data_quality(sm, "dq", endpoint="ep-dq")
    sm.create_monitoring_schedule(
        MonitoringScheduleName="s", MonitoringScheduleConfig=inline_schedule()
    )

    def update(config: dict[str, Any]) -> None:
        sm.update_monitoring_schedule(MonitoringScheduleName="s", MonitoringScheduleConfig=config)

    refused(lambda: update(by_reference("missing", "DataQuality")))
    refused(lambda: update(by_reference("dq", "ModelQuality")))
    kept = sm.describe_monitoring_schedule(MonitoringScheduleName="s")
    assert kept["MonitoringScheduleConfig"] == inline_schedule()  # unchanged

    update(by_reference("dq", "DataQuality"))
    updated = sm.describe_monitoring_schedule(MonitoringScheduleName="s")
    assert (updated["MonitoringType"], updated["EndpointName"]) == ("DataQuality", "ep-dq")
    code, _, status = error_of(
        lambda: sm.update_monitoring_schedule(
            MonitoringScheduleName="gone",
            MonitoringScheduleConfig=by_reference("dq", "DataQuality"),
        )
    )
    assert (code, status) == ("ResourceNotFound", 400)  # the schedule itself
