"""The CLI contract, run as a real process: JSON shape, exit codes, stdout/stderr split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli, hostile_notebook_file, scan_report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "config-snapshot.json")
# 23 resources: 37 evaluations by SageMaker.1-15, and 13 by the newer controls (.16 failed
# on its 2 ECR models and .19 not applicable to them; .20 passed; .21 failed on 3 notebooks
# without a key; .22 failed on the inline schedule and not applicable to the 2 referencing
# ones; .25 failed on 2 quality definitions without isolation).
EXAMPLE_EVALUATIONS = 37 + 13
DATA = Path(__file__).resolve().parents[1] / "data"


def test_json_document_shape_and_clean_streams() -> None:
    run = cli("scan", EXAMPLE, "--format", "json")
    assert run.code == 1
    assert run.stderr == ""
    doc = run.json()
    assert set(doc) >= {"evaluations", "summary", "diagnostics"}
    evs = doc["evaluations"]
    assert {e["control"] for e in evs} == {f"SageMaker.{n}" for n in range(1, 26)} - {
        "SageMaker.17",  # the snapshot has no feature group
        "SageMaker.18",
        "SageMaker.23",  # nor an inference experiment
        "SageMaker.24",
    }
    for e in evs:
        assert set(e) >= {
            "control",
            "resource_type",
            "resource_id",
            "resource_name",
            "status",
            "severity",
            "reason",
            "source",
        }
        assert e["status"] in {"PASSED", "FAILED", "NOT_APPLICABLE", "UNKNOWN", "ERROR"}
        assert e["resource_id"].startswith("arn:aws:sagemaker:")
        assert e["source"]["kind"] == "aws-config"
        assert e["source"]["account_id"] == "111122223333"
        assert e["reason"]
    s = doc["summary"]
    assert s["evaluations"] == len(evs)
    assert sum(s["by_status"].values()) == len(evs)
    failed = [e for e in evs if e["status"] == "FAILED"]
    assert s["by_status"]["FAILED"] == len(failed)
    nb = next(
        e for e in evs if e["control"] == "SageMaker.1" and e["resource_name"] == "research-sandbox"
    )
    assert nb["status"] == "FAILED"
    assert nb["severity"] == "HIGH"
    assert nb["reason"] == "DirectInternetAccess is Enabled (the default when unset)"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], 1),
        (["--fail-on", "low"], 1),
        (["--fail-on", "high"], 1),
        (["--fail-on", "never"], 0),
        (["--control", "SageMaker.7", "--fail-on", "medium"], 0),
        (["--control", "SageMaker.7", "--fail-on", "low"], 1),
        (["--control", "SageMaker.13"], 0),  # passes and not applicable only
    ],
)
def test_exit_codes_follow_fail_on(args: list[str], code: int) -> None:
    assert cli("scan", EXAMPLE, "--format", "json", *args).code == code


def test_unknown_control_is_one_line_exit_2_and_the_rest_still_runs() -> None:
    run = cli(
        "scan", EXAMPLE, "--format", "json", "--control", "SageMaker.5", "--control", "SageMaker.99"
    )
    assert run.code == 2
    assert run.stderr.strip().splitlines() == [
        "sagewarden: --control SageMaker.99: unknown control (SageMaker.1 to SageMaker.25)"
    ]
    assert {e["control"] for e in run.json()["evaluations"]} == {"SageMaker.5"}


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("SageMaker.6.requiredKeyTags=a,b,c,d,e,f,g", "at most 6 values, got 7"),
        ("SageMaker.6.requiredKeyTags=aws:owner", "reserved for system tags"),
        ("SageMaker.6.nope=1", "has no parameter 'nope'"),
    ],
)
def test_invalid_parameter_exit_2_its_control_skipped_others_evaluated(
    param: str, message: str
) -> None:
    run = cli("scan", EXAMPLE, "--format", "json", "--param", param)
    assert run.code == 2
    assert message in run.stderr
    assert "SageMaker.6: not evaluated" in run.stderr
    assert "Traceback" not in run.stderr
    controls = {e["control"] for e in run.json()["evaluations"]}
    assert "SageMaker.6" not in controls
    assert {"SageMaker.1", "SageMaker.7"} <= controls


def test_parameters_change_verdicts_and_are_reported() -> None:
    run = cli(
        "scan",
        EXAMPLE,
        "--format",
        "json",
        "--control",
        "SageMaker.8",
        "--param",
        "SageMaker.8.supportedPlatformIdentifierVersions=notebook-al2-v3",
    )
    evs = {e["resource_name"]: e for e in run.json()["evaluations"]}
    assert evs["research-sandbox"]["status"] == "PASSED"
    assert evs["fraud-model-dev"]["status"] == "FAILED"
    assert evs["fraud-model-dev"]["parameters"] == {
        "supportedPlatformIdentifierVersions": ["notebook-al2-v3"]
    }


def test_bad_file_beside_a_good_one(tmp_path: Path) -> None:
    bad = tmp_path / "truncated.json"
    bad.write_text('{"configurationItems": [{"resourceType": "AWS::SageMaker::Model"')
    run = cli("scan", str(bad), EXAMPLE, "--format", "json")
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"sagewarden: {bad}: invalid JSON at line 1, column")
    assert len(run.json()["evaluations"]) == EXAMPLE_EVALUATIONS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan"], "scan needs --aws or at least one PATH"),
        (["scan", EXAMPLE, "--format", "xml"], "invalid choice: 'xml'"),
        (["scan", EXAMPLE, "--fail-on", "sometimes"], "invalid choice"),
        (["scan", EXAMPLE, "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["scan", "/no/such/file.json"], "/no/such/file.json: no such file or directory"),
        (["scan", EXAMPLE, "--output", "/no/such/dir/r.json"], "--output /no/such/dir/r.json"),
        (["scan", EXAMPLE, "--cfn-param", "Subnet"], "--cfn-param Subnet: expected KEY=VALUE"),
        (["scan", EXAMPLE, "--tf-var", "=x"], "--tf-var =x: expected NAME=VALUE"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: list[str], message: str) -> None:
    run = cli(*args)
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert message in lines[0]


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    run = cli("scan", EXAMPLE, "--format", "json", "--output", str(out))
    assert run.stdout == ""
    assert len(scan_report(out.read_text())["evaluations"]) == EXAMPLE_EVALUATIONS
    table = tmp_path / "report.txt"
    cli("scan", EXAMPLE, "--output", str(table))
    assert "\x1b" not in table.read_text()


def test_table_is_plain_when_not_a_terminal_grouped_and_ends_with_summary() -> None:
    run = cli("scan", EXAMPLE)
    assert run.code == 1
    assert "\x1b" not in run.stdout
    lines = run.stdout.rstrip("\n").splitlines()
    assert lines[-1] == (
        "23 resources, 50 evaluations: 18 passed, 25 failed (7 high, 16 medium, "
        "2 low), 7 not applicable, 0 errors"
    )
    headers = [line.split()[0] for line in lines if line.startswith("SageMaker.")]
    # HIGH first, then MEDIUM, then LOW; by number within a severity.
    assert headers[:3] == ["SageMaker.1", "SageMaker.2", "SageMaker.3"]
    assert headers[-2:] == ["SageMaker.6", "SageMaker.7"]
    row = next(line for line in lines if "research-sandbox" in line and "DirectInternet" in line)
    assert "FAILED" in row
    assert "(the default when unset)" in row
    verbose = cli("scan", EXAMPLE, "-v").stdout
    assert "PASSED" in verbose
    assert "PASSED" not in run.stdout.replace("passed", "")


def test_hostile_names_are_escaped_for_the_terminal(tmp_path: Path) -> None:
    evil = "nb\x1b[2J\x1b]0;pwned\x07\r\u202eevil"
    path = hostile_notebook_file(tmp_path, evil, {"DirectInternetAccess": "bad\x1b[31m"})
    run = cli("scan", str(path), "--control", "SageMaker.1")
    assert run.code == 2
    for stream in (run.stdout, run.stderr):
        assert "\x1b" not in stream
        assert "\x07" not in stream
        assert "\u202e" not in stream
        assert "\r" not in stream
    assert "nb\\x1b[2J" in run.stdout
    assert "\\u202e" in run.stdout


def test_controls_listing() -> None:
    run = cli("controls")
    assert run.code == 0
    lines = [line for line in run.stdout.splitlines() if line.startswith("SageMaker.")]
    assert len(lines) == 25
    assert "requiredKeyTags" in run.stdout
    doc = cli("controls", "--format", "json").json()
    assert [c["id"] for c in doc["controls"]] == [f"SageMaker.{n}" for n in range(1, 26)]
    c16 = doc["controls"][15]
    assert c16["standards"] == [
        {
            "id": "standards/aws-ai-security-best-practices/v/1.0.0",
            "name": "AWS AI Security Best Practices v1.0.0",
        }
    ]
    assert "eu-central-1" not in c16["security_hub_regions"]
    assert doc["controls"][16]["security_hub_regions"] == "all"
    c8 = doc["controls"][7]
    assert c8["parameters"][0]["default"] == ["notebook-al2023-v1"]
    assert c8["config_rule"] == "sagemaker-notebook-instance-platform-version"
    assert c8["documentation"].endswith("#sagemaker-8")


def test_version() -> None:
    run = cli("--version")
    assert run.code == 0
    assert run.stdout.startswith("sagewarden ")


def test_sarif_and_junit_from_the_command_line(tmp_path: Path) -> None:
    template = str(ROOT / "tests" / "data" / "cfn" / "ml-platform.yaml")
    sarif = cli("scan", template, "--format", "sarif")
    assert sarif.code == 1
    doc = json.loads(sarif.stdout)
    assert doc["version"] == "2.1.0"
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"SageMaker.1", "SageMaker.3"}
    suppressed = [r for r in results if r.get("suppressions")]
    assert suppressed and suppressed[0]["suppressions"][0]["kind"] == "inSource"
    out = tmp_path / "report.xml"
    junit = cli("scan", template, "--format", "junit", "--output", str(out))
    assert junit.code == 1
    import xml.etree.ElementTree as ET

    root = ET.parse(out).getroot()
    assert int(root.get("failures", "0")) > 0


def test_pre_commit_hook_skips_files_that_are_not_templates(tmp_path: Path) -> None:
    import yaml

    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: push\njobs: {build: {runs-on: ubuntu-latest}}\n")
    sam = str(ROOT / "tests" / "data" / "cfn" / "sam-template.yaml")
    args = hook["entry"].split()[1:]
    run = cli(*args, str(workflow), sam)
    # The workflow is not a template: skipped. The SAM template's only failure is its model's
    # ECR image (SageMaker.16 fails it by design), so exit 1, not 2.
    assert run.code == 1, run.stderr
    assert "SageMaker.16" in run.stdout and "ERROR" not in run.stdout
    run = cli("scan", str(workflow), sam)
    assert run.code == 2  # named explicitly without the hook's flag: not a template


# --- a scan that saw nothing is never green ---------------------------------------------


def _nothing_dirs(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    (other / "docs").mkdir(parents=True)
    (other / "package.json").write_text('{"name": "web"}')
    (other / "docs" / "mkdocs.yml").write_text("site_name: docs\n")
    infra = tmp_path / "infra"
    (infra / "modules" / "nb").mkdir(parents=True)
    (infra / "main.tf").write_text('module "nb" { source = "./modules/nb" }\n')
    (infra / "modules" / "nb" / "main.tf").write_text(
        'resource "aws_sagemaker_notebook_instance" "nb" {\n  name = "nb"\n}\n'
    )
    (infra / "terraform.tfvars.json").write_text('{"region": "eu-west-1"}')
    return {"empty": empty, "other": other, "infra": infra}


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
@pytest.mark.parametrize("name", ["empty", "other"])
def test_a_directory_with_nothing_to_evaluate_is_one_line_and_exit_2(
    tmp_path: Path, name: str, fmt: str
) -> None:
    path = _nothing_dirs(tmp_path)[name]
    run = cli("scan", str(path), "--format", fmt, cwd=tmp_path)
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"sagewarden: {path}: nothing to evaluate: ")
    assert "no AWS Config data, CloudFormation template or Terraform plan" in lines[0]
    if fmt == "table":
        assert run.stdout.rstrip().endswith("1 input problem (see stderr)")
    elif fmt == "json":
        doc = run.json()
        assert doc["summary"]["problems"] == {"input": 1, "scope": 0}
        said = [(d["kind"], d["where"]) for d in doc["diagnostics"] if d["kind"] != "info"]
        assert said == [("input", str(path))]  # skipped files are info (said with -v)
    else:
        invocation = json.loads(run.stdout)["runs"][0]["invocations"][0]
        assert invocation["executionSuccessful"] is False
        errors = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
        assert [n["properties"]["where"] for n in errors] == [str(path)]


def test_a_terraform_directory_is_read_as_its_root_module(tmp_path: Path) -> None:
    """Its local module is followed (once: the module's own directory is no second root);
    what the configuration leaves to the provider is UNKNOWN with the plan commands."""
    infra = _nothing_dirs(tmp_path)["infra"]
    run = cli("scan", str(infra), "--format", "json", "--no-history")
    assert run.code == 1, run.stderr
    got = {(e["resource_id"], e["control"]): e for e in run.json()["evaluations"]}
    assert {r for r, _ in got} == {"module.nb.aws_sagemaker_notebook_instance.nb"}
    sm1 = got["module.nb.aws_sagemaker_notebook_instance.nb", "SageMaker.1"]
    assert sm1["status"] == "FAILED"  # DirectInternetAccess unset: Enabled by default


def test_a_terraform_file_named_on_the_command_line_reads_its_module(
    tmp_path: Path,
) -> None:
    tf = _nothing_dirs(tmp_path)["infra"] / "main.tf"
    run = cli("scan", str(tf), EXAMPLE, "--format", "json", "--no-history")
    assert run.code == 1, run.stderr
    ids = {e["resource_id"] for e in run.json()["evaluations"]}
    assert "module.nb.aws_sagemaker_notebook_instance.nb" in ids
    assert len(ids) > 1  # the snapshot beside it is still evaluated


def test_a_directory_with_one_template_among_other_files_is_read(tmp_path: Path) -> None:
    other = _nothing_dirs(tmp_path)["other"]
    template = ROOT / "tests" / "data" / "cfn" / "sam-template.yaml"
    (other / "template.yaml").write_text(template.read_text())
    run = cli("scan", str(other), "--format", "json")
    assert run.code == 1, run.stderr  # read: only SageMaker.16 fails (an ECR image)
    failed = {e["control"] for e in run.json()["evaluations"] if e["status"] == "FAILED"}
    assert failed == {"SageMaker.16"}


def test_a_template_without_sagemaker_resources_is_green_and_says_nothing_was_in_scope(
    tmp_path: Path,
) -> None:
    bucket = tmp_path / "bucket.yaml"
    bucket.write_text("Resources:\n  Logs:\n    Type: AWS::S3::Bucket\n")
    run = cli("scan", str(bucket))
    assert run.code == 0  # read, understood, nothing of SageMaker's: not a mistake
    assert run.stderr.strip().splitlines() == [
        f"sagewarden: {bucket}: nothing in scope: 1 template held no SageMaker resource "
        "that the selected controls evaluate"
    ]
    sarif = cli("scan", str(bucket), "--format", "sarif")
    invocation = json.loads(sarif.stdout)["runs"][0]["invocations"][0]
    assert sarif.code == 0
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"][0]["level"] == "warning"


def test_a_commit_without_templates_passes_the_pre_commit_hook(tmp_path: Path) -> None:
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: push\n")
    run = cli("scan", "--quiet", "--skip-other-files", str(workflow))
    assert run.code == 0  # nothing to check in this commit is not a mistake
    assert run.stderr.strip().splitlines() == [
        f"sagewarden: {workflow}: nothing in scope: no AWS Config data, template or plan "
        "among these files"
    ]


def test_a_directory_whose_only_template_is_broken_is_named_once(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    broken = infra / "stack.yaml"
    broken.write_text("Resources:\n  Nb:\n    Type: AWS::SageMaker::NotebookInstance\n  - x\n")
    run = cli("scan", str(infra))
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sagewarden: {broken}:"), run.stderr


@pytest.mark.parametrize(
    ("fmt", "options"), [("table", []), ("json", ["--fail-on", "never"]), ("sarif", ["-q"])]
)
def test_an_error_verdict_fails_the_process_whatever_the_options(
    fmt: str, options: list[str]
) -> None:
    """batch-get-resource-config output records no tags: SageMaker.7 on its image is ERROR,
    so the run exits 3 (could not be read), with the image named on stderr."""
    run = cli("scan", str(DATA / "batch-get-resource-config.json"), "--format", fmt, *options)
    assert run.code == 3, run.stderr
    assert "img-b: tags are not recorded, so the tag keys cannot be checked" in run.stderr
