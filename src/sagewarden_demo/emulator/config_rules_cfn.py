"""`AWS::Config::ConfigRule` in the emulator's CloudFormation, which moto lacks.

moto's AWS Config answers PutConfigRule (it checks the source's Lambda function exists
and the triggers are consistent) but its CloudFormation does not know the type: a stack
holding a rule completes and creates nothing. This model hands the resolved properties to
that same PutConfigRule, so a template's rules are made, checked and listed by
DescribeConfigRules exactly as the API would. `AWS::Config::OrganizationConfigRule` stays
unsupported: moto has no organization rules at all.
"""

from __future__ import annotations

import json
from typing import Any

from moto.config.models import config_backends
from moto.core.common_models import CloudFormationModel


class ConfigRuleResource(CloudFormationModel):
    def __init__(self, account_id: str, region: str, name: str) -> None:
        self.account_id = account_id
        self.region = region
        self.name = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "ConfigRuleName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Config::ConfigRule"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> ConfigRuleResource:
        rule = dict(cloudformation_json.get("Properties", {}))
        rule.setdefault("ConfigRuleName", resource_name)
        if isinstance(rule.get("InputParameters"), dict):  # CloudFormation's Json, the API's text
            rule["InputParameters"] = json.dumps(rule["InputParameters"])
        config_backends[account_id][region_name].put_config_rule(rule)
        return cls(account_id, region_name, rule["ConfigRuleName"])

    @classmethod
    def delete_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        name = cloudformation_json.get("Properties", {}).get("ConfigRuleName", resource_name)
        config_backends[account_id][region_name].delete_config_rule(name)

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Arn", "ConfigRuleId")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        stored = config_backends[self.account_id][self.region].config_rules[self.name]
        if attribute_name == "Arn":
            return str(stored.config_rule_arn)
        if attribute_name == "ConfigRuleId":
            return str(stored.config_rule_id)
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        raise UnformattedGetAttTemplateException()


def install() -> None:
    """Make moto's CloudFormation see the model (its type map is cached on first use)."""
    from moto.cloudformation import parsing

    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
