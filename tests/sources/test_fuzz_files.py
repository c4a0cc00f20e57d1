"""Fuzz every file source: whatever a file holds, the scan returns, says one line per
problem, and every other file's verdicts survive.

Real fixtures of each source (Config snapshot, history, advanced query, batch-get;
CloudFormation YAML and JSON; CDK output; Terraform plans) are mutated structurally by
hypothesis: values of the wrong type, deep nesting around the limits, YAML anchors that
make cycles or share nodes, huge numbers, odd unicode, keys renamed or removed, containers
turned inside out; then the bytes: a byte order mark, CRLF, truncation, trailing garbage,
gzip. Each mutated file is read between a known-good template and a known-good Config
snapshot (another account), and:

- no exception escapes read_files + evaluate (nor main() for the CLI test);
- every diagnostic is one line as printed, and none is the readers' last-resort line (a
  shape no reader anticipated, a RecursionError, a MemoryError): those are bugs even when
  caught;
- the good files' verdicts are exactly what they are alone;
- each example finishes within hypothesis's deadline (inputs stay small).

Derandomized (the same examples every run) with a small budget; FUZZ_EXAMPLES=5000
FUZZ_RANDOM=1 runs a longer, random campaign. tests/unit/test_fuzz.py complements this with a
seeded random fuzz of the Config snapshot's values through the CLI.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import io
import json
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sagewarden.catalog import CONTROLS
from sagewarden.cli import main
from sagewarden.engine import evaluate
from sagewarden.outputs.terminal import clean
from sagewarden.params import parse_params
from sagewarden.sources import yamlsafe
from sagewarden.sources.cloudformation import _TemplateLoader, parse_params_file
from sagewarden.sources.files import UNEXPECTED, read_files
from sagewarden.suppressions import apply, load_config
from tests.helpers import check_report

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "config-snapshot.json"

FIXTURES: dict[str, tuple[Path, str]] = {
    "config-snapshot": (EXAMPLE, "config"),
    "config-history": (DATA / "get-resource-config-history.json", "config"),
    "config-query": (DATA / "select-aggregate-resource-config.json", "config"),
    "config-query-no-tags": (DATA / "select-resource-config-no-tags.json", "config"),
    "config-batch-get": (DATA / "batch-get-resource-config.json", "config"),
    "cfn-yaml": (DATA / "cfn" / "ml-platform.yaml", "yaml"),
    "cfn-sam": (DATA / "cfn" / "sam-template.yaml", "yaml"),
    "cfn-unresolved": (DATA / "cfn" / "unresolved-names.yaml", "yaml"),
    "cdk-json": (DATA / "cfn" / "cdk.out" / "MlStack.template.json", "json"),
    "plan-aws": (DATA / "terraform" / "aws-all-types.json", "json"),
    "plan-awscc": (DATA / "terraform" / "awscc-monitoring.json", "json"),
    "plan-modules": (DATA / "terraform" / "modules.json", "json"),
}
SIDE_FILES: dict[str, Any] = {
    ".sagewarden.yaml": {
        "suppressions": [
            {"control": "SageMaker.3", "reason": "ok", "expires": "2099-12-31"},
            {"control": "*", "resource": "Open*", "reason": "legacy"},
            {"control": "SageMaker.10", "reason": "r", "resource": "arn:aws:*"},
        ]
    },
    "params.json": [
        {"ParameterKey": "Environment", "ParameterValue": "prod"},
        {"ParameterKey": "NotebookInternet", "ParameterValue": "Disabled"},
        "RootAccessSetting=Enabled",
    ],
    "pipeline.json": {"Parameters": {"Environment": "dev", "PrivateSubnet": "subnet-1"}},
}

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    deadline=timedelta(seconds=30),  # no hang: a generous bound on each small example
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Lines that mean a reader met something it did not handle (caught, but a bug).
LAST_RESORT = (UNEXPECTED, "nested too deeply to read", "not enough memory")


def load(path: Path, kind: str) -> Any:
    if kind == "yaml":
        return yamlsafe.load(path.read_text(), _TemplateLoader)[1]
    return json.loads(path.read_text())


DOCS = {name: load(path, kind) for name, (path, kind) in FIXTURES.items()} | SIDE_FILES

# -- hostile values ------------------------------------------------------------------------------

ODD_TEXT = [
    "",
    "two",
    "\u202eevil",
    "\x00",
    "\x1b[31mred",
    "line\nbreak\r",
    "\ufeffbom",
    "é" * 50,
    "😀" * 20,
    "a\u0301\u0302\u0303",
    "x" * 5000,
    "AWS::SageMaker::Model",
    "arn:aws:sagemaker:us-east-1:111122223333:model/x",
    "2027-02-30",
    "${AWS::Region}",
    "Fn::GetAtt",
    "\ud800",
]
NUMBERS = [0, -1, 1.5, 2**63, 2**64, 2**70, 10**30, 1e308, -1e308, float("inf"), float("nan")]
INTRINSICS = [
    {"Ref": "Nope"},
    {"Ref": ["list"]},
    {"Fn::GetAtt": ["ResearchNotebook", "NotebookInstanceName"]},
    {"Fn::GetAtt": "X"},
    {"Fn::Select": [5, ["a"]]},
    {"Fn::Select": [{"a": 1}, {"b": 2}]},
    {"Fn::If": ["Nope", 1, 2]},
    {"Fn::If": "x"},
    {"Fn::Sub": ["${x}", {"x": {"Ref": "AWS::NoValue"}}]},
    {"Fn::Sub": 5},
    {"Fn::Join": [",", "notalist"]},
    {"Fn::Split": [None, "a"]},
    {"Fn::FindInMap": ["M", {"Ref": "Environment"}, "K"]},
    {"Fn::Base64": {"Fn::Base64": "x"}},
    {"Fn::ImportValue": {"Fn::Sub": "x"}},
    {"Condition": "Nope"},
    {"Fn::Equals": [1]},
]
SCALARS = st.one_of(
    st.sampled_from([None, True, False]),
    st.sampled_from(NUMBERS),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=30),
    st.integers(),
)
VALUES = st.one_of(
    SCALARS,
    st.sampled_from([[], {}, [1, "x"], {"a": None}, [[]], [{}]]),
    st.sampled_from(INTRINSICS),
    st.dictionaries(st.sampled_from(["Ref", "Fn::If", "key", "Key", "value"]), SCALARS, max_size=2),
    st.lists(SCALARS, max_size=3),
)
DEPTHS = [5, 98, 99, 100, 101, 120, 300, 999, 1030]

JSONSTR = object()  # a path step into a string that holds JSON (query rows, history)


def paths(value: Any) -> list[tuple[Any, ...]]:
    """Every path in a document, each container entered once (aliases make cycles)."""
    out: list[tuple[Any, ...]] = []
    seen: set[int] = set()
    parsed: list[Any] = []  # kept alive: a freed value's id could be reused
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        node, prefix = stack.pop()
        out.append(prefix)
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                continue
            seen.add(id(node))
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((v, (*prefix, k)) for k, v in items)
        elif isinstance(node, str) and node[:1] in ("{", "["):
            with contextlib.suppress(ValueError):
                parsed.append(json.loads(node))
                stack.append((parsed[-1], (*prefix, JSONSTR)))
    return sorted(out, key=len)


def get(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = json.loads(node) if step is JSONSTR else node[step]
    return node


def edit(node: Any, path: tuple[Any, ...], change: Any) -> Any:
    """`node` with the value at `path` replaced by change(old)."""
    if not path:
        return change(node)
    step, rest = path[0], path[1:]
    if step is JSONSTR:
        return json.dumps(edit(json.loads(node), rest, change))
    node[step] = edit(node[step], rest, change)
    return node


def retype(value: Any) -> Any:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return [value]


def deep_text(levels: int, shape: str, style: str) -> str:
    """`levels` nested containers as JSON or YAML flow text (never built as objects: the
    test's own serializers would recurse)."""
    if shape == "map":
        return ('{"a": ' if style == "json" else "{a: ") * levels + '"x"' + "}" * levels
    if shape == "list":
        return "[" * levels + "1" + "]" * levels
    half = levels // 2
    key = '{"a": [' if style == "json" else "{a: ["
    return key * half + "1" + "]}" * half


@st.composite
def mutated(
    draw: st.DrawFn, fixtures: st.SearchStrategy[str] | None = None
) -> tuple[str, str, bytes, list[str]]:
    """(fixture, file suffix, bytes, what was done)."""
    name = draw(st.sampled_from(sorted(FIXTURES)) if fixtures is None else fixtures)
    kind = FIXTURES[name][1] if name in FIXTURES else "json" if name.endswith("json") else "yaml"
    doc = copy.deepcopy(DOCS[name])
    style = draw(st.sampled_from(["yaml", "json"])) if kind != "config" else "json"
    deep: dict[str, str] = {}
    done: list[str] = []
    for n in range(draw(st.integers(min_value=1, max_value=4))):
        every = paths(doc)
        path = every[draw(st.integers(min_value=0, max_value=len(every) - 1))]
        op = draw(
            st.sampled_from(["value", "value", "deep", "delete", "retype", "rename", "alias"])
        )
        if op == "value":
            new = draw(VALUES)
            doc = edit(doc, path, lambda _, new=new: copy.deepcopy(new))
        elif op == "deep":
            token = f"__DEEP_{n}__"
            levels = draw(st.sampled_from(DEPTHS))
            shape = draw(st.sampled_from(["map", "list", "mixed"]))
            deep[token] = deep_text(levels, shape, style)
            doc = edit(doc, path, lambda _, token=token: token)
        elif op == "delete" and path and path[-1] is not JSONSTR:
            parent = get(doc, path[:-1]) if JSONSTR not in path else None
            if isinstance(parent, (dict, list)):
                del parent[path[-1]]
        elif op == "retype":
            doc = edit(doc, path, retype)
        elif op == "rename" and path and isinstance(path[-1], str) and JSONSTR not in path:
            parent = get(doc, path[:-1])
            key = draw(st.sampled_from(["", "Type", "Resources", "0", "\u202e", "resourceType"]))
            parent[key] = parent.pop(path[-1])
        elif op == "alias" and style == "yaml" and JSONSTR not in path and len(path) >= 1:
            # an ancestor: a cycle; a sibling subtree: a shared node
            other = path[: draw(st.integers(min_value=0, max_value=len(path) - 1))]
            target = get(doc, other)
            doc = edit(doc, path, lambda _, target=target: target)
        else:
            continue
        done.append(f"{op} at {[s if s is not JSONSTR else '<json>' for s in path]}")
    try:
        if style == "yaml":
            text = yaml.safe_dump(doc, allow_unicode=draw(st.booleans()), sort_keys=False)
        else:
            text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    except (ValueError, RecursionError, yaml.YAMLError):
        assume(False)  # the test's own serializer cannot write it (a cycle in JSON)
    for token, value in deep.items():
        text = text.replace(f'"{token}"', value).replace(token, value)
        text = text.replace(f'\\"{token}\\"', value.replace('"', '\\"'))
    data = text.encode("utf-8", "surrogatepass")
    for flag in ("bom", "crlf", "truncate", "garbage"):
        if draw(st.booleans()) and draw(st.booleans()):  # each in a quarter of the examples
            done.append(flag)
            if flag == "bom":
                data = b"\xef\xbb\xbf" + data
            elif flag == "crlf":
                data = data.replace(b"\n", b"\r\n")
            elif flag == "truncate":
                data = data[: draw(st.integers(min_value=0, max_value=len(data)))]
            else:
                data += draw(st.sampled_from([b"x", b"}", b"\x00\xff", b"\n---\nb: 1\n", b"]"]))
    suffix = ".yaml" if style == "yaml" else ".json"
    if name in SIDE_FILES:
        suffix = ""
    if kind == "config" and draw(st.booleans()):
        data, suffix = gzip.compress(data), ".json.gz"
        done.append("gzip")
    return name, suffix, data, done


# -- the known-good siblings ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def siblings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    folder = tmp_path_factory.mktemp("siblings")
    template = folder / "good.yaml"
    template.write_bytes((DATA / "cfn" / "ml-platform.yaml").read_bytes())
    config = folder / "good-config.json"
    config.write_text(EXAMPLE.read_text().replace("111122223333", "999988887777"))
    read = read_files([str(template), str(config)])
    return template, config, verdicts(read.resources, (template, config))


def verdicts(resources: list[Any], files: tuple[Path, ...]) -> list[tuple[str, ...]]:
    pset, _ = parse_params([])
    mine = [r for r in resources if r.provenance.file in {str(f) for f in files}]
    return sorted(
        (e.control.id, e.resource.id, e.status.value, e.reason)
        for e in evaluate(mine, list(CONTROLS), pset).evaluations
    )


def check_lines(lines: list[str], done: list[str]) -> None:
    """Each problem is one line as the command prints it (through the terminal escaping),
    and none is a reader's last resort."""
    for line in lines:
        assert len(clean(line).splitlines()) == 1, (done, line)
        assert not any(bad in line for bad in LAST_RESORT), (done, line)


@FUZZ
@given(case=mutated(), stream=st.booleans())
def test_every_file_source_survives_hostile_files(
    siblings: tuple[Path, Path, Any], case: tuple[str, str, bytes, list[str]], stream: bool
) -> None:
    template, config, expected = siblings
    name, suffix, data, done = case
    limit = {"full_parse_limit": 0} if stream else {}  # the large-snapshot scanner, or not
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}{suffix}"
        path.write_bytes(data)
        read = read_files([str(template), str(path), str(config)], **limit)
        pset, _ = parse_params([])
        result = evaluate(read.resources, list(CONTROLS), pset)
    check_lines([d.line() for d in read.diagnostics + result.diagnostics], done)
    assert all(e.reason for e in result.evaluations), done
    assert verdicts(read.resources, (template, config)) == expected, done


@settings(FUZZ, max_examples=max(EXAMPLES // 8, 4))
@given(case=mutated(), fmt=st.sampled_from(["json", "sarif"]))
def test_the_command_survives_hostile_files(
    siblings: tuple[Path, Path, Any], case: tuple[str, str, bytes, list[str]], fmt: str
) -> None:
    template, config, expected = siblings
    name, suffix, data, done = case
    err = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}{suffix}"
        path.write_bytes(data)
        report = Path(tmp) / "report"
        args = ["scan", str(template), str(path), str(config), "--format", fmt]
        with contextlib.redirect_stderr(err):
            code = main([*args, "--output", str(report), "--no-history"])
        body = json.loads(report.read_text())
    lines = err.getvalue().splitlines()
    assert all(line.startswith("sagewarden: ") for line in lines), (done, lines)
    check_lines(lines, done)
    if fmt == "json":
        said = check_report(body)["diagnostics"]
        assert code in (1, 2, 3), (done, code)  # the good template fails some controls
        if any(d["kind"] == "input" for d in said):
            assert code == 2, (done, code)  # bad input is exit 2, whatever else happened
        got = sorted(
            (e["control"], e["resource_id"], e["status"], e["reason"])
            for e in body["evaluations"]
            if e["source"].get("file") in (str(template), str(config))
        )
        assert got == expected, done


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 4))
@given(case=mutated(st.sampled_from(sorted(SIDE_FILES))))
def test_suppressions_and_parameter_files_survive_hostile_content(
    siblings: tuple[Path, Path, Any], case: tuple[str, str, bytes, list[str]]
) -> None:
    """.sagewarden.yaml and --cfn-params-file: one line per problem, never an exception."""
    template = siblings[0]
    name, _, data, done = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        if name == ".sagewarden.yaml":
            found, said = load_config(str(path))
            read = read_files([str(template)])
            pset, _ = parse_params([])
            evs = evaluate(read.resources, list(CONTROLS), pset).evaluations
            suppressed, warned = apply(evs, found, date(2030, 1, 1))
            said += warned
            assert [e.status for e in suppressed] == [e.status for e in evs], done
        else:
            given_params, said = parse_params_file(str(path))
            read = read_files([str(template)], given_params)
            said += read.diagnostics
            pset, _ = parse_params([])
            said += evaluate(read.resources, list(CONTROLS), pset).diagnostics
    check_lines([d.line() for d in said], done)
