"""AWS Config files in every shape the CLI and S3 deliver them, good and bad."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import CONTROLS
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.resources import ResourceType as RT
from sagewarden.sources.files import read_config
from sagewarden.verdicts import Status
from tests.helpers import ORIGINAL_CONTROLS

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parents[1] / "data"
EXAMPLE = ROOT / "examples" / "config-snapshot.json"


def verdicts(paths: list[str], params: list[str] | None = None) -> dict[tuple[str, str], Status]:
    resources, _, _ = read_config(paths)
    pset, _ = parse_params(params or [])
    result = evaluate(resources, list(ORIGINAL_CONTROLS), pset)
    return {(e.control.id, e.resource.name): e.status for e in result.evaluations}


def test_snapshot_reads_every_sagemaker_item_and_skips_the_rest() -> None:
    resources, diags, seen = read_config([str(EXAMPLE)])
    assert not diags
    doc = json.loads(EXAMPLE.read_text())
    items = doc["configurationItems"]
    assert seen == len(items)
    expected = {
        i["resourceName"]
        for i in items
        if i["resourceType"].startswith("AWS::SageMaker::")
        and i["configurationItemStatus"] != "ResourceDeleted"
    }
    assert {r.name for r in resources} == expected
    assert "old-experiment" not in expected | {r.name for r in resources}
    nb = next(r for r in resources if r.name == "fraud-model-dev")
    assert nb.arn == "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/fraud-model-dev"
    assert nb.id == nb.arn
    assert (nb.account_id, nb.region) == ("111122223333", "eu-west-1")
    assert nb.tags == {"team": "ml-platform"}
    assert nb.provenance.kind == "aws-config"
    assert nb.provenance.file == str(EXAMPLE)


def test_gzip_snapshot_as_delivered_to_s3(tmp_path: Path) -> None:
    gz = tmp_path / "111122223333_Config_eu-west-1_ConfigSnapshot_20261120T061241Z.json.gz"
    with open(EXAMPLE, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert verdicts([str(gz)]) == verdicts([str(EXAMPLE)])


def test_advanced_query_results_are_json_strings_with_tag_lists() -> None:
    resources, diags, seen = read_config([str(DATA / "select-aggregate-resource-config.json")])
    assert not diags
    assert seen == 4
    by_name = {r.name: r for r in resources}
    assert set(by_name) == {"nb-open", "nb-locked", "img-a"}
    assert by_name["nb-open"].tags == {"team": "ml"}
    assert by_name["nb-locked"].account_id == "444455556666"
    v = verdicts([str(DATA / "select-aggregate-resource-config.json")])
    assert v[("SageMaker.1", "nb-open")] is Status.FAILED
    assert v[("SageMaker.1", "nb-locked")] is Status.PASSED
    assert v[("SageMaker.7", "img-a")] is Status.PASSED  # Owner counts, aws: does not
    v = verdicts(
        [str(DATA / "select-aggregate-resource-config.json")], ["SageMaker.7.requiredKeyTags=owner"]
    )
    assert v[("SageMaker.7", "img-a")] is Status.FAILED  # case-sensitive


def test_query_without_tags_cannot_pass_a_tag_control() -> None:
    v = verdicts([str(DATA / "select-resource-config-no-tags.json")])
    assert v == {("SageMaker.6", "appcfg-1"): Status.ERROR}


def test_batch_get_resource_config_parses_configuration_strings() -> None:
    resources, diags, _ = read_config([str(DATA / "batch-get-resource-config.json")])
    assert not diags
    assert all(r.tags is None for r in resources)  # the format does not carry tags
    v = verdicts([str(DATA / "batch-get-resource-config.json")])
    assert v[("SageMaker.5", "model-iso")] is Status.PASSED  # "true" as Config records it
    assert v[("SageMaker.5", "model-open")] is Status.FAILED  # absent means false
    assert v[("SageMaker.4", "ec-1")] is Status.FAILED  # "1" as a string
    assert v[("SageMaker.7", "img-b")] is Status.ERROR


def test_history_latest_capture_wins_in_any_order(tmp_path: Path) -> None:
    path = DATA / "get-resource-config-history.json"
    v = verdicts([str(path)])
    assert v[("SageMaker.11", "dq-1")] is Status.PASSED
    assert v[("SageMaker.9", "dq-1")] is Status.PASSED
    doc = json.loads(path.read_text())
    doc["configurationItems"].reverse()  # oldest first
    flipped = tmp_path / "flipped.json"
    flipped.write_text(json.dumps(doc))
    assert verdicts([str(flipped)]) == v


def test_history_whose_latest_item_is_a_deletion_is_not_evaluated() -> None:
    resources, diags, seen = read_config([str(DATA / "get-resource-config-history-deleted.json")])
    assert seen == 2
    assert resources == []
    assert not diags


def test_latest_capture_wins_across_files(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLE.read_text())
    newer = json.loads(json.dumps(doc))
    for it in newer["configurationItems"]:
        if it.get("resourceName") == "research-sandbox":
            it["configurationItemCaptureTime"] = "2026-11-22T00:00:00.000Z"
            it["configuration"]["RootAccess"] = "Disabled"
    (tmp_path / "b.json").write_text(json.dumps(newer))
    v = verdicts([str(tmp_path / "b.json"), str(EXAMPLE)])
    assert v[("SageMaker.3", "research-sandbox")] is Status.PASSED


def test_directory_reads_json_and_gzip_files(tmp_path: Path) -> None:
    (tmp_path / "nested").mkdir()
    shutil.copy(DATA / "batch-get-resource-config.json", tmp_path / "nested" / "a.json")
    shutil.copy(DATA / "select-aggregate-resource-config.json", tmp_path / "b.json")
    (tmp_path / "notes.txt").write_text("not json")
    resources, diags, _ = read_config([str(tmp_path)])
    assert not diags
    assert len(resources) == 7


def test_camel_case_and_describe_api_names_are_normalised(tmp_path: Path) -> None:
    item = {
        "resourceType": RT.NOTEBOOK_INSTANCE,
        "resourceId": "nb",
        "awsRegion": "us-east-1",
        "awsAccountId": "111122223333",
        "configurationItemStatus": "OK",
        "configuration": {
            "notebookInstanceName": "nb",
            "directInternetAccess": "Disabled",
            "rootAccess": "Disabled",
            "subnetId": "subnet-1",
            "securityGroups": ["sg-1"],
            "platformIdentifier": "notebook-al2023-v1",
        },
        "tags": {"Team": "x"},
    }
    path = tmp_path / "camel.json"
    path.write_text(json.dumps({"configurationItems": [item]}))
    resources, diags, _ = read_config([str(path)])
    assert not diags
    props = resources[0].properties
    assert props["DirectInternetAccess"] == "Disabled"
    assert props["SecurityGroupIds"] == ["sg-1"]
    assert all(s is Status.PASSED for s in verdicts([str(path)]).values())


# -- bad input: one line each, the rest still evaluated ---------------------------------------


def _write(tmp_path: Path, name: str, content: str | bytes) -> str:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(p)


def _item(name: str, **over: Any) -> dict[str, Any]:
    base = {
        "resourceType": RT.MODEL,
        "resourceId": name,
        "resourceName": name,
        "awsAccountId": "111122223333",
        "awsRegion": "us-east-1",
        "ARN": f"arn:aws:sagemaker:us-east-1:111122223333:model/{name}",
        "configurationItemStatus": "OK",
        "configurationItemCaptureTime": "2026-11-20T00:00:00.000Z",
        "configuration": {"ModelName": name, "EnableNetworkIsolation": True},
        "tags": {},
    }
    base.update(over)
    return base


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"configurationItems": [', "invalid JSON at line 1"),
        ("", "empty file"),
        ('{"hello": "world"}', "not AWS Config data, a CloudFormation template"),
        ("42", "not AWS Config data, a CloudFormation template"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        ("[1, 2]", "not AWS Config data, a CloudFormation template"),
        ('{"Results": ["{not json"]}', "result 1 is not valid JSON"),
    ],
)
def test_unreadable_files_give_one_line_and_others_are_still_read(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    bad = _write(tmp_path, "bad.json", content)
    resources, diags, _ = read_config([bad, str(DATA / "batch-get-resource-config.json")])
    assert len(resources) == 4
    assert any(d.where == bad and message in d.message for d in diags), [d.line() for d in diags]
    assert all("\n" not in d.line() for d in diags)


def test_missing_path_is_reported() -> None:
    _, diags, _ = read_config(["/nonexistent/snapshot.json"])
    assert [d.line() for d in diags] == ["/nonexistent/snapshot.json: no such file or directory"]


def test_truncated_snapshot_keeps_the_items_before_the_damage(tmp_path: Path) -> None:
    doc = json.dumps({"configurationItems": [_item("a"), _item("b"), _item("c")]})
    cut = doc[: doc.index('"c"') + 20]
    path = _write(tmp_path, "cut.json", cut)
    resources, diags, _ = read_config([path])
    assert {r.name for r in resources} == {"a", "b"}
    assert len(diags) == 1
    assert diags[0].message.startswith("invalid JSON at line 1, column")


@pytest.mark.parametrize(
    ("over", "message", "status"),
    [
        ({"configuration": None}, "configuration is null", Status.ERROR),
        ({"configuration": "{oops"}, "configuration is not valid JSON", Status.ERROR),
        ({"configuration": [1]}, "configuration is a list, not an object", Status.ERROR),
        (
            {"configuration": None, "configurationItemStatus": "ResourceNotRecorded"},
            "did not record its configuration",
            Status.ERROR,
        ),
        (
            {"configuration": {"ModelName": "bad", "EnableNetworkIsolation": "two"}},
            'EnableNetworkIsolation is "two", not true or false',
            Status.ERROR,
        ),
        (
            {"tags": "team=ml"},
            'tags is "team=ml", not a map or a list of {Key, Value}',
            Status.PASSED,
        ),
    ],
)
def test_bad_items_are_errors_with_one_line_naming_the_resource(
    tmp_path: Path, over: dict[str, Any], message: str, status: Status
) -> None:
    doc = {"configurationItems": [_item("good"), _item("bad", **over)]}
    path = _write(tmp_path, "snap.json", json.dumps(doc))
    resources, read_diags, _ = read_config([path])
    pset, _ = parse_params([])
    result = evaluate(resources, [c for c in CONTROLS if c.id == "SageMaker.5"], pset)
    by_name = {e.resource.name: e for e in result.evaluations}
    assert by_name["good"].status is Status.PASSED
    assert by_name["bad"].status is status
    lines = [d.line() for d in read_diags + result.diagnostics]
    assert any(message in line and "model/bad" in line for line in lines), lines
