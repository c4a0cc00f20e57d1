"""Feature groups and inference experiments in the emulator, through boto3 over HTTP.

moto 5.2 has a partial CreateFeatureGroup/DescribeFeatureGroup (no online store, no
throughput, no List, Update or Delete) and no inference experiments: the extension owns
both, and these tests hold it to the API reference (see sagemaker_featurestore.py and
sagemaker_experiments.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from sagewarden_demo.emulator import Emulator
from tests.e2e.test_emulator import (
    ACCOUNT,
    NO_CLIENT_VALIDATION,
    ROLE,
    endpoint_config,
    error_of,
    model,
    raw_sagemaker,
)

KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FEATURES = [
    {"FeatureName": "id", "FeatureType": "String"},
    {"FeatureName": "event_time", "FeatureType": "Fractional"},
    {"FeatureName": "score", "FeatureType": "Integral"},
]
ONLINE = {"EnableOnlineStore": True, "SecurityConfig": {"KmsKeyId": KEY}}
OFFLINE = {"S3StorageConfig": {"S3Uri": "s3://bucket/features", "KmsKeyId": KEY}}


def feature_group(sm: Any, name: str, **extra: Any) -> str:
    """A feature group with an online store (unless `extra` says otherwise)."""
    params: dict[str, Any] = {
        "FeatureGroupName": name,
        "RecordIdentifierFeatureName": "id",
        "EventTimeFeatureName": "event_time",
        "FeatureDefinitions": FEATURES,
        "OnlineStoreConfig": {"EnableOnlineStore": True},
        **extra,
    }
    params = {k: v for k, v in params.items() if v is not None}
    arn: str = sm.create_feature_group(**params)["FeatureGroupArn"]
    return arn


def raw_call(aws: Emulator, operation: str, params: dict[str, Any]) -> tuple[int, Any]:
    status_code, _, body = raw_sagemaker(aws, operation, params)
    return status_code, body


# Feature groups


def test_feature_group_round_trip(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    throughput = {
        "ThroughputMode": "Provisioned",
        "ProvisionedReadCapacityUnits": 10,
        "ProvisionedWriteCapacityUnits": 5,
    }
    arn = feature_group(
        sm,
        "Customers-FG",
        OnlineStoreConfig=ONLINE,
        OfflineStoreConfig=OFFLINE,
        ThroughputConfig=throughput,
        RoleArn=ROLE,
        Description="customer features",
    )
    assert arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:feature-group/customers-fg"

    first = sm.describe_feature_group(FeatureGroupName="Customers-FG")
    assert first["FeatureGroupStatus"] == "Creating"
    assert (first["FeatureGroupArn"], first["FeatureGroupName"]) == (arn, "Customers-FG")
    assert first["FeatureDefinitions"] == FEATURES
    assert first["RecordIdentifierFeatureName"] == "id"
    assert first["EventTimeFeatureName"] == "event_time"
    assert first["OnlineStoreConfig"] == ONLINE
    offline = first["OfflineStoreConfig"]
    assert offline["S3StorageConfig"]["KmsKeyId"] == KEY
    assert offline["S3StorageConfig"]["S3Uri"] == "s3://bucket/features"
    assert offline["S3StorageConfig"]["ResolvedOutputS3Uri"].startswith(
        f"s3://bucket/features/{ACCOUNT}/sagemaker/us-east-1/offline-store/Customers-FG-"
    )
    assert offline["DisableGlueTableCreation"] is False
    assert offline["DataCatalogConfig"]["Database"] == "sagemaker_featurestore"
    assert first["OfflineStoreStatus"] == {"Status": "Active"}
    assert first["ThroughputConfig"] == throughput
    assert (first["RoleArn"], first["Description"]) == (ROLE, "customer features")
    assert "NextToken" not in first and "LastUpdateStatus" not in first

    by_arn = sm.describe_feature_group(FeatureGroupName=arn)
    assert by_arn["FeatureGroupStatus"] == "Created"  # seen once: created
    assert by_arn["OnlineStoreConfig"] == ONLINE


def test_feature_group_defaults(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    feature_group(sm, "online-only")
    online_only = sm.describe_feature_group(FeatureGroupName="online-only")
    assert online_only["OnlineStoreConfig"] == {"EnableOnlineStore": True}  # as given
    assert online_only["ThroughputConfig"] == {"ThroughputMode": "OnDemand"}
    assert "OfflineStoreConfig" not in online_only
    assert "OfflineStoreStatus" not in online_only

    plain_offline = {"S3StorageConfig": {"S3Uri": "s3://bucket/plain"}}
    feature_group(
        sm, "offline-only", OnlineStoreConfig=None, OfflineStoreConfig=plain_offline, RoleArn=ROLE
    )
    offline_only = sm.describe_feature_group(FeatureGroupName="offline-only")
    assert "OnlineStoreConfig" not in offline_only
    assert "KmsKeyId" not in offline_only["OfflineStoreConfig"]["S3StorageConfig"]

    in_memory = {"EnableOnlineStore": True, "StorageType": "InMemory"}
    feature_group(sm, "in-memory", OnlineStoreConfig=in_memory)
    described = sm.describe_feature_group(FeatureGroupName="in-memory")
    assert described["OnlineStoreConfig"] == in_memory


def test_feature_group_refusals(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    feature_group(sm, "taken")
    assert error_of(lambda: feature_group(sm, "taken"))[0] == "ResourceInUse"
    assert error_of(lambda: feature_group(sm, "TAKEN"))[0] == "ResourceInUse"  # one ARN

    refused = {
        "no store": {"OnlineStoreConfig": None},
        "record identifier not a feature": {"RecordIdentifierFeatureName": "nope"},
        "event time not a feature": {"EventTimeFeatureName": "nope"},
        "a feature twice": {"FeatureDefinitions": [*FEATURES, FEATURES[0]]},
        "offline store without a role": {"OfflineStoreConfig": OFFLINE},
    }
    for why, extra in refused.items():
        code, _, status = error_of(lambda extra=extra: feature_group(sm, "refused", **extra))
        assert (code, status) == ("ValidationException", 400), why
    raw = aws.client("sagemaker", config=NO_CLIENT_VALIDATION)
    bad_type = {"EnableOnlineStore": True, "StorageType": "Floppy"}
    code, message, _ = error_of(lambda: feature_group(raw, "refused", OnlineStoreConfig=bad_type))
    assert code == "ValidationException" and "enum" in message
    names = [g["FeatureGroupName"] for g in sm.list_feature_groups()["FeatureGroupSummaries"]]
    assert names == ["taken"]


def test_update_feature_group(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    arn = feature_group(sm, "fg", OnlineStoreConfig=ONLINE)
    sm.describe_feature_group(FeatureGroupName="fg")  # -> Created

    added = {"FeatureName": "region", "FeatureType": "String"}
    ttl = {"Unit": "Days", "Value": 30}
    answer = sm.update_feature_group(
        FeatureGroupName=arn,
        FeatureAdditions=[added],
        OnlineStoreConfig={"TtlDuration": ttl},
        ThroughputConfig={"ThroughputMode": "Provisioned", "ProvisionedReadCapacityUnits": 3},
    )
    assert answer["FeatureGroupArn"] == arn
    updated = sm.describe_feature_group(FeatureGroupName="fg")
    assert updated["LastUpdateStatus"] == {"Status": "InProgress"}
    assert updated["FeatureDefinitions"] == [*FEATURES, added]
    assert updated["OnlineStoreConfig"] == {**ONLINE, "TtlDuration": ttl}  # the key stays
    assert updated["ThroughputConfig"] == {
        "ThroughputMode": "Provisioned",
        "ProvisionedReadCapacityUnits": 3,
    }
    assert updated["LastModifiedTime"] >= updated["CreationTime"]
    seen = sm.describe_feature_group(FeatureGroupName="fg")
    assert seen["LastUpdateStatus"] == {"Status": "Successful"}

    code, _, _ = error_of(
        lambda: sm.update_feature_group(FeatureGroupName="fg", FeatureAdditions=[added])
    )
    assert code == "ValidationException"  # already a feature
    feature_group(sm, "offline", OnlineStoreConfig=None, OfflineStoreConfig=OFFLINE, RoleArn=ROLE)
    code, _, _ = error_of(
        lambda: sm.update_feature_group(
            FeatureGroupName="offline", OnlineStoreConfig={"TtlDuration": ttl}
        )
    )
    assert code == "ValidationException"  # no online store to change
    code, body = raw_call(
        aws,
        "UpdateFeatureGroup",
        {"FeatureGroupName": "fg", "OnlineStoreConfig": {"SecurityConfig": {"KmsKeyId": KEY}}},
    )
    assert (code, body["__type"]) == (400, "ValidationException")
    assert "SecurityConfig" in body["message"]  # a store's key never changes


def test_feature_group_not_found_and_delete(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    feature_group(sm, "gone")
    sm.delete_feature_group(FeatureGroupName="gone")
    missing_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:feature-group/gone"
    for call in (
        lambda: sm.describe_feature_group(FeatureGroupName="gone"),
        lambda: sm.describe_feature_group(FeatureGroupName=missing_arn),
        lambda: sm.update_feature_group(FeatureGroupName="gone", ThroughputConfig={}),
        lambda: sm.delete_feature_group(FeatureGroupName="gone"),
    ):
        code, message, status = error_of(call)
        assert (code, status) == ("ResourceNotFound", 400)
        assert missing_arn in message
    assert sm.list_feature_groups()["FeatureGroupSummaries"] == []
    feature_group(sm, "gone")  # the name is free again
    assert sm.describe_feature_group(FeatureGroupName="gone")["FeatureGroupStatus"] == "Creating"


def test_list_feature_groups_pages_filters_and_sorts(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    total = 120
    for index in range(total):
        feature_group(sm, f"fg-{index:03d}")
    feature_group(sm, "with-offline", OfflineStoreConfig=OFFLINE, RoleArn=ROLE)
    sm.describe_feature_group(FeatureGroupName="with-offline")  # -> Created

    assert sm.can_paginate("list_feature_groups")
    pages = list(
        sm.get_paginator("list_feature_groups").paginate(PaginationConfig={"PageSize": 100})
    )
    assert [len(p["FeatureGroupSummaries"]) for p in pages] == [100, total + 1 - 100]
    assert "NextToken" not in pages[-1]
    listed = [s for p in pages for s in p["FeatureGroupSummaries"]]
    assert len({s["FeatureGroupArn"] for s in listed}) == total + 1
    assert len(sm.list_feature_groups()["FeatureGroupSummaries"]) == 10  # AWS's default
    assert error_of(lambda: sm.list_feature_groups(MaxResults=101))[0] == "ValidationException"
    raw = aws.client("sagemaker", config=NO_CLIENT_VALIDATION)
    assert error_of(lambda: raw.list_feature_groups(MaxResults=0))[0] == "ValidationException"

    def names(**params: Any) -> list[str]:
        summaries = sm.list_feature_groups(**params)["FeatureGroupSummaries"]
        return [s["FeatureGroupName"] for s in summaries]

    assert names(OfflineStoreStatusEquals="Active") == ["with-offline"]
    assert names(FeatureGroupStatusEquals="Created") == ["with-offline"]
    assert names(NameContains="fg-11", SortBy="Name", SortOrder="Ascending") == [
        f"fg-{index}" for index in range(110, 120)
    ]
    newest = sm.list_feature_groups(MaxResults=1)["FeatureGroupSummaries"][0]
    assert newest["FeatureGroupName"] == "with-offline"  # CreationTime, descending
    assert newest["OfflineStoreStatus"] == {"Status": "Active"}


# Inference experiments


def live_endpoint(sm: Any, name: str = "ep") -> None:
    """An endpoint serving model `m` as variant `v`, and a model `shadow` beside it."""
    model(sm, "m")
    model(sm, "shadow")
    endpoint_config(sm, f"{name}-config")
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")


def variant(model_name: str, variant_name: str, count: int = 1) -> dict[str, Any]:
    return {
        "ModelName": model_name,
        "VariantName": variant_name,
        "InfrastructureConfig": {
            "InfrastructureType": "RealTimeInference",
            "RealTimeInferenceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": count},
        },
    }


VARIANTS = [variant("m", "v"), variant("shadow", "shadow-v")]
SHADOW = {
    "SourceModelVariantName": "v",
    "ShadowModelVariants": [{"ShadowModelVariantName": "shadow-v", "SamplingPercentage": 50}],
}
CAPTURE = {
    "Destination": "s3://bucket/capture",
    "KmsKey": KEY,
    "ContentType": {"JsonContentTypes": ["application/json"]},
}


def experiment(sm: Any, name: str, endpoint: str = "ep", **extra: Any) -> str:
    params: dict[str, Any] = {
        "Name": name,
        "Type": "ShadowMode",
        "RoleArn": ROLE,
        "EndpointName": endpoint,
        "ModelVariants": VARIANTS,
        "ShadowModeConfig": SHADOW,
        **extra,
    }
    arn: str = sm.create_inference_experiment(**params)["InferenceExperimentArn"]
    return arn


def status(sm: Any, name: str) -> str:
    found: str = sm.describe_inference_experiment(Name=name)["Status"]
    return found


def in_days(days: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=days)


def test_inference_experiment_round_trip(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    live_endpoint(sm)
    start, end = in_days(1).replace(microsecond=0), in_days(3).replace(microsecond=0)
    arn = experiment(
        sm,
        "shadow-test",
        Schedule={"StartTime": start, "EndTime": end},
        Description="try the new model",
        DataStorageConfig=CAPTURE,
        KmsKey=KEY,
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    assert arn == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:inference-experiment/shadow-test"

    first = sm.describe_inference_experiment(Name="shadow-test")
    assert first["Status"] == "Creating"
    assert (first["Arn"], first["Name"], first["Type"]) == (arn, "shadow-test", "ShadowMode")
    assert first["EndpointMetadata"] == {
        "EndpointName": "ep",
        "EndpointConfigName": "ep-config",
        "EndpointStatus": "InService",
    }
    assert first["ModelVariants"] == [{**v, "Status": "Creating"} for v in VARIANTS]
    assert first["ShadowModeConfig"] == SHADOW
    assert first["DataStorageConfig"] == CAPTURE
    assert first["KmsKey"] == KEY
    assert first["Schedule"] == {"StartTime": start, "EndTime": end}
    assert (first["RoleArn"], first["Description"]) == (ROLE, "try the new model")
    assert "CompletionTime" not in first

    second = sm.describe_inference_experiment(Name="shadow-test")
    assert second["Status"] == "Created"  # starts tomorrow
    assert {v["Status"] for v in second["ModelVariants"]} == {"InService"}

    summary = sm.list_inference_experiments()["InferenceExperiments"][0]
    assert summary["Name"] == "shadow-test" and summary["Status"] == "Created"
    assert "Arn" not in summary  # the List summary has no ARN: Describe's answer holds it
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]


def test_inference_experiment_without_optional_members(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    live_endpoint(sm)
    before = datetime.now(timezone.utc)
    experiment(sm, "plain")
    described = sm.describe_inference_experiment(Name="plain")
    for member in ("KmsKey", "DataStorageConfig", "Description"):
        assert member not in described
    schedule = described["Schedule"]  # none given: starts now, ends after 7 days
    assert before - timedelta(seconds=1) <= schedule["StartTime"] <= datetime.now(timezone.utc)
    assert schedule["EndTime"] - schedule["StartTime"] == timedelta(days=7)
    assert status(sm, "plain") == "Running"


def test_inference_experiment_follows_its_schedule(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    live_endpoint(sm)
    end = in_days(-1).replace(microsecond=0)
    experiment(sm, "over", Schedule={"StartTime": in_days(-2), "EndTime": end})
    assert status(sm, "over") == "Creating"
    described = sm.describe_inference_experiment(Name="over")
    assert (described["Status"], described["CompletionTime"]) == ("Completed", end)
    listed = sm.list_inference_experiments(StatusEquals="Completed")["InferenceExperiments"]
    assert [e["Name"] for e in listed] == ["over"]


def test_update_inference_experiment(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    live_endpoint(sm)
    experiment(sm, "x", DataStorageConfig=CAPTURE)
    code, _, _ = error_of(lambda: sm.update_inference_experiment(Name="x", Description="d"))
    assert code == "ConflictException"  # still Creating
    assert status(sm, "x") == "Creating"
    assert status(sm, "x") == "Running"

    replacement = {"Destination": "s3://bucket/elsewhere", "KmsKey": KEY}
    end = in_days(5).replace(microsecond=0)
    answer = sm.update_inference_experiment(
        Name="x",
        DataStorageConfig=replacement,
        ModelVariants=[variant("shadow", "shadow-v", count=2)],
        Schedule={"EndTime": end},
    )
    assert answer["InferenceExperimentArn"].endswith("inference-experiment/x")
    updated = sm.describe_inference_experiment(Name="x")
    assert updated["Status"] == "Updating"
    assert updated["DataStorageConfig"] == replacement  # replaced whole: no ContentType
    assert [v["InfrastructureConfig"]["RealTimeInferenceConfig"]["InstanceCount"] for v in
            updated["ModelVariants"]] == [1, 2]  # fmt: skip
    assert updated["Schedule"]["EndTime"] == end
    assert status(sm, "x") == "Running"

    refused = {
        "a running experiment's start": {"Schedule": {"StartTime": in_days(1)}},
        "an end before the start": {"Schedule": {"EndTime": in_days(-30)}},
        "a variant it does not have": {"ModelVariants": [variant("m", "other")]},
        "a model that does not exist": {"ModelVariants": [variant("nope", "v")]},
    }
    for why, params in refused.items():
        code, _, _ = error_of(
            lambda params=params: sm.update_inference_experiment(Name="x", **params)
        )
        assert code == "ValidationException", why
    assert sm.describe_inference_experiment(Name="x")["DataStorageConfig"] == replacement


@pytest.mark.parametrize("desired", ["Completed", "Cancelled"])
def test_stopped_experiments_refuse_updates(aws: Emulator, desired: str) -> None:
    sm = aws.client("sagemaker")
    live_endpoint(sm)
    experiment(sm, "x", DataStorageConfig=CAPTURE)
    status(sm, "x")  # -> Running
    code, _, _ = error_of(lambda: sm.delete_inference_experiment(Name="x"))
    assert code == "ConflictException"  # running: stop it first

    sm.stop_inference_experiment(
        Name="x",
        ModelVariantActions={"v": "Retain", "shadow-v": "Remove"},
        DesiredState=desired,
        Reason="done",
    )
    stopping = sm.describe_inference_experiment(Name="x")
    assert (stopping["Status"], stopping["StatusReason"]) == ("Stopping", "done")
    stopped = sm.describe_inference_experiment(Name="x")
    assert stopped["Status"] == desired and "CompletionTime" in stopped
    assert [v["Status"] for v in stopped["ModelVariants"]] == ["InService", "Deleted"]

    for call in (
        lambda: sm.update_inference_experiment(Name="x", DataStorageConfig=CAPTURE),
        lambda: sm.stop_inference_experiment(Name="x", ModelVariantActions={"v": "Retain"}),
    ):
        code, message, status_code = error_of(call)
        assert (code, status_code) == ("ConflictException", 400)
        assert desired in message
    assert sm.delete_inference_experiment(Name="x")["InferenceExperimentArn"].endswith("/x")
    assert error_of(lambda: sm.describe_inference_experiment(Name="x"))[0] == "ResourceNotFound"


def test_create_inference_experiment_refusals(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    live_endpoint(sm)
    experiment(sm, "taken")
    assert error_of(lambda: experiment(sm, "taken"))[0] == "ResourceInUse"
    unknown_shadow = {**SHADOW, "SourceModelVariantName": "nope"}
    refused = {
        "no such endpoint": {"endpoint": "nope"},
        "no such model": {"ModelVariants": [variant("nope", "v"), VARIANTS[1]]},
        "a variant twice": {"ModelVariants": [VARIANTS[0], variant("shadow", "v")]},
        "shadow config names another variant": {"ShadowModeConfig": unknown_shadow},
        "ends before it starts": {"Schedule": {"StartTime": in_days(2), "EndTime": in_days(1)}},
        "longer than 30 days": {"Schedule": {"StartTime": in_days(1), "EndTime": in_days(32)}},
    }
    for why, extra in refused.items():
        code, _, status_code = error_of(lambda extra=extra: experiment(sm, "refused", **extra))
        assert (code, status_code) == ("ValidationException", 400), why
    listed = sm.list_inference_experiments()["InferenceExperiments"]
    assert [e["Name"] for e in listed] == ["taken"]


def test_inference_experiment_not_found(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    missing = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:inference-experiment/nope"
    for call in (
        lambda: sm.describe_inference_experiment(Name="nope"),
        lambda: sm.update_inference_experiment(Name="nope", Description="d"),
        lambda: sm.stop_inference_experiment(Name="nope", ModelVariantActions={"v": "Retain"}),
        lambda: sm.delete_inference_experiment(Name="nope"),
        lambda: sm.list_tags(ResourceArn=missing),
    ):
        code, _, status_code = error_of(call)
        assert (code, status_code) == ("ResourceNotFound", 400)


def test_list_inference_experiments_pages_filters_and_sorts(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    live_endpoint(sm)
    total = 120
    for index in range(total):
        experiment(sm, f"exp-{index:03d}")
    experiment(sm, "later", Schedule={"StartTime": in_days(1)})
    status(sm, "later")  # -> Created

    assert sm.can_paginate("list_inference_experiments")
    pages = list(
        sm.get_paginator("list_inference_experiments").paginate(PaginationConfig={"PageSize": 100})
    )
    assert [len(p["InferenceExperiments"]) for p in pages] == [100, total + 1 - 100]
    assert "NextToken" not in pages[-1]
    assert len({e["Name"] for p in pages for e in p["InferenceExperiments"]}) == total + 1
    assert len(sm.list_inference_experiments()["InferenceExperiments"]) == 10
    code, _, _ = error_of(lambda: sm.list_inference_experiments(MaxResults=101))
    assert code == "ValidationException"

    def names(**params: Any) -> list[str]:
        return [e["Name"] for e in sm.list_inference_experiments(**params)["InferenceExperiments"]]

    assert names(StatusEquals="Created") == ["later"]
    assert names(NameContains="exp-11", SortBy="Name", SortOrder="Ascending") == [
        f"exp-{index}" for index in range(110, 120)
    ]
    assert names(Type="ShadowMode", MaxResults=1) == ["later"]  # newest first


# Tags on both


@pytest.mark.parametrize("kind", ["feature-group", "inference-experiment"])
def test_tags_on_feature_groups_and_experiments(aws: Emulator, kind: str) -> None:
    sm = aws.client("sagemaker")
    tags = [{"Key": "team", "Value": "ml"}]
    if kind == "feature-group":
        arn = feature_group(sm, "Res", Tags=tags)
    else:
        live_endpoint(sm)
        arn = experiment(sm, "res", Tags=tags)
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags
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
