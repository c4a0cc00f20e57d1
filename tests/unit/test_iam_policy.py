"""The scan policy as derived from the read paths, and the documented one beside it."""

from __future__ import annotations

import re
from pathlib import Path

from sagewarden.iampolicy import sagemaker_actions, scan_policy
from sagewarden.resources import ResourceType as RT
from sagewarden.sources.aws.readpath import READ_PATHS

DOC = Path(__file__).resolve().parents[2] / "docs" / "live-scanning.md"
WORDS = {10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen"}


def test_the_scan_reads_feature_groups_and_inference_experiments() -> None:
    actions = set(sagemaker_actions())
    for rtype in (RT.FEATURE_GROUP, RT.INFERENCE_EXPERIMENT):
        path = READ_PATHS[rtype]
        assert f"sagemaker:{path.list_op}" in actions
        assert f"sagemaker:{path.describe_op}" in actions
    assert {
        "sagemaker:ListFeatureGroups",
        "sagemaker:DescribeFeatureGroup",
        "sagemaker:ListInferenceExperiments",
        "sagemaker:DescribeInferenceExperiment",
    } <= actions


def test_the_scan_policy_only_reads() -> None:
    for statement in scan_policy()["Statement"]:
        for action in statement["Action"]:
            verb = action.split(":", 1)[1]
            assert re.match(r"(List|Describe|Get)", verb), action


def test_the_documented_policy_names_every_type_and_the_new_operations() -> None:
    text = " ".join(DOC.read_text().split())  # the comment wraps over lines
    assert f"sagemaker:List*/Describe* of the {WORDS[len(READ_PATHS)]} types" in text
    for op in ("ListFeatureGroups", "DescribeFeatureGroup"):
        assert op in text
    for op in ("ListInferenceExperiments", "DescribeInferenceExperiment"):
        assert op in text
