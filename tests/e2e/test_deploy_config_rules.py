"""`sagewarden deploy config-rules` as a user runs it: the templates it writes (validated
by cfn-lint), one rule per control with the spec's triggers and the control's parameters,
a least-privilege role, the organization form, bad arguments, and the account stack
created in the emulator's CloudFormation."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from sagewarden.catalog import CONTROLS
from sagewarden_demo.emulator import Emulator
from tests.helpers import cli

ACCOUNT_FILE = "config-rules.yaml"
ORG_FILE = "organization-config-rules.yaml"
MEMBER_FILE = "member-role-stackset.yaml"
PERIODIC = {"SageMaker.1", "SageMaker.4", "SageMaker.8"}  # the spec's Schedule column
CHANGE = ["ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification"]
SCHEDULED = "ScheduledNotification"
CONFIG_CALLS = ["config:GetResourceConfigHistory", "config:PutEvaluations"]


def deploy(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    run = cli("deploy", "config-rules", "--output-dir", str(out), *args)
    assert "Traceback" not in run.stderr
    return run.code, run.stderr, out


def load(out: Path, name: str) -> dict[str, Any]:
    doc = yaml.safe_load((out / name).read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def of_type(doc: dict[str, Any], rtype: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in doc["Resources"].items() if r["Type"] == rtype}


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    (policy,) = role["Properties"]["Policies"]
    found = policy["PolicyDocument"]["Statement"]
    assert isinstance(found, list)
    return found


def actions(role: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    for s in statements(role):
        out |= {s["Action"]} if isinstance(s["Action"], str) else set(s["Action"])
    return out


def lint(out: Path, name: str) -> list[str]:
    cfnlint = pytest.importorskip("cfnlint.api", reason="cfn-lint is not installed")
    text = (out / name).read_text(encoding="utf-8")
    return [str(m) for m in cfnlint.lint(text, regions=["us-east-1", "eu-west-1"])]


def test_one_rule_per_control_with_the_spec_triggers_and_a_valid_template(tmp_path: Path) -> None:
    code, err, out = deploy(tmp_path)
    assert code == 0, err
    assert lint(out, ACCOUNT_FILE) == []
    doc = load(out, ACCOUNT_FILE)
    rules = of_type(doc, "AWS::Config::ConfigRule")
    by_name = {r["Properties"]["ConfigRuleName"]: r["Properties"] for r in rules.values()}
    assert sorted(by_name) == sorted(f"sagewarden-sagemaker-{c.number}" for c in CONTROLS)
    for c in CONTROLS:
        props = by_name[f"sagewarden-sagemaker-{c.number}"]
        assert props["Scope"] == {"ComplianceResourceTypes": [c.resource_type]}
        assert props["InputParameters"] == {"control": c.id}
        assert props["Source"]["Owner"] == "CUSTOM_LAMBDA"
        assert props["Source"]["SourceIdentifier"] == {"Fn::GetAtt": ["RuleFunction", "Arn"]}
        details = props["Source"]["SourceDetails"]
        assert {d["EventSource"] for d in details} == {"aws.config"}
        kinds = [d["MessageType"] for d in details]
        if c.id in PERIODIC:
            assert kinds == [*CHANGE, SCHEDULED]
            assert details[-1]["MaximumExecutionFrequency"] == "TwentyFour_Hours"
        else:
            assert kinds == CHANGE
            assert all("MaximumExecutionFrequency" not in d for d in details)
    (function,) = of_type(doc, "AWS::Lambda::Function").values()
    props = function["Properties"]
    assert props["Handler"] == "sagewarden.configrule.handler"
    assert props["Runtime"] == "python3.12" and props["Architectures"] == ["x86_64"]
    assert props["Code"] == {"S3Bucket": {"Ref": "CodeBucket"}, "S3Key": {"Ref": "CodeKey"}}
    (permission,) = of_type(doc, "AWS::Lambda::Permission").values()
    assert permission["Properties"]["Principal"] == "config.amazonaws.com"
    assert permission["Properties"]["SourceAccount"] == {"Ref": "AWS::AccountId"}
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "sagewarden package lambda" in readme and "aws cloudformation deploy" in readme
    assert f"wrote {len(CONTROLS)} AWS Config rules" in err


def test_parameters_options_and_a_selection_reach_the_rules(tmp_path: Path) -> None:
    code, err, out = deploy(
        tmp_path,
        "--control",
        "SageMaker.6,SageMaker.14",
        "--control",
        "sagemaker.8",
        "--param",
        "SageMaker.6.requiredKeyTags=team,owner",
        "--param",
        "SageMaker.14.resolveReferences=true",
        "--param",
        "SageMaker.8.supportedPlatformIdentifierVersions=notebook-al2-v3",
        "--frequency",
        "Six_Hours",
        "--arch",
        "arm64",
        "--python",
        "3.13",
        "--code-bucket",
        "my-code",
        "--code-key",
        "rules/fn.zip",
    )
    assert code == 0, err
    assert lint(out, ACCOUNT_FILE) == []
    doc = load(out, ACCOUNT_FILE)
    rules = {
        r["Properties"]["ConfigRuleName"]: r["Properties"]
        for r in of_type(doc, "AWS::Config::ConfigRule").values()
    }
    assert sorted(rules) == [
        "sagewarden-sagemaker-14",
        "sagewarden-sagemaker-6",
        "sagewarden-sagemaker-8",
    ]
    assert rules["sagewarden-sagemaker-6"]["InputParameters"] == {
        "control": "SageMaker.6",
        "requiredKeyTags": "team,owner",
    }
    assert rules["sagewarden-sagemaker-14"]["InputParameters"] == {
        "control": "SageMaker.14",
        "resolveReferences": "true",
    }
    assert rules["sagewarden-sagemaker-8"]["InputParameters"] == {
        "control": "SageMaker.8",
        "supportedPlatformIdentifierVersions": "notebook-al2-v3",
    }
    assert rules["sagewarden-sagemaker-8"]["Source"]["SourceDetails"][-1] == {
        "EventSource": "aws.config",
        "MessageType": SCHEDULED,
        "MaximumExecutionFrequency": "Six_Hours",
    }
    (function,) = of_type(doc, "AWS::Lambda::Function").values()
    assert function["Properties"]["Runtime"] == "python3.13"
    assert function["Properties"]["Architectures"] == ["arm64"]
    assert doc["Parameters"]["CodeBucket"]["Default"] == "my-code"
    assert doc["Parameters"]["CodeKey"]["Default"] == "rules/fn.zip"
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "--arch arm64 --python 3.13" in readme


def test_the_role_reads_only_what_the_selected_controls_read(tmp_path: Path) -> None:
    code, err, out = deploy(tmp_path, "--control", "SageMaker.5")
    assert code == 0, err
    (role,) = of_type(load(out, ACCOUNT_FILE), "AWS::IAM::Role").values()
    assert actions(role) == {
        "sagemaker:ListModels",
        "sagemaker:DescribeModel",
        "sagemaker:ListTags",
        *CONFIG_CALLS,
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    code, err, out = deploy(tmp_path, "--control", "SageMaker.14")
    assert code == 0, err
    (role,) = of_type(load(out, ACCOUNT_FILE), "AWS::IAM::Role").values()
    reads = {a for a in actions(role) if a.startswith("sagemaker:")}
    # .14 reads schedules, and the job definitions a schedule references (one Describe).
    assert "sagemaker:DescribeMonitoringSchedule" in reads
    assert "sagemaker:DescribeModelQualityJobDefinition" in reads
    assert "sagemaker:DescribeNotebookInstance" not in reads
    assert not any(a.endswith("*") for a in actions(role))


def test_the_organization_form(tmp_path: Path) -> None:
    code, err, out = deploy(tmp_path, "--organization", "--param", "SageMaker.7.requiredKeyTags=a")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["README.md", MEMBER_FILE, ORG_FILE]
    assert lint(out, ORG_FILE) == []
    assert lint(out, MEMBER_FILE) == []
    doc = load(out, ORG_FILE)
    assert of_type(doc, "AWS::Config::ConfigRule") == {}
    rules = {
        r["Properties"]["OrganizationConfigRuleName"]: r["Properties"]
        for r in of_type(doc, "AWS::Config::OrganizationConfigRule").values()
    }
    assert sorted(rules) == sorted(f"sagewarden-sagemaker-{c.number}" for c in CONTROLS)
    for c in CONTROLS:
        meta = rules[f"sagewarden-sagemaker-{c.number}"]["OrganizationCustomRuleMetadata"]
        assert meta["LambdaFunctionArn"] == {"Fn::GetAtt": ["RuleFunction", "Arn"]}
        assert meta["ResourceTypesScope"] == [c.resource_type]
        expected = {"control": c.id, **({"requiredKeyTags": "a"} if c.id == "SageMaker.7" else {})}
        assert json.loads(meta["InputParameters"]) == expected
        if c.id in PERIODIC:
            assert meta["OrganizationConfigRuleTriggerTypes"] == [*CHANGE, SCHEDULED]
            assert meta["MaximumExecutionFrequency"] == "TwentyFour_Hours"
        else:
            assert meta["OrganizationConfigRuleTriggerTypes"] == CHANGE
            assert "MaximumExecutionFrequency" not in meta
    (permission,) = of_type(doc, "AWS::Lambda::Permission").values()
    assert permission["Properties"]["Principal"] == "config.amazonaws.com"
    assert "SourceAccount" not in permission["Properties"]  # Config in every member
    (function,) = of_type(doc, "AWS::Lambda::Function").values()
    env = function["Properties"]["Environment"]["Variables"]
    assert env == {"SAGEWARDEN_MEMBER_ROLE": {"Ref": "MemberRoleName"}}
    (role,) = of_type(doc, "AWS::IAM::Role").values()
    assert role["Properties"]["RoleName"] == {"Ref": "FunctionRoleName"}
    (assume,) = [s for s in statements(role) if s["Action"] == "sts:AssumeRole"]
    assert assume["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"}
    member = load(out, MEMBER_FILE)
    (member_role,) = of_type(member, "AWS::IAM::Role").values()
    (trust,) = member_role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {
        "AWS": {
            "Fn::Sub": "arn:${AWS::Partition}:iam::${AdministratorAccountId}:role/"
            "${FunctionRoleName}"
        }
    }
    function_reads = [s for s in statements(role) if s["Sid"] != "AssumeMemberRole"]
    assert statements(member_role) == [s for s in function_reads if s["Sid"] != "WriteOwnLogs"]
    assert "create-stack-set" in (out / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--control", "SageMaker.99"], "--control 'SageMaker.99': no such control"),
        (["--arch", "sparc"], "--arch sparc: Lambda runs x86_64 or arm64"),
        (["--python", "3.9"], "--python 3.9: Lambda has no Python 3.9 runtime"),
        (["--frequency", "Daily"], "--frequency 'Daily': AWS Config takes One_Hour"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    code, err, out = deploy(tmp_path, *args)
    assert code == 2
    assert says in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_a_bad_parameter_leaves_its_rule_out_and_exits_2(tmp_path: Path) -> None:
    code, err, out = deploy(tmp_path, "--param", "SageMaker.6.requiredKeyTags=aws:team")
    assert code == 2
    assert "reserved for system tags" in err
    names = {
        r["Properties"]["ConfigRuleName"]
        for r in of_type(load(out, ACCOUNT_FILE), "AWS::Config::ConfigRule").values()
    }
    assert "sagewarden-sagemaker-6" not in names
    assert len(names) == len(CONTROLS) - 1


def test_an_unwritable_output_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = cli("deploy", "config-rules", "--output-dir", str(blocker))
    assert run.code == 2
    assert run.stderr.startswith(f"sagewarden: --output-dir {blocker}:")
    assert len(run.stderr.strip().splitlines()) == 1


# --- the stacks in the emulator's CloudFormation (moto) ---------------------------------

# moto's CloudFormation has no AWS::Config::OrganizationConfigRule (moto has no organization
# rules at all): it completes the stack, creates nothing for it and lists it nameless.
# AWS::Config::ConfigRule the emulator adds (config_rules_cfn.py: moto's PutConfigRule).
# Every other type of the templates (IAM role, log group, Lambda function and permission)
# moto creates.
MOTO_LACKS = {"AWS::Config::OrganizationConfigRule"}


def check_made(template: dict[str, Any], made: dict[str, dict[str, Any]]) -> None:
    wanted = {k: r["Type"] for k, r in template["Resources"].items()}
    created = {k: s["ResourceType"] for k, s in made.items() if k}
    assert created == {k: t for k, t in wanted.items() if t not in MOTO_LACKS}
    assert set(wanted.values()) - set(created.values()) <= MOTO_LACKS


def _create(name: str, body: str, **params: str) -> dict[str, dict[str, Any]]:
    cfn = boto3.client("cloudformation")
    cfn.create_stack(
        StackName=name,
        TemplateBody=body,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    summaries = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return {s["LogicalResourceId"]: s for s in summaries}


def _upload_code() -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="code")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sagewarden/configrule.py", "def handler(event, context): ...\n")
    s3.put_object(Bucket="code", Key="fn.zip", Body=buf.getvalue())


def test_the_account_stack_is_created_in_the_emulator(aws: Emulator, tmp_path: Path) -> None:
    _, _, out = deploy(tmp_path, "--control", "SageMaker.1,SageMaker.5")
    _upload_code()
    made = _create("rules", (out / ACCOUNT_FILE).read_text(), CodeBucket="code", CodeKey="fn.zip")
    check_made(load(out, ACCOUNT_FILE), made)
    fn = boto3.client("lambda").get_function(FunctionName="sagewarden-config-rule")
    conf = fn["Configuration"]
    rules = boto3.client("config").describe_config_rules()["ConfigRules"]
    by_name = {r["ConfigRuleName"]: r for r in rules}
    assert sorted(by_name) == ["sagewarden-sagemaker-1", "sagewarden-sagemaker-5"]
    periodic = by_name["sagewarden-sagemaker-1"]
    assert periodic["Scope"]["ComplianceResourceTypes"] == ["AWS::SageMaker::NotebookInstance"]
    assert periodic["Source"]["Owner"] == "CUSTOM_LAMBDA"
    assert periodic["Source"]["SourceIdentifier"] == conf["FunctionArn"]
    assert [d["MessageType"] for d in periodic["Source"]["SourceDetails"]] == [*CHANGE, SCHEDULED]
    assert json.loads(periodic["InputParameters"]) == {"control": "SageMaker.1"}
    change = by_name["sagewarden-sagemaker-5"]["Source"]["SourceDetails"]
    assert [d["MessageType"] for d in change] == CHANGE
    assert conf["Handler"] == "sagewarden.configrule.handler"
    # moto's CloudFormation drops Architectures (its function is x86_64 whatever the
    # template says); the template's own value is checked above, and by cfn-lint.
    assert conf["Runtime"] == "python3.12"
    role_name = made["RuleFunctionRole"]["PhysicalResourceId"]
    assert conf["Role"].endswith(f":role/{role_name}")
    iam = boto3.client("iam")
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    doc = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    # moto keeps a CloudFormation role's inline policy as Python's text of the dict.
    text = doc if isinstance(doc, str) else json.dumps(doc)
    for action in ["sagemaker:DescribeNotebookInstance", "sagemaker:DescribeModel", *CONFIG_CALLS]:
        assert f"'{action}'" in text or f'"{action}"' in text
    assert "sagemaker:DescribeEndpointConfig" not in text
    policy = json.loads(
        boto3.client("lambda").get_policy(FunctionName="sagewarden-config-rule")["Policy"]
    )
    (grant,) = policy["Statement"]
    assert grant["Principal"] == {"Service": "config.amazonaws.com"}
    assert grant["Condition"]["StringEquals"]["AWS:SourceAccount"] == "123456789012"


def test_the_organization_stacks_are_created_in_the_emulator(aws: Emulator, tmp_path: Path) -> None:
    _, _, out = deploy(tmp_path, "--organization", "--control", "SageMaker.8")
    _upload_code()
    made = _create("org", (out / ORG_FILE).read_text(), CodeBucket="code", CodeKey="fn.zip")
    check_made(load(out, ORG_FILE), made)
    conf = boto3.client("lambda").get_function(FunctionName="sagewarden-config-rule")
    assert conf["Configuration"]["Role"].endswith(":role/sagewarden-config-rule-function")
    variables = conf["Configuration"]["Environment"]["Variables"]
    assert variables == {"SAGEWARDEN_MEMBER_ROLE": "sagewarden-config-rule-member"}
    member = _create(
        "member", (out / MEMBER_FILE).read_text(), AdministratorAccountId="123456789012"
    )
    assert member["MemberRole"]["PhysicalResourceId"] == "sagewarden-config-rule-member"
    role = boto3.client("iam").get_role(RoleName="sagewarden-config-rule-member")["Role"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert (
        trust["Principal"]["AWS"]
        == "arn:aws:iam::123456789012:role/sagewarden-config-rule-function"
    )
