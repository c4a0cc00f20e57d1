"""The rule event AWS Config sends, read once into plain fields.

Config sends `invokingEvent` and `ruleParameters` as JSON strings; a test console may
send them as objects, so both are taken. Anything else is a BadEvent with one line
saying what is wrong: the handler logs it and puts nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from sagewarden.valuetext import a_kind

CHANGE = "ConfigurationItemChangeNotification"
OVERSIZED = "OversizedConfigurationItemChangeNotification"
SCHEDULED = "ScheduledNotification"
MESSAGE_TYPES = (CHANGE, OVERSIZED, SCHEDULED)
TEST_MODE_TOKEN = "TESTMODE"  # the token Config's console test and the RDK use


class BadEvent(ValueError):
    """The event is not one AWS Config sends: the handler says why and puts nothing."""


@dataclass(frozen=True)
class RuleEvent:
    message_type: str
    invoking: dict[str, Any]
    parameters: dict[str, Any]
    result_token: str
    left_scope: bool
    rule_name: str
    rule_arn: str
    account: str | None  # the account evaluated (Config's own `accountId`)

    @property
    def test_mode(self) -> bool:
        return self.result_token == TEST_MODE_TOKEN

    @property
    def region(self) -> str | None:
        """The rule's Region, from its ARN (arn:aws:config:REGION:ACCOUNT:config-rule/...)."""
        parts = self.rule_arn.split(":")
        return parts[3] if len(parts) > 5 and parts[3] else None

    @property
    def partition(self) -> str:
        parts = self.rule_arn.split(":")
        return parts[1] if len(parts) > 5 and parts[1] else "aws"

    @property
    def notification_time(self) -> str | None:
        value = self.invoking.get("notificationCreationTime")
        return value if isinstance(value, str) else None


def read_event(event: Any) -> RuleEvent:
    if not isinstance(event, dict):
        raise BadEvent(f"the event is {a_kind(event)}, not an AWS Config rule event")
    invoking = _json_object(event.get("invokingEvent"), "invokingEvent", required=True)
    parameters = _json_object(event.get("ruleParameters"), "ruleParameters", required=False)
    message_type = invoking.get("messageType")
    if message_type not in MESSAGE_TYPES:
        raise BadEvent(
            f"invokingEvent messageType is {_short(message_type)}, not one of "
            + ", ".join(MESSAGE_TYPES)
        )
    token = event.get("resultToken")
    if not isinstance(token, str) or not token:
        raise BadEvent("the event has no resultToken, so no evaluation could be put")
    left = event.get("eventLeftScope", False)
    account = event.get("accountId") or invoking.get("awsAccountId")
    return RuleEvent(
        message_type=str(message_type),
        invoking=invoking,
        parameters=parameters,
        result_token=token,
        left_scope=left is True or str(left).lower() == "true",
        rule_name=str(event.get("configRuleName") or ""),
        rule_arn=str(event.get("configRuleArn") or ""),
        account=str(account) if account else None,
    )


def _json_object(value: Any, name: str, *, required: bool) -> dict[str, Any]:
    if value is None or value == "":
        if required:
            raise BadEvent(f"the event has no {name}")
        return {}
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise BadEvent(f"{name} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise BadEvent(f"{name} is {a_kind(value)}, not a JSON object")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
