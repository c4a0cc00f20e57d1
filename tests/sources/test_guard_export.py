"""`sagewarden export guard` as a user runs it: the files it writes, the hook template
(validated by cfn-lint), the controls it leaves out and why, and its bad arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from sagewarden.catalog import CONTROLS
from tests.helpers import cli

RULES = "sagewarden-sagemaker.guard"
TEMPLATE = "guard-hook.yaml"
HOOK = "AWS::CloudFormation::GuardHook"


def export(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    run = cli("export", "guard", "--target", "cloudformation-hook", "--output-dir", str(out), *args)
    return run.code, run.stderr, out


def hook_properties(out: Path) -> dict[str, object]:
    doc = yaml.safe_load((out / TEMPLATE).read_text(encoding="utf-8"))
    (hook,) = [r for r in doc["Resources"].values() if r["Type"] == HOOK]
    return hook["Properties"]


def test_every_control_is_exported_by_default_with_id_severity_and_reason(tmp_path: Path) -> None:
    code, err, out = export(tmp_path)
    assert code == 0, err
    text = (out / RULES).read_text(encoding="utf-8")
    for c in CONTROLS:
        name = c.id.lower().replace(".", "_")
        assert f"rule {name} when" in text
        assert f"<<{c.id} [{c.severity.value}] " in text
    assert f"wrote {len(CONTROLS)} Guard rules" in err
    assert "Not exported\n\nNone" in (out / "README.md").read_text(encoding="utf-8")


def test_the_rules_parse_in_guard_and_skip_what_they_do_not_cover(tmp_path: Path) -> None:
    guardpycfn = pytest.importorskip("guardpycfn", reason="guardpycfn is not installed")
    _, _, out = export(tmp_path)
    doc = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}}}}
    result = guardpycfn.validate_with_guard(json.dumps(doc), (out / RULES).read_text(), True)
    assert result["success"], result
    statuses = {c["container"]["RuleCheck"]["status"] for c in result["result"]["children"]}
    assert statuses == {"SKIP"}


def test_the_hook_template_is_valid_and_warns_by_default(tmp_path: Path) -> None:
    cfnlint = pytest.importorskip("cfnlint.api", reason="cfn-lint is not installed")
    _, _, out = export(tmp_path)
    text = (out / TEMPLATE).read_text(encoding="utf-8")
    assert [str(m) for m in cfnlint.lint(text, regions=["us-east-1"])] == []
    doc = yaml.safe_load(text)
    assert doc["Parameters"]["FailureMode"]["Default"] == "WARN"
    props = hook_properties(out)
    assert props["TargetOperations"] == ["RESOURCE", "CLOUD_CONTROL"]
    filters = props["TargetFilters"]
    assert isinstance(filters, dict)
    assert filters["TargetNames"] == sorted({c.resource_type for c in CONTROLS})


def test_fail_mode_and_a_selection(tmp_path: Path) -> None:
    code, err, out = export(tmp_path, "--mode", "fail", "--controls", "SageMaker.3,sagemaker.5")
    assert code == 0, err
    doc = yaml.safe_load((out / TEMPLATE).read_text(encoding="utf-8"))
    assert doc["Parameters"]["FailureMode"]["Default"] == "FAIL"
    text = (out / RULES).read_text(encoding="utf-8")
    assert "rule sagemaker_3 when" in text and "rule sagemaker_5 when" in text
    assert "rule sagemaker_1 when" not in text
    filters = hook_properties(out)["TargetFilters"]
    assert isinstance(filters, dict)
    assert filters["TargetNames"] == ["AWS::SageMaker::Model", "AWS::SageMaker::NotebookInstance"]


def test_parameters_become_guard_variables(tmp_path: Path) -> None:
    code, err, out = export(
        tmp_path,
        "--control",
        "SageMaker.6",
        "--param",
        "SageMaker.6.requiredKeyTags=team,cost center",
    )
    assert code == 0, err
    text = (out / RULES).read_text(encoding="utf-8")
    assert 'let sagemaker_6_requiredKeyTags = ["team", "cost center"]' in text
    assert "%sagemaker_6_requiredKeyTags in Properties.Tags[*].Key" in text


def test_a_control_another_resource_decides_is_listed_with_why(tmp_path: Path) -> None:
    code, err, out = export(tmp_path, "--param", "SageMaker.14.resolveReferences=true")
    assert code == 0, err
    why = "SageMaker.14: not exported: resolveReferences=true judges the schedule by the job"
    assert why in err
    assert "rule sagemaker_14 " not in (out / RULES).read_text(encoding="utf-8")
    assert "- SageMaker.14: resolveReferences=true" in (out / "README.md").read_text()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--target", "terraform"], "argument --target: invalid choice: 'terraform'"),
        (["--control", "SageMaker.99"], "--control 'SageMaker.99': no such control"),
        (["--mode", "BLOCK"], "argument --mode: invalid choice: 'BLOCK'"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    run = cli("export", "guard", "--target", "cloudformation-hook", *args)
    if args[0] == "--target":
        run = cli("export", "guard", *args)
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], run.stderr
    assert "Traceback" not in run.stderr


def test_a_bad_parameter_leaves_its_control_out_and_exits_2(tmp_path: Path) -> None:
    code, err, out = export(tmp_path, "--param", "SageMaker.6.requiredKeyTags=aws:x")
    assert code == 2
    assert "'aws:x' starts with aws:" in err
    text = (out / RULES).read_text(encoding="utf-8")
    assert "rule sagemaker_6 " not in text and "rule sagemaker_7 when" in text


def test_an_unwritable_output_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = cli("export", "guard", "--target", "cloudformation-hook", "--output-dir", str(blocker))
    assert run.code == 2
    assert run.stderr.strip().splitlines()[-1].startswith(f"sagewarden: --output-dir {blocker}")
    assert "Traceback" not in run.stderr


def test_a_parameter_value_guard_cannot_hold_is_refused_not_written(tmp_path: Path) -> None:
    code, err, out = export(tmp_path, "--param", 'SageMaker.2.SubnetIds=subnet-1,subnet">>x')
    assert code == 0, err
    assert "SageMaker.2: not exported: a parameter value:" in err
    assert "rule sagemaker_2 " not in (out / RULES).read_text(encoding="utf-8")
