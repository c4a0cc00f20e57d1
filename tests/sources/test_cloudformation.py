"""CloudFormation, SAM and CDK templates: every intrinsic, condition and bad input."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagewarden.cli import main
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.sources.cloudformation import parse_params_file
from sagewarden.sources.files import read_files
from tests.helpers import ORIGINAL_CONTROLS, scan_report

DATA = Path(__file__).resolve().parents[1] / "data" / "cfn"
PLATFORM = DATA / "ml-platform.yaml"


def verdicts(
    paths: list[Path], cfn: dict[str, str] | None = None, params: list[str] | None = None
) -> dict[tuple[str, str], str]:
    read = read_files([str(p) for p in paths], cfn)
    pset, _ = parse_params(params or [])
    evs = evaluate(read.resources, list(ORIGINAL_CONTROLS), pset).evaluations
    return {(e.control.id, e.resource.id): e.status.value for e in evs}


def reasons(paths: list[Path], cfn: dict[str, str] | None = None) -> dict[tuple[str, str], str]:
    read = read_files([str(p) for p in paths], cfn)
    pset, _ = parse_params([])
    evs = evaluate(read.resources, list(ORIGINAL_CONTROLS), pset).evaluations
    return {(e.control.id, e.resource.id): e.reason for e in evs}


DEV = {
    ("SageMaker.1", "ResearchNotebook"): "PASSED",
    ("SageMaker.2", "ResearchNotebook"): "PASSED",  # !Ref to a subnet parameter: a subnet
    ("SageMaker.3", "ResearchNotebook"): "PASSED",  # parameter default Disabled
    ("SageMaker.8", "ResearchNotebook"): "FAILED",  # FindInMap dev -> notebook-al2-v3
    ("SageMaker.1", "OpenNotebook"): "FAILED",  # absent: Enabled
    ("SageMaker.2", "OpenNotebook"): "FAILED",
    ("SageMaker.3", "OpenNotebook"): "FAILED",
    ("SageMaker.8", "OpenNotebook"): "UNKNOWN",  # left to the service default
    ("SageMaker.1", "UnknownNotebook"): "UNKNOWN",  # parameter without default
    ("SageMaker.2", "UnknownNotebook"): "PASSED",  # ImportValue: set, whatever it is
    ("SageMaker.3", "UnknownNotebook"): "FAILED",  # If IsProd (false) -> Enabled
    ("SageMaker.8", "UnknownNotebook"): "PASSED",
    ("SageMaker.4", "RecsysEndpointConfig"): "PASSED",  # Select 1 of "1,2"; serverless skipped
    ("SageMaker.5", "RecsysModel"): "FAILED",  # If -> AWS::NoValue: absent, false
    ("SageMaker.6", "KernelConfig"): "PASSED",
    ("SageMaker.12", "BiasJobDefinition"): "PASSED",
    ("SageMaker.15", "BiasJobDefinition"): "FAILED",
    ("SageMaker.14", "BiasSchedule"): "FAILED",  # literal mode
}


def test_template_resolves_like_cloudformation_with_defaults() -> None:
    assert verdicts([PLATFORM]) == DEV


def test_parameter_overrides_and_conditions_flip_verdicts() -> None:
    prod = {"Environment": "prod", "NotebookInternet": "Disabled"}
    got = verdicts([PLATFORM], prod)
    assert got[("SageMaker.4", "ProdOnlyEndpointConfig")] == "FAILED"  # Condition now true
    assert got[("SageMaker.8", "ResearchNotebook")] == "PASSED"
    assert got[("SageMaker.1", "UnknownNotebook")] == "PASSED"
    assert got[("SageMaker.3", "UnknownNotebook")] == "PASSED"
    assert got[("SageMaker.5", "RecsysModel")] == "PASSED"
    assert got[("SageMaker.15", "BiasJobDefinition")] == "PASSED"


def test_reasons_say_why_a_value_is_unknown() -> None:
    got = reasons([PLATFORM])
    assert got[("SageMaker.1", "UnknownNotebook")] == (
        "DirectInternetAccess is parameter NotebookInternet, which has no default and no "
        "value was given"
    )
    assert "!ImportValue shared-private-subnet" in got[("SageMaker.2", "UnknownNotebook")]


def test_resolve_references_follows_getatt_to_the_job_definition() -> None:
    got = verdicts([PLATFORM], params=["SageMaker.14.resolveReferences=true"])
    assert got[("SageMaker.14", "BiasSchedule")] == "PASSED"
    assert "BiasJobDefinition" in reasons([PLATFORM])[("SageMaker.14", "BiasSchedule")]


def test_json_long_form_gives_the_same_verdicts_and_lines(tmp_path: Path) -> None:
    doc = yaml.load(PLATFORM.read_text(), Loader=_long_form_loader())
    path = tmp_path / "ml-platform.json"
    path.write_text(json.dumps(doc, indent=2))
    assert verdicts([path]) == DEV
    read = read_files([str(path)])
    text = path.read_text().splitlines()
    for r in read.resources:
        assert text[r.provenance.line - 1].strip().startswith(f'"{r.id}":')


def test_yaml_lines_point_at_the_logical_id() -> None:
    read = read_files([str(PLATFORM)])
    lines = PLATFORM.read_text().splitlines()
    assert read.resources
    for r in read.resources:
        assert r.provenance.kind == "cloudformation"
        assert lines[r.provenance.line - 1].strip() == f"{r.id}:"


def _long_form_loader() -> type[Any]:
    from sagewarden.sources.cloudformation import _TemplateLoader

    return _TemplateLoader


def write(tmp_path: Path, body: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def notebook_with(tmp_path: Path, prop: str, value: str) -> dict[str, str]:
    path = write(
        tmp_path,
        f"""
        Parameters:
          Env: {{Type: String, Default: dev}}
          Subnets: {{Type: CommaDelimitedList, Default: "subnet-a,subnet-b"}}
        Mappings:
          Settings:
            dev: {{Root: Enabled}}
            prod: {{Root: Disabled}}
        Conditions:
          IsDev: !Equals [!Ref Env, dev]
          IsProd: !Not [!Condition IsDev]
          Either: !Or [!Condition IsDev, !Condition IsProd]
          Both: !And [!Condition IsDev, !Condition IsProd]
        Resources:
          Nb:
            Type: AWS::SageMaker::NotebookInstance
            Properties:
              InstanceType: ml.t3.medium
              RoleArn: arn:aws:iam::1:role/r
              {prop}: {value}
    """,
    )
    return {c: s for (c, _), s in verdicts([path]).items()}


@pytest.mark.parametrize(
    ("prop", "value", "control", "status"),
    [
        ("RootAccess", "!Sub '${AWS::Region}abled'", "SageMaker.3", "UNKNOWN"),
        ("RootAccess", "!Sub ['${X}abled', {X: Dis}]", "SageMaker.3", "PASSED"),
        ("RootAccess", "!Join ['', [Dis, abled]]", "SageMaker.3", "PASSED"),
        ("RootAccess", "!Select [1, [Enabled, Disabled]]", "SageMaker.3", "PASSED"),
        ("RootAccess", "!Select [0, !Split [',', 'Disabled,Enabled']]", "SageMaker.3", "PASSED"),
        ("RootAccess", "!FindInMap [Settings, !Ref Env, Root]", "SageMaker.3", "FAILED"),
        (
            "RootAccess",
            "!FindInMap [Settings, qa, Root, {DefaultValue: Disabled}]",
            "SageMaker.3",
            "PASSED",
        ),
        ("RootAccess", "!If [IsProd, Disabled, Enabled]", "SageMaker.3", "FAILED"),
        ("RootAccess", "!If [Either, Disabled, Enabled]", "SageMaker.3", "PASSED"),
        ("RootAccess", "!If [Both, Disabled, Enabled]", "SageMaker.3", "FAILED"),
        ("RootAccess", "{'Fn::If': [IsDev, Disabled, Enabled]}", "SageMaker.3", "PASSED"),
        ("RootAccess", "!ImportValue root-setting", "SageMaker.3", "UNKNOWN"),
        ("RootAccess", "!Ref AWS::Region", "SageMaker.3", "UNKNOWN"),
        ("RootAccess", "!Select [0, !GetAZs '']", "SageMaker.3", "UNKNOWN"),
        ("SubnetId", "!Select [0, !Ref Subnets]", "SageMaker.2", "PASSED"),
        ("SubnetId", "!Ref AWS::NoValue", "SageMaker.2", "FAILED"),
        ("PlatformIdentifier", "!Base64 x", "SageMaker.8", "FAILED"),
    ],
)
def test_each_intrinsic(tmp_path: Path, prop: str, value: str, control: str, status: str) -> None:
    got = notebook_with(tmp_path, prop, value)
    assert got[control] == status


def test_getatt_of_another_resource_is_set_but_unknown(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Resources:
          Subnet:
            Type: AWS::EC2::Subnet
            Properties: {VpcId: vpc-1, CidrBlock: 10.0.0.0/24}
          Nb:
            Type: AWS::SageMaker::NotebookInstance
            Properties:
              InstanceType: ml.t3.medium
              RoleArn: arn:aws:iam::1:role/r
              SubnetId: !GetAtt Subnet.SubnetId
              DirectInternetAccess: !GetAtt Subnet.Whatever
    """,
    )
    got = verdicts([path])
    assert got[("SageMaker.2", "Nb")] == "PASSED"
    assert got[("SageMaker.1", "Nb")] == "UNKNOWN"
    got_with_allow_list = verdicts([path], params=["SageMaker.2.SubnetIds=subnet-1"])
    assert got_with_allow_list[("SageMaker.2", "Nb")] == "UNKNOWN"


def test_if_with_an_unknown_condition_but_equal_branches_is_known(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Parameters:
          Env: {Type: String}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
        Resources:
          Model:
            Type: AWS::SageMaker::Model
            Properties:
              ExecutionRoleArn: arn:aws:iam::1:role/r
              EnableNetworkIsolation: !If [IsProd, true, true]
          Other:
            Type: AWS::SageMaker::Model
            Properties:
              ExecutionRoleArn: arn:aws:iam::1:role/r
              EnableNetworkIsolation: !If [IsProd, true, false]
    """,
    )
    got = reasons([path])
    assert verdicts([path]) == {
        ("SageMaker.5", "Model"): "PASSED",
        ("SageMaker.5", "Other"): "UNKNOWN",
    }
    assert "depends on condition IsProd" in got[("SageMaker.5", "Other")]


def test_resource_with_a_false_condition_is_not_evaluated_and_verbose_says_so(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", str(PLATFORM), "--format", "json", "--fail-on", "never"]) == 0
    out, err = capsys.readouterr()
    assert "ProdOnlyEndpointConfig" not in {
        e["resource_id"] for e in scan_report(out)["evaluations"]
    }
    assert "ProdOnlyEndpointConfig" not in err
    main(["scan", str(PLATFORM), "--format", "json", "--fail-on", "never", "-v"])
    err = capsys.readouterr()[1]
    assert "ProdOnlyEndpointConfig not evaluated: its Condition CreateCanary is false" in err


@pytest.mark.parametrize(
    "content",
    [
        [
            {"ParameterKey": "Environment", "ParameterValue": "prod"},
            {"ParameterKey": "NotebookInternet", "ParameterValue": "Disabled"},
        ],
        ["Environment=prod", "NotebookInternet=Disabled"],
        {
            "Parameters": {"Environment": "prod", "NotebookInternet": "Disabled"},
            "Tags": {"team": "ml"},
        },
    ],
    ids=["create-stack", "deploy-overrides", "codepipeline"],
)
def test_parameter_files(tmp_path: Path, content: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "params.json"
    path.write_text(json.dumps(content))
    values, diags = parse_params_file(str(path))
    assert not diags
    assert values == {"Environment": "prod", "NotebookInternet": "Disabled"}
    main(
        [
            "scan",
            str(PLATFORM),
            "--cfn-params-file",
            str(path),
            "--format",
            "json",
            "--cfn-param",
            "Environment=dev",
        ]
    )
    doc = scan_report(capsys.readouterr()[0])
    got = {(e["control"], e["resource_id"]): e["status"] for e in doc["evaluations"]}
    assert got[("SageMaker.1", "UnknownNotebook")] == "PASSED"  # from the file
    assert got[("SageMaker.8", "ResearchNotebook")] == "FAILED"  # --cfn-param wins: dev


def test_bad_parameter_file(tmp_path: Path) -> None:
    path = tmp_path / "params.json"
    path.write_text('[{"Name": "x"}]')
    _, diags = parse_params_file(str(path))
    assert "entry 1 is neither" in diags[0].message


def test_cdk_out_directory_reads_templates_and_skips_the_rest() -> None:
    read = read_files([str(DATA / "cdk.out")])
    assert not [d for d in read.diagnostics if d.kind.value != "info"]
    names = {r.id: r.name for r in read.resources}
    assert names == {
        "ExplorationNotebookC0FFEE12": "MlStack/ExplorationNotebook",
        "ScoringModel1A2B3C4D": "MlStack/ScoringModel",
    }
    got = verdicts([DATA / "cdk.out"])
    assert got[("SageMaker.2", "ExplorationNotebookC0FFEE12")] == "PASSED"
    assert got[("SageMaker.5", "ScoringModel1A2B3C4D")] == "FAILED"


def test_sam_template() -> None:
    got = verdicts([DATA / "sam-template.yaml"])
    assert got == {
        ("SageMaker.5", "InferenceModel"): "PASSED",
        ("SageMaker.4", "InferenceEndpointConfig"): "NOT_APPLICABLE",
    }


# -- bad input: one clear line, exit 2, the rest still evaluated ------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("syntax.yaml", "Resources:\n  Nb:\n    Type: [unclosed\n", "syntax.yaml:"),
        (
            "noresources.yaml",
            "AWSTemplateFormatVersion: '2010-09-09'\nDescription: x\n",
            "not a usable template: it has no Resources",
        ),
        (
            "empty-resources.json",
            '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}',
            "not a usable template: it has no Resources",
        ),
        ("binary.yaml", b"\x00\x01\x02\x89PNG", "binary file"),
        ("list.yaml", "- a\n- b\n", "not AWS Config data, a CloudFormation template"),
        (
            "badref.yaml",
            "Resources:\n  M:\n    Type: AWS::SageMaker::Model\n    Properties:\n"
            "      ExecutionRoleArn: !Ref Nope\n",
            "Ref to Nope, which is neither",
        ),
        (
            "badcond.yaml",
            "Resources:\n  M:\n    Type: AWS::SageMaker::Model\n"
            "    Condition: Missing\n    Properties: {}\n",
            "condition Missing is not defined",
        ),
        (
            "truncated.json",
            '{"Resources": {"M": {"Type": "AWS::SageMaker::Model"',
            "invalid JSON at line 1",
        ),
    ],
)
def test_bad_templates(
    tmp_path: Path,
    name: str,
    content: str | bytes,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content if isinstance(content, bytes) else content.encode())
    code = main(["scan", str(bad), str(DATA / "sam-template.yaml"), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert str(bad) in lines[0] and message in lines[0], lines
    assert "Traceback" not in err
    evaluated = scan_report(out)["evaluations"]  # the good template still evaluated
    assert {(e["control"], e["resource_id"]) for e in evaluated} >= {
        ("SageMaker.4", "InferenceEndpointConfig"),
        ("SageMaker.5", "InferenceModel"),
    }
    assert {e["source"]["file"] for e in evaluated} == {str(DATA / "sam-template.yaml")}


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "Resources:\n  Nb:\n    Type: AWS::SageMaker::Model\n  - broken\n")
    read = read_files([str(bad)])
    assert read.diagnostics[0].where == f"{bad}:4"


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append(
        "Resources:\n  M:\n    Type: AWS::SageMaker::Model\n    Properties:\n      Tags: *a11"
    )
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    read = read_files([str(bomb)])
    assert len(read.diagnostics) == 1
    assert "alias bomb" in read.diagnostics[0].message
    assert read.resources == []


def test_fifty_megabyte_template(tmp_path: Path) -> None:
    resources = {
        f"Model{i}": {
            "Type": "AWS::SageMaker::Model",
            "Properties": {
                "ExecutionRoleArn": "arn:aws:iam::1:role/r",
                "EnableNetworkIsolation": i % 2 == 0,
                "PrimaryContainer": {
                    "Image": "x" * 400,
                    "Environment": {f"K{j}": "v" * 40 for j in range(8)},
                },
            },
        }
        for i in range(60_000)
    }
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"Resources": resources}))
    assert path.stat().st_size > 50_000_000
    got = verdicts([path])
    assert len(got) == 60_000
    assert sum(1 for s in got.values() if s == "PASSED") == 30_000


def test_tag_keys_known_only_at_deploy(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Parameters:
          TagKey: {Type: String}
          Team: {Type: String}
        Resources:
          KeyFromParameter:
            Type: AWS::SageMaker::Image
            Properties:
              ImageName: a
              ImageRoleArn: arn:aws:iam::1:role/r
              Tags: [{Key: !Ref TagKey, Value: x}]
          ValueFromParameter:
            Type: AWS::SageMaker::Image
            Properties:
              ImageName: b
              ImageRoleArn: arn:aws:iam::1:role/r
              Tags: [{Key: team, Value: !Ref Team}]
          NoTags:
            Type: AWS::SageMaker::Image
            Properties: {ImageName: c, ImageRoleArn: arn:aws:iam::1:role/r}
    """,
    )
    assert verdicts([path]) == {
        ("SageMaker.7", "KeyFromParameter"): "UNKNOWN",  # the one key is a parameter
        ("SageMaker.7", "ValueFromParameter"): "PASSED",  # values never matter
        ("SageMaker.7", "NoTags"): "FAILED",
    }


JOB = """
  {lid}:
    Type: AWS::SageMaker::{kind}JobDefinition
    Properties:
      JobResources: {{ClusterConfig: {{InstanceCount: {count}, InstanceType: ml.m5.large,
                                      VolumeSizeInGB: 20}}}}
      NetworkConfig: {network}
      RoleArn: arn:aws:iam::1:role/r
"""


@pytest.mark.parametrize(
    ("kind", "controls"),
    [
        ("DataQuality", ("SageMaker.9", "SageMaker.11")),
        ("ModelExplainability", ("SageMaker.10", None)),
        ("ModelQuality", ("SageMaker.13", None)),
        ("ModelBias", ("SageMaker.15", "SageMaker.12")),
    ],
)
def test_every_job_definition_control_on_templates(
    tmp_path: Path, kind: str, controls: tuple[str, str | None]
) -> None:
    encrypt, isolate = controls
    body = "Resources:" + "".join(
        [
            JOB.format(
                lid="Good",
                kind=kind,
                count=2,
                network="{EnableNetworkIsolation: true, "
                "EnableInterContainerTrafficEncryption: true}",
            ),
            JOB.format(lid="Bad", kind=kind, count=3, network="{}"),
            JOB.format(lid="Single", kind=kind, count=1, network="{EnableNetworkIsolation: true}"),
        ]
    )
    got = verdicts([write(tmp_path, body)])
    assert got[(encrypt, "Good")] == "PASSED"
    assert got[(encrypt, "Bad")] == "FAILED"
    assert got[(encrypt, "Single")] == "NOT_APPLICABLE"
    if isolate:
        assert got[(isolate, "Good")] == "PASSED"
        assert got[(isolate, "Bad")] == "FAILED"
        assert got[(isolate, "Single")] == "PASSED"


def test_same_logical_ids_in_two_templates_are_two_resources(tmp_path: Path) -> None:
    from sagewarden.summary import summarize

    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((DATA / "sam-template.yaml").read_text())
    read = read_files([str(tmp_path)])
    pset, _ = parse_params([])
    evs = evaluate(read.resources, list(ORIGINAL_CONTROLS), pset).evaluations
    assert summarize(evs)["resources"] == 4
