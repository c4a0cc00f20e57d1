"""Running exported Guard rules with AWS's Guard engine (the guardpycfn bindings), and how
its verdicts correspond to sagewarden's: shared by the hook and AWS Config tests."""

from __future__ import annotations

import json
from typing import Any

from tests.casekit.model import Case

GUARD_OF = {
    "PASSED": ("PASS",),
    "FAILED": ("FAIL",),
    "NOT_APPLICABLE": ("SKIP",),
    # Malformed (a required property missing, a count of 0, "yes" for a boolean): the rule
    # fails closed; the resource provider would refuse most of these anyway.
    "ERROR": ("FAIL",),
    # Judged without a value Guard's input has resolved: the rule fails closed.
    "UNKNOWN": ("FAIL",),
}


def own_params(case: Case) -> list[str]:
    """The case's parameters for its own control, as --param values."""
    args = case.params_by_control()[case.control]
    return [a for a in args if a != "--param"]


def guard_verdict(
    guardpycfn: Any, text: str, document: dict[str, Any], rule: str
) -> tuple[str, list[str]]:
    """The rule's status (PASS, FAIL, SKIP) and its custom messages, from Guard itself."""
    result = guardpycfn.validate_with_guard(json.dumps(document), text, True)
    assert result.get("success"), result
    for child in result["result"]["children"]:
        check = child["container"]["RuleCheck"]
        if check["name"] == rule:
            return check["status"], sorted(set(_messages(child)))
    raise AssertionError(f"Guard did not run {rule}")


def _messages(node: Any) -> list[str]:
    """Every custom message (<< >>) of a failed clause under `node`."""
    out: list[str] = []
    if isinstance(node, dict):
        if node.get("custom_message") and node.get("status") == "FAIL":
            out.append(node["custom_message"])
        if isinstance(node.get("NoValueForEmptyCheck"), str):  # an empty query's message
            out.append(node["NoValueForEmptyCheck"])
        for value in node.values():
            out += _messages(value)
    elif isinstance(node, list):
        for value in node:
            out += _messages(value)
    return out
