"""A realistic SageMaker estate, created through the real API (on the local emulator).

Used by `sagewarden demo` and by the end-to-end tests: every resource type, a passing and
a failing case for every control, the not-applicable cases (serverless endpoint
configs, one-instance jobs, single- and multi-container models, feature groups without
an offline store or with an online store that is off or in memory, experiments that
capture nothing, schedules that name a job definition), and monitoring schedules that
reference job definitions the way the SageMaker Python SDK creates them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client


@dataclass
class Expected:
    """What each control should say about each resource of the estate, for tests."""

    verdicts: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (ctl, region, name)

    def add(self, control: str, region: str, name: str, status: str) -> None:
        self.verdicts[(control, region, name)] = status


def _role(account: str, name: str = "SageMakerExecution") -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def _key(account: str, region: str, alias: str) -> str:
    """A KMS key ARN: the controls of SageMaker.17-.24 pass any key that is named."""
    h = hashlib.sha256(f"{account}/{region}/{alias}".encode()).hexdigest()
    return f"arn:aws:kms:{region}:{account}:key/{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _job_kwargs(
    kind: str, name: str, account: str, count: int, encrypt: bool | None, isolate: bool | None
) -> dict[str, Any]:
    network: dict[str, Any] = {}
    if encrypt is not None:
        network["EnableInterContainerTrafficEncryption"] = encrypt
    if isolate is not None:
        network["EnableNetworkIsolation"] = isolate
    endpoint_input = {"EndpointName": "recsys-prod", "LocalPath": "/opt/ml/processing/input"}
    output = {
        "MonitoringOutputs": [
            {
                "S3Output": {
                    "S3Uri": f"s3://ml-monitoring-{account}/{name}",
                    "LocalPath": "/opt/ml/processing/output",
                }
            }
        ]
    }
    app = {"ImageUri": f"{account}.dkr.ecr.us-east-1.amazonaws.com/monitor:1"}
    kw: dict[str, Any] = {
        "JobDefinitionName": name,
        f"{kind}AppSpecification": app,
        f"{kind}JobInput": {"EndpointInput": endpoint_input},
        f"{kind}JobOutputConfig": output,
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": count,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },
        "RoleArn": _role(account, "SageMakerMonitoring"),
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    if kind in ("ModelBias", "ModelExplainability"):
        kw[f"{kind}AppSpecification"] = {**app, "ConfigUri": f"s3://ml-monitoring-{account}/cfg"}
    if kind in ("ModelBias", "ModelQuality"):
        kw[f"{kind}JobInput"] = {
            "EndpointInput": endpoint_input,
            "GroundTruthS3Input": {"S3Uri": f"s3://ml-monitoring-{account}/truth"},
        }
    if kind == "ModelQuality":
        kw[f"{kind}AppSpecification"] = {**app, "ProblemType": "BinaryClassification"}
    if network:
        kw["NetworkConfig"] = network
    return kw


def build(client: ClientFactory, account: str, regions: list[str]) -> Expected:
    """Create the estate in each region; return the verdicts the controls should give."""
    exp = Expected()
    for region in regions:
        _build_region(client("sagemaker", region), account, region, exp)
    return exp


def _build_region(sm: Any, account: str, region: str, exp: Expected) -> None:
    role = _role(account)
    # Notebooks: SageMaker.1, .2, .3, .8
    sm.create_notebook_instance(
        NotebookInstanceName="fraud-model-dev",
        InstanceType="ml.t3.medium",
        RoleArn=role,
        SubnetId="subnet-0ab12cd34ef56",
        SecurityGroupIds=["sg-0aa11bb22cc33"],
        DirectInternetAccess="Disabled",
        RootAccess="Disabled",
        PlatformIdentifier="notebook-al2023-v1",
        KmsKeyId=_key(account, region, "notebooks"),
        Tags=[{"Key": "team", "Value": "fraud"}],
    )
    for c in ("SageMaker.1", "SageMaker.2", "SageMaker.3", "SageMaker.8", "SageMaker.21"):
        exp.add(c, region, "fraud-model-dev", "PASSED")
    sm.create_notebook_instance(
        NotebookInstanceName="research-sandbox",
        InstanceType="ml.t3.medium",
        RoleArn=role,
        PlatformIdentifier="notebook-al2-v3",
    )
    for c in ("SageMaker.1", "SageMaker.2", "SageMaker.3", "SageMaker.8", "SageMaker.21"):
        exp.add(c, region, "research-sandbox", "FAILED")
    sm.create_notebook_instance(
        NotebookInstanceName="churn-analysis",
        InstanceType="ml.t3.large",
        RoleArn=role,
        SubnetId="subnet-0ab12cd34ef56",
        SecurityGroupIds=["sg-0aa11bb22cc33"],
        DirectInternetAccess="Enabled",
        RootAccess="Enabled",
    )
    exp.add("SageMaker.1", region, "churn-analysis", "FAILED")
    exp.add("SageMaker.2", region, "churn-analysis", "PASSED")
    exp.add("SageMaker.3", region, "churn-analysis", "FAILED")
    exp.add("SageMaker.8", region, "churn-analysis", "PASSED")  # default: notebook-al2023-v1
    exp.add("SageMaker.21", region, "churn-analysis", "FAILED")

    # Models: SageMaker.5
    image = f"{account}.dkr.ecr.{region}.amazonaws.com/recsys:7"
    sm.create_model(
        ModelName="recsys-v7",
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": image},
        EnableNetworkIsolation=True,
    )
    exp.add("SageMaker.5", region, "recsys-v7", "PASSED")
    sm.create_model(
        ModelName="summarizer", ExecutionRoleArn=role, PrimaryContainer={"Image": image}
    )
    exp.add("SageMaker.5", region, "summarizer", "FAILED")
    # Both pull from ECR: SageMaker.16 fails them by design (Vpc mode needs a registry
    # that is not ECR), and .19 is for multi-container models.
    for name in ("recsys-v7", "summarizer"):
        exp.add("SageMaker.16", region, name, "FAILED")
        exp.add("SageMaker.19", region, name, "NOT_APPLICABLE")
    _private_registry_models(sm, account, region, exp)

    # Endpoint configs: SageMaker.4 (instance-based, single instance, serverless)
    sm.create_endpoint_config(
        EndpointConfigName="recsys-prod-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "recsys-v7",
                "InitialInstanceCount": 2,
                "InstanceType": "ml.c5.xlarge",
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    exp.add("SageMaker.4", region, "recsys-prod-config", "PASSED")
    sm.create_endpoint_config(
        EndpointConfigName="recsys-canary-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "recsys-v7",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.c5.xlarge",
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    exp.add("SageMaker.4", region, "recsys-canary-config", "FAILED")
    sm.create_endpoint_config(
        EndpointConfigName="summarizer-serverless",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "summarizer",
                "ServerlessConfig": {"MemorySizeInMB": 4096, "MaxConcurrency": 20},
            }
        ],
    )
    exp.add("SageMaker.4", region, "summarizer-serverless", "NOT_APPLICABLE")
    sm.create_endpoint(EndpointName="recsys-prod", EndpointConfigName="recsys-prod-config")

    # App image configs and images: SageMaker.6, .7
    sm.create_app_image_config(
        AppImageConfigName="pytorch-kernel",
        KernelGatewayImageConfig={"KernelSpecs": [{"Name": "python3"}]},
        Tags=[{"Key": "team", "Value": "ml-platform"}, {"Key": "CostCenter", "Value": "4410"}],
    )
    exp.add("SageMaker.6", region, "pytorch-kernel", "PASSED")
    sm.create_app_image_config(AppImageConfigName="scratch-kernel")
    exp.add("SageMaker.6", region, "scratch-kernel", "FAILED")
    sm.create_image(
        ImageName="pytorch-2-5", RoleArn=role, Tags=[{"Key": "team", "Value": "ml-platform"}]
    )
    exp.add("SageMaker.7", region, "pytorch-2-5", "PASSED")
    sm.create_image(ImageName="untagged-image", RoleArn=role)
    exp.add("SageMaker.7", region, "untagged-image", "FAILED")

    # Job definitions: SageMaker.9 to .13 and .15
    dq = sm.create_data_quality_job_definition
    dq(**_job_kwargs("DataQuality", "orders-data-quality", account, 2, True, True))
    exp.add("SageMaker.9", region, "orders-data-quality", "PASSED")
    exp.add("SageMaker.11", region, "orders-data-quality", "PASSED")
    dq(**_job_kwargs("DataQuality", "clicks-data-quality", account, 3, None, False))
    exp.add("SageMaker.9", region, "clicks-data-quality", "FAILED")
    exp.add("SageMaker.11", region, "clicks-data-quality", "FAILED")
    dq(**_job_kwargs("DataQuality", "small-data-quality", account, 1, None, True))
    exp.add("SageMaker.9", region, "small-data-quality", "NOT_APPLICABLE")
    exp.add("SageMaker.11", region, "small-data-quality", "PASSED")

    ex = sm.create_model_explainability_job_definition
    ex(**_job_kwargs("ModelExplainability", "recsys-explainability", account, 2, False, True))
    exp.add("SageMaker.10", region, "recsys-explainability", "FAILED")
    exp.add("SageMaker.20", region, "recsys-explainability", "PASSED")
    ex(**_job_kwargs("ModelExplainability", "credit-explainability", account, 2, True, True))
    exp.add("SageMaker.10", region, "credit-explainability", "PASSED")
    exp.add("SageMaker.20", region, "credit-explainability", "PASSED")
    ex(**_job_kwargs("ModelExplainability", "tiny-explainability", account, 1, None, None))
    exp.add("SageMaker.10", region, "tiny-explainability", "NOT_APPLICABLE")
    exp.add("SageMaker.20", region, "tiny-explainability", "FAILED")  # no instance condition

    bias = sm.create_model_bias_job_definition
    bias(**_job_kwargs("ModelBias", "recsys-bias", account, 2, True, True))
    exp.add("SageMaker.12", region, "recsys-bias", "PASSED")
    exp.add("SageMaker.15", region, "recsys-bias", "PASSED")
    bias(**_job_kwargs("ModelBias", "credit-bias", account, 4, False, None))
    exp.add("SageMaker.12", region, "credit-bias", "FAILED")
    exp.add("SageMaker.15", region, "credit-bias", "FAILED")
    bias(**_job_kwargs("ModelBias", "tiny-bias", account, 1, None, True))
    exp.add("SageMaker.12", region, "tiny-bias", "PASSED")
    exp.add("SageMaker.15", region, "tiny-bias", "NOT_APPLICABLE")

    mq = sm.create_model_quality_job_definition
    mq(**_job_kwargs("ModelQuality", "recsys-model-quality", account, 2, True, False))
    exp.add("SageMaker.13", region, "recsys-model-quality", "PASSED")
    exp.add("SageMaker.25", region, "recsys-model-quality", "FAILED")
    mq(**_job_kwargs("ModelQuality", "credit-model-quality", account, 3, None, None))
    exp.add("SageMaker.13", region, "credit-model-quality", "FAILED")
    exp.add("SageMaker.25", region, "credit-model-quality", "FAILED")
    mq(**_job_kwargs("ModelQuality", "tiny-model-quality", account, 1, None, None))
    exp.add("SageMaker.13", region, "tiny-model-quality", "NOT_APPLICABLE")
    exp.add("SageMaker.25", region, "tiny-model-quality", "FAILED")  # no instance condition
    mq(**_job_kwargs("ModelQuality", "fraud-model-quality", account, 2, True, True))
    exp.add("SageMaker.13", region, "fraud-model-quality", "PASSED")
    exp.add("SageMaker.25", region, "fraud-model-quality", "PASSED")

    # Monitoring schedules: SageMaker.14 (inline, and by reference as the SDK does it)
    inline_job = {
        "MonitoringInputs": [
            {
                "EndpointInput": {
                    "EndpointName": "recsys-prod",
                    "LocalPath": "/opt/ml/processing/input",
                }
            }
        ],
        "MonitoringOutputConfig": {
            "MonitoringOutputs": [
                {
                    "S3Output": {
                        "S3Uri": f"s3://ml-monitoring-{account}/drift",
                        "LocalPath": "/opt/ml/processing/output",
                    }
                }
            ]
        },
        "MonitoringResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
            }
        },
        "MonitoringAppSpecification": {"ImageUri": f"{account}.dkr.ecr.{region}.amazonaws.com/m:1"},
        "RoleArn": _role(account, "SageMakerMonitoring"),
    }
    hourly = {"ScheduleExpression": "cron(0 * ? * * *)"}
    sm.create_monitoring_schedule(
        MonitoringScheduleName="orders-drift-hourly",
        MonitoringScheduleConfig={
            "ScheduleConfig": hourly,
            "MonitoringJobDefinition": {
                **inline_job,
                "NetworkConfig": {
                    "EnableNetworkIsolation": True,
                    "EnableInterContainerTrafficEncryption": True,
                },
            },
            "MonitoringType": "DataQuality",
        },
    )
    exp.add("SageMaker.14", region, "orders-drift-hourly", "PASSED")
    exp.add("SageMaker.22", region, "orders-drift-hourly", "PASSED")
    sm.create_monitoring_schedule(
        MonitoringScheduleName="clicks-drift-hourly",
        MonitoringScheduleConfig={
            "ScheduleConfig": hourly,
            "MonitoringJobDefinition": inline_job,
            "MonitoringType": "DataQuality",
        },
    )
    exp.add("SageMaker.14", region, "clicks-drift-hourly", "FAILED")
    exp.add("SageMaker.22", region, "clicks-drift-hourly", "FAILED")  # no NetworkConfig
    daily = {"ScheduleExpression": "cron(0 3 ? * * *)"}
    sm.create_monitoring_schedule(
        MonitoringScheduleName="recsys-bias-daily",
        MonitoringScheduleConfig={
            "ScheduleConfig": daily,
            "MonitoringJobDefinitionName": "recsys-bias",
            "MonitoringType": "ModelBias",
        },
    )
    # Literal mode fails a reference; resolveReferences judges by recsys-bias (isolated).
    # SageMaker.22's rule judges only inline jobs: a reference is not applicable.
    exp.add("SageMaker.14", region, "recsys-bias-daily", "FAILED")
    exp.add("SageMaker.22", region, "recsys-bias-daily", "NOT_APPLICABLE")
    sm.create_monitoring_schedule(
        MonitoringScheduleName="credit-quality-daily",
        MonitoringScheduleConfig={
            "ScheduleConfig": daily,
            "MonitoringJobDefinitionName": "credit-model-quality",
            "MonitoringType": "ModelQuality",
        },
    )
    exp.add("SageMaker.14", region, "credit-quality-daily", "FAILED")
    exp.add("SageMaker.22", region, "credit-quality-daily", "NOT_APPLICABLE")

    _feature_groups(sm, account, region, exp)
    _inference_experiments(sm, account, region, exp)


def _private_registry_models(sm: Any, account: str, region: str, exp: Expected) -> None:
    """Models whose images come from a private registry in the VPC (SageMaker.16, .19):
    the primary container or every container in `Vpc` mode passes, `Platform` mode (or
    no ImageConfig) fails. All isolated, so SageMaker.5 passes them."""
    registry = "registry.ml.internal.example.com"
    vpc = {"SecurityGroupIds": ["sg-0aa11bb22cc33"], "Subnets": ["subnet-0ab12cd34ef56"]}
    private = {"RepositoryAccessMode": "Vpc"}
    common = {"ExecutionRoleArn": _role(account), "VpcConfig": vpc, "EnableNetworkIsolation": True}
    sm.create_model(
        ModelName="recsys-v8-private",
        PrimaryContainer={"Image": f"{registry}/recsys:8", "ImageConfig": private},
        **common,
    )
    sm.create_model(
        ModelName="reranker-platform",
        PrimaryContainer={
            "Image": f"{registry}/reranker:2",
            "ImageConfig": {"RepositoryAccessMode": "Platform"},
        },
        **common,
    )
    sm.create_model(
        ModelName="ensemble-private",
        Containers=[
            {"Image": f"{registry}/features:3", "ImageConfig": private},
            {"Image": f"{registry}/scorer:3", "ImageConfig": private},
        ],
        **common,
    )
    sm.create_model(
        ModelName="ensemble-mixed",
        Containers=[
            {"Image": f"{registry}/features:3", "ImageConfig": private},
            {"Image": f"{account}.dkr.ecr.{region}.amazonaws.com/scorer:3"},
        ],
        **common,
    )
    for name, primary, multi in (
        ("recsys-v8-private", "PASSED", "NOT_APPLICABLE"),
        ("reranker-platform", "FAILED", "NOT_APPLICABLE"),
        ("ensemble-private", "NOT_APPLICABLE", "PASSED"),
        ("ensemble-mixed", "NOT_APPLICABLE", "FAILED"),
    ):
        exp.add("SageMaker.5", region, name, "PASSED")
        exp.add("SageMaker.16", region, name, primary)
        exp.add("SageMaker.19", region, name, multi)


def _feature_groups(sm: Any, account: str, region: str, exp: Expected) -> None:
    """Feature groups for SageMaker.17 (offline store key) and .18 (online store key,
    Standard storage only)."""
    features = [
        {"FeatureName": "customer_id", "FeatureType": "String"},
        {"FeatureName": "event_time", "FeatureType": "Fractional"},
        {"FeatureName": "lifetime_value", "FeatureType": "Fractional"},
    ]
    key = _key(account, region, "featurestore")

    def offline(encrypted: bool) -> dict[str, Any]:
        s3: dict[str, Any] = {"S3Uri": f"s3://ml-features-{account}-{region}/offline"}
        if encrypted:
            s3["KmsKeyId"] = key
        return {"S3StorageConfig": s3}

    groups: list[tuple[str, dict[str, Any], str, str]] = [
        (
            "customer-features",
            {
                "OnlineStoreConfig": {
                    "EnableOnlineStore": True,
                    "SecurityConfig": {"KmsKeyId": key},
                },
                "OfflineStoreConfig": offline(True),
            },
            "PASSED",
            "PASSED",
        ),
        (
            "clickstream-features",
            {
                "OnlineStoreConfig": {"EnableOnlineStore": True},
                "OfflineStoreConfig": offline(False),
            },
            "FAILED",
            "FAILED",
        ),
        (
            "session-cache-features",
            {"OnlineStoreConfig": {"EnableOnlineStore": True, "StorageType": "InMemory"}},
            "NOT_APPLICABLE",
            "NOT_APPLICABLE",
        ),
        (
            "ledger-features",
            {
                "OnlineStoreConfig": {"EnableOnlineStore": False},
                "OfflineStoreConfig": offline(False),
            },
            "FAILED",
            "NOT_APPLICABLE",
        ),
        (
            "training-archive-features",
            {"OfflineStoreConfig": offline(True)},
            "PASSED",
            "NOT_APPLICABLE",
        ),
    ]
    for name, stores, offline_verdict, online_verdict in groups:
        sm.create_feature_group(
            FeatureGroupName=name,
            RecordIdentifierFeatureName="customer_id",
            EventTimeFeatureName="event_time",
            FeatureDefinitions=features,
            RoleArn=_role(account, "SageMakerFeatureStore"),
            **stores,
        )
        exp.add("SageMaker.17", region, name, offline_verdict)
        exp.add("SageMaker.18", region, name, online_verdict)


def _inference_experiments(sm: Any, account: str, region: str, exp: Expected) -> None:
    """Shadow tests of recsys-v8-private beside the recsys-prod endpoint, for SageMaker.23
    (instance storage key) and .24 (captured data key; nothing captured: not applicable)."""
    variants = [
        {
            "ModelName": model,
            "VariantName": variant,
            "InfrastructureConfig": {
                "InfrastructureType": "RealTimeInference",
                "RealTimeInferenceConfig": {"InstanceType": "ml.c5.xlarge", "InstanceCount": 1},
            },
        }
        for model, variant in (("recsys-v7", "AllTraffic"), ("recsys-v8-private", "shadow-v8"))
    ]
    shadow = {
        "SourceModelVariantName": "AllTraffic",
        "ShadowModelVariants": [{"ShadowModelVariantName": "shadow-v8", "SamplingPercentage": 20}],
    }
    key = _key(account, region, "experiments")
    capture = f"s3://ml-shadow-capture-{account}-{region}"
    experiments: list[tuple[str, dict[str, Any], str, str]] = [
        (
            "recsys-v8-shadow",
            {"KmsKey": key, "DataStorageConfig": {"Destination": f"{capture}/v8", "KmsKey": key}},
            "PASSED",
            "PASSED",
        ),
        (
            "recsys-v8-capture-test",
            {"DataStorageConfig": {"Destination": f"{capture}/test"}},
            "FAILED",
            "FAILED",
        ),
        ("recsys-v8-dry-run", {"KmsKey": key}, "PASSED", "NOT_APPLICABLE"),
    ]
    for name, settings, instance_verdict, data_verdict in experiments:
        sm.create_inference_experiment(
            Name=name,
            Type="ShadowMode",
            RoleArn=_role(account),
            EndpointName="recsys-prod",
            ModelVariants=variants,
            ShadowModeConfig=shadow,
            **settings,
        )
        exp.add("SageMaker.23", region, name, instance_verdict)
        exp.add("SageMaker.24", region, name, data_verdict)


RESOLVED_14 = {"recsys-bias-daily": "PASSED", "credit-quality-daily": "FAILED"}
