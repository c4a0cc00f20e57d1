"""The Guard rules as AWS Config custom policy rules: a conformance pack, and the
CloudFormation template that deploys it to every account of an organization.

One `AWS::Config::ConfigRule` per control, `Source.Owner: CUSTOM_POLICY` with the rule's
Guard text inline (`CustomPolicyDetails.PolicyText`, at most 10,000 characters; runtime
`guard-2.x.x`), scoped to the control's resource type and triggered by configuration
changes only: AWS Config runs custom policy rules on no other trigger. Parameters are
already written into each rule's text, so the pack has no input parameters. The
organization template holds the pack as `TemplateBody` of an
`AWS::Config::OrganizationConformancePack` (deployed from the management account or the
Config delegated administrator).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from sagewarden.guard.model import Rule

RUNTIME = "guard-2.x.x"
POLICY_TEXT_MAX = 10_000  # CustomPolicyDetails.PolicyText (AWS Config API reference)
TEMPLATE_BODY_MAX = 51_200  # OrganizationConformancePack TemplateBody, bytes
DESCRIPTION_MAX = 256  # ConfigRule Description
PACK_NAME = "sagewarden-sagemaker"
CHANGE_TRIGGERS = (
    "ConfigurationItemChangeNotification",
    "OversizedConfigurationItemChangeNotification",
)


def config_rule_name(rule: Rule) -> str:
    """sagewarden-sagemaker-3 for SageMaker.3 (unique in an account, stable across exports)."""
    return "sagewarden-" + rule.control.id.lower().replace(".", "-")


def logical_id(rule: Rule) -> str:
    """SageMaker3 for SageMaker.3."""
    return rule.control.id.replace(".", "")


def policy_text(guard: str) -> str:
    """A rule's Guard text as PolicyText: without its leading comment lines (the title is
    the ConfigRule's Description), so that the pack fits an organization TemplateBody."""
    lines = guard.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "\n".join(lines).strip() + "\n"


def conformance_pack(rules: Sequence[tuple[Rule, str]], debug_logs: bool) -> dict[str, Any]:
    """The conformance pack template: each (rule, its Guard text) as a ConfigRule."""
    resources: dict[str, Any] = {}
    for rule, guard in rules:
        text = policy_text(guard)
        if len(text) > POLICY_TEXT_MAX:
            raise ValueError(f"{rule.control.id}: the Guard text exceeds {POLICY_TEXT_MAX}")
        c = rule.control
        resources[logical_id(rule)] = {
            "Type": "AWS::Config::ConfigRule",
            "Properties": {
                "ConfigRuleName": config_rule_name(rule),
                "Description": f"{c.id} [{c.severity.value}] {c.title}"[:DESCRIPTION_MAX],
                "Scope": {"ComplianceResourceTypes": [c.resource_type]},
                "Source": {
                    "Owner": "CUSTOM_POLICY",
                    "SourceDetails": [
                        {"EventSource": "aws.config", "MessageType": m} for m in CHANGE_TRIGGERS
                    ],
                    "CustomPolicyDetails": {
                        "PolicyRuntime": RUNTIME,
                        "PolicyText": text,
                        "EnableDebugLogDelivery": debug_logs,
                    },
                },
            },
        }
    return {
        "Description": (
            "sagewarden: AWS Security Hub SageMaker controls as AWS Config custom policy "
            "(Guard) rules, evaluated on every configuration change."
        ),
        "Resources": resources,
    }


def fits_template_body(pack_body: str) -> bool:
    return len(pack_body.encode("utf-8")) <= TEMPLATE_BODY_MAX


def organization_template(pack_body: str) -> dict[str, Any]:
    """The CloudFormation template deploying the pack to the organization's accounts: the
    pack inline, or (over TemplateBody's limit) read from S3 where the deployer puts it."""
    parameters: dict[str, Any] = {
        "PackName": {
            "Type": "String",
            "Default": PACK_NAME,
            "AllowedPattern": "[a-zA-Z][-a-zA-Z0-9]*",
            "MaxLength": 128,
            "Description": "The organization conformance pack's name.",
        },
    }
    properties: dict[str, Any] = {"OrganizationConformancePackName": {"Ref": "PackName"}}
    if fits_template_body(pack_body):
        properties["TemplateBody"] = pack_body
    else:
        parameters["TemplateS3Uri"] = {
            "Type": "String",
            "AllowedPattern": "s3://.+",
            "Description": "s3://BUCKET/KEY of conformance-pack.yaml (upload it first).",
        }
        properties["TemplateS3Uri"] = {"Ref": "TemplateS3Uri"}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "sagewarden: the SageMaker Guard rules as an AWS Config organization "
            "conformance pack (deploy from the management or Config delegated "
            "administrator account)."
        ),
        "Parameters": parameters,
        "Resources": {
            "SageMakerConformancePack": {
                "Type": "AWS::Config::OrganizationConformancePack",
                "Properties": properties,
            }
        },
    }


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (Guard text, the pack body) as literal blocks, readable."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def to_yaml(doc: dict[str, Any]) -> str:
    """The template as YAML (keys in the order built; Guard text kept line for line)."""
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=False)
