"""The README `sagewarden deploy config-rules` writes beside its templates: what each
file is and the commands that deploy it, in order."""

from __future__ import annotations

from collections.abc import Sequence

from sagewarden.deploy.rules import RuleSpec

ACCOUNT_FILE = "config-rules.yaml"
ORGANIZATION_FILE = "organization-config-rules.yaml"
MEMBER_FILE = "member-role-stackset.yaml"
README_FILE = "README.md"


def _rules_table(specs: Sequence[RuleSpec]) -> str:
    lines = [
        "| Rule | Control | Resource type | Triggers | Input parameters |",
        "|---|---|---|---|---|",
    ]
    for s in specs:
        when = "change" + (f", periodic ({s.frequency})" if s.frequency else "")
        lines.append(
            f"| {s.name} | {s.control.id} | {s.control.resource_type} | {when} | "
            f"`{s.input_parameters}` |"
        )
    return "\n".join(lines)


_PACKAGE = """\
## 1. Build and upload the function's code

```sh
sagewarden package lambda --arch {arch} --python {python} --output sagewarden-lambda.zip
aws s3 cp sagewarden-lambda.zip s3://YOUR-BUCKET/{key}
```

The zip holds sagewarden and its dependencies as wheels for the Lambda platform; its
architecture and Python version must match the template's ({arch}, {runtime}).
"""


def account_readme(specs: Sequence[RuleSpec], arch: str, runtime: str, key: str) -> str:
    python = runtime.removeprefix("python")
    return f"""# sagewarden as AWS Config rules (one account)

`{ACCOUNT_FILE}` holds one AWS Lambda function (handler `sagewarden.configrule.handler`),
its role (the SageMaker reads of the selected controls, `config:PutEvaluations`,
`config:GetResourceConfigHistory`, its own log group), AWS Config's permission to invoke
it from this account, and one AWS Config custom rule per control. AWS Config must be
recording the SageMaker resource types in the account and Region.

{_PACKAGE.format(arch=arch, python=python, runtime=runtime, key=key)}
## 2. Create the stack

```sh
aws cloudformation deploy --stack-name sagewarden-config-rules \\
  --template-file {ACCOUNT_FILE} --capabilities CAPABILITY_IAM \\
  --parameter-overrides CodeBucket=YOUR-BUCKET CodeKey={key}
```

Evaluations appear in AWS Config (and, with AWS Config's integration, in Security Hub:
see docs/config-rules.md) as each resource changes, and for the periodic controls on
their schedule.

## Rules

{_rules_table(specs)}
"""


def organization_readme(specs: Sequence[RuleSpec], arch: str, runtime: str, key: str) -> str:
    python = runtime.removeprefix("python")
    return f"""# sagewarden as AWS Config organization rules

Run in the organization's management account or AWS Config's delegated administrator
account, in each Region to evaluate. AWS Config must be recording the SageMaker resource
types in every member account, and trusted access for
`config-multiaccountsetup.amazonaws.com` must be on (the first organization rule turns
it on from the management account).

- `{ORGANIZATION_FILE}`: the function (handler `sagewarden.configrule.handler`) in the
  administrator account, its role (named, so the member role can trust it), AWS Config's
  permission to invoke it from the member accounts, and one
  `AWS::Config::OrganizationConfigRule` per control.
- `{MEMBER_FILE}`: a StackSet template for the role the function assumes in each member
  (`sagewarden-config-rule-member` by default) to read SageMaker and put the
  evaluations there. It trusts only the function's role.

{_PACKAGE.format(arch=arch, python=python, runtime=runtime, key=key)}
## 2. Create the administrator stack (first: the member role names its role)

```sh
aws cloudformation deploy --stack-name sagewarden-config-rules \\
  --template-file {ORGANIZATION_FILE} --capabilities CAPABILITY_NAMED_IAM \\
  --parameter-overrides CodeBucket=YOUR-BUCKET CodeKey={key}
```

## 3. Create the member role in every account (service-managed StackSet)

```sh
aws cloudformation create-stack-set --stack-set-name sagewarden-config-rule-member \\
  --template-body file://{MEMBER_FILE} --capabilities CAPABILITY_NAMED_IAM \\
  --permission-model SERVICE_MANAGED \\
  --auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false \\
  --parameters ParameterKey=AdministratorAccountId,ParameterValue=ADMIN-ACCOUNT-ID
aws cloudformation create-stack-instances --stack-set-name sagewarden-config-rule-member \\
  --deployment-targets OrganizationalUnitIds=r-ROOT-ID --regions us-east-1
```

IAM roles are global: one Region for the stack instances is enough. A service-managed
StackSet does not deploy to the management account; there the function uses its own
role. Until the role exists in a member, the function cannot read that member and its
rules show no evaluations (the function logs the failed AssumeRole).

## Rules

{_rules_table(specs)}
"""
