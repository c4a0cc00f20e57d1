"""The fast snapshot scanner must find exactly what a full parse finds, or say why not.

Each case is read twice: parsed whole (the exact path) and scanned (forced by a parse
limit of 0). The resources and the verdicts must be the same.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import CONTROLS
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.sources.config import read_config


def sm_item(i: int, rtype: str = "AWS::SageMaker::Model", **extra: Any) -> dict[str, Any]:
    return {
        "relatedEvents": [],
        "relationships": [],
        "configuration": {"ModelName": f"m{i}", "EnableNetworkIsolation": i % 2 == 0},
        "tags": {"n": str(i)},
        "configurationItemCaptureTime": "2026-11-20T00:00:00.000Z",
        "awsAccountId": "111122223333",
        "configurationItemStatus": "OK",
        "resourceType": rtype,
        "resourceId": f"m{i}",
        "resourceName": f"m{i}",
        "ARN": f"arn:aws:sagemaker:us-east-1:111122223333:model/m{i}",
        "awsRegion": "us-east-1",
        **extra,
    }


def ec2_item(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "relatedEvents": [],
        "relationships": [{"resourceId": "sg-1", "resourceType": "AWS::EC2::SecurityGroup"}],
        "configuration": {"instanceId": f"i-{i}", "tags": [{"key": "Name", "value": "x"}]},
        "tags": {"Name": f"web-{i}"},
        "configurationItemCaptureTime": "2026-11-20T00:00:00.000Z",
        "awsAccountId": "111122223333",
        "configurationItemStatus": "OK",
        "resourceType": "AWS::EC2::Instance",
        "resourceId": f"i-{i}",
        "awsRegion": "us-east-1",
        **extra,
    }


def mixed(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    return [sm_item(i) if rnd.random() < 0.1 else ec2_item(i) for i in range(n)]


def outcome(path: Path, limit: int | None) -> tuple[Any, ...]:
    kwargs = {} if limit is None else {"full_parse_limit": limit}
    resources, diags, _ = read_config([str(path)], **kwargs)
    pset, _ = parse_params([])
    evs = evaluate(resources, list(CONTROLS), pset).evaluations
    return (
        sorted(
            (r.type, r.id, json.dumps(r.properties, sort_keys=True), str(r.tags)) for r in resources
        ),
        sorted((e.control.id, e.resource.id, e.status.value) for e in evs),
        [d.message.split(":")[0] for d in diags],
    )


def write(tmp_path: Path, doc: Any, indent: int | None = None, name: str = "s.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc, indent=indent, ensure_ascii=False))
    return p


def same(path: Path) -> tuple[Any, ...]:
    exact = outcome(path, None)
    fast = outcome(path, 0)
    assert fast == exact
    return exact


@pytest.mark.parametrize("indent", [None, 2, 4])
def test_mixed_snapshot_same_as_full_parse(tmp_path: Path, indent: int | None) -> None:
    items = mixed(3000)
    doc = {"fileVersion": "1.0", "configSnapshotId": "x", "configurationItems": items}
    resources, _, diags = same(write(tmp_path, doc, indent))
    assert len(resources) == sum(1 for i in items if i["resourceType"].startswith("AWS::SageMaker"))
    assert diags == []


def test_keys_after_the_array_and_crlf(tmp_path: Path) -> None:
    doc = {"configurationItems": mixed(200), "fileVersion": "1.0", "configSnapshotId": "x"}
    p = tmp_path / "crlf.json"
    p.write_text(json.dumps(doc, indent=2).replace("\n", "\r\n"))
    assert same(p)[2] == []


def test_items_with_a_different_first_key(tmp_path: Path) -> None:
    items = mixed(300)
    for i in range(0, 300, 7):
        items[i] = dict(reversed(list(items[i].items())))
    same(write(tmp_path, {"configurationItems": items}))


def test_separator_text_inside_a_string_value(tmp_path: Path) -> None:
    trap = '},{"relatedEvents":[], "resourceType":"AWS::SageMaker::Model"'
    items = [ec2_item(0), sm_item(1, note=trap), ec2_item(2, note=trap), sm_item(3), ec2_item(4)]
    resources, _, _ = same(write(tmp_path, {"configurationItems": items}))
    assert [r[1].rsplit("/", 1)[1] for r in resources] == ["m1", "m3"]


def test_marker_in_relationships_of_other_resources(tmp_path: Path) -> None:
    rel = [{"resourceType": "AWS::SageMaker::NotebookInstance", "resourceName": "nb"}]
    items = [ec2_item(i, relationships=rel) for i in range(50)] + [sm_item(99)]
    resources, _, _ = same(write(tmp_path, {"configurationItems": items}))
    assert len(resources) == 1


@pytest.mark.parametrize(
    "items",
    [
        [],
        [sm_item(1)],
        [ec2_item(1)],
        [sm_item(1), ec2_item(2)],
        [ec2_item(1), sm_item(2)],
        [sm_item(1), sm_item(2), sm_item(3)],
    ],
    ids=["empty", "one-sm", "one-other", "sm-first", "sm-last", "all-sm"],
)
def test_small_arrays(tmp_path: Path, items: list[dict[str, Any]]) -> None:
    same(write(tmp_path, {"configurationItems": items}))


def test_multibyte_names(tmp_path: Path) -> None:
    items = [ec2_item(0, note="ünïcødé ✓ 数据"), sm_item(1, resourceName="模型-✓"), ec2_item(2)]
    resources, _, _ = same(write(tmp_path, {"configurationItems": items}))
    assert len(resources) == 1


def _damaged(tmp_path: Path, cut_from_end: int, suffix: str = "") -> Path:
    text = json.dumps({"configurationItems": [sm_item(1), ec2_item(2), sm_item(3), ec2_item(4)]})
    p = tmp_path / "bad.json"
    p.write_text(text[: len(text) - cut_from_end] + suffix)
    return p


@pytest.mark.parametrize(
    "cut",
    [1, 2, 30, 200],
    ids=["no-closing-brace", "no-closing-bracket", "inside-last-item", "inside-an-item"],
)
def test_truncation_is_always_reported(tmp_path: Path, cut: int) -> None:
    for limit in (None, 0):
        _, _, diags = outcome(_damaged(tmp_path, cut), limit)
        assert len(diags) == 1, (limit, diags)
        assert diags[0].startswith("invalid JSON at line 1, column"), (limit, diags)


def test_damage_inside_a_sagemaker_item_is_reported_and_later_items_still_read(
    tmp_path: Path,
) -> None:
    items = [sm_item(i) for i in range(5)]
    text = json.dumps({"configurationItems": items})
    broken = text.replace(
        '"m2", "EnableNetworkIsolation": true', '"m2", "EnableNetworkIsolation": tru'
    )
    assert broken != text
    p = tmp_path / "broken.json"
    p.write_text(broken)
    resources, diags, _ = read_config([str(p)], full_parse_limit=0)
    assert {r.name for r in resources} == {"m0", "m1", "m3", "m4"}
    assert len(diags) == 1
    assert diags[0].message.startswith("invalid JSON at line 1, column")


def test_garbage_after_the_document(tmp_path: Path) -> None:
    p = tmp_path / "g.json"
    p.write_text(json.dumps({"configurationItems": [sm_item(1), ec2_item(2)]}) + " trailing")
    for limit in (None, 0):
        _, diags, _ = read_config(
            [str(p)], full_parse_limit=limit if limit is not None else 1 << 30
        )
        assert len(diags) == 1, limit
