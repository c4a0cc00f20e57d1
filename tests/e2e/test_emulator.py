"""The local AWS emulator, driven only through boto3 over real HTTP on 127.0.0.1.

Fixtures `aws` and `emulator` come from tests/emulator/fixtures.py via tests/conftest.py
(importing them here as well would start a second session emulator).
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import boto3
import botocore.retries.standard
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from sagewarden_demo.emulator import Call, Emulator, sagemaker_ext, sagemaker_service_model

ACCOUNT = "123456789012"  # moto's default account
OTHER = "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
NO_CLIENT_VALIDATION = Config(parameter_validation=False, retries={"total_max_attempts": 1})


def error_of(call: Callable[[], Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    return (
        error["Error"]["Code"],
        error["Error"]["Message"],
        error["ResponseMetadata"]["HTTPStatusCode"],
    )


def raw_sagemaker(
    aws: Emulator, operation: str, params: dict[str, Any]
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """POST a SageMaker JSON request by hand, to see the bytes botocore would parse."""
    request = urllib.request.Request(
        aws.endpoint_url,
        data=json.dumps(params).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": f"SageMaker.{operation}",
            "Authorization": (
                "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/sagemaker/aws4_request, "
                "SignedHeaders=host, Signature=0"
            ),
        },
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as failed:
        return failed.code, dict(failed.headers), json.loads(failed.read())


def assumed_client(aws: Emulator, service: str, account: str, region: str = "us-east-1") -> Any:
    """A client with real STS AssumeRole credentials for a role in `account`."""
    credentials = aws.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/scanner", RoleSessionName="scan"
    )["Credentials"]
    return aws.client(
        service,
        region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


# Minimal valid inputs


def notebook(sm: Any, name: str, **extra: Any) -> None:
    sm.create_notebook_instance(
        **{"NotebookInstanceName": name, "InstanceType": "ml.t3.medium", "RoleArn": ROLE, **extra}
    )


def model(sm: Any, name: str, **extra: Any) -> None:
    sm.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"}, **extra
    )


def endpoint_config(sm: Any, name: str, model_name: str = "m") -> None:
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "v",
                "ModelName": model_name,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )


OUTPUT = {"MonitoringOutputs": [{"S3Output": {"S3Uri": "s3://b/out", "LocalPath": "/out"}}]}
RESOURCES = {
    "ClusterConfig": {"InstanceCount": 3, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 20}
}
NETWORK = {"EnableNetworkIsolation": True, "EnableInterContainerTrafficEncryption": True}


def endpoint_input(endpoint: str) -> dict[str, Any]:
    return {"EndpointName": endpoint, "LocalPath": "/in"}


def data_quality(sm: Any, name: str, endpoint: str = "ep", **extra: Any) -> None:
    sm.create_data_quality_job_definition(
        JobDefinitionName=name,
        RoleArn=ROLE,
        DataQualityAppSpecification={"ImageUri": "img"},
        DataQualityJobInput={"EndpointInput": endpoint_input(endpoint)},
        DataQualityJobOutputConfig=OUTPUT,
        JobResources=RESOURCES,
        **extra,
    )


def model_bias(sm: Any, name: str, endpoint: str = "ep", **extra: Any) -> None:
    sm.create_model_bias_job_definition(
        JobDefinitionName=name,
        RoleArn=ROLE,
        ModelBiasAppSpecification={"ImageUri": "img", "ConfigUri": "s3://b/c"},
        ModelBiasJobInput={
            "EndpointInput": endpoint_input(endpoint),
            "GroundTruthS3Input": {"S3Uri": "s3://b/gt"},
        },
        ModelBiasJobOutputConfig=OUTPUT,
        JobResources=RESOURCES,
        **extra,
    )


def model_explainability(sm: Any, name: str, **extra: Any) -> None:
    sm.create_model_explainability_job_definition(
        JobDefinitionName=name,
        RoleArn=ROLE,
        ModelExplainabilityAppSpecification={"ImageUri": "img", "ConfigUri": "s3://b/c"},
        ModelExplainabilityJobInput={"EndpointInput": endpoint_input("ep")},
        ModelExplainabilityJobOutputConfig=OUTPUT,
        JobResources=RESOURCES,
        **extra,
    )


def model_quality(sm: Any, name: str, **extra: Any) -> None:
    sm.create_model_quality_job_definition(
        JobDefinitionName=name,
        RoleArn=ROLE,
        ModelQualityAppSpecification={"ImageUri": "img", "ProblemType": "Regression"},
        ModelQualityJobInput={
            "EndpointInput": endpoint_input("ep"),
            "GroundTruthS3Input": {"S3Uri": "s3://b/gt"},
        },
        ModelQualityJobOutputConfig=OUTPUT,
        JobResources=RESOURCES,
        **extra,
    )


def inline_schedule(endpoint: str = "ep", cron: str = "cron(0 * ? * * *)") -> dict[str, Any]:
    return {
        "ScheduleConfig": {"ScheduleExpression": cron},
        "MonitoringJobDefinition": {
            "MonitoringInputs": [{"EndpointInput": endpoint_input(endpoint)}],
            "MonitoringOutputConfig": OUTPUT,
            "MonitoringResources": RESOURCES,
            "MonitoringAppSpecification": {"ImageUri": "img"},
            "NetworkConfig": NETWORK,
            "RoleArn": ROLE,
        },
    }


def schedule(sm: Any, name: str, **extra: Any) -> None:
    sm.create_monitoring_schedule(
        MonitoringScheduleName=name, MonitoringScheduleConfig=inline_schedule(), **extra
    )


def image(sm: Any, name: str, **extra: Any) -> None:
    sm.create_image(ImageName=name, RoleArn=ROLE, **extra)


KERNEL = {"KernelSpecs": [{"Name": "python3", "DisplayName": "Python 3"}]}


def app_image_config(sm: Any, name: str, **extra: Any) -> None:
    sm.create_app_image_config(AppImageConfigName=name, KernelGatewayImageConfig=KERNEL, **extra)


# Extension operations, round trip


def test_images_round_trip(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    arn = sm.create_image(
        ImageName="img-a",
        RoleArn=ROLE,
        Description="first",
        DisplayName="Image A",
        Tags=[{"Key": "team", "Value": "ml"}],
    )["ImageArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:image/img-a"

    described = sm.describe_image(ImageName="img-a")
    assert described["ImageStatus"] == "CREATED"
    assert described["RoleArn"] == ROLE
    assert (described["Description"], described["DisplayName"]) == ("first", "Image A")

    sm.update_image(ImageName="img-a", Description="second", DeleteProperties=["DisplayName"])
    updated = sm.describe_image(ImageName="img-a")
    assert updated["Description"] == "second"
    assert "DisplayName" not in updated
    assert updated["LastModifiedTime"] >= described["LastModifiedTime"]

    image(sm, "img-b")
    listed = sm.list_images(SortBy="IMAGE_NAME", SortOrder="ASCENDING")["Images"]
    assert [i["ImageName"] for i in listed] == ["img-a", "img-b"]
    assert sm.list_images(NameContains="-b")["Images"][0]["ImageArn"].endswith("image/img-b")

    code, _, _ = error_of(lambda: image(sm, "img-a"))
    assert code == "ResourceInUse"
    sm.delete_image(ImageName="img-a")
    assert error_of(lambda: sm.describe_image(ImageName="img-a"))[0] == "ResourceNotFound"
    assert [i["ImageName"] for i in sm.list_images()["Images"]] == ["img-b"]


def test_app_image_configs_round_trip(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    arn = sm.create_app_image_config(AppImageConfigName="cfg", KernelGatewayImageConfig=KERNEL)[
        "AppImageConfigArn"
    ]
    assert arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:app-image-config/cfg"
    assert sm.describe_app_image_config(AppImageConfigName="cfg")["KernelGatewayImageConfig"] == (
        KERNEL
    )

    jupyter = {"ContainerConfig": {"ContainerArguments": ["--debug"]}}
    sm.update_app_image_config(AppImageConfigName="cfg", JupyterLabAppImageConfig=jupyter)
    listed = sm.list_app_image_configs()["AppImageConfigs"]
    assert len(listed) == 1
    assert listed[0]["AppImageConfigArn"] == arn
    assert listed[0]["KernelGatewayImageConfig"] == KERNEL  # full details, as AWS lists them
    assert listed[0]["JupyterLabAppImageConfig"] == jupyter

    sm.delete_app_image_config(AppImageConfigName="cfg")
    code, _, status = error_of(lambda: sm.describe_app_image_config(AppImageConfigName="cfg"))
    assert (code, status) == ("ResourceNotFound", 400)
    assert sm.list_app_image_configs()["AppImageConfigs"] == []


def test_monitoring_schedule_lifecycle(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    arn = sm.create_monitoring_schedule(
        MonitoringScheduleName="sched", MonitoringScheduleConfig=inline_schedule()
    )["MonitoringScheduleArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:monitoring-schedule/sched"

    first = sm.describe_monitoring_schedule(MonitoringScheduleName="sched")
    assert first["MonitoringScheduleStatus"] == "Pending"
    assert first["MonitoringType"] == "DataQuality"  # derived for an inline job
    assert first["EndpointName"] == "ep"
    assert first["MonitoringScheduleConfig"] == inline_schedule()
    second = sm.describe_monitoring_schedule(MonitoringScheduleName="sched")
    assert second["MonitoringScheduleStatus"] == "Scheduled"

    sm.stop_monitoring_schedule(MonitoringScheduleName="sched")
    assert (
        sm.list_monitoring_schedules()["MonitoringScheduleSummaries"][0]["MonitoringScheduleStatus"]
        == "Stopped"
    )
    sm.start_monitoring_schedule(MonitoringScheduleName="sched")
    described = sm.describe_monitoring_schedule(MonitoringScheduleName="sched")
    assert described["MonitoringScheduleStatus"] == "Scheduled"

    replacement = inline_schedule(endpoint="ep2", cron="cron(0 0 ? * * *)")
    del replacement["MonitoringJobDefinition"]["NetworkConfig"]
    sm.update_monitoring_schedule(
        MonitoringScheduleName="sched", MonitoringScheduleConfig=replacement
    )
    updated = sm.describe_monitoring_schedule(MonitoringScheduleName="sched")
    assert updated["MonitoringScheduleStatus"] == "Pending"
    assert updated["MonitoringScheduleConfig"] == replacement  # replaced, not merged
    assert updated["EndpointName"] == "ep2"
    assert (
        sm.describe_monitoring_schedule(MonitoringScheduleName="sched")["MonitoringScheduleStatus"]
        == "Scheduled"
    )

    assert error_of(lambda: schedule(sm, "sched"))[0] == "ResourceInUse"
    sm.delete_monitoring_schedule(MonitoringScheduleName="sched")
    for call in (
        lambda: sm.describe_monitoring_schedule(MonitoringScheduleName="sched"),
        lambda: sm.start_monitoring_schedule(MonitoringScheduleName="sched"),
        lambda: sm.delete_monitoring_schedule(MonitoringScheduleName="sched"),
    ):
        assert error_of(call)[0] == "ResourceNotFound"


def test_monitoring_schedules_by_job_definition_and_filters(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model_bias(sm, "bias-def", endpoint="ep-bias")
    sm.create_monitoring_schedule(
        MonitoringScheduleName="bias-sched",
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringJobDefinitionName": "bias-def",
            "MonitoringType": "ModelBias",
        },
    )
    schedule(sm, "dq-sched")
    sm.describe_monitoring_schedule(MonitoringScheduleName="dq-sched")  # -> Scheduled

    described = sm.describe_monitoring_schedule(MonitoringScheduleName="bias-sched")
    assert (described["MonitoringType"], described["EndpointName"]) == ("ModelBias", "ep-bias")

    def names(**filters: Any) -> list[str]:
        summaries = sm.list_monitoring_schedules(**filters)["MonitoringScheduleSummaries"]
        return sorted(s["MonitoringScheduleName"] for s in summaries)

    assert names() == ["bias-sched", "dq-sched"]
    assert names(EndpointName="ep-bias") == ["bias-sched"]
    assert names(NameContains="dq") == ["dq-sched"]
    assert names(StatusEquals="Scheduled") == ["bias-sched", "dq-sched"]
    assert names(MonitoringJobDefinitionName="bias-def") == ["bias-sched"]
    assert names(MonitoringTypeEquals="DataQuality") == ["dq-sched"]

    code, _, _ = error_of(
        lambda: sm.create_monitoring_schedule(
            MonitoringScheduleName="untyped",
            MonitoringScheduleConfig={"MonitoringJobDefinitionName": "bias-def"},
        )
    )
    assert code == "ValidationException"


# Pagination past 100 for every list a scan walks

LISTS: dict[str, tuple[str, Callable[[Any, str], None]]] = {
    "list_notebook_instances": ("NotebookInstances", notebook),
    "list_endpoint_configs": ("EndpointConfigs", endpoint_config),
    "list_models": ("Models", model),
    "list_app_image_configs": ("AppImageConfigs", app_image_config),
    "list_images": ("Images", image),
    "list_data_quality_job_definitions": ("JobDefinitionSummaries", data_quality),
    "list_model_bias_job_definitions": ("JobDefinitionSummaries", model_bias),
    "list_model_explainability_job_definitions": (
        "JobDefinitionSummaries",
        model_explainability,
    ),
    "list_model_quality_job_definitions": ("JobDefinitionSummaries", model_quality),
    "list_monitoring_schedules": ("MonitoringScheduleSummaries", schedule),
}
NAME_KEYS = (
    "NotebookInstanceName",
    "EndpointConfigName",
    "ModelName",
    "AppImageConfigName",
    "ImageName",
    "MonitoringJobDefinitionName",
    "MonitoringScheduleName",
)


@pytest.mark.parametrize("operation", sorted(LISTS))
def test_lists_page_past_100(aws: Emulator, operation: str) -> None:
    sm = aws.client("sagemaker")
    key, create = LISTS[operation]
    if operation == "list_endpoint_configs":
        model(sm, "m")
    total = 120
    for index in range(total):
        create(sm, f"item-{index:03d}")

    assert sm.can_paginate(operation)
    pages = list(sm.get_paginator(operation).paginate(PaginationConfig={"PageSize": 100}))
    assert [len(page[key]) for page in pages] == [100, total - 100]
    assert "NextToken" not in pages[-1]
    names = [next(i[k] for k in NAME_KEYS if k in i) for page in pages for i in page[key]]
    assert sorted(names) == [f"item-{index:03d}" for index in range(total)]

    first = getattr(sm, operation)(MaxResults=1)
    assert len(first[key]) == 1 and first["NextToken"]
    code, _, _ = error_of(lambda: getattr(sm, operation)(MaxResults=101))
    assert code == "ValidationException"


def test_extension_lists_default_to_ten_and_reject_foreign_tokens(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    for index in range(12):
        image(sm, f"img-{index:02d}")
        model(sm, f"model-{index:02d}")
    page = sm.list_images()
    assert len(page["Images"]) == 10
    assert error_of(lambda: sm.list_models(NextToken=page["NextToken"]))[0] == (
        "ValidationException"
    )
    rest = sm.list_images(NextToken=page["NextToken"])
    assert len(rest["Images"]) == 2 and "NextToken" not in rest


def test_list_pages_survive_a_deletion_between_pages(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    for index in range(6):
        image(sm, f"img-{index}")
    first = sm.list_images(SortBy="IMAGE_NAME", SortOrder="ASCENDING", MaxResults=3)
    sm.delete_image(ImageName="img-1")  # already returned: must not shift the next page
    rest = sm.list_images(
        SortBy="IMAGE_NAME", SortOrder="ASCENDING", MaxResults=3, NextToken=first["NextToken"]
    )
    assert [i["ImageName"] for i in rest["Images"]] == ["img-3", "img-4", "img-5"]


def test_list_tags_pages_with_a_minimum_of_50(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    tags = [{"Key": f"k{index:02d}", "Value": "v"} for index in range(50)]
    image(sm, "img", Tags=tags)
    arn = sm.describe_image(ImageName="img")["ImageArn"]
    assert sm.can_paginate("list_tags")
    pages = list(sm.get_paginator("list_tags").paginate(ResourceArn=arn))
    assert [tag for page in pages for tag in page["Tags"]] == tags
    listed = sm.list_tags(ResourceArn=arn, MaxResults=50)
    assert len(listed["Tags"]) == 50 and "NextToken" not in listed
    raw = aws.client("sagemaker", config=NO_CLIENT_VALIDATION)
    assert error_of(lambda: raw.list_tags(ResourceArn=arn, MaxResults=10))[0] == (
        "ValidationException"
    )
    code, _, _ = error_of(lambda: sm.add_tags(ResourceArn=arn, Tags=[{"Key": "x", "Value": "y"}]))
    assert code == "ValidationException"  # 51 tags: over the limit


# Fields and operations moto lacks on its own resources


def test_notebook_fields_round_trip(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    notebook(
        sm,
        "nb-vpc",
        PlatformIdentifier="notebook-al2-v3",
        SubnetId="subnet-0123",
        SecurityGroupIds=["sg-0123"],
        DirectInternetAccess="Disabled",
        RootAccess="Disabled",
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
    )
    notebook(sm, "nb-default")

    vpc = sm.describe_notebook_instance(NotebookInstanceName="nb-vpc")
    assert vpc["PlatformIdentifier"] == "notebook-al2-v3"
    assert (vpc["SubnetId"], vpc["SecurityGroups"]) == ("subnet-0123", ["sg-0123"])
    assert (vpc["DirectInternetAccess"], vpc["RootAccess"]) == ("Disabled", "Disabled")
    assert vpc["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "2"
    }
    assert vpc["NetworkInterfaceId"].startswith("eni-")

    notebook(sm, "nb-new-type", InstanceType="ml.m6i.large")  # moto's own list lacks it
    assert sm.describe_notebook_instance(NotebookInstanceName="nb-new-type")["InstanceType"] == (
        "ml.m6i.large"
    )

    default = sm.describe_notebook_instance(NotebookInstanceName="nb-default")
    assert default["PlatformIdentifier"] == "notebook-al2023-v1"
    assert (default["DirectInternetAccess"], default["RootAccess"]) == ("Enabled", "Enabled")
    assert default["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "1"
    }
    assert "SubnetId" not in default and "NetworkInterfaceId" not in default


def test_update_notebook_only_when_stopped(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    notebook(sm, "nb")
    no_wait = {"Delay": 1, "MaxAttempts": 1}  # the first poll must already succeed
    sm.get_waiter("notebook_instance_in_service").wait(
        NotebookInstanceName="nb", WaiterConfig=no_wait
    )

    code, message, status = error_of(
        lambda: sm.update_notebook_instance(NotebookInstanceName="nb", RootAccess="Disabled")
    )
    assert (code, status) == ("ValidationException", 400)
    assert message.startswith("Status (InService) not in ([Stopped, Failed])")

    sm.stop_notebook_instance(NotebookInstanceName="nb")
    sm.get_waiter("notebook_instance_stopped").wait(NotebookInstanceName="nb", WaiterConfig=no_wait)
    sm.update_notebook_instance(
        NotebookInstanceName="nb",
        RootAccess="Disabled",
        InstanceType="ml.t3.large",
        PlatformIdentifier="notebook-al2-v3",
        VolumeSizeInGB=20,
        InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
    )
    updated = sm.describe_notebook_instance(NotebookInstanceName="nb")
    assert updated["NotebookInstanceStatus"] == "Stopped"
    assert updated["RootAccess"] == "Disabled"
    assert updated["InstanceType"] == "ml.t3.large"
    assert updated["PlatformIdentifier"] == "notebook-al2-v3"
    assert updated["VolumeSizeInGB"] == 20
    assert updated["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "2"
    }

    sm.start_notebook_instance(NotebookInstanceName="nb")
    sm.get_waiter("notebook_instance_in_service").wait(
        NotebookInstanceName="nb", WaiterConfig=no_wait
    )
    assert error_of(
        lambda: sm.update_notebook_instance(NotebookInstanceName="gone", RootAccess="Disabled")
    )[:2] == ("ValidationException", "RecordNotFound")


def test_model_enable_network_isolation_round_trip(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model(sm, "isolated", EnableNetworkIsolation=True)
    sm.create_model(ModelName="plain", PrimaryContainer={"Image": "img"})

    assert sm.describe_model(ModelName="isolated")["EnableNetworkIsolation"] is True
    plain = sm.describe_model(ModelName="plain")
    assert plain["EnableNetworkIsolation"] is False
    assert "ExecutionRoleArn" not in plain and "VpcConfig" not in plain  # moto invents them

    code, message, _ = error_of(lambda: model(sm, "plain"))
    assert code == "ValidationException" and "already existing model" in message


def test_update_endpoint_switches_config(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    model(sm, "m")
    endpoint_config(sm, "cfg-1")
    sm.create_endpoint_config(
        EndpointConfigName="cfg-2",
        ProductionVariants=[
            {
                "VariantName": "v2",
                "ModelName": "m",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 2,
            }
        ],
    )
    arn = sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-1")["EndpointArn"]

    assert sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2")["EndpointArn"] == arn
    described = sm.describe_endpoint(EndpointName="ep")
    assert described["EndpointConfigName"] == "cfg-2"
    assert described["EndpointStatus"] == "InService"
    assert described["ProductionVariants"][0]["VariantName"] == "v2"
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 2
    assert "DataCaptureConfig" not in described  # moto's {} placeholder is gone

    for call in (
        lambda: sm.update_endpoint(EndpointName="ep", EndpointConfigName="missing"),
        lambda: sm.update_endpoint(EndpointName="missing", EndpointConfigName="cfg-1"),
    ):
        assert error_of(call)[0] == "ValidationException"


def test_job_definitions_keep_resources_and_network_config(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    stopping = {"StoppingCondition": {"MaxRuntimeInSeconds": 1800}}
    data_quality(sm, "dq", NetworkConfig=NETWORK, **stopping)
    model_bias(sm, "mb", NetworkConfig=NETWORK, **stopping)
    model_quality(sm, "mq", NetworkConfig=NETWORK, **stopping)
    model_explainability(sm, "mx", NetworkConfig=NETWORK, **stopping)
    for describe, name in (
        (sm.describe_data_quality_job_definition, "dq"),
        (sm.describe_model_bias_job_definition, "mb"),
        (sm.describe_model_quality_job_definition, "mq"),
        (sm.describe_model_explainability_job_definition, "mx"),
    ):
        described = describe(JobDefinitionName=name)
        assert described["JobResources"]["ClusterConfig"]["InstanceCount"] == 3
        assert described["NetworkConfig"] == NETWORK
        assert described["StoppingCondition"] == {"MaxRuntimeInSeconds": 1800}

    data_quality(sm, "bare")
    bare = sm.describe_data_quality_job_definition(JobDefinitionName="bare")
    assert "NetworkConfig" not in bare and "StoppingCondition" not in bare  # moto's {} is gone
    summaries = sm.list_data_quality_job_definitions(EndpointName="ep")["JobDefinitionSummaries"]
    assert {s["EndpointName"] for s in summaries} == {"ep"}  # moto reports a fake name


# Tags and errors


@pytest.mark.parametrize("kind", ["image", "app-image-config", "monitoring-schedule"])
def test_tags_on_extension_resources(aws: Emulator, kind: str) -> None:
    sm = aws.client("sagemaker")
    create = {"image": image, "app-image-config": app_image_config, "monitoring-schedule": schedule}
    create[kind](sm, "res", Tags=[{"Key": "team", "Value": "ml"}])
    arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:{kind}/res"

    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    sm.add_tags(
        ResourceArn=arn, Tags=[{"Key": "team", "Value": "ai"}, {"Key": "env", "Value": "x"}]
    )
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "ai"},
        {"Key": "env", "Value": "x"},
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "x"}]
    assert error_of(lambda: sm.list_tags(ResourceArn=arn + "-missing"))[0] == "ResourceNotFound"


def test_tags_on_moto_resources_pass_through(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    notebook(sm, "nb", Tags=[{"Key": "owner", "Value": "me"}])
    arn = sm.describe_notebook_instance(NotebookInstanceName="nb")["NotebookInstanceArn"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    assert {t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]} == {"owner", "env"}


NOT_FOUND = [
    ("describe_image", {"ImageName": "nope"}, "ResourceNotFound"),
    ("describe_app_image_config", {"AppImageConfigName": "nope"}, "ResourceNotFound"),
    ("describe_monitoring_schedule", {"MonitoringScheduleName": "nope"}, "ResourceNotFound"),
    ("describe_data_quality_job_definition", {"JobDefinitionName": "nope"}, "ResourceNotFound"),
    ("describe_model_bias_job_definition", {"JobDefinitionName": "nope"}, "ResourceNotFound"),
    ("describe_model_quality_job_definition", {"JobDefinitionName": "nope"}, "ResourceNotFound"),
    (
        "describe_model_explainability_job_definition",
        {"JobDefinitionName": "nope"},
        "ResourceNotFound",
    ),
    ("describe_notebook_instance", {"NotebookInstanceName": "nope"}, "ValidationException"),
    ("describe_model", {"ModelName": "nope"}, "ValidationException"),
    ("describe_endpoint_config", {"EndpointConfigName": "nope"}, "ValidationException"),
    ("describe_endpoint", {"EndpointName": "nope"}, "ValidationException"),
]


@pytest.mark.parametrize(("operation", "params", "expected"), NOT_FOUND)
def test_not_found_error_codes(
    aws: Emulator, operation: str, params: dict[str, str], expected: str
) -> None:
    sm = aws.client("sagemaker")
    code, _, status = error_of(lambda: getattr(sm, operation)(**params))
    assert (code, status) == (expected, 400)


def test_not_found_on_the_wire(aws: Emulator) -> None:
    status, headers, body = raw_sagemaker(aws, "DescribeImage", {"ImageName": "nope"})
    assert status == 400
    assert body["__type"] == "ResourceNotFound" and "nope" in body["message"]
    assert headers["x-amzn-ErrorType"] == "ResourceNotFound"


def test_requests_the_service_model_rejects(aws: Emulator) -> None:
    raw = aws.client("sagemaker", config=NO_CLIENT_VALIDATION)
    code, message, status = error_of(lambda: raw.create_image(ImageName="no-role"))
    assert (code, status) == ("ValidationException", 400)
    assert "RoleArn" in message
    code, message, _ = error_of(lambda: notebook(raw, "nb", DirectInternetAccess="Sometimes"))
    assert code == "ValidationException" and "enum" in message
    assert aws.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []
    status, _, body = raw_sagemaker(aws, "ListImages", {"MaxResults": 0})
    assert (status, body["__type"]) == (400, "ValidationException")


def test_a_response_off_the_model_is_a_loud_emulator_bug(
    aws: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sagemaker_ext.HANDLERS, "DescribeImage", lambda ctx: {"Bogus": 1})
    raw = aws.client("sagemaker", config=NO_CLIENT_VALIDATION)
    code, message, status = error_of(lambda: raw.describe_image(ImageName="x"))
    assert (code, status) == ("EmulatorOutputMismatch", 500)
    assert "Bogus" in message
    assert len(aws.errors) == 1
    aws.errors.clear()  # expected here; the fixture fails any test that leaves one


# Faults


def test_fault_access_denied_in_one_region_only(aws: Emulator) -> None:
    fault = aws.add_fault(service="sagemaker", region="eu-west-1")
    east = aws.client("sagemaker", region="us-east-1")
    west = aws.client("sagemaker", region="eu-west-1")
    assert east.list_notebook_instances()["NotebookInstances"] == []
    code, message, status = error_of(west.list_notebook_instances)
    assert (code, message, status) == ("AccessDeniedException", "injected fault", 400)
    assert fault.hits == 1
    aws.clear_faults()
    assert west.list_notebook_instances()["NotebookInstances"] == []


def test_fault_throttling_one_account_until_retries_give_up(
    aws: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Keep botocore's retry logic, drop its back-off sleeps: no sleeping in tests.
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda *_: 0)
    aws.add_fault(account=OTHER, code="ThrottlingException", message="Rate exceeded")
    retrying = Config(retries={"mode": "standard", "total_max_attempts": 4})
    throttled = aws.client("sagemaker", account=OTHER, config=retrying)
    fine = aws.client("sagemaker", config=retrying)

    aws.clear_calls()
    with pytest.raises(ClientError) as caught:
        throttled.list_models()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 3
    assert [c.account for c in aws.calls] == [OTHER] * 4
    assert fine.list_models()["Models"] == []


def test_fault_times_counts_down(aws: Emulator) -> None:
    fault = aws.add_fault(operation="ListImages", code="InternalFailure", status=400, times=2)
    sm = aws.client("sagemaker")
    assert error_of(sm.list_images)[0] == "InternalFailure"
    assert error_of(sm.list_images)[0] == "InternalFailure"
    assert sm.list_images()["Images"] == []
    assert (fault.times, fault.hits) == (0, 2)


def test_faults_speak_each_protocol(aws: Emulator) -> None:
    aws.add_fault(service="sts", code="AccessDenied", message="no sts", times=1)
    aws.add_fault(service="ec2", code="UnauthorizedOperation", message="no ec2", times=1)
    aws.add_fault(service="organizations", code="AccessDeniedException", times=1)
    assert error_of(aws.client("sts").get_caller_identity)[:2] == ("AccessDenied", "no sts")
    assert error_of(aws.client("ec2").describe_vpcs)[:2] == ("UnauthorizedOperation", "no ec2")
    assert error_of(aws.client("organizations").describe_organization)[0] == (
        "AccessDeniedException"
    )


# Calls, accounts, hooks, reset


def test_calls_are_recorded_with_service_operation_account_region(aws: Emulator) -> None:
    aws.add_fault(service="ec2")  # a refused call is recorded all the same
    aws.client("sagemaker", region="eu-central-1").list_images(MaxResults=5)
    aws.client("sts").get_caller_identity()
    error_of(aws.client("ec2", region="us-west-2").describe_vpcs)
    aws.client("sagemaker", account=OTHER).list_models()
    assert aws.calls == [
        Call("sagemaker", "ListImages", ACCOUNT, "eu-central-1", {"MaxResults": 5}),
        Call("sts", "GetCallerIdentity", ACCOUNT, "us-east-1", aws.calls[1].params),
        Call("ec2", "DescribeVpcs", ACCOUNT, "us-west-2", aws.calls[2].params),
        Call("sagemaker", "ListModels", OTHER, "us-east-1", {}),
    ]
    assert aws.calls[1].params["Action"] == "GetCallerIdentity"
    aws.clear_calls()
    assert aws.calls == []


def test_accounts_are_isolated_with_assumed_role_credentials(aws: Emulator) -> None:
    first = assumed_client(aws, "sagemaker", ACCOUNT)
    second = assumed_client(aws, "sagemaker", OTHER)
    sts_second = assumed_client(aws, "sts", OTHER)
    assert sts_second.get_caller_identity()["Account"] == OTHER

    notebook(second, "nb-other")
    image(second, "img-other")
    assert first.list_notebook_instances()["NotebookInstances"] == []
    assert first.list_images()["Images"] == []
    assert [
        n["NotebookInstanceName"] for n in second.list_notebook_instances()["NotebookInstances"]
    ] == ["nb-other"]
    assert second.describe_image(ImageName="img-other")["ImageArn"] == (
        f"arn:aws:sagemaker:us-east-1:{OTHER}:image/img-other"
    )
    assert aws.client("sagemaker", account=OTHER).list_images()["Images"][0]["ImageName"] == (
        "img-other"
    )
    created = [c for c in aws.calls if c.operation == "CreateImage"]
    assert [c.account for c in created] == [OTHER]


def test_on_request_hook_deletes_a_notebook_before_its_describe(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    notebook(sm, "doomed")
    notebook(sm, "kept")
    janitor = aws.client("sagemaker")
    seen: list[str] = []

    def delete_first_described(call: Call) -> None:
        if call.operation == "DescribeNotebookInstance" and not seen:
            seen.append(call.params["NotebookInstanceName"])
            janitor.stop_notebook_instance(NotebookInstanceName="doomed")
            janitor.delete_notebook_instance(NotebookInstanceName="doomed")

    aws.on_request(delete_first_described)
    listed = [n["NotebookInstanceName"] for n in sm.list_notebook_instances()["NotebookInstances"]]
    assert listed == ["doomed", "kept"]
    code, message, _ = error_of(
        lambda: sm.describe_notebook_instance(NotebookInstanceName="doomed")
    )
    assert (code, message) == ("ValidationException", "RecordNotFound")
    assert sm.describe_notebook_instance(NotebookInstanceName="kept")["NotebookInstanceName"] == (
        "kept"
    )
    assert seen == ["doomed"]


def test_reset_forgets_everything(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    notebook(sm, "nb")
    image(sm, "img")
    aws.add_fault(operation="ListModels")
    hooked: list[Call] = []
    aws.on_request(hooked.append)

    aws.reset()
    assert aws.calls == []
    assert sm.list_notebook_instances()["NotebookInstances"] == []
    assert sm.list_images()["Images"] == []
    assert sm.list_models()["Models"] == []
    assert hooked == []


def test_nothing_leaves_loopback(aws: Emulator) -> None:
    assert aws.endpoint_url.startswith("http://127.0.0.1:")
    with pytest.raises(socket.gaierror, match="only loopback"):
        socket.getaddrinfo("api.sagemaker.us-east-1.amazonaws.com", 443)
    with pytest.raises(ConnectionRefusedError, match="outside 127"), socket.socket() as sock:
        sock.connect(("10.255.255.1", 443))
    real = boto3.session.Session().client(
        "sagemaker",
        region_name="us-east-1",
        endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com",
        config=Config(retries={"total_max_attempts": 1}),
    )
    with pytest.raises(EndpointConnectionError):
        real.list_models()


def test_a_second_emulator_starts_and_stops_cleanly(aws: Emulator) -> None:
    with Emulator() as other:
        assert other.endpoint_url != aws.endpoint_url
        assert other.endpoint_url.startswith("http://127.0.0.1:")
        assert other.client("sts").get_caller_identity()["Account"] == ACCOUNT
        assert [c.operation for c in other.calls] == ["GetCallerIdentity"]
    with pytest.raises(RuntimeError):
        other.endpoint_url  # noqa: B018


def test_account_key_pattern_matches_motos() -> None:
    from moto.core.responses import BaseResponse

    from sagewarden_demo.emulator import calls

    assert calls._ACCESS_KEY.pattern == BaseResponse.access_key_regex.pattern


def test_service_model_helper() -> None:
    assert "CreateMonitoringSchedule" in sagemaker_service_model().operation_names
