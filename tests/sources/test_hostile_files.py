"""Hostile and damaged files: each is one line naming it, the run is an input error (exit 2),
and every other file's verdicts are still evaluated and reported. Never a traceback, a
hang or a silent pass.

Each family is a table; a known-good template is read beside every case and its verdicts
must be exactly those it has alone.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.sources import limits
from sagewarden.sources.files import ReadResult, read_files
from sagewarden.suppressions import load_config
from sagewarden.verdicts import Evaluation, Status
from tests.helpers import ORIGINAL_CONTROLS, scan_report

ORIGINAL_IDS = {c.id for c in ORIGINAL_CONTROLS}

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]
GOOD = DATA / "cfn" / "ml-platform.yaml"
EXAMPLE = ROOT / "examples" / "config-snapshot.json"
PLAN = DATA / "terraform" / "aws-all-types.json"

Row = tuple[str, str, str, str]


def evaluations(read: ReadResult) -> list[Evaluation]:
    pset, _ = parse_params([])
    return evaluate(read.resources, list(ORIGINAL_CONTROLS), pset).evaluations


def rows(evs: list[Evaluation], file: Path) -> list[Row]:
    return sorted(
        (e.control.id, e.resource.id, e.status.value, e.reason)
        for e in evs
        if e.resource.provenance.file == str(file)
    )


BASELINE = rows(evaluations(read_files([str(GOOD)])), GOOD)


def inputs(read: ReadResult) -> list[Diagnostic]:
    return [d for d in read.diagnostics if d.kind is Kind.INPUT]


def check_one_line_about(
    read: ReadResult, path: Path, message: str, count: int | None = 1
) -> Diagnostic:
    """`count` input errors (when None, at least one: one per resource), each one line
    naming `path` and saying `message`; the good file's verdicts intact."""
    found = inputs(read)
    assert found and len(found) == (count or len(found)), [d.line() for d in read.diagnostics]
    for d in found:
        assert d.where.startswith(str(path)), d.line()
        assert message in d.message, d.line()
        assert "\n" not in d.line() and "\r" not in d.line()
    assert rows(evaluations(read), GOOD) == BASELINE
    return found[0]


def hostile(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    path.write_bytes(content)
    return path


def model(props: str, extra: str = "") -> str:
    return f"Resources:\n  M:\n    Type: AWS::SageMaker::Model\n    Properties: {props}\n{extra}"


OK = "  N:\n    Type: AWS::SageMaker::Model\n"


def nested_json(levels: int, leaf: str = '"x"') -> str:
    return '{"a":' * levels + leaf + "}" * levels


# -- templates ----------------------------------------------------------------------------

TEMPLATES = [
    # recursive YAML aliases: every walker would recurse for ever
    ("alias-self-map", "t.yaml", model("&p {PrimaryContainer: *p}"), "makes a cycle"),
    ("alias-self-list", "t.yaml", model("{Containers: &c [*c]}"), "makes a cycle"),
    ("alias-deep", "t.yaml", model("&p {A: {B: [1, {C: *p}]}}"), "makes a cycle"),
    ("alias-merge-key", "t.yaml", model("&p {<<: *p, A: 1}"), "makes a cycle"),
    (
        "alias-in-metadata",
        "t.yaml",
        "Resources:\n  M:\n    Type: AWS::SageMaker::Model\n    Metadata: &m {sagewarden: *m}\n",
        "makes a cycle",
    ),
    ("alias-in-parameters", "t.yaml", "Parameters: &p {P: *p}\n" + model("{}"), "makes a cycle"),
    # Fn::GetAtt name resolution that never ends
    ("getatt-self", "t.yaml", model("{ModelName: !GetAtt M.ModelName}"), "form a cycle"),
    (
        "getatt-pair",
        "t.yaml",
        "Resources:\n"
        "  A:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt B.ModelName}\n"
        "  B:\n    Type: AWS::IAM::Role\n    Properties: {}\n"
        "  C:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt A.ModelName}\n"
        "  B2:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt C.ModelName}\n"
        "  X:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt B2.ModelName}\n"
        "  D:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt X.ModelName}\n"
        "  E:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt D.ModelName}\n"
        "  F:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt E.ModelName}\n"
        "  G:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt F.ModelName}\n"
        "  H:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt G.ModelName}\n"
        "  I:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt H.ModelName}\n"
        "  J:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt I.ModelName}\n"
        "  K:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt J.ModelName}\n"
        "  L:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt K.ModelName}\n"
        "  N:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt L.ModelName}\n"
        "  O:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt N.ModelName}\n"
        "  P:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt O.ModelName}\n"
        "  Q:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt Q.ModelName}\n",
        "Q.ModelName -> Q.ModelName",
    ),
    (
        "getatt-two-through-sub",
        "two.json",
        json.dumps(
            {
                "Resources": {
                    "A": {
                        "Type": "AWS::SageMaker::EndpointConfig",
                        "Properties": {"EndpointConfigName": {"Fn::Sub": "${B.ModelName}-x"}},
                    },
                    "B": {
                        "Type": "AWS::SageMaker::Model",
                        "Properties": {"ModelName": {"Fn::GetAtt": ["A", "EndpointConfigName"]}},
                    },
                }
            }
        ),
        "form a cycle",
    ),
    # Fn::Select given what it cannot select with
    ("select-int-into-map", "t.yaml", model("{ModelName: !Select [0, {a: b}]}"), "takes a list"),
    ("select-inf", "t.yaml", model("{ModelName: !Select [.inf, [a, b]]}"), "not a whole number"),
    ("select-minus-inf", "t.yaml", model("{ModelName: !Select [-.inf, [a]]}"), "whole number"),
    ("select-nan", "t.yaml", model("{ModelName: !Select [.nan, [a, b]]}"), "not a whole number"),
    ("select-fraction", "t.yaml", model("{ModelName: !Select [0.5, [a, b]]}"), "whole number"),
    ("select-negative", "t.yaml", model("{ModelName: !Select [-1, [a, b]]}"), "out of range"),
    ("select-past-end", "t.yaml", model("{ModelName: !Select [2, [a, b]]}"), "out of range"),
    ("select-bool", "t.yaml", model("{ModelName: !Select [true, [a, b]]}"), "whole number"),
    ("select-text", "t.yaml", model("{ModelName: !Select [one, [a, b]]}"), "whole number"),
    ("select-unicode-digit", "t.yaml", model("{ModelName: !Select ['²', [a]]}"), "whole number"),
    ("select-from-text", "t.yaml", model("{ModelName: !Select [0, abc]}"), "takes a list"),
    ("split-empty", "t.yaml", model("{ModelName: !Select [0, !Split ['', ab]]}"), "delimiter"),
    # a resource Type that is not a type name
    ("type-list", "t.yaml", "Resources:\n  M:\n    Type: [AWS::SageMaker::Model]\n" + OK, "a list"),
    ("type-map", "t.yaml", "Resources:\n  M:\n    Type: {a: b}\n" + OK, "an object"),
    ("type-number", "t.yaml", "Resources:\n  M:\n    Type: 7\n" + OK, "Type that is a number"),
    ("type-null", "t.yaml", "Resources:\n  M:\n    Type: null\n  N: {Type: X::Y::Z}\n", "no Type"),
    ("type-bool", "t.yaml", "Resources:\n  M:\n    Type: true\n" + OK, "Type that is a boolean"),
    # deeper than every walker can go (within the parsers' own limits)
    (
        "deep-json-properties",
        "t.json",
        '{"Resources": {"M": {"Type": "AWS::SageMaker::Model", "Properties": '
        + nested_json(1000)
        + "}}}",
        "nested more than 100 levels",
    ),
    ("deep-yaml-flow", "t.yaml", model("[" * 900 + "]" * 900), "nested more than 100 levels"),
    (
        "deep-yaml-block",
        "t.yaml",
        "Resources:\n  M:\n    Type: AWS::SageMaker::Model\n    Properties:\n"
        + "".join(" " * (6 + 2 * i) + "A:\n" for i in range(150))
        + " " * 306
        + "x\n",
        "nested more than 100 levels",
    ),
    (
        "deep-short-form",
        "t.yaml",
        model("{ModelName: !Join ['', " + "[" * 990 + "]" * 990 + "]}"),
        "invalid YAML",
    ),
    (
        "deep-parameter-default",
        "t.json",
        json.dumps(
            {"Parameters": {"P": {"Default": "__"}}, "Resources": {"M": {"Type": "X"}}}
        ).replace('"__"', nested_json(600)),
        "nested more than 100 levels",
    ),
    (
        "deep-condition",
        "t.json",
        json.dumps(
            {"Conditions": {"C": "__"}, "Resources": {"M": {"Type": "AWS::SageMaker::Model"}}}
        ).replace('"__"', '{"Fn::Not": [' * 400 + '{"Condition": "C"}' + "]}" * 400),
        "nested more than 100 levels",
    ),
    # chains that never end, or end too deep to follow
    (
        "condition-chain",
        "t.yaml",
        "Conditions:\n"
        + "".join(f"  C{i}: !Condition C{i + 1}\n" for i in range(600))
        + "  C600: !Equals [a, a]\n"
        + "Resources:\n  M:\n    Type: AWS::SageMaker::Model\n    Condition: C0\n",
        "nest more than",
    ),
    (
        "getatt-chain",
        "chain.yaml",
        "Resources:\n"
        + "".join(
            f"  M{i}:\n    Type: AWS::SageMaker::Model\n"
            f"    Properties: {{ModelName: !GetAtt M{i + 1}.ModelName}}\n"
            for i in range(400)
        )
        + "  M400:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: end}\n",
        "nest more than",
    ),
    (
        "findinmap-self",
        "t.yaml",
        "Mappings:\n  M: {a: {b: !FindInMap [M, a, b]}}\n"
        + model("{ModelName: !FindInMap [M, a, b]}"),
        "nest more than",
    ),
    # values the YAML constructors cannot build
    ("huge-integer", "t.yaml", model("{A: " + "9" * 5000 + "}"), "cannot read the number"),
    ("huge-hex", "t.yaml", model("{A: 0x" + "f" * 5000 + "}"), "cannot read the number"),
]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [case[1:] for case in TEMPLATES],
    ids=[case[0] for case in TEMPLATES],
)
def test_hostile_templates(tmp_path: Path, name: str, content: str, message: str) -> None:
    bad = hostile(tmp_path, name, content)
    read = read_files([str(bad), str(GOOD)])
    count = 2 if "two" in name else None if "chain" in name else 1
    d = check_one_line_about(read, bad, message, count)
    if "cycle" in message and "Fn::GetAtt" in d.message:
        assert d.where.startswith(f"{bad}:")  # the line of the resource in the cycle


def test_a_deep_resource_is_refused_alone(tmp_path: Path) -> None:
    """Only the resource nested too deep is not evaluated; another service's deep resource
    (a policy document) is never walked, so it is no problem at all."""
    bad = hostile(
        tmp_path,
        "t.json",
        json.dumps(
            {
                "Resources": {
                    "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"D": "__"}},
                    "Deep": {"Type": "AWS::SageMaker::Model", "Properties": {"D": "__"}},
                    "Fine": {"Type": "AWS::SageMaker::Model", "Properties": {}},
                }
            }
        ).replace('"__"', nested_json(300)),
    )
    read = read_files([str(bad), str(GOOD)])
    d = check_one_line_about(read, bad, "Deep: nested more than 100 levels deep")
    assert "Resources.Deep.Properties.D.a" in d.message
    assert [r.id for r in read.resources if r.provenance.file == str(bad)] == ["Fine"]


def test_every_resource_in_a_getatt_cycle_is_named(tmp_path: Path) -> None:
    bad = hostile(
        tmp_path,
        "pair.yaml",
        "Resources:\n"
        "  A:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt B.ModelName}\n"
        "  B:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: !GetAtt A.ModelName}\n"
        "  C:\n    Type: AWS::SageMaker::Model\n    Properties: {ModelName: fine}\n",
    )
    read = read_files([str(bad), str(GOOD)])
    lines = sorted(d.line() for d in inputs(read))
    assert lines == [
        f"{bad}:2: A: Fn::GetAtt names form a cycle: B.ModelName -> A.ModelName -> B.ModelName",
        f"{bad}:5: B: Fn::GetAtt names form a cycle: A.ModelName -> B.ModelName -> A.ModelName",
    ]
    assert [r.id for r in read.resources if r.provenance.file == str(bad)] == ["C"]
    assert rows(evaluations(read), GOOD) == BASELINE


def test_yaml_dates_stay_text_in_templates(tmp_path: Path) -> None:
    """A timestamp-looking value is a string, as CloudFormation reads it; an impossible date
    is no error of the template (it used to be a ValueError from the date constructor)."""
    path = hostile(tmp_path, "t.yaml", model("{ModelName: 2027-02-30, A: 2027-02-28}"))
    read = read_files([str(path)])
    assert inputs(read) == []
    (m,) = read.resources
    assert m.properties == {"ModelName": "2027-02-30", "A": "2027-02-28"}


@pytest.mark.parametrize(
    "expires",
    ["2027-02-30", "2027-13-01", "2027-02-29", "2027-02-30T10:00:00Z", "2027-03-31 10:00:00"],
)
def test_impossible_expiry_in_template_metadata(tmp_path: Path, expires: str) -> None:
    bad = hostile(
        tmp_path,
        "t.yaml",
        "Resources:\n  M:\n    Type: AWS::SageMaker::Model\n    Metadata:\n      sagewarden:\n"
        "        suppress:\n          - control: SageMaker.10\n            reason: r\n"
        f"            expires: {expires}\n    Properties: {{}}\n",
    )
    read = read_files([str(bad), str(GOOD)])
    check_one_line_about(read, bad, "is not a date (YYYY-MM-DD)")


# -- .sagewarden.yaml -------------------------------------------------------------------------

SUPPRESSION_DATES = [
    ("2027-02-30", "is not a date"),
    ("2027-13-01", "is not a date"),
    ("2026-02-29", "is not a date"),
    ("2027-02-30T10:00:00Z", "is not a date"),  # a moment, not a day
    ("2027-03-31T10:00:00Z", "is not a date"),
    ("20270331", "is not a date"),
    ("'2027-W13-3'", "is not a date"),
    ("[2027, 3, 31]", "is not a date"),
    ("9" * 5000, "cannot read the number"),
]


@pytest.mark.parametrize(("expires", "message"), SUPPRESSION_DATES, ids=lambda v: str(v)[:20])
def test_impossible_expiry_in_the_suppressions_file(
    tmp_path: Path, expires: str, message: str
) -> None:
    path = tmp_path / ".sagewarden.yaml"
    path.write_text(
        "suppressions:\n  - control: SageMaker.1\n    reason: ok\n    expires: 2027-03-31\n"
        f"  - control: SageMaker.2\n    reason: r\n    expires: {expires}\n"
    )
    found, diags = load_config(str(path))
    assert len(diags) == 1, [d.line() for d in diags]
    assert diags[0].where in (f"{path}:5", f"{path}:7"), diags[0].line()
    assert message in diags[0].message
    if "number" not in message:
        assert [(s.control, s.expires) for s in found] == [("SageMaker.1", "2027-03-31")]


@pytest.mark.parametrize(
    "text",
    [
        "suppressions: &s [*s]\n",
        "suppressions:\n  - &e {control: *e, reason: r}\n",
        "suppressions:\n" + "".join("  " * i + "- \n" for i in range(1, 400)),
        "suppressions: " + "[" * 2000 + "]" * 2000 + "\n",
        "{1: a, 2: b}\n",
        "suppressions:\n  - {control: SageMaker.1, reason: r, 1: x, other: y}\n",
    ],
    ids=["cycle-list", "cycle-entry", "deep-block", "deep-flow", "number-keys", "number-field"],
)
def test_hostile_suppressions_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / ".sagewarden.yaml"
    path.write_text(text)
    _, diags = load_config(str(path))
    assert diags, "a broken suppressions file is an input error"
    assert all(d.kind is Kind.INPUT and "\n" not in d.line() for d in diags)
    assert all(d.where.startswith(str(path)) for d in diags)


# -- AWS Config data ----------------------------------------------------------------------------


def sm_item(name: str, configuration: Any, **extra: Any) -> dict[str, Any]:
    return {
        "configurationItemCaptureTime": "2026-11-20T10:00:00.000Z",
        "configurationItemStatus": "OK",
        "resourceType": "AWS::SageMaker::NotebookInstance",
        "resourceId": name,
        "resourceName": name,
        "ARN": f"arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/{name}",
        "awsAccountId": "111122223333",
        "awsRegion": "us-east-1",
        "configuration": configuration,
        "tags": {},
        **extra,
    }


def notebook(name: str, internet: str = "Disabled") -> dict[str, Any]:
    return {
        "NotebookInstanceName": name,
        "DirectInternetAccess": internet,
        "RootAccess": "Disabled",
        "SubnetId": "subnet-1",
        "PlatformIdentifier": "notebook-al2023-v1",
    }


DEEP = "__DEEP__"


@pytest.mark.parametrize("limit", [None, 0], ids=["full-parse", "streaming"])
@pytest.mark.parametrize(
    ("levels", "shape"),
    [(150, "configuration"), (500, "configuration"), (500, "history-string"), (900, "tags")],
)
def test_deep_config_item_is_its_own_error(
    tmp_path: Path, limit: int | None, levels: int, shape: str
) -> None:
    deep = sm_item("deep", {**notebook("deep"), "Extra": DEEP})
    if shape == "history-string":
        deep["configuration"] = json.dumps(deep["configuration"]).replace(
            f'"{DEEP}"', nested_json(levels)
        )
    elif shape == "tags":
        deep["tags"] = DEEP
    items = [sm_item("before", notebook("before")), deep, sm_item("after", notebook("after"))]
    text = json.dumps({"configurationItems": items}).replace(f'"{DEEP}"', nested_json(levels))
    bad = hostile(tmp_path, "snapshot.json", text)
    kw = {} if limit is None else {"full_parse_limit": limit}
    read = read_files([str(bad), str(GOOD)], **kw)
    d = check_one_line_about(read, bad, "nested more than 100 levels")
    assert d.where == f"{bad}: arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/deep"
    evs = evaluations(read)
    by_name = {e.resource.name: e for e in evs if e.resource.provenance.file == str(bad)}
    assert by_name["deep"].status is Status.ERROR
    assert by_name["before"].status is Status.PASSED
    assert by_name["after"].status is Status.PASSED


@pytest.mark.parametrize("limit", [None, 0], ids=["full-parse", "streaming"])
def test_config_item_beyond_the_json_parser_limit(tmp_path: Path, limit: int | None) -> None:
    items = [sm_item("before", notebook("before")), sm_item("deep", DEEP)]
    text = json.dumps({"configurationItems": items}).replace(f'"{DEEP}"', nested_json(1100))
    bad = hostile(tmp_path, "snapshot.json", text)
    kw = {} if limit is None else {"full_parse_limit": limit}
    read = read_files([str(bad), str(GOOD)], **kw)
    check_one_line_about(read, bad, "nested more than 1,024 levels")


def query_rows(rows_: list[dict[str, Any]]) -> str:
    return json.dumps({"Results": [json.dumps(r) for r in rows_], "QueryInfo": {}})


NO_IDS = [
    {
        "resourceType": "AWS::SageMaker::NotebookInstance",
        "configuration": notebook(f"nb{i}", "Enabled" if i < 2 else "Disabled"),
        "tags": [],
    }
    for i in range(3)
]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("query.json", query_rows(NO_IDS)),
        ("query-nulls.json", query_rows([{**r, "resourceId": None, "arn": None} for r in NO_IDS])),
        ("snapshot.json", json.dumps({"configurationItems": NO_IDS})),
        ("batch.json", json.dumps({"baseConfigurationItems": NO_IDS})),
    ],
)
def test_rows_without_identity_are_never_merged(tmp_path: Path, name: str, content: str) -> None:
    bad = hostile(tmp_path, name, content)
    read = read_files([str(bad), str(GOOD)])
    mine = [r for r in read.resources if r.provenance.file == str(bad)]
    assert len(mine) == 3
    assert len({r.id for r in mine}) == 3
    assert all(r.read_error and "no resourceId, ARN or resourceName" in r.read_error for r in mine)
    found = inputs(read)
    assert len(found) == 3
    assert all(d.where.startswith(str(bad)) and "\n" not in d.line() for d in found)
    evs = [e for e in evaluations(read) if e.resource.provenance.file == str(bad)]
    assert evs and {e.status for e in evs} == {Status.ERROR}
    assert rows(evaluations(read), GOOD) == BASELINE


def test_rows_identified_by_name_alone_are_evaluated(tmp_path: Path) -> None:
    named = [{**r, "resourceName": r["configuration"]["NotebookInstanceName"]} for r in NO_IDS]
    read = read_files([str(hostile(tmp_path, "q.json", query_rows(named)))])
    assert sorted(r.name for r in read.resources) == ["nb0", "nb1", "nb2"]
    assert inputs(read) == []


# -- byte order marks ----------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"
BOM_CASES = [
    ("snapshot.json", EXAMPLE),
    ("history.json", DATA / "get-resource-config-history.json"),
    ("query.json", DATA / "select-aggregate-resource-config.json"),
    ("batch.json", DATA / "batch-get-resource-config.json"),
    ("plan.json", PLAN),
    ("template.json", DATA / "cfn" / "cdk.out" / "MlStack.template.json"),
    ("template.yaml", GOOD),
]


# Only AWS Config data comes gzip-compressed.
BOM_RUNS = [
    (name, source, where)
    for name, source in BOM_CASES
    for where in ("named", "in-a-folder", "streaming", "gzip")
    if where != "gzip" or name.startswith(("snapshot", "history", "query", "batch"))
]


@pytest.mark.parametrize(
    ("name", "source", "where"), BOM_RUNS, ids=[f"{n}-{w}" for n, _, w in BOM_RUNS]
)
def test_a_utf8_byte_order_mark_is_not_content(
    tmp_path: Path, name: str, source: Path, where: str
) -> None:
    plain = read_files([str(source)])
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / (name + (".gz" if where == "gzip" else ""))
    data = BOM + source.read_bytes()
    path.write_bytes(gzip.compress(data) if where == "gzip" else data)
    target = folder if where == "in-a-folder" else path
    read = read_files([str(target)], full_parse_limit=0 if where == "streaming" else 32 << 20)
    assert [d.message for d in read.diagnostics] == [d.message for d in plain.diagnostics]
    assert read.recognised == 1
    assert [(r.type, r.id, r.properties, r.tags) for r in read.resources] == [
        (r.type, r.id, r.properties, r.tags) for r in plain.resources
    ]
    assert read.resources


def test_utf16_says_so(tmp_path: Path) -> None:
    bad = hostile(tmp_path, "snapshot.json", EXAMPLE.read_text().encode("utf-16"))
    read = read_files([str(bad), str(GOOD)])
    check_one_line_about(read, bad, "UTF-16 text: save it as UTF-8")


# -- gzip that expands without end, and damaged gzip ---------------------------------------------


def test_gzip_limit_is_a_ratio_with_a_floor_and_a_cap() -> None:
    from sagewarden.sources.limits import gzip_limit

    assert gzip_limit(1) == limits.GZIP_FLOOR
    assert gzip_limit(100 << 20) == limits.GZIP_RATIO * (100 << 20)
    assert gzip_limit(1 << 40) == limits.GZIP_CAP
    # real deliveries compress about 10-30 to 1: a 300 MB delivery is read
    assert gzip_limit(300 << 20) >= 30 * (300 << 20)


def test_gzip_bomb_is_refused_before_it_fills_anything(tmp_path: Path) -> None:
    # gzip members concatenate: one member of 4 MB of spaces, repeated past the floor
    member = gzip.compress(b" " * (4 << 20), 9)
    head = gzip.compress(b'{"configurationItems": [', 9)
    copies = limits.GZIP_FLOOR // (4 << 20) + 2
    bomb = hostile(tmp_path, "snapshot.json.gz", head + member * copies)
    assert bomb.stat().st_size * limits.GZIP_RATIO < limits.GZIP_FLOOR  # the floor decides
    read = read_files([str(bomb), str(GOOD)])
    check_one_line_about(read, bomb, "refused as a possible gzip bomb")


@pytest.mark.parametrize("damage", ["truncated", "corrupt-deflate", "bad-crc", "trailing"])
def test_damaged_gzip(tmp_path: Path, damage: str) -> None:
    good = gzip.compress(EXAMPLE.read_bytes())
    if damage == "truncated":
        data = good[: len(good) // 2]
    elif damage == "corrupt-deflate":
        data = good[:20] + bytes(b ^ 0x5A for b in good[20:60]) + good[60:]
    elif damage == "bad-crc":
        data = good[:-8] + bytes(8)
    else:
        data = good + b"garbage!"
    bad = hostile(tmp_path, "snapshot.json.gz", data)
    read = read_files([str(bad), str(GOOD)])
    check_one_line_about(read, bad, "")
    assert not [r for r in read.resources if r.provenance.file == str(bad)] or damage in (
        "truncated",
        "corrupt-deflate",
        "trailing",
    )


def test_corrupt_deflate_stream_raises_zlib_error_not_oserror() -> None:
    """Why the reader catches zlib.error too: a corrupt stream is not an OSError."""
    good = gzip.compress(EXAMPLE.read_bytes())
    data = good[:20] + bytes(b ^ 0x5A for b in good[20:60]) + good[60:]
    with pytest.raises((zlib.error, OSError, EOFError)):
        gzip.decompress(data)


# -- huge files: bounded memory --------------------------------------------------------------------


def sparse(path: Path, head: bytes, size: int) -> Path:
    """A file of `size` bytes that starts with `head` and takes no disk beyond it."""
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def test_damaged_multi_gigabyte_snapshot_is_one_line(tmp_path: Path) -> None:
    """Damage in a snapshot larger than any file read whole: one line, the items before it
    kept, in a process whose address space cannot hold a copy of the file (the scan used to
    decode ever larger windows, up to the whole file, and died of a MemoryError)."""
    resource = pytest.importorskip("resource")
    head = (
        b'{"configurationItems": ['
        + json.dumps(sm_item("ok", notebook("ok"))).encode()
        + b',{"resourceType": "AWS::SageMaker::Model", "configuration": {"ModelName": "'
        + b"a" * 16384
    )
    size = limits.MAX_WHOLE_BYTES + (64 << 20)
    bad = sparse(tmp_path / "snapshot.json", head, size)
    cap = size + (512 << 20)  # the file mapped, and room for the interpreter: no copy

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    args = ["scan", str(bad), str(GOOD), "--format", "json", "--no-history"]
    run = subprocess.run(
        [sys.executable, "-m", "sagewarden", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        preexec_fn=bounded,
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert run.stderr.strip().splitlines() == [
        f"sagewarden: {bad}: invalid JSON at line 1, column {len(head) + 1}: "
        "unexpected control character in string"
    ]
    report = scan_report(run.stdout)
    assert [e["resource_id"] for e in report["evaluations"] if e["source"]["file"] == str(bad)]
    good = sorted(
        (e["control"], e["resource_id"], e["status"], e["reason"])
        for e in report["evaluations"]
        if e["source"]["file"] == str(GOOD) and e["control"] in ORIGINAL_IDS
    )
    assert good == BASELINE


def test_item_that_never_closes_is_bounded(tmp_path: Path) -> None:
    head = b'{"configurationItems": [{"resourceType": "AWS::SageMaker::Model", "x": "'
    bad = hostile(tmp_path, "snapshot.json", head + b"a" * (limits.MAX_ITEM_BYTES + (1 << 20)))
    read = read_files([str(bad), str(GOOD)], full_parse_limit=0)
    check_one_line_about(read, bad, "an item longer than 64 MB, or one that is not closed")


@pytest.mark.parametrize(
    "head",
    [b'{"format_version": "1.2", "planned_values": {"x": "', b'{"Resources": {"M": "'],
    ids=["plan", "template"],
)
def test_file_too_large_to_parse_whole(tmp_path: Path, head: bytes) -> None:
    bad = sparse(tmp_path / "huge.json", head + b"a" * 16384, limits.MAX_WHOLE_BYTES + 1)
    read = read_files([str(bad), str(GOOD)])
    check_one_line_about(read, bad, "too large to read whole")


# -- FIFOs and other files that are not regular ----------------------------------------------------


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a child process: a hang is a failed test (timeout), not a stuck
    suite."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "sagewarden", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "snapshot.json"
    os.mkfifo(path)
    return path


def test_fifo_named_on_the_command_line(fifo: Path) -> None:
    run = run_cli("scan", str(fifo), str(GOOD), "--format", "json", "--no-history")
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines() == [
        f"sagewarden: {fifo}: cannot read: a FIFO (named pipe), not a regular file"
    ]
    report = scan_report(run.stdout)
    assert {e["resource_id"] for e in report["evaluations"]} >= {"ResearchNotebook"}


def test_fifo_in_a_scanned_folder(fifo: Path) -> None:
    good = fifo.parent / "good.yaml"
    good.write_bytes(GOOD.read_bytes())
    run = run_cli("scan", str(fifo.parent), "--format", "json", "--no-history")
    assert run.returncode == 1, run.stderr  # the template's failures; the FIFO is no error
    assert run.stderr.strip().splitlines() == [
        f"sagewarden: {fifo}: skipped: a FIFO (named pipe), not a regular file"
    ]
    report = scan_report(run.stdout)
    assert any(e["resource_id"] == "ResearchNotebook" for e in report["evaluations"])


def test_fifo_as_the_parameters_file(fifo: Path) -> None:
    run = run_cli("scan", str(GOOD), "--cfn-params-file", str(fifo), "--no-history")
    assert run.returncode == 2, run.stderr
    assert f"sagewarden: {fifo}: cannot read: a FIFO (named pipe), not a regular file" in (
        run.stderr.splitlines()
    )
    assert "Traceback" not in run.stderr


def test_fifo_as_the_suppressions_file(fifo: Path) -> None:
    code = f"from sagewarden.suppressions import load_config; print(load_config({str(fifo)!r}))"
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "a FIFO (named pipe), not a regular file" in run.stdout


@pytest.mark.parametrize("given", [True, False], ids=["--config", "found in the folder"])
def test_fifo_as_the_suppressions_file_of_a_scan(tmp_path: Path, given: bool) -> None:
    """Given with --config or found as .sagewarden.yaml: one line, never "no such file" or
    a silent "no suppressions", and no hang."""
    os.mkfifo(tmp_path / ".sagewarden.yaml")
    config = ["--config", ".sagewarden.yaml"] if given else []
    run = run_cli("scan", str(GOOD), "--no-history", "-q", *config, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines() == [
        "sagewarden: .sagewarden.yaml: cannot read: a FIFO (named pipe), not a regular file"
    ]


def test_device_named_on_the_command_line() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    read = read_files(["/dev/zero", str(GOOD)])
    check_one_line_about(read, Path("/dev/zero"), "a character device, not a regular file")


# -- every source at once, through the command ---------------------------------------------------


def test_hostile_files_together_through_the_command(tmp_path: Path) -> None:
    """One of each family in one folder beside a good template: one line each, exit 2, and
    the good template's verdicts as ever."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    for i, (_, name, content, _) in enumerate(TEMPLATES[::4]):
        hostile(folder, f"{i}-{name}", content)
    hostile(folder, "q.json", query_rows(NO_IDS))
    hostile(folder, "bom.json", BOM + EXAMPLE.read_bytes())
    (folder / "good.yaml").write_bytes(GOOD.read_bytes())
    run = run_cli("scan", str(folder), "--format", "json", "--no-history")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert all(line.startswith(f"sagewarden: {folder}") for line in lines), lines
    report = scan_report(run.stdout)
    good = sorted(
        (e["control"], e["resource_id"], e["status"])
        for e in report["evaluations"]
        if e["source"]["file"].endswith("good.yaml") and e["control"] in ORIGINAL_IDS
    )
    assert good == sorted((c, r, s) for c, r, s, _ in BASELINE)
    assert any(e["source"]["file"].endswith("bom.json") for e in report["evaluations"])
