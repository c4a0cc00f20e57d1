"""The CloudFormation template that registers the rules as an AWS::CloudFormation::GuardHook.

The rules live in S3 (the template takes the bucket and key as parameters: where they are
uploaded is the deployer's choice, and a bucket made by the same stack would be empty when
the hook is created). The hook targets RESOURCE and CLOUD_CONTROL operations: their input
holds each resource's properties with intrinsic functions resolved, which the rules read.
A STACK target would get the raw template (a `Ref` where the rule expects a value), so it
is not targeted. The execution role reads the one rules object and, when `LogBucket` is
set, writes the hook's reports there; nothing else.
"""

from __future__ import annotations

from typing import Any

HOOK_ALIAS = "Private::Sagewarden::SageMaker"
_ACCOUNT = {"Ref": "AWS::AccountId"}


def _sub(text: str) -> dict[str, Any]:
    return {"Fn::Sub": text}


def hook_template(resource_types: list[str], mode: str, rules_file: str) -> dict[str, Any]:
    """The template, FailureMode `mode` (WARN or FAIL) by default, over `resource_types`."""
    rules_object = "arn:${AWS::Partition}:s3:::${RulesBucket}/${RulesKey}"
    read_rules = {
        "PolicyName": "ReadGuardRules",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                    "Resource": _sub(rules_object),
                },
                {
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": _sub("arn:${AWS::Partition}:s3:::${RulesBucket}"),
                    "Condition": {"StringEquals": {"s3:prefix": {"Ref": "RulesKey"}}},
                },
            ],
        },
    }
    write_logs = {
        "PolicyName": "WriteHookLogs",
        "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:PutObject",
                    "Resource": _sub("arn:${AWS::Partition}:s3:::${LogBucket}/*"),
                }
            ],
        },
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "sagewarden: AWS Security Hub SageMaker controls enforced by a CloudFormation "
            "Guard hook before SageMaker resources are created or updated."
        ),
        "Parameters": {
            "RulesBucket": {
                "Type": "String",
                "MinLength": 3,
                "Description": f"The S3 bucket holding {rules_file} (upload it first).",
            },
            "RulesKey": {
                "Type": "String",
                "Default": f"sagewarden/{rules_file}",
                "Description": "The object key of the rules in RulesBucket.",
            },
            "FailureMode": {
                "Type": "String",
                "AllowedValues": ["WARN", "FAIL"],
                "Default": mode,
                "Description": "WARN: report a failed rule and go on; FAIL: stop the operation.",
            },
            "HookAlias": {
                "Type": "String",
                "Default": HOOK_ALIAS,
                "Description": "The hook's type name alias (Name1::Name2::Name3, not AWS::).",
            },
            "LogBucket": {
                "Type": "String",
                "Default": "",
                "Description": "Optional: a bucket for the hook's detailed reports.",
            },
        },
        "Conditions": {"HasLogBucket": {"Fn::Not": [{"Fn::Equals": [{"Ref": "LogBucket"}, ""]}]}},
        "Resources": {
            "HookExecutionRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": "Lets the sagewarden Guard hook read its rules, write logs.",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "hooks.cloudformation.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                                "Condition": {
                                    "StringEquals": {
                                        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
                                    },
                                    "ArnLike": {
                                        "aws:SourceArn": _sub(
                                            "arn:${AWS::Partition}:cloudformation:${AWS::Region}:"
                                            "${AWS::AccountId}:type/hook/*"
                                        )
                                    },
                                },
                            }
                        ],
                    },
                    "Policies": [
                        read_rules,
                        {"Fn::If": ["HasLogBucket", write_logs, {"Ref": "AWS::NoValue"}]},
                    ],
                },
            },
            "SageMakerGuardHook": {
                "Type": "AWS::CloudFormation::GuardHook",
                "Properties": {
                    "Alias": {"Ref": "HookAlias"},
                    "ExecutionRole": {"Fn::GetAtt": ["HookExecutionRole", "Arn"]},
                    "FailureMode": {"Ref": "FailureMode"},
                    "HookStatus": "ENABLED",
                    "RuleLocation": {"Uri": _sub("s3://${RulesBucket}/${RulesKey}")},
                    "LogBucket": {
                        "Fn::If": ["HasLogBucket", {"Ref": "LogBucket"}, {"Ref": "AWS::NoValue"}]
                    },
                    "TargetOperations": ["RESOURCE", "CLOUD_CONTROL"],
                    "TargetFilters": {
                        "Actions": ["CREATE", "UPDATE"],
                        "InvocationPoints": ["PRE_PROVISION"],
                        "TargetNames": list(resource_types),
                    },
                },
            },
        },
        "Outputs": {
            "HookArn": {"Value": {"Fn::GetAtt": ["SageMakerGuardHook", "HookArn"]}},
            "ExecutionRoleArn": {"Value": {"Fn::GetAtt": ["HookExecutionRole", "Arn"]}},
        },
    }
