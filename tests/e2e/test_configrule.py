"""The AWS Config rule handler (`sagewarden.configrule.handler`) driven by the event
documents AWS Config sends, against the emulator's AWS Config and SageMaker: what it puts
is what the emulator recorded (`Emulator.config.evaluations`)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import pytest

from sagewarden.configrule import handler
from sagewarden_demo.emulator import Emulator
from sagewarden_demo.emulator.config_service import delivered_item

ACCOUNT = "123456789012"  # what the emulator's dummy credentials act as
MEMBER = "210987654321"
REGION = "us-east-1"
RULE_ARN = f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-0123456"
CAPTURED = "2026-11-20T06:12:41.379Z"
NOTIFIED = "2026-11-21T09:00:00.000Z"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution"
NOTEBOOK = "AWS::SageMaker::NotebookInstance"
SCHEDULE = "AWS::SageMaker::MonitoringSchedule"


class LambdaContext:
    """What Lambda passes as `context`: the handler reads the function's ARN."""

    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:sagewarden-config-rule"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


def config_item(
    name: str,
    rtype: str = NOTEBOOK,
    status: str = "OK",
    captured: str = CAPTURED,
    tags: dict[str, str] | None = None,
    **configuration: Any,
) -> dict[str, Any]:
    """A configuration item in the notification shape (configuration an object)."""
    item = delivered_item(
        rtype,
        name,
        None if status.startswith("ResourceDeleted") else configuration,
        account=ACCOUNT,
        region=REGION,
        tags=tags if tags is not None else {"team": "ml"},
        status=status,
        captured=captured,
    )
    item.update(  # what a notification carries beside the delivered fields
        availabilityZone="Not Applicable",
        configurationStateMd5Hash="",
        resourceCreationTime="2026-11-01T00:00:00.000Z",
    )
    return item


def notebook_item(name: str, **configuration: Any) -> dict[str, Any]:
    base = {
        "NotebookInstanceName": name,
        "InstanceType": "ml.t3.medium",
        "RoleArn": ROLE,
        "RootAccess": "Disabled",
        "PlatformIdentifier": "notebook-al2023-v1",
    }
    return config_item(name, **{**base, **configuration})


def change(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "configurationItemDiff": None,
        "configurationItem": item,
        "notificationCreationTime": NOTIFIED,
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    }


def oversized(item: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "configurationItemVersion",
        "configurationItemCaptureTime",
        "configurationStateId",
        "awsAccountId",
        "configurationItemStatus",
        "resourceType",
        "resourceId",
        "resourceName",
        "ARN",
        "awsRegion",
        "availabilityZone",
        "configurationStateMd5Hash",
        "resourceCreationTime",
    )
    summary = {"changeType": "UPDATE", **{k: item[k] for k in keep}}
    return {
        "configurationItemSummary": summary,
        "s3DeliverySummary": {"s3BucketLocation": "my-bucket/AWSLogs/oversized.json.gz"},
        "notificationCreationTime": NOTIFIED,
        "messageType": "OversizedConfigurationItemChangeNotification",
        "recordVersion": "1.0",
    }


def scheduled(account: str = ACCOUNT) -> dict[str, Any]:
    return {
        "awsAccountId": account,
        "notificationCreationTime": NOTIFIED,
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }


def rule_event(
    invoking: dict[str, Any],
    parameters: dict[str, str] | None = None,
    *,
    token: str = "token-1",
    left_scope: bool = False,
    name: str = "sagewarden-sagemaker-1",
    account: str = ACCOUNT,
) -> dict[str, Any]:
    """The event Lambda receives: invokingEvent and ruleParameters are JSON strings."""
    return {
        "version": "1.0",
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps(parameters or {}),
        "resultToken": token,
        "eventLeftScope": left_scope,
        "executionRoleArn": f"arn:aws:iam::{account}:role/config-role",
        "configRuleArn": RULE_ARN,
        "configRuleName": name,
        "configRuleId": "config-rule-0123456",
        "accountId": account,
        "evaluationMode": "DETECTIVE",
    }


def put(aws: Emulator) -> list[dict[str, Any]]:
    """Every evaluation the handler put, in order."""
    return [e for call in aws.config.evaluations for e in call.evaluations]


def only(aws: Emulator) -> dict[str, Any]:
    [evaluation] = put(aws)
    return evaluation


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def at(value: str | float) -> datetime:
    """A time as Config's text or as the wire's epoch seconds (what the emulator recorded)."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


# -- change notifications ---------------------------------------------------------------


def test_a_change_notification_puts_one_evaluation_for_its_item(
    aws: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    item = notebook_item("open-nb", DirectInternetAccess="Enabled")
    answer = handler(rule_event(change(item), {"control": "SageMaker.1"}), LambdaContext())
    [call] = aws.config.evaluations
    assert (call.account, call.region, call.result_token, call.test_mode) == (
        ACCOUNT,
        REGION,
        "token-1",
        False,
    )
    [evaluation] = call.evaluations
    assert evaluation["ComplianceResourceType"] == NOTEBOOK
    assert evaluation["ComplianceResourceId"] == "open-nb"
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "DirectInternetAccess" in evaluation["Annotation"]
    assert at(evaluation["OrderingTimestamp"]) == at(CAPTURED)  # the item's capture time
    assert answer["evaluations"] == 1 and answer["NON_COMPLIANT"] == 1
    [line] = [x for x in log_lines(capsys) if x["message"] == "evaluation"]
    assert line["complianceType"] == "NON_COMPLIANT" and line["verdict"] == "FAILED"
    assert (line["control"], line["resourceId"]) == ("SageMaker.1", "open-nb")


def test_a_compliant_item_and_test_mode(aws: Emulator) -> None:
    item = notebook_item("closed-nb", DirectInternetAccess="Disabled", SubnetId="subnet-1")
    handler(rule_event(change(item), {"control": "SageMaker.1"}, token="TESTMODE"), None)
    [call] = aws.config.evaluations
    assert call.test_mode is True
    assert call.evaluations[0]["ComplianceType"] == "COMPLIANT"


def test_an_oversized_notification_judges_the_latest_recorded_item(aws: Emulator) -> None:
    older = notebook_item("big-nb", DirectInternetAccess="Enabled")
    newer = notebook_item(
        "big-nb",
        DirectInternetAccess="Disabled",
        SubnetId="subnet-1",
        # what makes an item oversized: a large configuration
        AcceleratorTypes=[f"ml.eia{i}.medium" for i in range(2000)],
    )
    newer["configurationItemCaptureTime"] = "2026-11-20T07:00:00.000Z"
    aws.config.record_many([older, newer])
    aws.clear_calls()
    handler(rule_event(oversized(newer), {"control": "SageMaker.1"}), LambdaContext())
    evaluation = only(aws)
    assert evaluation["ComplianceType"] == "COMPLIANT"  # the newer item decides
    assert at(evaluation["OrderingTimestamp"]) == at("2026-11-20T07:00:00.000Z")
    [history] = [c for c in aws.calls if c.operation == "GetResourceConfigHistory"]
    assert history.params["limit"] == 1
    assert history.params["resourceId"] == "big-nb"


def test_an_oversized_item_config_cannot_return_is_non_compliant_with_the_reason(
    aws: Emulator,
) -> None:
    item = notebook_item("never-recorded", DirectInternetAccess="Disabled", SubnetId="s")
    handler(rule_event(oversized(item), {"control": "SageMaker.1"}), LambdaContext())
    evaluation = only(aws)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("ERROR: config:GetResourceConfigHistory failed")
    assert "ResourceNotDiscoveredException" in evaluation["Annotation"]


@pytest.mark.parametrize(
    ("item", "left_scope", "why"),
    [
        (config_item("gone-nb", status="ResourceDeleted"), False, "deleted"),
        (config_item("gone-nb", status="ResourceDeletedNotRecorded"), False, "deleted"),
        (notebook_item("gone-nb", DirectInternetAccess="Enabled"), True, "left the rule's scope"),
        (
            config_item("m", "AWS::SageMaker::Model", EnableNetworkIsolation=False),
            False,
            "judges AWS::SageMaker::NotebookInstance, not AWS::SageMaker::Model",
        ),
    ],
    ids=["deleted", "deleted-not-recorded", "left-scope", "other-type"],
)
def test_out_of_scope_items_are_not_applicable(
    aws: Emulator, item: dict[str, Any], left_scope: bool, why: str
) -> None:
    event = rule_event(change(item), {"control": "SageMaker.1"}, left_scope=left_scope)
    handler(event, LambdaContext())
    evaluation = only(aws)
    assert evaluation["ComplianceType"] == "NOT_APPLICABLE"
    assert why in evaluation["Annotation"]
    assert evaluation["ComplianceResourceId"] == item["resourceId"]
    assert at(evaluation["OrderingTimestamp"]) == at(CAPTURED)


def test_a_deleted_oversized_item_is_not_applicable_without_a_fetch(aws: Emulator) -> None:
    item = config_item("gone-nb", status="ResourceDeleted")
    aws.clear_calls()
    handler(rule_event(oversized(item), {"control": "SageMaker.1"}), LambdaContext())
    assert only(aws)["ComplianceType"] == "NOT_APPLICABLE"
    assert not [c for c in aws.calls if c.operation == "GetResourceConfigHistory"]


def test_an_item_config_did_not_record_is_non_compliant_never_a_pass(aws: Emulator) -> None:
    item = config_item("unrecorded", status="ResourceNotRecorded")
    item["configuration"] = None
    handler(rule_event(change(item), {"control": "SageMaker.3"}), LambdaContext())
    evaluation = only(aws)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("ERROR: ")
    assert "ResourceNotRecorded" in evaluation["Annotation"]


def test_an_annotation_is_cut_cleanly_to_what_config_takes(aws: Emulator) -> None:
    platform = "notebook-" + "-".join(["al2023"] * 60)  # a reason far past 256 characters
    item = notebook_item("odd-platform", PlatformIdentifier=platform)
    handler(rule_event(change(item), {"control": "SageMaker.8"}), LambdaContext())
    annotation = only(aws)["Annotation"]
    assert len(annotation) <= 256
    assert annotation.endswith("…")
    assert annotation.startswith("PlatformIdentifier")


# -- parameters and which control -------------------------------------------------------


def test_rule_parameters_are_the_controls_parameters(aws: Emulator) -> None:
    item = notebook_item("al2-nb", PlatformIdentifier="notebook-al2-v3")
    handler(rule_event(change(item), {"control": "SageMaker.8"}), LambdaContext())
    handler(
        rule_event(
            change(item),
            {
                "control": "SageMaker.8",
                "supportedPlatformIdentifierVersions": "notebook-al2-v3, notebook-al2023-v1",
            },
        ),
        LambdaContext(),
    )
    assert [e["ComplianceType"] for e in put(aws)] == ["NON_COMPLIANT", "COMPLIANT"]


def test_tag_keys_as_csv_and_their_alias(aws: Emulator) -> None:
    item = config_item(
        "img", "AWS::SageMaker::Image", tags={"team": "ml"}, ImageName="img", RoleArn=ROLE
    )
    for parameters in (
        {"control": "SageMaker.7", "requiredKeyTags": "team"},
        {"control": "SageMaker.7", "requiredTagKeys": "team,owner"},
        {"control": "SageMaker.7", "SageMaker.7.requiredKeyTags": "owner"},
    ):
        handler(rule_event(change(item), parameters), LambdaContext())
    assert [e["ComplianceType"] for e in put(aws)] == [
        "COMPLIANT",
        "NON_COMPLIANT",
        "NON_COMPLIANT",
    ]
    assert "owner" in put(aws)[1]["Annotation"]


@pytest.mark.parametrize(
    ("name", "control"),
    [
        ("sagewarden-sagemaker-3", "SageMaker.3"),
        ("OrgConfigRule-sagewarden-sagemaker-3-ab12cd34", "SageMaker.3"),
        ("my-SageMaker.1-rule", "SageMaker.1"),
    ],
)
def test_without_a_control_parameter_the_rule_name_says_which(
    aws: Emulator, capsys: pytest.CaptureFixture[str], name: str, control: str
) -> None:
    item = notebook_item("nb", DirectInternetAccess="Enabled", RootAccess="Enabled")
    handler(rule_event(change(item), name=name), LambdaContext())
    assert only(aws)["ComplianceType"] == "NON_COMPLIANT"
    [line] = [x for x in log_lines(capsys) if x["message"] == "evaluation"]
    assert line["control"] == control


@pytest.mark.parametrize(
    ("parameters", "name", "said"),
    [
        ({"control": "SageMaker.7", "requiredKeyTags": "aws:owner"}, "r", "requiredKeyTags"),
        ({"control": "SageMaker.7", "requiredKeyTags": "a,b,c,d,e,f,g"}, "r", "at most 6"),
        ({"control": "SageMaker.2", "subnetIds": "subnet-1"}, "r", "no parameter 'subnetIds'"),
        ({"control": "SageMaker.1", "SubnetIds": "subnet-1"}, "r", "takes no parameters"),
        ({"control": "SageMaker.14", "resolveReferences": "yes"}, "r", "true or false"),
        ({"control": "SageMaker.99"}, "r", "not a control"),
        ({}, "my-notebook-rule", "does not name one control"),
        ({}, "sagemaker-1-and-sagemaker-3", "does not name one control"),
    ],
    ids=[
        "aws-prefix",
        "seven-keys",
        "unknown-key",
        "no-parameters",
        "not-boolean",
        "no-such-control",
        "unnamed",
        "two-controls",
    ],
)
def test_a_bad_rule_is_one_log_line_and_puts_nothing(
    aws: Emulator,
    capsys: pytest.CaptureFixture[str],
    parameters: dict[str, str],
    name: str,
    said: str,
) -> None:
    item = notebook_item("nb", DirectInternetAccess="Enabled")
    answer = handler(rule_event(change(item), parameters, name=name), LambdaContext())
    assert aws.config.evaluations == []
    assert answer["evaluations"] == 0
    [line] = log_lines(capsys)
    assert line["level"] == "ERROR" and said in line["message"]


@pytest.mark.parametrize(
    ("event", "said"),
    [
        ({"invokingEvent": "{not json", "resultToken": "t"}, "invokingEvent is not valid JSON"),
        ({"invokingEvent": json.dumps({"messageType": "Nope"}), "resultToken": "t"}, "Nope"),
        ({"invokingEvent": json.dumps(scheduled())}, "no resultToken"),
        (["not", "an", "event"], "not an AWS Config rule event"),
    ],
)
def test_a_bad_event_is_one_log_line_and_puts_nothing(
    aws: Emulator, capsys: pytest.CaptureFixture[str], event: Any, said: str
) -> None:
    handler(event, LambdaContext())
    assert aws.config.evaluations == []
    [line] = log_lines(capsys)
    assert line["level"] == "ERROR" and said in line["message"]


# -- references (SageMaker.14 and .22) ----------------------------------------------------


def job_definition(aws: Emulator, name: str, isolate: bool, encrypt: bool) -> None:
    endpoint = {"EndpointName": "prod", "LocalPath": "/opt/ml/processing/input"}
    aws.client("sagemaker").create_data_quality_job_definition(
        JobDefinitionName=name,
        DataQualityAppSpecification={"ImageUri": "123.dkr.ecr.us-east-1.amazonaws.com/m:1"},
        DataQualityJobInput={"EndpointInput": endpoint},
        DataQualityJobOutputConfig={
            "MonitoringOutputs": [
                {"S3Output": {"S3Uri": "s3://b/out", "LocalPath": "/opt/ml/processing/out"}}
            ]
        },
        JobResources={
            "ClusterConfig": {
                "InstanceCount": 2,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 30,
            }
        },
        NetworkConfig={
            "EnableNetworkIsolation": isolate,
            "EnableInterContainerTrafficEncryption": encrypt,
        },
        RoleArn=ROLE,
    )


def schedule_item(name: str, definition: str) -> dict[str, Any]:
    return config_item(
        name,
        SCHEDULE,
        MonitoringScheduleName=name,
        MonitoringScheduleConfig={
            "MonitoringJobDefinitionName": definition,
            "MonitoringType": "DataQuality",
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
        },
    )


def describes(aws: Emulator) -> Counter[str]:
    return Counter(c.operation for c in aws.calls if c.operation.startswith("Describe"))


def test_references_are_resolved_with_one_describe_when_asked(aws: Emulator) -> None:
    job_definition(aws, "dq-isolated", isolate=True, encrypt=False)
    item = schedule_item("drift-daily", "dq-isolated")
    aws.clear_calls()
    for parameters in (
        {"control": "SageMaker.14"},
        {"control": "SageMaker.14", "resolveReferences": "true"},
        {"control": "SageMaker.22"},
        {"control": "SageMaker.22", "resolveReferences": "true"},
    ):
        handler(rule_event(change(item), parameters), LambdaContext())
    assert [e["ComplianceType"] for e in put(aws)] == [
        "NON_COMPLIANT",  # .14 by default: the isolation lives on the definition
        "COMPLIANT",  # .14 resolved: the definition isolates
        "NOT_APPLICABLE",  # .22 by default: only an inline job counts
        "NON_COMPLIANT",  # .22 resolved: the definition does not encrypt
    ]
    assert describes(aws) == Counter({"DescribeDataQualityJobDefinition": 2})


def test_a_reference_that_cannot_be_found_is_non_compliant_with_the_reason(
    aws: Emulator,
) -> None:
    item = schedule_item("drift-daily", "dq-missing")
    handler(
        rule_event(change(item), {"control": "SageMaker.14", "resolveReferences": "true"}),
        LambdaContext(),
    )
    evaluation = only(aws)
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("ERROR: ")
    assert "dq-missing" in evaluation["Annotation"]


# -- scheduled runs -----------------------------------------------------------------------


def test_a_scheduled_run_judges_every_notebook_over_two_pages(aws: Emulator) -> None:
    sm = aws.client("sagemaker")
    total = 130
    for i in range(total):
        closed = i % 3 == 0
        extra = {"DirectInternetAccess": "Disabled", "SubnetId": "subnet-1"} if closed else {}
        sm.create_notebook_instance(
            NotebookInstanceName=f"nb-{i:03d}", InstanceType="ml.t3.medium", RoleArn=ROLE, **extra
        )
    aws.clear_calls()
    handler(rule_event(scheduled(), {"control": "SageMaker.1"}), LambdaContext())
    lists = [c for c in aws.calls if c.operation == "ListNotebookInstances"]
    assert len(lists) == 2  # two pages of 100
    assert [len(c.evaluations) for c in aws.config.evaluations] == [100, total + 1 - 100]
    evaluations = put(aws)
    by_id = {e["ComplianceResourceId"]: e for e in evaluations}
    assert len(by_id) == total + 1
    closed = {f"nb-{i:03d}" for i in range(0, total, 3)}
    for name in (f"nb-{i:03d}" for i in range(total)):
        expected = "COMPLIANT" if name in closed else "NON_COMPLIANT"
        assert (by_id[name]["ComplianceResourceType"], by_id[name]["ComplianceType"]) == (
            NOTEBOOK,
            expected,
        )
    account = by_id[ACCOUNT]
    assert (account["ComplianceResourceType"], account["ComplianceType"]) == (
        "AWS::::Account",
        "NOT_APPLICABLE",
    )
    assert {at(e["OrderingTimestamp"]) for e in evaluations} == {at(NOTIFIED)}


def test_a_scheduled_run_that_cannot_list_is_non_compliant_on_the_account(
    aws: Emulator,
) -> None:
    aws.client("sagemaker").create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    aws.add_fault(operation="ListNotebookInstances", code="AccessDeniedException")
    handler(rule_event(scheduled(), {"control": "SageMaker.1"}), LambdaContext())
    evaluation = only(aws)
    assert (evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"]) == (
        "AWS::::Account",
        ACCOUNT,
    )
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "AccessDenied" in evaluation["Annotation"]


def test_an_organization_rule_puts_in_the_member_account_through_its_role(
    aws: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAGEWARDEN_MEMBER_ROLE", "sagewarden-config-rule-member")
    item = notebook_item("member-nb", DirectInternetAccess="Enabled")
    item["awsAccountId"] = MEMBER
    aws.clear_calls()
    handler(rule_event(change(item), {"control": "SageMaker.1"}, account=MEMBER), LambdaContext())
    [call] = aws.config.evaluations
    assert call.account == MEMBER
    [assume] = [c for c in aws.calls if c.operation == "AssumeRole"]
    assert assume.params["RoleArn"] == f"arn:aws:iam::{MEMBER}:role/sagewarden-config-rule-member"


def test_a_notebook_that_cannot_be_described_is_non_compliant_the_rest_judged(
    aws: Emulator,
) -> None:
    sm = aws.client("sagemaker")
    for name in ("nb-a", "nb-b", "nb-c"):
        sm.create_notebook_instance(
            NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
        )
    aws.add_fault(operation="DescribeNotebookInstance", code="AccessDeniedException", times=1)
    handler(rule_event(scheduled(), {"control": "SageMaker.1"}), LambdaContext())
    by_type = Counter(
        (e["ComplianceResourceType"], e["ComplianceType"], e["Annotation"].startswith("ERROR: "))
        for e in put(aws)
    )
    assert by_type == Counter(
        {
            (NOTEBOOK, "NON_COMPLIANT", True): 1,  # the one whose Describe was refused
            (NOTEBOOK, "NON_COMPLIANT", False): 2,  # DirectInternetAccess Enabled
            ("AWS::::Account", "NOT_APPLICABLE", False): 1,  # every notebook was listed
        }
    )


def test_a_change_notification_without_an_item_puts_nothing(
    aws: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    invoking = {**change(notebook_item("nb")), "configurationItem": None}
    handler(rule_event(invoking, {"control": "SageMaker.1"}), LambdaContext())
    assert aws.config.evaluations == []
    [line] = log_lines(capsys)
    assert line["level"] == "ERROR" and "configurationItem" in line["message"]
