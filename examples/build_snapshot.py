"""Writes examples/config-snapshot.json: a realistic AWS Config snapshot of a small ML account.

Every SageMaker resource type, passing and failing cases for all 15 controls, the
serverless and shadow-variant cases of SageMaker.4, a schedule that references a job
definition (SageMaker.14), a deleted notebook, and the EC2/IAM/S3 items a real snapshot
is mostly made of. Run it again after changing it: `python examples/build_snapshot.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNT = "111122223333"
REGION = "eu-west-1"
CAPTURE = "2026-11-20T06:12:41.379Z"


def item(
    rtype: str,
    name: str,
    arn_kind: str,
    config: dict[str, Any],
    tags: dict[str, str] | None = None,
    status: str = "OK",
    region: str = REGION,
) -> dict[str, Any]:
    arn = f"arn:aws:sagemaker:{region}:{ACCOUNT}:{arn_kind}/{name.lower()}"
    return {
        "relatedEvents": [],
        "relationships": [],
        "configuration": config,
        "supplementaryConfiguration": {},
        "tags": tags or {},
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": CAPTURE,
        "configurationStateId": 1763618561379,
        "awsAccountId": ACCOUNT,
        "configurationItemStatus": status,
        "resourceType": rtype,
        "resourceId": name,
        "resourceName": name,
        "ARN": arn,
        "awsRegion": region,
        "availabilityZone": "Not Applicable",
        "configurationStateMd5Hash": "",
        "resourceCreationTime": "2026-03-02T09:15:00.000Z",
    }


def notebook(name: str, **props: Any) -> dict[str, Any]:
    tags = props.pop("tags", {"team": "ml-platform"})
    config = {
        "NotebookInstanceName": name,
        "InstanceType": "ml.t3.medium",
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution",
        "VolumeSizeInGB": 20,
        "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
        **props,
    }
    return item("AWS::SageMaker::NotebookInstance", name, "notebook-instance", config, tags)


def job(kind: str, name: str, count: int, encrypt: bool | None, isolate: bool | None) -> dict:
    network: dict[str, Any] = {}
    if encrypt is not None:
        network["EnableInterContainerTrafficEncryption"] = encrypt
    if isolate is not None:
        network["EnableNetworkIsolation"] = isolate
    config: dict[str, Any] = {
        "JobDefinitionName": name,
        "JobDefinitionArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
        f"{kind.lower()}-job-definition/{name}",
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerMonitoring",
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": count,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    if network:
        config["NetworkConfig"] = network
    rtype = {
        "DataQuality": "DataQualityJobDefinition",
        "ModelBias": "ModelBiasJobDefinition",
        "ModelQuality": "ModelQualityJobDefinition",
        "ModelExplainability": "ModelExplainabilityJobDefinition",
    }[kind]
    hyphen = {
        "DataQuality": "data-quality",
        "ModelBias": "model-bias",
        "ModelQuality": "model-quality",
        "ModelExplainability": "model-explainability",
    }
    return item(f"AWS::SageMaker::{rtype}", name, f"{hyphen[kind]}-job-definition", config)


def others() -> list[dict[str, Any]]:
    out = []
    for i in range(6):
        iid = f"i-0a1b2c3d4e5f6{i:04d}"
        out.append(
            {
                "relatedEvents": [],
                "relationships": [
                    {
                        "resourceId": "sg-0aa11bb22cc33",
                        "resourceType": "AWS::EC2::SecurityGroup",
                        "name": "Is associated with SecurityGroup",
                    }
                ],
                "configuration": {
                    "instanceId": iid,
                    "instanceType": "m5.large",
                    "state": {"code": 16, "name": "running"},
                    "subnetId": "subnet-0ab12cd34ef56",
                    "vpcId": "vpc-0c0ffee",
                },
                "supplementaryConfiguration": {},
                "tags": {"Name": f"web-{i}"},
                "configurationItemVersion": "1.3",
                "configurationItemCaptureTime": CAPTURE,
                "configurationStateId": 1763618561379,
                "awsAccountId": ACCOUNT,
                "configurationItemStatus": "OK",
                "resourceType": "AWS::EC2::Instance",
                "resourceId": iid,
                "ARN": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{iid}",
                "awsRegion": REGION,
                "availabilityZone": f"{REGION}a",
                "resourceCreationTime": "2025-12-01T10:00:00.000Z",
            }
        )
    out.append(
        {
            "relatedEvents": [],
            "relationships": [
                {
                    "resourceName": "research-sandbox",
                    "resourceType": "AWS::SageMaker::NotebookInstance",
                    "name": "Is attached to NotebookInstance",
                }
            ],
            "configuration": {"roleName": "SageMakerExecution", "path": "/"},
            "supplementaryConfiguration": {},
            "tags": {},
            "configurationItemVersion": "1.3",
            "configurationItemCaptureTime": CAPTURE,
            "configurationStateId": 1763618561379,
            "awsAccountId": ACCOUNT,
            "configurationItemStatus": "OK",
            "resourceType": "AWS::IAM::Role",
            "resourceId": "AROAEXAMPLEID",
            "resourceName": "SageMakerExecution",
            "ARN": f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution",
            "awsRegion": "global",
            "availabilityZone": "Not Applicable",
        }
    )
    return out


def estate() -> list[dict[str, Any]]:
    subnet = {"SubnetId": "subnet-0ab12cd34ef56", "SecurityGroupIds": ["sg-0aa11bb22cc33"]}
    items = [
        # Locked down: passes .1 .2 .3 .8.
        notebook(
            "fraud-model-dev",
            DirectInternetAccess="Disabled",
            RootAccess="Disabled",
            PlatformIdentifier="notebook-al2023-v1",
            **subnet,
        ),
        # Defaults everywhere: fails .1 .2 .3 (absent means Enabled) and is on AL2.
        notebook("research-sandbox", PlatformIdentifier="notebook-al2-v3"),
        # In a VPC but still with direct internet access and root.
        notebook(
            "churn-analysis",
            DirectInternetAccess="Enabled",
            RootAccess="Enabled",
            PlatformIdentifier="notebook-al2023-v1",
            **subnet,
        ),
        # Deleted last week: not evaluated.
        item(
            "AWS::SageMaker::NotebookInstance",
            "old-experiment",
            "notebook-instance",
            None,
            status="ResourceDeleted",
        ),
        item(
            "AWS::SageMaker::EndpointConfig",
            "recsys-prod-config",
            "endpoint-config",
            {
                "EndpointConfigName": "recsys-prod-config",
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": "recsys-v7",
                        "InitialInstanceCount": 2,
                        "InstanceType": "ml.c5.xlarge",
                        "InitialVariantWeight": 1.0,
                    }
                ],
            },
        ),
        item(
            "AWS::SageMaker::EndpointConfig",
            "recsys-canary-config",
            "endpoint-config",
            {
                "EndpointConfigName": "recsys-canary-config",
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": "recsys-v8",
                        "InitialInstanceCount": 1,
                        "InstanceType": "ml.c5.xlarge",
                    }
                ],
                "ShadowProductionVariants": [
                    {
                        "VariantName": "shadow",
                        "ModelName": "recsys-v9",
                        "InitialInstanceCount": 1,
                        "InstanceType": "ml.c5.large",
                    }
                ],
            },
        ),
        item(
            "AWS::SageMaker::EndpointConfig",
            "summarizer-serverless",
            "endpoint-config",
            {
                "EndpointConfigName": "summarizer-serverless",
                "ProductionVariants": [
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": "summarizer",
                        "ServerlessConfig": {"MemorySizeInMB": 4096, "MaxConcurrency": 20},
                    }
                ],
            },
        ),
        item(
            "AWS::SageMaker::Model",
            "recsys-v7",
            "model",
            {
                "ModelName": "recsys-v7",
                "EnableNetworkIsolation": True,
                "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution",
                "PrimaryContainer": {"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/recsys:7"},
            },
        ),
        item(
            "AWS::SageMaker::Model",
            "summarizer",
            "model",
            {
                "ModelName": "summarizer",
                "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution",
                "PrimaryContainer": {"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/sum:3"},
            },
        ),
        item(
            "AWS::SageMaker::AppImageConfig",
            "pytorch-kernel",
            "app-image-config",
            {
                "AppImageConfigName": "pytorch-kernel",
                "KernelGatewayImageConfig": {"KernelSpecs": [{"Name": "python3"}]},
            },
            tags={"team": "ml-platform", "CostCenter": "cc-4410"},
        ),
        item(
            "AWS::SageMaker::AppImageConfig",
            "scratch-kernel",
            "app-image-config",
            {
                "AppImageConfigName": "scratch-kernel",
            },
            tags={"aws:cloudformation:stack-name": "scratch"},
        ),
        item(
            "AWS::SageMaker::Image",
            "pytorch-2-5",
            "image",
            {
                "ImageName": "pytorch-2-5",
                "ImageRoleArn": f"arn:aws:iam::{ACCOUNT}:role/Img",
            },
            tags={"team": "ml-platform"},
        ),
        item("AWS::SageMaker::Image", "untagged-image", "image", {"ImageName": "untagged-image"}),
        job("DataQuality", "orders-data-quality", 2, True, True),
        job("DataQuality", "clicks-data-quality", 3, None, False),
        job("DataQuality", "small-data-quality", 1, None, True),
        job("ModelExplainability", "recsys-explainability", 2, False, True),
        job("ModelBias", "recsys-bias", 2, True, True),
        job("ModelBias", "credit-bias", 4, False, None),
        job("ModelQuality", "recsys-model-quality", 2, True, False),
        job("ModelQuality", "credit-model-quality", 1, None, None),
        item(
            "AWS::SageMaker::MonitoringSchedule",
            "orders-drift-hourly",
            "monitoring-schedule",
            {
                "MonitoringScheduleName": "orders-drift-hourly",
                "MonitoringScheduleConfig": {
                    "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
                    "MonitoringJobDefinition": {
                        "MonitoringAppSpecification": {"ImageUri": "monitor:latest"},
                        "MonitoringResources": {
                            "ClusterConfig": {
                                "InstanceCount": 1,
                                "InstanceType": "ml.m5.large",
                                "VolumeSizeInGB": 20,
                            }
                        },
                        "NetworkConfig": {"EnableNetworkIsolation": True},
                        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerMonitoring",
                    },
                },
            },
        ),
        item(
            "AWS::SageMaker::MonitoringSchedule",
            "recsys-bias-daily",
            "monitoring-schedule",
            {
                "MonitoringScheduleName": "recsys-bias-daily",
                "MonitoringScheduleConfig": {
                    "ScheduleConfig": {"ScheduleExpression": "cron(0 3 ? * * *)"},
                    "MonitoringJobDefinitionName": "recsys-bias",
                    "MonitoringType": "ModelBias",
                },
            },
        ),
        item(
            "AWS::SageMaker::MonitoringSchedule",
            "clicks-drift-daily",
            "monitoring-schedule",
            {
                "MonitoringScheduleName": "clicks-drift-daily",
                "MonitoringScheduleConfig": {
                    "ScheduleConfig": {"ScheduleExpression": "cron(0 4 ? * * *)"},
                    "MonitoringJobDefinitionName": "clicks-data-quality",
                    "MonitoringType": "DataQuality",
                },
            },
        ),
    ]
    return others()[:3] + items + others()[3:]


def main() -> None:
    doc = {
        "fileVersion": "1.0",
        "configSnapshotId": "6c1e3b0e-52d4-4f0a-9a57-1d3c2f0b9e11",
        "configurationItems": estate(),
    }
    out = Path(__file__).with_name("config-snapshot.json")
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {out} ({len(doc['configurationItems'])} items)")


if __name__ == "__main__":
    main()
