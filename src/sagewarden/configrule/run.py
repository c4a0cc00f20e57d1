"""The handler: one rule event in, its control's evaluations put back to AWS Config.

A change notification judges the one item it is about (fetched first when oversized); a
scheduled notification judges every resource of the control's type in the account and
Region. Deleted items, items that left the rule's scope and types the control does not
judge are NOT_APPLICABLE. Each verdict comes from the engine and the control unit the
command line uses. An event or rule that cannot say what to evaluate is one log line and
no evaluation put; the invocation itself never fails on bad input.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sagewarden.catalog import Control
from sagewarden.configrule import logs
from sagewarden.configrule.compliance import Outcome, batches, evaluation, limits
from sagewarden.configrule.event import CHANGE, SCHEDULED, BadEvent, RuleEvent, read_event
from sagewarden.configrule.items import ItemKey, api_item, item_key, item_resource
from sagewarden.configrule.reading import (
    config_client,
    follows_references,
    latest_item,
    read_scope,
    session_for,
    time_left,
)
from sagewarden.configrule.rule import BadRule, rule_control, rule_params
from sagewarden.diagnostics import Diagnostic
from sagewarden.engine import evaluate
from sagewarden.params import ParamSet
from sagewarden.resources import Resource
from sagewarden.sources.aws.answers import call, error_code, error_text
from sagewarden.verdict import Status
from sagewarden.verdicts import Evaluation

ACCOUNT_TYPE = "AWS::::Account"  # where a scheduled run says its scope could not be read


class EvaluationsNotPut(RuntimeError):
    """PutEvaluations failed: raised (after its log line) so Lambda retries the event."""


class _Rule:
    """One invocation: the event, the rule's control and parameters, and its clients."""

    def __init__(self, event: RuleEvent, control: Control, params: ParamSet, context: Any):
        self.event = event
        self.control = control
        self.params = params
        self.context = context
        item = event.invoking.get("configurationItem") or event.invoking.get(
            "configurationItemSummary"
        )
        item_region = item.get("awsRegion") if isinstance(item, dict) else None
        self.region = str(
            event.region or item_region or os.environ.get("AWS_REGION") or "us-east-1"
        )
        own = _own_account(context)
        self.account = event.account or own
        self.session = session_for(self.account, own, event.partition, self.region)
        self.config = config_client(self.session, self.region)
        self.where = {"rule": event.rule_name, "control": control.id}

    # -- change notifications ---------------------------------------------------------

    def changed(self) -> list[Outcome]:
        if self.event.message_type == CHANGE:
            item = self.event.invoking.get("configurationItem")
            if not isinstance(item, dict):
                logs.error("the change notification has no configurationItem", **self.where)
                return []
            return self._judge_item(item, "invokingEvent")
        summary = self.event.invoking.get("configurationItemSummary")
        key = item_key(summary) if isinstance(summary, dict) else None
        if key is None:
            logs.error(
                "the oversized notification's configurationItemSummary has no resourceType "
                "and resourceId",
                **self.where,
            )
            return []
        out_of_scope = self._out_of_scope(key)
        if out_of_scope is not None:
            return [out_of_scope]
        try:
            fetched = latest_item(self.config, key.resource_type, key.resource_id)
        except (ClientError, BotoCoreError) as exc:
            why = f"config:GetResourceConfigHistory failed: {error_text(exc)}"
            return [self._unread(key, why)]
        if fetched is None:
            return [self._unread(key, "GetResourceConfigHistory returned no item")]
        return self._judge_item(api_item(fetched), "GetResourceConfigHistory")

    def _judge_item(self, item: dict[str, Any], shown: str) -> list[Outcome]:
        key = item_key(item)
        if key is None:
            logs.error("the configuration item has no resourceType and resourceId", **self.where)
            return []
        out_of_scope = self._out_of_scope(key)
        if out_of_scope is not None:
            return [out_of_scope]
        resource, diags = item_resource(item, shown)
        self._said(diags)
        if resource is None:
            return [self._unread(key, "the configuration item could not be read")]
        resources = [resource]
        if resource.read_error is None and follows_references(self.control, self.params):
            read = read_scope(
                self.session,
                resource.account_id or self.account or "",
                resource.region or self.region,
                self.event.partition,
                self.control,
                self.params,
                time_left(self.context),
                known=[resource],
                list_type=False,
            )
            self._said(read.diagnostics)
            resources = read.resources
        [mine] = [e for e in self._evaluate(resources) if e.resource is resource]
        return [Outcome(key.resource_type, key.resource_id, mine.status, mine.reason, key.captured)]

    def _out_of_scope(self, key: ItemKey) -> Outcome | None:
        why = None
        if self.event.left_scope:
            why = "the resource left the rule's scope (eventLeftScope)"
        elif key.deleted:
            why = f"the resource was deleted (configurationItemStatus {key.status})"
        elif key.resource_type != self.control.resource_type:
            why = f"{self.control.id} judges {self.control.resource_type}, not {key.resource_type}"
        if why is None:
            return None
        return Outcome(key.resource_type, key.resource_id, Status.NOT_APPLICABLE, why, key.captured)

    def _unread(self, key: ItemKey, why: str) -> Outcome:
        logs.error(why, resourceType=key.resource_type, resourceId=key.resource_id, **self.where)
        return Outcome(key.resource_type, key.resource_id, Status.ERROR, why, key.captured)

    # -- scheduled runs ---------------------------------------------------------------

    def scheduled(self) -> list[Outcome]:
        if not self.account:
            logs.error("the scheduled notification names no account", **self.where)
            return []
        when = self.event.notification_time
        read = read_scope(
            self.session,
            self.account,
            self.region,
            self.event.partition,
            self.control,
            self.params,
            time_left(self.context),
        )
        self._said(read.diagnostics)
        unlisted = [r for r in read.resources if _stands_for_all(r)]
        judged = [r for r in read.resources if not _stands_for_all(r)]
        out = [
            Outcome(e.resource.type, e.resource.name, e.status, e.reason, when)
            for e in self._evaluate(judged)
        ]
        if unlisted:
            why = f"could not list every {self.control.resource_type}: " + "; ".join(
                str(r.read_error) for r in unlisted
            )
            status = Status.ERROR
        else:
            why = f"{self.control.id}: every {self.control.resource_type} was read ({len(out)})"
            status = Status.NOT_APPLICABLE
        out.append(Outcome(ACCOUNT_TYPE, self.account, status, why, when))
        return out

    # -- both -------------------------------------------------------------------------

    def _evaluate(self, resources: list[Resource]) -> list[Evaluation]:
        """The control's evaluations of every resource of its type among `resources` (the
        others are there for its references), by the engine the command line uses."""
        result = evaluate(resources, [self.control], self.params)
        self._said(result.diagnostics)
        return result.evaluations

    def _said(self, diags: list[Diagnostic]) -> None:
        for d in diags:
            logs.error(d.line(), kind=d.kind.value, **self.where)

    def put(self, outcomes: list[Outcome]) -> Counter[str]:
        per_call, chars = limits(self.config)
        evaluations = [evaluation(o, chars) for o in outcomes]
        counts: Counter[str] = Counter()
        for o, e in zip(outcomes, evaluations, strict=True):
            counts[e["ComplianceType"]] += 1
            logs.info(
                "evaluation",
                account=self.account,
                region=self.region,
                resourceType=o.resource_type,
                resourceId=o.resource_id,
                verdict=o.status.value,
                complianceType=e["ComplianceType"],
                annotation=e["Annotation"],
                orderingTimestamp=e["OrderingTimestamp"].isoformat(),
                **self.where,
            )
        for batch in batches(evaluations, per_call):
            kwargs: dict[str, Any] = {
                "Evaluations": list(batch),
                "ResultToken": self.event.result_token,
            }
            if self.event.test_mode:
                kwargs["TestMode"] = True
            try:
                answer = call(self.config, "PutEvaluations", (), **kwargs)
            except (ClientError, BotoCoreError) as exc:
                why = f"config:PutEvaluations failed: {error_text(exc)}"
                logs.error(why, **self.where)
                raise EvaluationsNotPut(why) from None
            for failed in answer.get("FailedEvaluations") or []:
                logs.error(
                    "AWS Config refused an evaluation",
                    resourceType=failed.get("ComplianceResourceType"),
                    resourceId=failed.get("ComplianceResourceId"),
                    **self.where,
                )
        return counts


def handler(event: Any, context: Any) -> dict[str, Any]:
    """AWS Lambda's entry point (`sagewarden.configrule.handler`) for a Config rule event."""
    try:
        rule_event = read_event(event)
        control = rule_control(rule_event.parameters, rule_event.rule_name)
        params = rule_params(control, rule_event.parameters)
    except (BadEvent, BadRule) as exc:
        name = event.get("configRuleName") if isinstance(event, dict) else None
        logs.error(f"nothing evaluated: {exc}", rule=name)
        return {"evaluations": 0, "error": str(exc)}
    try:
        rule = _Rule(rule_event, control, params, context)
    except (ClientError, BotoCoreError) as exc:  # the member role could not be assumed
        why = f"nothing evaluated: no AWS session for account {rule_event.account}: "
        logs.error(why + error_text(exc), rule=rule_event.rule_name, control=control.id)
        return {"evaluations": 0, "error": why + error_code(exc)}
    outcomes = rule.scheduled() if rule_event.message_type == SCHEDULED else rule.changed()
    counts = rule.put(outcomes)
    return {
        "control": control.id,
        "messageType": rule_event.message_type,
        "evaluations": sum(counts.values()),
        **dict(sorted(counts.items())),
    }


def _own_account(context: Any) -> str | None:
    """The function's own account, from its ARN (arn:aws:lambda:REGION:ACCOUNT:function:N)."""
    arn = getattr(context, "invoked_function_arn", None)
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[4] if len(parts) > 5 and parts[4] else None


def _stands_for_all(r: Resource) -> bool:
    """The collector's placeholder for a type it could not list (its id ends in `/*`)."""
    return r.read_error is not None and r.id.endswith("/*")
