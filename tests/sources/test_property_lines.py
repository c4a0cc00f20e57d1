"""Template findings point at the judged property's first and last line, through the
real command, for YAML and JSON alike. The expected lines are found here by searching the
template text (key and indentation), independently of how sagewarden walks it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli

YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: property lines
Resources:
  Notebook:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::111122223333:role/x
      # internet on, said over two lines
      DirectInternetAccess:
        Enabled
      RootAccess: Disabled

  Quality:
    Type: AWS::SageMaker::DataQualityJobDefinition
    Properties:
      RoleArn: arn:aws:iam::111122223333:role/x
      NetworkConfig:
        EnableNetworkIsolation: false
        VpcConfig:
          SecurityGroupIds: [sg-0abc1234def567890]
          Subnets:
            - subnet-0abc1234def567890

      # a comment after the block
      DataQualityAppSpecification: {ImageUri: monitor}
  Bare:
    Type: AWS::SageMaker::Model
"""

DOC: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Notebook": {
            "Type": "AWS::SageMaker::NotebookInstance",
            "Properties": {
                "InstanceType": "ml.t3.medium",
                "RoleArn": "arn:aws:iam::111122223333:role/x",
                # a value that looks like the key judged elsewhere
                "Tags": [{"Key": "RootAccess", "Value": "DirectInternetAccess"}],
                "DirectInternetAccess": "Enabled",
                "RootAccess": "Disabled",
            },
        },
        "Quality": {
            "Type": "AWS::SageMaker::DataQualityJobDefinition",
            "Properties": {
                "RoleArn": "arn:aws:iam::111122223333:role/x",
                # an earlier sibling holding a nested key of the judged name
                "DataQualityAppSpecification": {
                    "ImageUri": "monitor",
                    "Environment": {"NetworkConfig": "{not [this] one"},
                },
                "NetworkConfig": {
                    "EnableNetworkIsolation": False,
                    "VpcConfig": {
                        "SecurityGroupIds": ["sg-0abc1234def567890"],
                        "Subnets": ["subnet-0abc1234def567890"],
                    },
                },
            },
        },
        "Bare": {"Type": "AWS::SageMaker::Model"},
    },
}


def _write(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"template.{kind}"
    path.write_text(YAML if kind == "yaml" else json.dumps(DOC, indent=2))
    return path


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _id_line(path: Path, lid: str) -> int:
    lines = path.read_text().splitlines()
    return 1 + next(
        i for i, t in enumerate(lines) if t.strip().startswith((f"{lid}:", f'"{lid}":'))
    )


def _expected(path: Path, lid: str, key: str, depth: int = 0) -> tuple[int, int]:
    """The key's line under the resource, and the last line of its value: the last
    non-blank, non-comment line before one indented no deeper than the key (YAML), or
    the closing bracket at the key's indentation (JSON)."""
    lines = path.read_text().splitlines()
    res = _id_line(path, lid) - 1
    # members of Properties sit at 6 spaces in the YAML, 8 in json.dumps(indent=2)
    want = (8 if path.suffix == ".json" else 6) + 2 * depth
    at = next(
        i
        for i in range(res + 1, len(lines))
        if lines[i].strip().lstrip('"').startswith(key) and _indent(lines[i]) == want
    )
    indent = _indent(lines[at])
    if path.suffix == ".json":
        if not lines[at].rstrip().endswith(("{", "[")):
            return at + 1, at + 1
        end = next(i for i in range(at + 1, len(lines)) if _indent(lines[i]) == indent)
        return at + 1, end + 1
    last = at
    for i in range(at + 1, len(lines)):
        text = lines[i].strip()
        if not text or text.startswith("#"):
            continue
        if _indent(lines[i]) <= indent:
            break
        last = i
    return at + 1, last + 1


def _scan(tmp_path: Path, fmt: str) -> Any:
    run = cli("scan", ".", "--format", fmt, "--fail-on", "never", cwd=tmp_path)
    # Bare (no Properties) and Quality (no JobResources values) are bad input: exit 2,
    # and their ERROR findings point at the template too.
    assert run.code == 2, run.stderr
    return run.json()


@pytest.mark.parametrize("kind", ["yaml", "json"])
def test_json_and_sarif_carry_the_property_lines(tmp_path: Path, kind: str) -> None:
    path = _write(tmp_path, kind)
    direct = _expected(path, "Notebook", "DirectInternetAccess")
    root = _expected(path, "Notebook", "RootAccess")
    isolation = _expected(path, "Quality", "EnableNetworkIsolation", depth=1)
    network = _expected(path, "Quality", "NetworkConfig")
    bare = _id_line(path, "Bare")  # no Properties: the logical id's line
    if kind == "yaml":
        assert direct[1] == direct[0] + 1  # the value on the next line
        assert network[1] - network[0] == 5
    expected = {
        ("SageMaker.1", "Notebook"): ("DirectInternetAccess", "DirectInternetAccess", direct),
        ("SageMaker.3", "Notebook"): ("RootAccess", "RootAccess", root),
        ("SageMaker.11", "Quality"): (
            "NetworkConfig.EnableNetworkIsolation",
            "NetworkConfig.EnableNetworkIsolation",
            isolation,
        ),
        # absent: the deepest part the template has, where it would be added
        ("SageMaker.9", "Quality"): (
            "NetworkConfig.EnableInterContainerTrafficEncryption",
            "NetworkConfig",
            network,
        ),
        ("SageMaker.5", "Bare"): ("EnableNetworkIsolation", "", (bare, bare)),
    }
    evaluations = {
        (e["control"], e["resource_id"]): e for e in _scan(tmp_path, "json")["evaluations"]
    }
    for key, (prop, found, (line, end)) in expected.items():
        location = evaluations[key]["location"]
        want = {"file": f"./template.{kind}", "property": prop, "line": line, "end_line": end}
        if found != prop:
            want["property_found"] = found
        assert location == want, key
    results = {
        (r["ruleId"], r["properties"]["resourceId"]): r
        for r in _scan(tmp_path, "sarif")["runs"][0]["results"]
    }
    for key in (("SageMaker.1", "Notebook"), ("SageMaker.9", "Quality"), ("SageMaker.5", "Bare")):
        _, _, (line, end) = expected[key]
        region = results[key]["locations"][0]["physicalLocation"]["region"]
        assert region == (
            {"startLine": line, "endLine": end} if end > line else {"startLine": line}
        )
        assert "relatedLocations" not in results[key]


def test_the_terminal_shows_the_property_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "yaml")
    line, end = _expected(path, "Notebook", "DirectInternetAccess")
    run = cli("scan", ".", "--control", "SageMaker.1", "--fail-on", "never", cwd=tmp_path)
    assert f"[./template.yaml:{line}-{end}]" in run.stdout, run.stdout


def test_json_key_written_with_escapes(tmp_path: Path) -> None:
    """A key spelled with a \\u escape is the same key: found by the token walk."""
    text = (
        '{"Resources": {\n'
        ' "Nb": {"Type": "AWS::SageMaker::NotebookInstance",\n'
        '  "Properties": {"InstanceType": "ml.t3.medium", "RoleArn": "arn:aws:iam::1:role/x",\n'
        '   "Tags": [{"Key": "a\\"DirectInternetAccess\\": [", "Value": "}"}],\n'
        '   "\\u0044irectInternetAccess":\n'
        '     "Enabled"}}}}\n'
    )
    (tmp_path / "t.json").write_text(text)
    lines = text.splitlines()
    start = next(i for i, t in enumerate(lines) if "\\u0044irect" in t) + 1
    evaluations = _scan_ok(tmp_path)
    (e,) = [e for e in evaluations if e["control"] == "SageMaker.1"]
    assert e["status"] == "FAILED"
    assert (e["location"]["line"], e["location"]["end_line"]) == (start, start + 1)


def _scan_ok(tmp_path: Path) -> Any:
    run = cli("scan", ".", "--format", "json", "--fail-on", "never", cwd=tmp_path)
    assert run.code == 0, run.stderr
    return run.json()["evaluations"]
