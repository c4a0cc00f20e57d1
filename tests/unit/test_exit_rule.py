"""Any ERROR verdict makes the exit code non-zero: 2 for bad input, 3 for what could not
be read, with or without a line on stderr, whatever --fail-on and suppressions say.

The rule is computed from the verdicts as well as the diagnostics, so an ERROR that no
diagnostic accompanies (a live resource whose tags were never read, a template whose
Properties are known only at deploy) still fails the run. Precedence stays 2, 3, 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import BY_ID
from sagewarden.cli import main
from sagewarden.diagnostics import Diagnostics, Kind
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.pipeline import exit_code
from sagewarden.resources import Provenance, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.summary import problem_kinds
from tests.helpers import ACCOUNT, REGION, resource, scan_report

RESOLVE = "SageMaker.14.resolveReferences=true"


def _arn(kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name}"


def item(rtype: str, name: str, config: Any, **extra: Any) -> dict[str, Any]:
    """One Config item as batch-get-resource-config writes it (no tags unless given)."""
    kind = {
        RT.IMAGE: "image",
        RT.MONITORING_SCHEDULE: "monitoring-schedule",
        RT.DATA_QUALITY_JOB_DEFINITION: "data-quality-job-definition",
        RT.ENDPOINT_CONFIG: "endpoint-config",
        RT.MODEL: "model",
    }[rtype]
    return {
        "version": "1.3",
        "accountId": ACCOUNT,
        "configurationItemCaptureTime": "2026-11-21T08:30:00.123000+00:00",
        "configurationItemStatus": "OK",
        "arn": _arn(kind, name),
        "resourceType": rtype,
        "resourceId": name,
        "resourceName": name,
        "awsRegion": REGION,
        "configuration": json.dumps(config),
        **extra,
    }


def batch(*items: dict[str, Any]) -> str:
    return json.dumps({"baseConfigurationItems": list(items), "unprocessedResourceKeys": []})


PRIVATE = {"Image": "registry.example:5000/m", "ImageConfig": {"RepositoryAccessMode": "Vpc"}}
MODEL_OK = item(
    RT.MODEL, "m", {"ModelName": "m", "EnableNetworkIsolation": True, "PrimaryContainer": PRIVATE}
)
ECR = {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"}
IMAGE_UNTAGGED = item(RT.IMAGE, "img", {"ImageName": "img"})  # batch-get records no tags
IMAGE_TAGGED = item(RT.IMAGE, "img", {"ImageName": "img"}, tags={"team": "ml"})
SCHEDULE_TO_GONE = item(
    RT.MONITORING_SCHEDULE,
    "s",
    {
        "MonitoringScheduleName": "s",
        "MonitoringScheduleConfig": {
            "MonitoringJobDefinitionName": "gone",
            "MonitoringType": "DataQuality",
        },
    },
)


def job(count: Any) -> dict[str, Any]:
    return item(
        RT.DATA_QUALITY_JOB_DEFINITION,
        "dq",
        {
            "JobDefinitionName": "dq",
            "JobResources": {"ClusterConfig": {"InstanceCount": count}},
            "NetworkConfig": {"EnableInterContainerTrafficEncryption": True},
        },
    )


TEMPLATE_IMPORTED_PROPERTIES = """\
Resources:
  M:
    Type: AWS::SageMaker::Model
    Properties: !ImportValue shared-model
"""
TEMPLATE_TAG_STRING = """\
Resources:
  I:
    Type: AWS::SageMaker::Image
    Properties:
      ImageName: a
      ImageRoleArn: arn:aws:iam::111122223333:role/x
      Tags: "Owner=me"
"""
TEMPLATE_EMPTY_TAG_KEY = """\
Resources:
  I:
    Type: AWS::SageMaker::Image
    Properties:
      ImageName: a
      ImageRoleArn: arn:aws:iam::111122223333:role/x
      Tags:
        - Key: ""
          Value: x
"""


def plan(tags: dict[str, str]) -> str:
    """A Terraform plan (terraform show -json) creating one image with these tags."""
    values = {"image_name": "i", "role_arn": "arn:aws:iam::1:role/r", "tags": tags}
    res = {
        "address": "aws_sagemaker_image.i",
        "mode": "managed",
        "type": "aws_sagemaker_image",
        "name": "i",
        "provider_name": "registry.terraform.io/hashicorp/aws",
    }
    return json.dumps(
        {
            "format_version": "1.2",
            "terraform_version": "1.9.0",
            "planned_values": {
                "root_module": {"resources": [{**res, "values": {**values, "tags_all": tags}}]}
            },
            "resource_changes": [
                {**res, "change": {"actions": ["create"], "before": None, "after": values}}
            ],
        }
    )


SUPPRESS_ALL = """\
suppressions:
  - control: "*"
    reason: accepted for the test
"""

# (name, files, options, exit code, the ERROR verdicts' classes)
CASES: list[tuple[str, dict[str, str], list[str], int, set[str]]] = [
    (
        "template Properties !ImportValue",
        {"t.yaml": TEMPLATE_IMPORTED_PROPERTIES},
        [],
        2,
        {"input"},
    ),
    ('template Tags: "Owner=me"', {"t.yaml": TEMPLATE_TAG_STRING}, [], 2, {"input"}),
    ('template tag key ""', {"t.yaml": TEMPLATE_EMPTY_TAG_KEY}, [], 2, {"input"}),
    ('plan tag key ""', {"p.json": plan({"": "x"})}, [], 2, {"input"}),
    (
        "template Tags: one object without its list",
        {"t.yaml": TEMPLATE_TAG_STRING.replace('"Owner=me"', "{Key: Owner, Value: me}")},
        [],
        2,
        {"input"},
    ),
    ("plan tags as AWS takes them", {"p.json": plan({"team": "ml"})}, [], 0, set()),
    ("batch-get output: tags not recorded", {"b.json": batch(IMAGE_UNTAGGED)}, [], 3, {"scope"}),
    (
        "SageMaker.14 reference not in the scan",
        {"b.json": batch(SCHEDULE_TO_GONE)},
        ["--param", RESOLVE],
        3,
        {"scope"},
    ),
    (
        "AWS Config did not record the configuration",
        {
            "b.json": batch(
                {
                    **MODEL_OK,
                    "configuration": None,
                    "configurationItemStatus": "ResourceNotRecorded",
                }
            )
        },
        [],
        3,
        {"scope"},
    ),
    ("InstanceCount 0", {"b.json": batch(job(0))}, [], 2, {"input"}),
    ("InstanceCount full-width", {"b.json": batch(job("\uff12"))}, [], 2, {"input"}),
    ("InstanceCount 2_0", {"b.json": batch(job("2_0"))}, [], 2, {"input"}),
    (
        "bad input beats could not be read",
        {"b.json": batch(IMAGE_UNTAGGED, job(-1))},
        [],
        2,
        {"input", "scope"},
    ),
    (
        "could not be read beats a failure",
        {
            "b.json": batch(
                IMAGE_UNTAGGED,
                item(RT.MODEL, "open", {"ModelName": "open", "PrimaryContainer": ECR}),
            )
        },
        [],
        3,
        {"scope"},
    ),
    (
        "--fail-on never does not hide an ERROR",
        {"b.json": batch(IMAGE_UNTAGGED)},
        ["--fail-on", "never"],
        3,
        {"scope"},
    ),
    (
        "suppressions never apply to ERROR",
        {
            "b.json": batch(
                IMAGE_UNTAGGED,
                job(0),
                item(RT.MODEL, "open", {"ModelName": "o", "PrimaryContainer": ECR}),
            ),
            "s.yaml": SUPPRESS_ALL,
        },
        ["--config", "s.yaml"],
        2,
        {"input", "scope"},
    ),
    ("no ERROR: green", {"b.json": batch(MODEL_OK, IMAGE_TAGGED)}, [], 0, set()),
]


@pytest.mark.parametrize(
    ("files", "options", "code", "classes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_error_verdicts_set_the_exit_code(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    options: list[str],
    code: int,
    classes: set[str],
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    scanned = [n for n in files if not n.startswith("s.")]
    got = main(["scan", *scanned, "--format", "json", "--no-history", *options])
    out, err = capsys.readouterr()
    doc = scan_report(out)
    errors = [e for e in doc["evaluations"] if e["status"] == "ERROR"]
    assert {e["problem"] for e in errors} == classes
    assert all("suppressed" not in e for e in errors)
    if "s.yaml" in files:  # the suppressions did apply, to what they may suppress
        assert any("suppressed" in e for e in doc["evaluations"])
    assert got == code, err
    assert "Traceback" not in err
    if classes:  # every ERROR is also said, in one line naming where
        assert err.strip(), "an ERROR verdict with nothing said on stderr"


def _live(
    rtype: str, props: dict[str, Any], tags: dict[str, str] | None, read_error: str | None = None
) -> Resource:
    """A resource as the live collector builds it: no ARN in the List summary means
    ListTags was never called, so its tags are None."""
    return Resource(
        type=rtype,
        id="img",
        name="img",
        properties=props,
        tags=tags,
        provenance=Provenance("aws"),
        account_id=ACCOUNT,
        region=REGION,
        arn=None,
        read_error=read_error,
    )


def _unread_config(rtype: str) -> Resource:
    r = resource(rtype, {})
    r.read_error = "configuration is null"
    return r


def _template(rtype: str, props: dict[str, Any], tags: dict[str, str] | None) -> Resource:
    return resource(rtype, props, tags=tags, kind="cloudformation", file="t.yaml")


# (what, resources, control, exit code with no diagnostic at all)
STRUCTURAL: list[tuple[str, list[Resource], str, int]] = [
    (
        "live summary without an ARN",
        [_live(RT.IMAGE, {"ImageName": "img"}, None)],
        "SageMaker.7",
        3,
    ),
    (
        "live value AWS never records",
        [_live(RT.MODEL, {"EnableNetworkIsolation": "sometimes"}, {})],
        "SageMaker.5",
        3,
    ),
    (
        "live resource not read",
        [_live(RT.MODEL, {}, {}, "DescribeModel: AccessDeniedException")],
        "SageMaker.5",
        3,
    ),
    ("Config tags not recorded", [resource(RT.IMAGE, {}, tags=None)], "SageMaker.7", 3),
    ("Config item not readable", [_unread_config(RT.MODEL)], "SageMaker.5", 2),
    (
        "template tags malformed",
        [_template(RT.IMAGE, {"Tags": "Owner=me"}, None)],
        "SageMaker.7",
        2,
    ),
    (
        "Config value malformed",
        [resource(RT.MODEL, {"EnableNetworkIsolation": "2"})],
        "SageMaker.5",
        2,
    ),
]


@pytest.mark.parametrize(
    ("resources", "control_id", "code"), [c[1:] for c in STRUCTURAL], ids=[c[0] for c in STRUCTURAL]
)
@pytest.mark.parametrize("fail_on", ["low", "never"])
def test_an_error_verdict_alone_sets_the_exit_code(
    resources: list[Resource], control_id: str, code: int, fail_on: str
) -> None:
    """The engine's evaluations, and no diagnostics at all: still 2 or 3, never 0."""
    params, _ = parse_params([])
    evaluations = evaluate(resources, [BY_ID[control_id]], params).evaluations
    assert [e.status.value for e in evaluations] == ["ERROR"]
    assert exit_code(evaluations, Diagnostics(), fail_on) == code
    expected = Kind.INPUT if code == 2 else Kind.SCOPE
    assert problem_kinds(evaluations) == {expected}


def test_data_a_source_does_not_record_is_one_line_per_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch-get export of many images is one line for their tags, naming a few."""
    images = [item(RT.IMAGE, f"img-{n}", {"ImageName": f"img-{n}"}) for n in range(5)]
    path = tmp_path / "b.json"
    path.write_text(batch(*images))
    assert main(["scan", str(path), "--format", "json", "--no-history"]) == 3
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        f"sagewarden: {path}: tags are not recorded, so the tag keys cannot be checked: "
        f"5 resources ({_arn('image', 'img-0')}, {_arn('image', 'img-1')}, "
        f"{_arn('image', 'img-2')} and 2 more)"
    ]
    doc = scan_report(out)
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"] * 5
    assert doc["summary"]["problems"] == {"input": 0, "scope": 1}
