"""The fast snapshot scanner must find exactly what a full parse finds, or say why not.

Each case is read twice: parsed whole (the exact path) and scanned (forced by a parse
limit of 0). The resources and the verdicts must be the same.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.sources.files import read_config, read_files
from tests.helpers import ORIGINAL_CONTROLS


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
    evs = evaluate(resources, list(ORIGINAL_CONTROLS), pset).evaluations
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


# -- the fast path is the full parse, whatever order keys come in -------------------------------

SM_TYPES = [
    "AWS::SageMaker::NotebookInstance",
    "AWS::SageMaker::Model",
    "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Image",
]


def exactly(path: Path, limit: int | None) -> tuple[Any, ...]:
    """Everything a reader says about a file: resources in order, every field, every line."""
    kwargs = {} if limit is None else {"full_parse_limit": limit}
    read = read_files([str(path)], **kwargs)
    pset, _ = parse_params([])
    result = evaluate(read.resources, list(ORIGINAL_CONTROLS), pset)
    return (
        [
            (r.type, r.id, r.name, r.arn, r.region, r.read_error, r.tags, _json(r.properties))
            for r in read.resources
        ],
        [d.line() for d in read.diagnostics + result.diagnostics],
        [(e.control.id, e.resource.id, e.status.value, e.reason) for e in result.evaluations],
    )


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def same_exactly(path: Path) -> tuple[Any, ...]:
    full = exactly(path, 1 << 30)
    assert exactly(path, 0) == full
    return full


def shuffled(value: Any, rnd: random.Random, deep: bool) -> Any:
    if isinstance(value, dict):
        keys = list(value)
        rnd.shuffle(keys)
        return {k: shuffled(value[k], rnd, deep) if deep else value[k] for k in keys}
    if isinstance(value, list) and deep:
        return [shuffled(v, rnd, deep) for v in value]
    return value


def rich_items(n: int, rnd: random.Random) -> list[dict[str, Any]]:
    """SageMaker items among others, with nested lists of objects (relationships, tags,
    variants) whose keys are the items' own: separators that look like item boundaries."""
    out = []
    for i in range(n):
        rel = [
            {"resourceType": rnd.choice(SM_TYPES), "resourceId": f"r{i}-{j}", "name": "uses"}
            for j in range(rnd.randint(0, 3))
        ]
        if rnd.random() < 0.4:
            item = sm_item(i, rtype=rnd.choice(SM_TYPES), relationships=rel)
            item["configuration"]["ProductionVariants"] = [
                {"resourceType": "x", "VariantName": f"v{j}", "InitialInstanceCount": j + 1}
                for j in range(rnd.randint(1, 3))
            ]
            item["tags"] = {"team": "ml", "configurationItemStatus": "OK"}
        else:
            item = ec2_item(i, relationships=rel)
        out.append(item)
    return out


def dump(doc: Any, layout: str) -> str:
    if layout == "compact":
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    if layout == "spaced":
        return json.dumps(doc, ensure_ascii=False)
    if layout == "tabs":
        return json.dumps(doc, indent="\t")
    return json.dumps(doc, indent=int(layout))


ORDERS = ["last", "second", "first", "last-two", "every-sagemaker", "every", "every-deep"]


@pytest.mark.parametrize("layout", ["compact", "spaced", "2", "tabs"])
@pytest.mark.parametrize("order", ORDERS)
def test_fast_path_is_the_full_parse_whatever_the_key_order(
    tmp_path: Path, order: str, layout: str
) -> None:
    rnd = random.Random(f"{order}-{layout}")
    items = rich_items(60, rnd)
    items[-1] = sm_item(59, rtype="AWS::SageMaker::NotebookInstance")  # the last is ours
    picks = {
        "last": [59],
        "second": [1],
        "first": [0],
        "last-two": [58, 59],
        "every-sagemaker": [i for i, it in enumerate(items) if "SageMaker" in it["resourceType"]],
        "every": list(range(60)),
        "every-deep": list(range(60)),
    }[order]
    for i in picks:
        items[i] = shuffled(items[i], rnd, deep=order == "every-deep")
        if order in ("last", "second", "first", "last-two"):
            items[i] = dict(reversed(list(items[i].items())))
    doc = {"fileVersion": "1.0", "configSnapshotId": "x", "configurationItems": items}
    p = tmp_path / "s.json"
    p.write_text(dump(doc, layout))
    resources, diags, _ = same_exactly(p)
    assert diags == []
    assert len(resources) == sum(1 for i in items if "SageMaker" in i["resourceType"])


@given(data=st.data())
@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_fast_path_is_the_full_parse_property(data: st.DataObject) -> None:
    """Any snapshot built from shuffled items, in any layout, reads the same both ways."""
    rnd = data.draw(st.randoms(use_true_random=False), label="rnd")
    n = data.draw(st.integers(min_value=1, max_value=40), label="items")
    items = [shuffled(i, rnd, deep=rnd.random() < 0.5) for i in rich_items(n, rnd)]
    if data.draw(st.booleans(), label="reverse some"):
        for i in rnd.sample(range(n), k=rnd.randint(1, n)):
            items[i] = dict(reversed(list(items[i].items())))
    envelope = data.draw(st.sampled_from(["before", "after", "both"]), label="envelope")
    doc: dict[str, Any] = {"fileVersion": "1.0"} if envelope != "after" else {}
    doc["configurationItems"] = items
    if envelope != "before":
        doc["nextToken"] = "t"
    layout = data.draw(st.sampled_from(["compact", "spaced", "1", "2", "tabs"]), label="layout")
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "s.json"
        text = dump(doc, layout)
        p.write_bytes(
            (b"\xef\xbb\xbf" if data.draw(st.booleans(), label="bom") else b"") + text.encode()
        )
        resources, diags, _ = same_exactly(p)
    assert diags == []
    assert len(resources) == sum(1 for i in items if "SageMaker" in i["resourceType"])
