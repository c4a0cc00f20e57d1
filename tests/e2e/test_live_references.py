"""The live collector follows the references the units declare, whatever they are: it reads
only what a declared reference names and the scan has not read, and nothing without one.

The end-to-end case (SageMaker.14 with resolveReferences) is in test_live_scan.py; here
the collector is given references directly, including ones no control declares, to show
it knows none of them by name.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

import boto3

from sagewarden.catalog import BY_ID, Reference, references_to_resolve
from sagewarden.controls.schedule import JOB_DEFINITION
from sagewarden.params import parse_params
from sagewarden.resources import ResourceType as RT
from sagewarden.sources.aws.accounts import Target
from sagewarden.sources.aws.collector import Collector, CollectResult
from sagewarden.sources.aws.readpath import READ_PATHS
from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator

ACCOUNT = "123456789012"
REGION = "us-east-1"
SCHEDULES = {RT.MONITORING_SCHEDULE}


def collect(
    aws: Emulator, types: set[str], references: Sequence[tuple[str, Reference]]
) -> CollectResult:
    target = Target(ACCOUNT, boto3.Session(region_name=REGION), "aws", [REGION])
    aws.clear_calls()
    return Collector([target], types, resolve_references=references).run()


def describes(aws: Emulator) -> Counter[str]:
    return Counter(
        c.operation
        for c in aws.calls
        if c.service == "sagemaker" and c.operation.startswith("Describe")
    )


def names(result: CollectResult, rtype: str) -> set[str]:
    return {r.name for r in result.resources if r.type == rtype}


def test_no_reference_reads_only_the_selected_types(aws: Emulator) -> None:
    estate.build(aws.client, ACCOUNT, [REGION])
    result = collect(aws, SCHEDULES, ())
    assert set(describes(aws)) == {"DescribeMonitoringSchedule"}
    assert {r.type for r in result.resources} == SCHEDULES


def test_the_declared_reference_reads_each_named_definition_once(aws: Emulator) -> None:
    estate.build(aws.client, ACCOUNT, [REGION])
    params, _ = parse_params(["SageMaker.14.resolveReferences=true"])
    refs = references_to_resolve([BY_ID["SageMaker.14"]], params)
    result = collect(aws, SCHEDULES, refs)
    ops = describes(aws)
    assert ops["DescribeModelBiasJobDefinition"] == 1
    assert ops["DescribeModelQualityJobDefinition"] == 1
    assert not any(c.operation.endswith("JobDefinitions") for c in aws.calls)
    assert names(result, RT.MODEL_BIAS_JOB_DEFINITION) == {"recsys-bias"}
    assert names(result, RT.MODEL_QUALITY_JOB_DEFINITION) == {"credit-model-quality"}


def test_a_reference_no_control_declares_is_followed_as_declared(aws: Emulator) -> None:
    """No type field: the name is tried as every type the reference allows, here one."""
    estate.build(aws.client, ACCOUNT, [REGION])
    bias_only = dataclasses.replace(
        JOB_DEFINITION, type_field=None, types={"": RT.MODEL_BIAS_JOB_DEFINITION}
    )
    result = collect(aws, SCHEDULES, [(RT.MONITORING_SCHEDULE, bias_only)])
    ops = describes(aws)
    # Both referencing schedules' names are asked as model bias definitions; the one that
    # is a model quality definition is not found there, which is "gone", not an error.
    assert ops["DescribeModelBiasJobDefinition"] == 2
    assert "DescribeModelQualityJobDefinition" not in ops
    assert names(result, RT.MODEL_BIAS_JOB_DEFINITION) == {"recsys-bias"}
    assert not result.diagnostics


def test_a_definition_the_scan_read_is_not_read_again(aws: Emulator) -> None:
    estate.build(aws.client, ACCOUNT, [REGION])
    read = SCHEDULES | {RT.MODEL_BIAS_JOB_DEFINITION}
    result = collect(aws, read, [(RT.MONITORING_SCHEDULE, JOB_DEFINITION)])
    ops = describes(aws)
    listed = names(result, RT.MODEL_BIAS_JOB_DEFINITION)
    assert "recsys-bias" in listed
    assert ops["DescribeModelBiasJobDefinition"] == len(listed)  # each once, from its List
    assert ops["DescribeModelQualityJobDefinition"] == 1
    assert READ_PATHS[RT.MODEL_BIAS_JOB_DEFINITION].list_op in {c.operation for c in aws.calls}
