"""The parts both templates share: the code location parameters, the function's log
group, role and the function itself (handler `sagewarden.configrule.handler`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagewarden.deploy.permissions import log_statement
from sagewarden.deploy.rules import HANDLER

FUNCTION = "RuleFunction"
ROLE = "RuleFunctionRole"
LOG_GROUP = "RuleFunctionLogs"
PERMISSION = "ConfigInvokesRuleFunction"
DEFAULT_FUNCTION_NAME = "sagewarden-config-rule"
DEFAULT_CODE_KEY = "sagewarden/sagewarden-lambda.zip"
TIMEOUT_SECONDS = 900  # a scheduled run lists and reads every resource of its type
MEMORY_MB = 512
LOG_RETENTION_DAYS = 365


@dataclass(frozen=True)
class FunctionOptions:
    runtime: str  # e.g. python3.12
    architecture: str  # x86_64 or arm64
    code_bucket: str | None
    code_key: str


def ref(name: str) -> dict[str, str]:
    return {"Ref": name}


def arn_of(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def code_parameters(options: FunctionOptions) -> dict[str, Any]:
    bucket: dict[str, Any] = {
        "Type": "String",
        "MinLength": 3,
        "Description": "The S3 bucket holding the zip `sagewarden package lambda` built "
        "(upload it first).",
    }
    if options.code_bucket:
        bucket["Default"] = options.code_bucket
    return {
        "CodeBucket": bucket,
        "CodeKey": {
            "Type": "String",
            "Default": options.code_key,
            "Description": "The object key of the zip in CodeBucket.",
        },
        "FunctionName": {
            "Type": "String",
            "Default": DEFAULT_FUNCTION_NAME,
            "AllowedPattern": "[a-zA-Z0-9-_]{1,64}",
            "Description": "The rule function's name.",
        },
    }


def log_group() -> dict[str, Any]:
    return {
        "Type": "AWS::Logs::LogGroup",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "LogGroupName": {"Fn::Sub": "/aws/lambda/${FunctionName}"},
            "RetentionInDays": LOG_RETENTION_DAYS,
        },
    }


def role(statements: list[dict[str, Any]], name: dict[str, Any] | None = None) -> dict[str, Any]:
    """The function's execution role: Lambda assumes it; it may do `statements` and
    write its own logs."""
    properties: dict[str, Any] = {
        "Description": "sagewarden's AWS Config rule function: read SageMaker, put evaluations.",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        "Policies": [
            {
                "PolicyName": "EvaluateSageMakerControls",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [*statements, log_statement(LOG_GROUP)],
                },
            }
        ],
    }
    if name is not None:
        properties = {"RoleName": name, **properties}
    return {"Type": "AWS::IAM::Role", "Properties": properties}


def function(options: FunctionOptions, environment: dict[str, Any] | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "FunctionName": ref("FunctionName"),
        "Description": "sagewarden: AWS Security Hub SageMaker controls as AWS Config rules.",
        "Handler": HANDLER,
        "Runtime": options.runtime,
        "Architectures": [options.architecture],
        "Code": {"S3Bucket": ref("CodeBucket"), "S3Key": ref("CodeKey")},
        "Role": arn_of(ROLE),
        "Timeout": TIMEOUT_SECONDS,
        "MemorySize": MEMORY_MB,
        "LoggingConfig": {"LogGroup": ref(LOG_GROUP)},
    }
    if environment:
        properties["Environment"] = {"Variables": environment}
    return {"Type": "AWS::Lambda::Function", "Properties": properties}


def config_permission(source_account: dict[str, Any] | None) -> dict[str, Any]:
    """AWS Config may invoke the function: from this account (`source_account`), or from
    any account when None (the organization form: Config in each member invokes it)."""
    properties: dict[str, Any] = {
        "Action": "lambda:InvokeFunction",
        "FunctionName": arn_of(FUNCTION),
        "Principal": "config.amazonaws.com",
    }
    if source_account is not None:
        properties["SourceAccount"] = source_account
    return {"Type": "AWS::Lambda::Permission", "Properties": properties}


def logical_id(control_id: str) -> str:
    """`SageMaker.14` -> `SageMaker14Rule`."""
    return control_id.replace(".", "") + "Rule"
