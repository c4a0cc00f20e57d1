"""The CloudFormation templates `sagewarden deploy config-rules` writes.

Account form: the function, its role and log group, AWS Config's permission to invoke it
(this account only) and one `AWS::Config::ConfigRule` per control.

Organization form, in the management (or delegated administrator) account: the same
function, one `AWS::Config::OrganizationConfigRule` per control (AWS Config creates the
rule in every member), AWS Config's permission to invoke it from any account, and beside
it the StackSet template of the member role. Config in a member invokes the function in
the administrator account; the function then assumes the member role named in its
`SAGEWARDEN_MEMBER_ROLE` environment variable in the event's account to read SageMaker
and put the evaluations there. The member role trusts only the function's role, so an
account outside the organization that invoked the function could not have it act.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sagewarden.catalog import Control
from sagewarden.deploy.function import (
    FUNCTION,
    LOG_GROUP,
    PERMISSION,
    ROLE,
    FunctionOptions,
    arn_of,
    code_parameters,
    config_permission,
    function,
    log_group,
    logical_id,
    ref,
    role,
)
from sagewarden.deploy.permissions import evaluate_statements
from sagewarden.deploy.rules import RuleSpec

MEMBER_ROLE_ENV = "SAGEWARDEN_MEMBER_ROLE"
DEFAULT_MEMBER_ROLE = "sagewarden-config-rule-member"
DEFAULT_FUNCTION_ROLE = "sagewarden-config-rule-function"
MEMBER_ROLE = "MemberRole"
_FORMAT = "2010-09-09"


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _source_details(spec: RuleSpec) -> list[dict[str, str]]:
    details = []
    for trigger in spec.triggers:
        detail = {"EventSource": "aws.config", "MessageType": trigger}
        if spec.frequency is not None and trigger == "ScheduledNotification":
            detail["MaximumExecutionFrequency"] = spec.frequency
        details.append(detail)
    return details


def config_rule(spec: RuleSpec) -> dict[str, Any]:
    return {
        "Type": "AWS::Config::ConfigRule",
        "DependsOn": PERMISSION,
        "Properties": {
            "ConfigRuleName": spec.name,
            "Description": spec.description,
            "Scope": {"ComplianceResourceTypes": spec.resource_types},
            "InputParameters": dict(spec.parameters),
            "Source": {
                "Owner": "CUSTOM_LAMBDA",
                "SourceIdentifier": arn_of(FUNCTION),
                "SourceDetails": _source_details(spec),
            },
        },
    }


def organization_rule(spec: RuleSpec) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "Description": spec.description,
        "LambdaFunctionArn": arn_of(FUNCTION),
        "OrganizationConfigRuleTriggerTypes": list(spec.triggers),
        "ResourceTypesScope": spec.resource_types,
        "InputParameters": spec.input_parameters,
    }
    if spec.frequency is not None:
        metadata["MaximumExecutionFrequency"] = spec.frequency
    return {
        "Type": "AWS::Config::OrganizationConfigRule",
        "DependsOn": PERMISSION,
        "Properties": {
            "OrganizationConfigRuleName": spec.name,
            "OrganizationCustomRuleMetadata": metadata,
        },
    }


def _outputs(specs: Sequence[RuleSpec]) -> dict[str, Any]:
    return {
        "FunctionArn": {"Description": "The rule function.", "Value": arn_of(FUNCTION)},
        "RuleNames": {
            "Description": "The AWS Config rules, one per control.",
            "Value": ",".join(s.name for s in specs),
        },
    }


def account_template(
    specs: Sequence[RuleSpec], controls: Sequence[Control], options: FunctionOptions
) -> dict[str, Any]:
    resources: dict[str, Any] = {
        LOG_GROUP: log_group(),
        ROLE: role(evaluate_statements(controls)),
        FUNCTION: function(options),
        PERMISSION: config_permission(ref("AWS::AccountId")),
    }
    resources.update({logical_id(s.control.id): config_rule(s) for s in specs})
    return {
        "AWSTemplateFormatVersion": _FORMAT,
        "Description": "sagewarden: AWS Security Hub SageMaker controls as AWS Config custom "
        "rules in one account and Region.",
        "Parameters": code_parameters(options),
        "Resources": resources,
        "Outputs": _outputs(specs),
    }


def _role_parameters() -> dict[str, Any]:
    return {
        "FunctionRoleName": {
            "Type": "String",
            "Default": DEFAULT_FUNCTION_ROLE,
            "Description": "The rule function's role in the administrator account.",
        },
        "MemberRoleName": {
            "Type": "String",
            "Default": DEFAULT_MEMBER_ROLE,
            "Description": "The role the function assumes in each member account "
            "(the member StackSet template makes it).",
        },
    }


def organization_template(
    specs: Sequence[RuleSpec], controls: Sequence[Control], options: FunctionOptions
) -> dict[str, Any]:
    assume_members = {
        "Sid": "AssumeMemberRole",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": _sub("arn:${AWS::Partition}:iam::*:role/${MemberRoleName}"),
    }
    statements = [*evaluate_statements(controls), assume_members]
    resources: dict[str, Any] = {
        LOG_GROUP: log_group(),
        ROLE: role(statements, name=ref("FunctionRoleName")),
        FUNCTION: function(options, {MEMBER_ROLE_ENV: ref("MemberRoleName")}),
        PERMISSION: config_permission(None),
    }
    resources.update({logical_id(s.control.id): organization_rule(s) for s in specs})
    return {
        "AWSTemplateFormatVersion": _FORMAT,
        "Description": "sagewarden: AWS Security Hub SageMaker controls as AWS Config "
        "organization custom rules; deploy in the management or delegated administrator "
        "account, then the member role StackSet.",
        "Parameters": {**code_parameters(options), **_role_parameters()},
        "Resources": resources,
        "Outputs": {
            **_outputs(specs),
            "FunctionRoleArn": {
                "Description": "The role the member role trusts.",
                "Value": arn_of(ROLE),
            },
        },
    }


def member_template(controls: Sequence[Control]) -> dict[str, Any]:
    """The StackSet template: in each member, the role the rule function assumes, trusted
    by the function's role only, allowed what the function's own role is allowed."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "AWS": _sub(
                        "arn:${AWS::Partition}:iam::${AdministratorAccountId}:role/"
                        "${FunctionRoleName}"
                    )
                },
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return {
        "AWSTemplateFormatVersion": _FORMAT,
        "Description": "sagewarden: the role sagewarden's AWS Config rule function assumes in "
        "a member account (deploy as a StackSet to the organization).",
        "Parameters": {
            "AdministratorAccountId": {
                "Type": "String",
                "AllowedPattern": "[0-9]{12}",
                "Description": "The account holding the rule function.",
            },
            **_role_parameters(),
        },
        "Resources": {
            MEMBER_ROLE: {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": ref("MemberRoleName"),
                    "Description": "sagewarden's AWS Config rule function (administrator "
                    "account): read SageMaker, put evaluations.",
                    "AssumeRolePolicyDocument": trust,
                    "Policies": [
                        {
                            "PolicyName": "EvaluateSageMakerControls",
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": evaluate_statements(controls),
                            },
                        }
                    ],
                },
            }
        },
        "Outputs": {"MemberRoleArn": {"Value": arn_of(MEMBER_ROLE)}},
    }
