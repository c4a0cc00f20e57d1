"""Plain CloudFormation templates read together: exports and imports, local nested stacks.

Each test writes templates as teams keep them (an exporting network stack, a parent with
`TemplateURL: ./child.yaml` as `aws cloudformation package` takes it) and scans them with
the real `sagewarden scan` command. Bad input (a missing nested template, nesting that
loops, a cdk.out manifest that is not one) is one line and exit code 2, the rest read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import cli

NOTEBOOK = """
  {lid}:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::111122223333:role/SageMakerExecution
      RootAccess: {root}
"""

EXPORTER = """
Parameters:
  Root:
    Type: String
    Default: Disabled
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties: {KeyPolicy: {}}
Outputs:
  RootSetting:
    Value: !Ref Root
    Export: {Name: !Sub "${AWS::StackName}-root"}
  Fixed:
    Value: !Ref Root
    Export: {Name: shared-root}
  KeyArn:
    Value: !GetAtt Key.Arn
    Export: {Name: shared-key}
"""

IMPORTER = (
    "Resources:"
    + NOTEBOOK.format(lid="Imported", root="!ImportValue shared-root")
    + "      KmsKeyId: !ImportValue shared-key\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scan(*args: str, code: int = 0) -> tuple[dict[tuple[str, str], tuple[str, str]], Any]:
    run = cli("scan", *args, "--format", "json", "--fail-on", "never", "--no-history", "-q")
    assert run.code == code, run.stderr
    doc = run.json()
    got: dict[tuple[str, str], tuple[str, str]] = {}
    for e in doc["evaluations"]:
        key = (e["control"], e["resource_id"])
        assert key not in got, f"{key} evaluated twice"
        got[key] = (e["status"], e["reason"])
    return got, run


def test_import_of_an_export_in_the_scan(tmp_path: Path) -> None:
    """The importer is read after every export is known, whatever the file order."""
    write(tmp_path / "a-importer.yaml", IMPORTER)
    write(tmp_path / "b-network.yaml", EXPORTER)
    got, _ = scan(str(tmp_path), "--control", "SageMaker.3", "--control", "SageMaker.21")
    assert got[("SageMaker.3", "Imported")] == ("PASSED", "RootAccess is Disabled")
    status, reason = got[("SageMaker.21", "Imported")]
    assert status == "PASSED"
    assert "it is !ImportValue shared-key, exported by " in reason
    assert "b-network.yaml where it is !GetAtt Key.Arn, known only at deploy" in reason


def test_cfn_param_reaches_the_importer_through_the_exporter(tmp_path: Path) -> None:
    write(tmp_path / "importer.yaml", IMPORTER)
    write(tmp_path / "network.yaml", EXPORTER)
    got, _ = scan(str(tmp_path), "--control", "SageMaker.3", "--cfn-param", "Root=Enabled")
    assert got[("SageMaker.3", "Imported")] == ("FAILED", "RootAccess is Enabled")


def test_import_nobody_exports_stays_unknown(tmp_path: Path) -> None:
    write(tmp_path / "importer.yaml", IMPORTER)
    got, _ = scan(str(tmp_path), "--control", "SageMaker.3")
    status, reason = got[("SageMaker.3", "Imported")]
    assert status == "UNKNOWN"
    assert "is !ImportValue shared-root, which no template in this scan exports" in reason


def test_export_named_by_two_templates_is_not_guessed(tmp_path: Path) -> None:
    write(tmp_path / "importer.yaml", IMPORTER)
    write(tmp_path / "network.yaml", EXPORTER)
    write(tmp_path / "other.yaml", EXPORTER.replace("Default: Disabled", "Default: Enabled"))
    got, _ = scan(str(tmp_path), "--control", "SageMaker.3")
    status, reason = got[("SageMaker.3", "Imported")]
    assert status == "UNKNOWN"
    assert "which more than one stack of this scan exports" in reason


PARENT = """
Parameters:
  Root:
    Type: String
    AllowedValues: [Enabled, Disabled]
    Default: Disabled
Resources:
  Locked:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: ./stacks/child.yaml
      Parameters: {RootAccess: !Ref Root}
  Open:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: stacks/child.yaml
      Parameters: {RootAccess: Enabled}
"""

CHILD = """
Parameters:
  RootAccess: {Type: String}
Resources:""" + NOTEBOOK.format(lid="Notebook", root="!Ref RootAccess")


def test_nested_stack_from_a_local_template(tmp_path: Path) -> None:
    """One child template, two nested stacks with their own parameters: two resources,
    each under its stack's logical id; the child is not also read on its own (its file
    comes first in the walk, and it is left out once the parent names it)."""
    write(tmp_path / "parent.yaml", PARENT)
    write(tmp_path / "stacks" / "child.yaml", CHILD)
    got, _ = scan(str(tmp_path), "--control", "SageMaker.3")
    assert got == {
        ("SageMaker.3", "Locked/Notebook"): ("PASSED", "RootAccess is Disabled"),
        ("SageMaker.3", "Open/Notebook"): ("FAILED", "RootAccess is Enabled"),
    }
    got, _ = scan(str(tmp_path), "--control", "SageMaker.3", "--cfn-param", "Root=Enabled")
    assert got[("SageMaker.3", "Locked/Notebook")][0] == "FAILED"
    # The child alone: its parameter has no value.
    got, _ = scan(str(tmp_path / "stacks" / "child.yaml"), "--control", "SageMaker.3")
    assert got[("SageMaker.3", "Notebook")][0] == "UNKNOWN"


def test_nested_template_missing_or_looping(tmp_path: Path) -> None:
    """A TemplateURL naming no file, and templates nesting each other: one line each,
    exit code 2, every resource that can be read still evaluated."""
    write(
        tmp_path / "a.yaml",
        "Resources:"
        + NOTEBOOK.format(lid="A", root="Disabled")
        + "  Gone:\n    Type: AWS::CloudFormation::Stack\n"
        + "    Properties: {TemplateURL: ./missing.yaml}\n"
        + "  Loop:\n    Type: AWS::CloudFormation::Stack\n"
        + "    Properties: {TemplateURL: ./b.yaml}\n",
    )
    write(
        tmp_path / "b.yaml",
        "Resources:"
        + NOTEBOOK.format(lid="B", root="Disabled")
        + "  Back:\n    Type: AWS::CloudFormation::Stack\n"
        + "    Properties: {TemplateURL: ./a.yaml}\n",
    )
    got, run = scan(str(tmp_path), "--control", "SageMaker.3", code=2)
    assert sorted(got) == [("SageMaker.3", "A"), ("SageMaker.3", "Loop/B")]
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert (
        "a.yaml:" in lines[0]
        and "nested stack Gone: its TemplateURL ./missing.yaml names no file" in lines[0]
    )
    assert (
        "b.yaml:" in lines[1]
        and "nested stack Back: ./a.yaml includes a template it is nested in (a cycle)" in lines[1]
    )


def test_manifest_that_is_not_a_cloud_assembly(tmp_path: Path) -> None:
    """A cdk.out whose manifest.json is no cloud assembly: said, exit code 2, and its
    templates read one by one."""
    out = tmp_path / "cdk.out"
    write(out / "manifest.json", '{"name": "web-app", "icons": []}')
    write(
        out / "Stack.template.json",
        (
            '{"Resources": {"Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties":'
            ' {"InstanceType": "ml.t3.medium", "RoleArn": "r", "RootAccess": "Disabled"}}}}'
        ),
    )
    got, run = scan(str(out), "--control", "SageMaker.3", code=2)
    assert got == {("SageMaker.3", "Nb"): ("PASSED", "RootAccess is Disabled")}
    assert run.stderr.strip() == (
        f"sagewarden: {out / 'manifest.json'}: not a cloud assembly manifest "
        "(no version and artifacts): templates read alone"
    )


def test_a_broken_manifest_is_said_once(tmp_path: Path) -> None:
    """The assembly reader, the file walk and the CDK locator all meet manifest.json: what
    is wrong with it is one line, and the templates beside it are still read."""
    out = tmp_path / "cdk.out"
    write(out / "manifest.json", "{broken")
    write(out / "cdk.out", '{"version": "41.0.0"}')
    write(
        out / "Stack.template.json",
        (
            '{"Resources": {"Nb": {"Type": "AWS::SageMaker::NotebookInstance", "Properties":'
            ' {"InstanceType": "ml.t3.medium", "RoleArn": "r", "RootAccess": "Disabled"}}}}'
        ),
    )
    got, run = scan(str(out), "--control", "SageMaker.3", code=2)
    assert got == {("SageMaker.3", "Nb"): ("PASSED", "RootAccess is Disabled")}
    assert run.stderr.strip().splitlines() == [
        f"sagewarden: {out / 'manifest.json'}: not a cloud assembly manifest: "
        "unexpected character, expected a string key"
    ]


def test_manifest_elsewhere_is_not_an_assembly(tmp_path: Path) -> None:
    """Another tool's manifest.json with no template beside it is no input error."""
    write(tmp_path / "web" / "manifest.json", '{"name": "web-app"}')
    write(tmp_path / "t.yaml", "Resources:" + NOTEBOOK.format(lid="Nb", root="Disabled"))
    got, run = scan(str(tmp_path), "--control", "SageMaker.3")
    assert got == {("SageMaker.3", "Nb"): ("PASSED", "RootAccess is Disabled")}
    assert run.stderr == ""


def test_a_choice_of_the_parent_stays_a_choice_in_the_nested_stack(tmp_path: Path) -> None:
    """A parent parameter with AllowedValues and no value: the nested stack's verdict is
    evaluated for each allowed value, as it is in the parent."""
    write(tmp_path / "parent.yaml", PARENT.replace("    Default: Disabled\n", ""))
    write(tmp_path / "stacks" / "child.yaml", CHILD)
    got, _ = scan(str(tmp_path), "--control", "SageMaker.3")
    status, reason = got[("SageMaker.3", "Locked/Notebook")]
    assert status == "UNKNOWN"
    assert "FAILED if parameter Root is Enabled" in reason
    assert "PASSED if parameter Root is Disabled" in reason


def test_a_template_in_s3_is_not_followed(tmp_path: Path) -> None:
    """A TemplateURL in S3 names nothing in the scan: said with -v, no input error."""
    text = PARENT.replace("./stacks/child.yaml", "https://s3.amazonaws.com/b/child.yaml")
    write(tmp_path / "parent.yaml", text.replace("stacks/child.yaml", "s3://b/other.yaml"))
    write(tmp_path / "t.yaml", "Resources:" + NOTEBOOK.format(lid="Nb", root="Disabled"))
    run = cli("scan", str(tmp_path), "--format", "json", "--fail-on", "never", "--no-history")
    assert run.code == 0, run.stderr
    said = [d["message"] for d in run.json()["diagnostics"]]
    assert said == [
        "nested stack Locked not evaluated: its template "
        "(https://s3.amazonaws.com/b/child.yaml) is not in this scan",
        "nested stack Open not evaluated: its template (s3://b/other.yaml) is not in this scan",
    ]


SCHEDULED = """
Resources:
  Named:
    Type: AWS::SageMaker::DataQualityJobDefinition
    Properties:
      JobDefinitionName: quality-named
      RoleArn: arn:aws:iam::111122223333:role/r
      DataQualityAppSpecification: {ImageUri: i}
      DataQualityJobInput: {EndpointInput: {EndpointName: e, LocalPath: /opt/ml/processing/input}}
      DataQualityJobOutputConfig: {MonitoringOutputs: []}
      JobResources:
        ClusterConfig: {InstanceCount: 1, InstanceType: ml.m5.large, VolumeSizeInGB: 20}
      NetworkConfig: {EnableNetworkIsolation: false}
  Schedule:
    Type: AWS::SageMaker::MonitoringSchedule
    Properties:
      MonitoringScheduleName: daily
      MonitoringScheduleConfig:
        MonitoringType: DataQuality
        MonitoringJobDefinitionName: !Select [1, !Split ["/", !GetAtt Named.JobDefinitionArn]]
"""


def test_select_split_of_a_named_definition_is_its_name(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", SCHEDULED)
    got, _ = scan(
        str(tmp_path / "t.yaml"), "--control", "SageMaker.14",
        "--param", "SageMaker.14.resolveReferences=true",
    )  # fmt: skip
    assert got == {
        ("SageMaker.14", "Schedule"): (
            "FAILED",
            "referenced job definition quality-named (DataQuality): "
            "NetworkConfig.EnableNetworkIsolation is false",
        )
    }


def test_nested_template_that_is_no_template(tmp_path: Path) -> None:
    """Named by two nested stacks, loaded once: one line, exit code 2."""
    write(tmp_path / "parent.yaml", PARENT)
    write(tmp_path / "stacks" / "child.yaml", "just: text\n")
    got, run = scan(str(tmp_path / "parent.yaml"), code=2)
    assert got == {}
    assert run.stderr.splitlines() == [
        f"sagewarden: {tmp_path / 'stacks' / 'child.yaml'}: not AWS Config data, a "
        "CloudFormation template (no Resources with a Type) or a Terraform plan"
    ]
