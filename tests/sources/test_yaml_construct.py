"""yamlsafe's fast construction gives exactly what PyYAML's general constructor gives: for
every YAML file the suite and the peer cases hold, and for the shapes it hands back to the
general constructor (merge keys, sets, unhashable keys, unknown tags)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagewarden.sources import cloudformation, yamlsafe

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    p
    for base in (ROOT / "tests" / "data", ROOT.parent / "shared" / "peer-cases")
    if base.is_dir()
    for p in base.rglob("*")
    if p.suffix in (".yaml", ".yml") and p.is_file()
)
LOADERS = [yamlsafe.SafeLoader, cloudformation._TemplateLoader]

SHAPES = {
    "scalars": "a: 1\nb: 1.5\nc: true\nd: null\ne: 2024-01-01\nf: '7'\ng: !!str 8\nh: 0x1F\n"
    "i: 99999999999999999999999\nj: .inf\nk: ~\nl: [1, two, 3.0]\n",
    "short forms": "A: !Ref X\nB: !GetAtt R.Arn\nC: !Sub ['${a}', {a: !Ref P}]\n"
    "D: !If [Cond, !Ref A, !Ref 'AWS::NoValue']\nE: !GetAtt [R, Arn]\nF: !Condition C\n"
    "G: !Join\n  - ''\n  - [a, !Select [0, !GetAZs '']]\n",
    "merge key": "base: {a: 1}\nthing:\n  <<: {b: 2}\n  c: 3\n",
    "set": "s: !!set {a, b}\n",
    "unhashable key": "? [a, b]\n: value\n",
    "int key": "1: one\n2.5: x\ntrue: y\n",
    "duplicate key": "a: 1\na: 2\n",
    "binary": "b: !!binary aGVsbG8=\n",
    "unknown tag": "x: !!python/name:os.system\n",
    "empty values": "a:\nb: []\nc: {}\nd: ''\n",
    "deeper than the recursion limit": "a: " + "[" * 900 + "]" * 900 + "\n",
}


def general(text: str, loader_class: type[Any]) -> Any:
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def outcome(call: Any) -> tuple[str, Any]:
    try:
        return "value", call()
    except (yaml.YAMLError, yamlsafe.YamlLoadError) as exc:
        return "error", str(exc).split(":")[0]


@pytest.mark.parametrize("loader_class", LOADERS, ids=lambda c: c.__name__)
def test_every_yaml_file_reads_the_same(loader_class: type[Any]) -> None:
    assert len(FILES) > 20
    compared = 0
    for path in FILES:
        text = path.read_text(encoding="utf-8", errors="replace")
        if "&" in text:
            continue  # anchors go through the general constructor anyway
        want = outcome(functools.partial(general, text, loader_class))
        got = outcome(lambda t=text: yamlsafe.load(t, loader_class)[1])
        if want[0] == "value":
            assert got == want, path
            compared += 1
    assert compared > 20


@pytest.mark.parametrize("loader_class", LOADERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", SHAPES)
def test_shapes_read_the_same(loader_class: type[Any], name: str) -> None:
    text = SHAPES[name]
    want = outcome(lambda: general(text, loader_class))
    got = outcome(lambda: yamlsafe.load(text, loader_class)[1])
    assert got[0] == want[0], (got, want)
    if want[0] == "value":
        assert got[1] == want[1]
        assert repr(got[1]) == repr(want[1])  # the same types, not only equal values


def test_the_fast_path_is_taken_for_a_plain_template() -> None:
    """A plain template is built without PyYAML's constructor: a loader whose general
    constructor is broken still reads it (and one with a merge key does not)."""

    class Broken(cloudformation._TemplateLoader):  # type: ignore[misc,name-defined]
        def construct_document(self, node: Any) -> Any:
            raise AssertionError("the general constructor ran")

    _, doc = yamlsafe.load("Resources:\n  A: {Type: X, Properties: {B: !Ref C}}\n", Broken)
    assert doc == {"Resources": {"A": {"Type": "X", "Properties": {"B": {"Ref": "C"}}}}}
    with pytest.raises(AssertionError, match="general constructor"):
        yamlsafe.load("a:\n  <<: {b: 1}\n", Broken)
