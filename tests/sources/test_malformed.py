"""Malformed is ERROR: never a pass, never out of scope, never read as something else.

Each family of values a control reads is tried with forms AWS never records (full-width
and underscored digits, padding, counts below 1, empty or non-string tag keys, a
ServerlessConfig that is no configuration) beside the forms it does record. A value
that AWS could not have recorded and a template could not deploy is ERROR with its own
diagnostic line; the forms AWS does record still decide as before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import BY_ID
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.recordable import field_limits, shape_limits
from sagewarden.resources import ResourceType as RT
from sagewarden.resources import tags_from_any
from sagewarden.sources.files import read_files
from sagewarden.verdicts import Evaluation, Status
from tests.helpers import one, resource

P, F, NA, E = Status.PASSED, Status.FAILED, Status.NOT_APPLICABLE, Status.ERROR


def _checked(control_id: str, rtype: str, props: dict[str, Any], **kw: Any) -> Evaluation:
    """The one evaluation, and the diagnostic an ERROR must come with."""
    r = resource(rtype, props, **kw)
    params, _ = parse_params([])
    result = evaluate([r], [BY_ID[control_id]], params)
    (ev,) = result.evaluations
    if ev.status is E:
        assert ev.error_kind is Kind.INPUT  # data from a file: bad input, exit code 2
        assert [d.kind for d in result.diagnostics] == [Kind.INPUT], result.diagnostics
        assert r.id in result.diagnostics[0].line()
    else:
        assert not result.diagnostics
    return ev


# -- integers: ASCII digits and a sign, within the API's range --------------------------

# Python's int() takes every one of these; no AWS record holds any of them.
NOT_INTEGERS: list[Any] = [
    "\uff12",  # full-width 2
    "\u0662",  # Arabic-Indic 2
    "\U0001d7d0",  # mathematical bold 2
    "2_0",
    "1_000",
    " 2",
    "2 ",
    "2\n",
    "\t3",
    "\u20033",  # em space
    "0x2",
    "1e1",
    "2.5",
    2.5,
    "",
    "+",
    "--2",
    True,
    [2],
    {"n": 2},
]
BELOW_ONE: list[Any] = [0, -1, "0", "-3", "+0", -0.0, "-0"]
INTEGERS: list[tuple[Any, int]] = [(2, 2), ("2", 2), ("+2", 2), (2.0, 2), (3, 3), ("17", 17)]


def endpoint(count: Any) -> dict[str, Any]:
    return {
        "ProductionVariants": [
            {"VariantName": "v", "ModelName": "m", "InitialInstanceCount": count}
        ]
    }


def jobdef(count: Any) -> dict[str, Any]:
    return {
        "JobDefinitionName": "j",
        "JobResources": {"ClusterConfig": {"InstanceCount": count}},
        "NetworkConfig": {"EnableInterContainerTrafficEncryption": True},
    }


COUNTS = [
    ("SageMaker.4", RT.ENDPOINT_CONFIG, endpoint, "a whole number of 1 or more"),
    ("SageMaker.9", RT.DATA_QUALITY_JOB_DEFINITION, jobdef, "a whole number from 1 to 100"),
    ("SageMaker.10", RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, jobdef, "from 1 to 100"),
    ("SageMaker.13", RT.MODEL_QUALITY_JOB_DEFINITION, jobdef, "from 1 to 100"),
    ("SageMaker.15", RT.MODEL_BIAS_JOB_DEFINITION, jobdef, "from 1 to 100"),
]


@pytest.mark.parametrize(("control_id", "rtype", "build", "rule"), COUNTS)
@pytest.mark.parametrize("value", NOT_INTEGERS + BELOW_ONE, ids=repr)
def test_a_count_that_is_no_count_is_error(
    control_id: str, rtype: str, build: Any, rule: str, value: Any
) -> None:
    ev = _checked(control_id, rtype, build(value))
    assert ev.status is E, ev.reason
    assert "InstanceCount is " in ev.reason
    if value in BELOW_ONE:
        assert rule in ev.reason


@pytest.mark.parametrize("value", [101, "101", 10**30, "9" * 5000])
def test_a_job_count_above_the_api_limit_is_error(value: Any) -> None:
    ev = _checked("SageMaker.9", RT.DATA_QUALITY_JOB_DEFINITION, jobdef(value))
    assert ev.status is E
    assert "not a whole number from 1 to 100" in ev.reason


@pytest.mark.parametrize(("control_id", "rtype", "build", "rule"), COUNTS)
@pytest.mark.parametrize(("value", "n"), INTEGERS, ids=repr)
def test_counts_as_aws_records_them_still_decide(
    control_id: str, rtype: str, build: Any, rule: str, value: Any, n: int
) -> None:
    ev = _checked(control_id, rtype, build(value))
    assert ev.status is P, ev.reason


@pytest.mark.parametrize("value", [1, "1", "+1", 1.0])
def test_one_instance_is_still_out_of_scope_or_failing(value: Any) -> None:
    assert _checked("SageMaker.4", RT.ENDPOINT_CONFIG, endpoint(value)).status is F
    job = _checked("SageMaker.9", RT.DATA_QUALITY_JOB_DEFINITION, jobdef(value))
    assert job.status is NA


# -- booleans and enums: the spellings Config writes, nothing padded or look-alike -------

NOT_BOOLEANS: list[Any] = [
    " true",
    "true ",
    "true\n",
    "\ufefftrue",
    "\uff54\uff52\uff55\uff45",  # full-width "true"
    "yes",
    "1",
    "t",
    "",
    1,
    0,
    [True],
]


@pytest.mark.parametrize("value", NOT_BOOLEANS, ids=repr)
def test_a_boolean_that_is_no_boolean_is_error(value: Any) -> None:
    ev = _checked("SageMaker.5", RT.MODEL, {"EnableNetworkIsolation": value})
    assert ev.status is E
    assert "not true or false" in ev.reason


@pytest.mark.parametrize(
    ("value", "status"), [(True, P), ("true", P), ("TRUE", P), ("False", F), (False, F)]
)
def test_booleans_as_recorded_still_decide(value: Any, status: Status) -> None:
    assert _checked("SageMaker.5", RT.MODEL, {"EnableNetworkIsolation": value}).status is status


NOT_ENUMS: list[Any] = [
    " Disabled",
    "Disabled ",
    "Disabled\n",
    "Disabled\u00a0",
    "\uff24isabled",  # full-width D
    "Dis abled",
    "Off",
    "",
    False,
]


@pytest.mark.parametrize("field", ["DirectInternetAccess", "RootAccess"])
@pytest.mark.parametrize("value", NOT_ENUMS, ids=repr)
def test_an_enum_that_is_no_enum_value_is_error(field: str, value: Any) -> None:
    control_id = "SageMaker.1" if field == "DirectInternetAccess" else "SageMaker.3"
    ev = _checked(control_id, RT.NOTEBOOK_INSTANCE, {field: value})
    assert ev.status is E
    assert "not Enabled or Disabled" in ev.reason


# -- strings with a documented form ----------------------------------------------------


@pytest.mark.parametrize(
    "value", ["subnet 1", "subnet-\uff11", "subnet_1", "s" * 33, " subnet-1", "subnet-1\n"]
)
def test_a_subnet_id_no_subnet_can_have_is_error_not_a_pass(value: str) -> None:
    ev = _checked("SageMaker.2", RT.NOTEBOOK_INSTANCE, {"SubnetId": value})
    assert ev.status is E
    assert "SubnetId is " in ev.reason


@pytest.mark.parametrize(
    "props",
    [
        {"MonitoringJobDefinitionName": "", "MonitoringType": "DataQuality"},
        {"MonitoringJobDefinitionName": "has space", "MonitoringType": "DataQuality"},
        {"MonitoringJobDefinitionName": "d" * 64, "MonitoringType": "DataQuality"},
        {"MonitoringJobDefinitionName": 7, "MonitoringType": "DataQuality"},
        {"MonitoringJobDefinitionName": "dq", "MonitoringType": "Quality"},
        {"MonitoringJobDefinitionName": "dq", "MonitoringType": " DataQuality"},
        {"MonitoringJobDefinitionName": "dq", "MonitoringType": ["DataQuality"]},
    ],
    ids=repr,
)
@pytest.mark.parametrize("resolve", [True, False])
def test_a_malformed_schedule_reference_is_error(props: dict[str, Any], resolve: bool) -> None:
    sched = resource(
        RT.MONITORING_SCHEDULE,
        {"MonitoringScheduleName": "s", "MonitoringScheduleConfig": props},
    )
    target = resource(
        RT.DATA_QUALITY_JOB_DEFINITION,
        {"JobDefinitionName": "dq", "NetworkConfig": {"EnableNetworkIsolation": True}},
        name="dq",
    )
    params, _ = parse_params([f"SageMaker.14.resolveReferences={str(resolve).lower()}"])
    result = evaluate([sched, target], [BY_ID["SageMaker.14"]], params)
    (ev,) = result.evaluations
    assert ev.status is E, ev.reason
    assert ev.error_kind is Kind.INPUT
    assert [d.kind for d in result.diagnostics] == [Kind.INPUT]


# -- serverless: out of scope only when it really is a serverless configuration ---------


@pytest.mark.parametrize(
    "serverless", ["yes", True, {}, [], {"MemorySizeInMB": 2048}, {"MaxConcurrency": 5}], ids=repr
)
def test_a_serverless_config_that_is_none_is_error_not_out_of_scope(serverless: Any) -> None:
    props = {"ProductionVariants": [{"VariantName": "v", "ServerlessConfig": serverless}]}
    ev = _checked("SageMaker.4", RT.ENDPOINT_CONFIG, props)
    assert ev.status is E
    assert "ServerlessConfig" in ev.reason


# -- tags: keys are strings of 1 to 128 characters ------------------------------------

BAD_TAGS: list[Any] = [
    [{"Key": "", "Value": "x"}],
    [{"Key": ["a"], "Value": "x"}],
    [{"Key": None, "Value": "x"}],
    [{"Key": {"a": 1}, "Value": "x"}],
    [{"Key": True, "Value": "x"}],
    [{"Key": "k" * 129, "Value": "x"}],
    [{"Key": "team", "Value": "x"}, {"Key": "", "Value": "y"}],
    [{"Value": "x"}],
    [{"Key": "team", "Value": ["x"]}],
    [{"Key": "team", "Value": "v" * 257}],
    ["team"],
    [["team", "x"]],
    "Owner=me",
    7,
    True,
]


@pytest.mark.parametrize("raw", BAD_TAGS, ids=repr)
def test_a_malformed_tag_collection_is_no_tags_at_all(raw: Any) -> None:
    """The reader every source uses: None (said as malformed), never some tags."""
    assert tags_from_any(raw) is None
    if isinstance(raw, list) and all(isinstance(t, dict) for t in raw):
        as_config = [{k.lower(): v for k, v in t.items()} for t in raw]
        assert tags_from_any(as_config) is None


@pytest.mark.parametrize(
    "raw",
    [{"": "x"}, {"team": "x", "": ""}, {"k" * 129: "x"}, {"team": ["x"]}, {"team": {"a": 1}}],
    ids=repr,
)
def test_a_malformed_tag_map_is_no_tags_at_all(raw: Any) -> None:
    assert tags_from_any(raw) is None


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ([{"Key": "k" * 128, "Value": ""}], ["k" * 128]),
        ([{"key": " ", "value": None}], [" "]),  # a space is a character AWS allows
        (
            {"team": "ml", "aws:cloudformation:stack-name": "s"},
            ["team", "aws:cloudformation:stack-name"],
        ),
        ({}, []),
        ([], []),
    ],
)
def test_tags_as_aws_records_them_are_read(raw: Any, keys: list[str]) -> None:
    tags = tags_from_any(raw)
    assert tags is not None
    assert list(tags) == keys


@pytest.mark.parametrize("control_id", ["SageMaker.6", "SageMaker.7"])
@pytest.mark.parametrize("raw", BAD_TAGS, ids=repr)
def test_malformed_tags_in_a_recorded_configuration_are_error(control_id: str, raw: Any) -> None:
    """A recorder that keeps the tags in the configuration: the control says what is wrong."""
    rtype = BY_ID[control_id].resource_type
    ev = _checked(control_id, rtype, {"Tags": raw}, tags=None)
    assert ev.status is E
    assert "Tags" in ev.reason
    assert "not recorded" not in ev.reason


@pytest.mark.parametrize("control_id", ["SageMaker.6", "SageMaker.7"])
def test_tags_a_source_found_malformed_are_input_errors(control_id: str) -> None:
    rtype = BY_ID[control_id].resource_type
    r = resource(rtype, {}, tags=None)
    r.extra["tags_invalid"] = "tags is a string, not a map"
    ev = one(control_id, r)
    assert ev.status is E
    assert ev.error_kind is Kind.INPUT
    assert "tags is a string, not a map" in ev.reason


@pytest.mark.parametrize("control_id", ["SageMaker.6", "SageMaker.7"])
@pytest.mark.parametrize("kind", ["aws-config", "terraform", "cloudformation"])
@pytest.mark.parametrize(
    "tags", [{"": "x"}, {"team": "ml", "": ""}, {"k" * 129: "x"}, {"Owner": "a", " " * 129: ""}]
)
def test_a_key_no_tag_can_have_is_error_whichever_source_built_the_map(
    control_id: str, kind: str, tags: dict[str, str]
) -> None:
    """A source that hands over a map (Terraform's `tags = {"" = "x"}`) is checked too."""
    rtype = BY_ID[control_id].resource_type
    ev = _checked(control_id, rtype, {}, tags=tags, kind=kind)
    assert ev.status is E
    assert "tags key is " in ev.reason


@pytest.mark.parametrize(
    ("rtype", "path", "low", "high"),
    [
        (RT.ENDPOINT_CONFIG, "ProductionVariants[0].InitialInstanceCount", 1, None),
        (RT.DATA_QUALITY_JOB_DEFINITION, "JobResources.ClusterConfig.InstanceCount", 1, 100),
        (RT.MODEL_BIAS_JOB_DEFINITION, "JobResources.ClusterConfig.InstanceCount", 1, 100),
        (RT.MODEL_QUALITY_JOB_DEFINITION, "JobResources.ClusterConfig.InstanceCount", 1, 100),
        (
            RT.MODEL_EXPLAINABILITY_JOB_DEFINITION,
            "JobResources.ClusterConfig.InstanceCount",
            1,
            100,
        ),
        (RT.NOTEBOOK_INSTANCE, "SubnetId", 0, 32),
        (RT.MONITORING_SCHEDULE, "MonitoringScheduleConfig.MonitoringJobDefinitionName", 1, 63),
    ],
)
def test_every_limit_the_controls_use_is_in_botocores_model(
    rtype: str, path: str, low: int, high: int | None
) -> None:
    """A botocore that lost one of these members would silently drop its check."""
    limits = field_limits(rtype, path)
    assert (limits.minimum, limits.maximum) == (low, high)
    serverless = field_limits(RT.ENDPOINT_CONFIG, "ProductionVariants.ServerlessConfig")
    assert set(serverless.required) == {"MemorySizeInMB", "MaxConcurrency"}
    assert (shape_limits("TagKey").minimum, shape_limits("TagKey").maximum) == (1, 128)


def _template_verdict(tmp_path: Path, tags: Any) -> tuple[Evaluation, list[Diagnostic]]:
    """SageMaker.7 on an image whose template `Tags` is `tags`, read as a scan reads it."""
    doc = {
        "Resources": {
            "Img": {
                "Type": "AWS::SageMaker::Image",
                "Properties": {
                    "ImageName": "i",
                    "ImageRoleArn": "arn:aws:iam::1:role/r",
                    "Tags": tags,
                },
            }
        }
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(doc))
    read = read_files([str(path)])
    params, _ = parse_params([])
    result = evaluate(read.resources, [BY_ID["SageMaker.7"]], params)
    (ev,) = result.evaluations
    return ev, [*read.diagnostics, *result.diagnostics]


@pytest.mark.parametrize(
    "tags", [*BAD_TAGS, {"Key": "Owner", "Value": "me"}, {"Owner": "me"}, {}], ids=repr
)
def test_malformed_template_tags_are_error_with_one_line(tmp_path: Path, tags: Any) -> None:
    """A template's Tags must be a list of {Key, Value}: one object without its list, or
    a map, would be refused at deploy and is never "tagged"."""
    ev, diags = _template_verdict(tmp_path, tags)
    assert ev.status is E, ev.reason
    assert ev.error_kind is Kind.INPUT
    assert len(diags) == 1 and diags[0].kind is Kind.INPUT
    assert "Tags" in diags[0].message and "Img" in diags[0].line()


@pytest.mark.parametrize(
    ("tags", "status"),
    [
        ([{"Key": "team", "Value": "ml"}], P),
        ([{"Key": 2024, "Value": 1}], P),  # CloudFormation takes a number as its text
        ([{"Key": "team", "Value": None}], P),
        ([], F),
    ],
    ids=repr,
)
def test_template_tags_as_cloudformation_takes_them(
    tmp_path: Path, tags: Any, status: Status
) -> None:
    ev, diags = _template_verdict(tmp_path, tags)
    assert ev.status is status, ev.reason
    assert not diags
