"""AWS Config in the emulator (config_service.py), through boto3 over HTTP: advanced
queries (one account and through an aggregator), batch reads, history, discovered
resources and recorded PutEvaluations, each answer checked against botocore's model."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sagewarden_demo.emulator import Emulator
from sagewarden_demo.emulator.config_service import delivered_item

ACCOUNT = "123456789012"
MEMBER = "210987654321"
OUTSIDER = "333333333333"


def item(
    name: str,
    rtype: str = "AWS::SageMaker::NotebookInstance",
    account: str = ACCOUNT,
    region: str = "us-east-1",
    status: str = "OK",
    **configuration: Any,
) -> dict[str, Any]:
    return delivered_item(
        rtype,
        name,
        {"Name": name, **configuration},
        account=account,
        region=region,
        tags={"team": "ml"},
        status=status,
    )


def select_all(client: Any, expression: str, **extra: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    op = "select_aggregate_resource_config" if extra else "select_resource_config"
    paginator = client.get_paginator(op)
    pages = paginator.paginate(Expression=expression, **extra, PaginationConfig={"PageSize": 2})
    for page in pages:
        rows += [json.loads(r) for r in page["Results"]]
    return rows


def test_select_filters_projects_and_pages(aws: Emulator) -> None:
    aws.config.record_many(
        [
            item("a", DirectInternetAccess="Enabled"),
            item("b", DirectInternetAccess="Disabled"),
            item("c", DirectInternetAccess="Enabled"),
            item("gone", status="ResourceDeleted"),
            item("m", "AWS::SageMaker::Model", EnableNetworkIsolation=True),
            item("job", "AWS::SageMaker::DataQualityJobDefinition"),  # not query-indexed
            item("elsewhere", region="eu-west-1"),
        ]
    )
    config = aws.client("config")
    rows = select_all(
        config,
        "SELECT resourceId, configuration.DirectInternetAccess, tags "
        "WHERE resourceType = 'AWS::SageMaker::NotebookInstance'",
    )
    assert [r["resourceId"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["configuration"] == {"DirectInternetAccess": "Enabled"}
    assert rows[0]["tags"] == [{"key": "team", "value": "ml", "tag": "team=ml"}]
    enabled = select_all(
        config,
        "SELECT resourceId WHERE resourceType LIKE 'AWS::SageMaker::%' "
        "AND (configuration.DirectInternetAccess = 'Enabled' OR resourceType IN "
        "('AWS::SageMaker::Model')) AND NOT resourceId = 'c'",
    )
    assert [r["resourceId"] for r in enabled] == ["a", "m"]
    assert select_all(config, "SELECT resourceId WHERE resourceId = 'job'") == []
    with pytest.raises(ClientError) as bad:
        config.select_resource_config(Expression="SELECT COUNT(*) WHERE resourceId = 'a'")
    assert bad.value.response["Error"]["Code"] == "InvalidExpressionException"


def test_an_aggregator_sees_its_sources_only(aws: Emulator) -> None:
    for account in (ACCOUNT, MEMBER, OUTSIDER):
        for region in ("us-east-1", "eu-west-1"):
            aws.config.record(item(f"nb-{account}-{region}", account=account, region=region))
    config = aws.client("config")
    config.put_configuration_aggregator(
        ConfigurationAggregatorName="org",
        AccountAggregationSources=[
            {"AccountIds": [ACCOUNT, MEMBER], "AwsRegions": ["eu-west-1"], "AllAwsRegions": False}
        ],
    )
    rows = select_all(
        config, "SELECT resourceId, accountId, awsRegion", ConfigurationAggregatorName="org"
    )
    assert sorted(r["resourceId"] for r in rows) == [
        f"nb-{ACCOUNT}-eu-west-1",
        f"nb-{MEMBER}-eu-west-1",
    ]
    found = config.batch_get_aggregate_resource_config(
        ConfigurationAggregatorName="org",
        ResourceIdentifiers=[
            {
                "SourceAccountId": MEMBER,
                "SourceRegion": "eu-west-1",
                "ResourceId": f"nb-{MEMBER}-eu-west-1",
                "ResourceType": "AWS::SageMaker::NotebookInstance",
            },
            {
                "SourceAccountId": OUTSIDER,  # outside the aggregator: not returned
                "SourceRegion": "eu-west-1",
                "ResourceId": f"nb-{OUTSIDER}-eu-west-1",
                "ResourceType": "AWS::SageMaker::NotebookInstance",
            },
        ],
    )["BaseConfigurationItems"]
    assert [f["resourceId"] for f in found] == [f"nb-{MEMBER}-eu-west-1"]
    assert json.loads(found[0]["configuration"]) == {"Name": f"nb-{MEMBER}-eu-west-1"}
    listed = config.list_aggregate_discovered_resources(
        ConfigurationAggregatorName="org",
        ResourceType="AWS::SageMaker::NotebookInstance",
        Filters={"AccountId": ACCOUNT},
    )["ResourceIdentifiers"]
    assert [r["ResourceId"] for r in listed] == [f"nb-{ACCOUNT}-eu-west-1"]
    with pytest.raises(ClientError) as missing:
        config.select_aggregate_resource_config(
            Expression="SELECT resourceId", ConfigurationAggregatorName="nope"
        )
    assert missing.value.response["Error"]["Code"] == "NoSuchConfigurationAggregatorException"


def test_batch_get_history_and_discovered(aws: Emulator) -> None:
    aws.config.record(item("nb", DirectInternetAccess="Enabled"))
    newer = item("nb", DirectInternetAccess="Disabled")
    newer["configurationItemCaptureTime"] = "2026-11-21T00:00:00.000Z"
    aws.config.record(newer)
    aws.config.record(item("gone", status="ResourceDeleted"))
    config = aws.client("config")
    got = config.batch_get_resource_config(
        resourceKeys=[
            {"resourceType": "AWS::SageMaker::NotebookInstance", "resourceId": "nb"},
            {"resourceType": "AWS::SageMaker::NotebookInstance", "resourceId": "gone"},
        ]
    )["baseConfigurationItems"]
    assert [json.loads(g["configuration"])["DirectInternetAccess"] for g in got] == ["Disabled"]
    history = config.get_resource_config_history(
        resourceType="AWS::SageMaker::NotebookInstance", resourceId="nb"
    )["configurationItems"]
    assert [h["configurationItemCaptureTime"] for h in history] == [
        datetime(2026, 11, 21, tzinfo=timezone.utc),
        datetime(2026, 11, 20, 6, 12, 41, 379000, tzinfo=timezone.utc),
    ]
    assert history[0]["tags"] == {"team": "ml"}
    with pytest.raises(ClientError) as unknown:
        config.get_resource_config_history(
            resourceType="AWS::SageMaker::NotebookInstance", resourceId="never"
        )
    assert unknown.value.response["Error"]["Code"] == "ResourceNotDiscoveredException"
    kept = config.list_discovered_resources(resourceType="AWS::SageMaker::NotebookInstance")
    assert [r["resourceId"] for r in kept["resourceIdentifiers"]] == ["nb"]
    every = config.list_discovered_resources(
        resourceType="AWS::SageMaker::NotebookInstance", includeDeletedResources=True
    )["resourceIdentifiers"]
    assert [("resourceDeletionTime" in r) for r in every] == [False, True]


def test_put_evaluations_are_recorded(aws: Emulator) -> None:
    config = aws.client("config", account=MEMBER, region="eu-west-1")
    when = datetime(2026, 11, 20, tzinfo=timezone.utc)
    evaluation = {
        "ComplianceResourceType": "AWS::SageMaker::NotebookInstance",
        "ComplianceResourceId": "nb",
        "ComplianceType": "NON_COMPLIANT",
        "Annotation": "DirectInternetAccess is Enabled",
        "OrderingTimestamp": when,
    }
    config.put_evaluations(Evaluations=[evaluation], ResultToken="token-1")
    [call] = aws.config.evaluations
    assert (call.account, call.region, call.result_token) == (MEMBER, "eu-west-1", "token-1")
    assert call.evaluations[0]["ComplianceType"] == "NON_COMPLIANT"
    with pytest.raises(ClientError) as refused:
        config.put_evaluations(
            Evaluations=[{**evaluation, "ComplianceType": "INSUFFICIENT_DATA"}],
            ResultToken="token-2",
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    too_many = [{**evaluation, "ComplianceResourceId": f"nb-{i}"} for i in range(101)]
    raw = aws.client("config", account=MEMBER, region="eu-west-1", config=_no_validation())
    with pytest.raises(ClientError) as over:
        raw.put_evaluations(Evaluations=too_many, ResultToken="token-3")
    assert over.value.response["Error"]["Code"] == "ValidationException"
    assert len(aws.config.evaluations) == 1


def _no_validation() -> Any:
    from botocore.config import Config

    return Config(parameter_validation=False)
