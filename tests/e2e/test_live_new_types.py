"""Live scans of feature groups and inference experiments (SageMaker.17, .18, .23, .24).

ListInferenceExperiments' summaries carry no ARN: the resource's ARN is Describe's `Arn`.
Both types are read only when a selected control needs them, every page of them, and a
resource deleted between List and Describe is gone, not an error.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from sagewarden_demo import estate
from sagewarden_demo.emulator import Call, Emulator
from tests.e2e.test_emulator_featurestore import (
    KEY,
    ONLINE,
    SHADOW,
    VARIANTS,
    experiment,
    feature_group,
    live_endpoint,
)
from tests.e2e.test_live_scan import ACCOUNT, live, sagemaker_ops, scan

__all__ = ["live"]  # the fixture, shared

REGION = "us-east-1"
NEW_TYPE_OPS = {
    "ListFeatureGroups",
    "DescribeFeatureGroup",
    "ListInferenceExperiments",
    "DescribeInferenceExperiment",
}
ROLE = f"arn:aws:iam::{ACCOUNT}:role/features"


def verdicts(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(e["control"], e["resource_name"]): e["status"] for e in doc["evaluations"]}


def test_feature_groups_and_experiments_are_judged_from_live_answers(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    offline = {"S3StorageConfig": {"S3Uri": "s3://b/offline", "KmsKeyId": KEY}}
    feature_group(sm, "keyed", OnlineStoreConfig=ONLINE, OfflineStoreConfig=offline, RoleArn=ROLE)
    feature_group(sm, "plain")  # online store, Standard by default, no key
    feature_group(
        sm, "in-memory", OnlineStoreConfig={"EnableOnlineStore": True, "StorageType": "InMemory"}
    )
    live_endpoint(sm)
    experiment(
        sm, "sealed", KmsKey=KEY, DataStorageConfig={"Destination": "s3://b/c", "KmsKey": KEY}
    )
    experiment(sm, "open", DataStorageConfig={"Destination": "s3://b/c"})
    experiment(sm, "no-capture", KmsKey=KEY)
    live.clear_calls()

    code, doc, err = scan(
        capsys,
        "--region",
        REGION,
        *(a for n in (17, 18, 23, 24) for a in ("--control", f"SageMaker.{n}")),
    )
    assert (code, err) == (1, "")
    assert verdicts(doc) == {
        ("SageMaker.17", "keyed"): "PASSED",
        ("SageMaker.17", "plain"): "NOT_APPLICABLE",
        ("SageMaker.17", "in-memory"): "NOT_APPLICABLE",
        ("SageMaker.18", "keyed"): "PASSED",
        ("SageMaker.18", "plain"): "FAILED",
        ("SageMaker.18", "in-memory"): "NOT_APPLICABLE",
        ("SageMaker.23", "sealed"): "PASSED",
        ("SageMaker.23", "open"): "FAILED",
        ("SageMaker.23", "no-capture"): "PASSED",
        ("SageMaker.24", "sealed"): "PASSED",
        ("SageMaker.24", "open"): "FAILED",
        ("SageMaker.24", "no-capture"): "NOT_APPLICABLE",
    }
    arns = {e["resource_name"]: e["resource_id"] for e in doc["evaluations"]}
    prefix = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}"
    assert arns["keyed"] == f"{prefix}:feature-group/keyed"
    for name in ("sealed", "open", "no-capture"):  # from Describe: the summary has none
        assert arns[name] == f"{prefix}:inference-experiment/{name}"
    ops = sagemaker_ops(live.calls)
    assert ops == Counter(
        {
            "ListFeatureGroups": 1,
            "DescribeFeatureGroup": 3,
            "ListInferenceExperiments": 1,
            "DescribeInferenceExperiment": 3,
        }
    )  # no ListTags: no new control reads tags


@pytest.mark.parametrize(
    ("control", "allowed"),
    [
        ("SageMaker.1", {"ListNotebookInstances", "DescribeNotebookInstance"}),
        ("SageMaker.16", {"ListModels", "DescribeModel"}),
        ("SageMaker.21", {"ListNotebookInstances", "DescribeNotebookInstance"}),
        ("SageMaker.22", {"ListMonitoringSchedules", "DescribeMonitoringSchedule"}),
        ("SageMaker.17", {"ListFeatureGroups", "DescribeFeatureGroup"}),
        ("SageMaker.18", {"ListFeatureGroups", "DescribeFeatureGroup"}),
        ("SageMaker.23", {"ListInferenceExperiments", "DescribeInferenceExperiment"}),
        ("SageMaker.24", {"ListInferenceExperiments", "DescribeInferenceExperiment"}),
    ],
)
def test_the_new_types_are_read_only_when_a_selected_control_needs_them(
    live: Emulator, capsys: pytest.CaptureFixture[str], control: str, allowed: set[str]
) -> None:
    estate.build(live.client, ACCOUNT, [REGION])  # has feature groups and experiments
    live.clear_calls()
    scan(capsys, "--region", REGION, "--control", control)
    ops = sagemaker_ops(live.calls)
    assert set(ops) == allowed
    assert not (set(ops) - allowed) & NEW_TYPE_OPS


def test_every_page_of_both_types_is_read(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    live_endpoint(sm)
    for index in range(105):
        feature_group(sm, f"fg-{index:03d}", OnlineStoreConfig=ONLINE if index % 3 else None,
                      OfflineStoreConfig=None if index % 3 else {"S3StorageConfig": {"S3Uri": "s3://b/o"}},
                      RoleArn=ROLE)  # fmt: skip
        experiment(sm, f"exp-{index:03d}", **({"KmsKey": KEY} if index % 2 else {}))
    live.clear_calls()
    _, doc, _ = scan(
        capsys, "--region", REGION, "--control", "SageMaker.17", "--control", "SageMaker.23"
    )
    counts = Counter((e["control"], e["status"]) for e in doc["evaluations"])
    assert counts[("SageMaker.17", "FAILED")] == 35  # offline store without a key
    assert counts[("SageMaker.17", "NOT_APPLICABLE")] == 70
    assert counts[("SageMaker.23", "PASSED")] == 52
    assert counts[("SageMaker.23", "FAILED")] == 53
    ops = sagemaker_ops(live.calls)
    assert (ops["ListFeatureGroups"], ops["ListInferenceExperiments"]) == (2, 2)
    assert (ops["DescribeFeatureGroup"], ops["DescribeInferenceExperiment"]) == (105, 105)


def test_deleted_between_list_and_describe_is_gone_not_an_error(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = live.client("sagemaker", REGION)
    live_endpoint(sm)
    feature_group(sm, "stays")
    feature_group(sm, "goes")
    experiment(sm, "stays")
    experiment(sm, "goes")
    sm.describe_inference_experiment(Name="goes")  # Running: stop it so it may be deleted
    sm.stop_inference_experiment(Name="goes", ModelVariantActions={"v": "Retain"})
    sm.describe_inference_experiment(Name="goes")  # -> Completed

    def delete_on_describe(call: Call) -> None:
        if call.operation == "DescribeFeatureGroup" and call.params["FeatureGroupName"] == "goes":
            sm.delete_feature_group(FeatureGroupName="goes")
        if call.operation == "DescribeInferenceExperiment" and call.params["Name"] == "goes":
            sm.delete_inference_experiment(Name="goes")

    live.on_request(delete_on_describe)
    code, doc, err = scan(
        capsys, "--region", REGION, "--control", "SageMaker.18", "--control", "SageMaker.23"
    )
    assert err == ""
    assert verdicts(doc) == {
        ("SageMaker.18", "stays"): "FAILED",
        ("SageMaker.23", "stays"): "FAILED",
    }
    assert code == 1


@pytest.mark.parametrize(
    ("operation", "control", "name"),
    [
        ("DescribeFeatureGroup", "SageMaker.17", "fg"),
        ("DescribeInferenceExperiment", "SageMaker.24", "exp"),
    ],
)
def test_an_unreadable_describe_is_an_error_never_a_pass(
    live: Emulator, capsys: pytest.CaptureFixture[str], operation: str, control: str, name: str
) -> None:
    sm = live.client("sagemaker", REGION)
    live_endpoint(sm)
    keyed = {"S3StorageConfig": {"S3Uri": "s3://b/o", "KmsKeyId": KEY}}
    feature_group(sm, "fg", OnlineStoreConfig=None, OfflineStoreConfig=keyed, RoleArn=ROLE)
    experiment(sm, "exp", DataStorageConfig={"Destination": "s3://b/c", "KmsKey": KEY})
    live.add_fault(operation=operation, code="AccessDeniedException")
    code, doc, err = scan(capsys, "--region", REGION, "--control", control)
    assert verdicts(doc) == {(control, name): "ERROR"}
    assert f"{operation} failed: AccessDeniedException" in err
    assert code != 0


@pytest.mark.parametrize(
    ("operation", "control"),
    [("ListFeatureGroups", "SageMaker.18"), ("ListInferenceExperiments", "SageMaker.23")],
)
def test_an_unreadable_list_is_an_error_for_the_scope(
    live: Emulator, capsys: pytest.CaptureFixture[str], operation: str, control: str
) -> None:
    live.add_fault(operation=operation, code="AccessDeniedException")
    code, doc, err = scan(capsys, "--region", REGION, "--control", control)
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"]
    assert f"{operation} failed: AccessDeniedException" in err
    assert code != 0


def test_the_experiment_summary_really_has_no_arn(live: Emulator) -> None:
    """What the collector relies on: the ARN comes only from Describe."""
    sm = live.client("sagemaker", REGION)
    live_endpoint(sm)
    experiment(sm, "x", ModelVariants=VARIANTS, ShadowModeConfig=SHADOW)
    (summary,) = sm.list_inference_experiments()["InferenceExperiments"]
    assert not [k for k in summary if k.endswith("Arn") and k != "RoleArn"]
