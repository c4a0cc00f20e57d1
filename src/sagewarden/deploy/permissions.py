"""What the rule function's role may do, and nothing more: the SageMaker reads of the
selected controls (sagewarden.iampolicy's, from the read paths the collector uses), the
references they follow, and the two AWS Config calls of the custom-rule contract.

The same statements go into the function's own role and, in the organization form, the
member accounts' role it assumes, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sagewarden.catalog import Control
from sagewarden.iampolicy import sagemaker_actions


def read_types(controls: Sequence[Control]) -> list[str]:
    """The resource types the function reads: each control's own (a scheduled run lists
    them) and every type a reference may name (one Describe when asked to resolve)."""
    types = {c.resource_type for c in controls}
    types |= {t for c in controls for ref in c.references for t in ref.target_types}
    return sorted(types)


def evaluate_statements(controls: Sequence[Control]) -> list[dict[str, Any]]:
    """Read the controls' resources and put the evaluations. PutEvaluations and
    GetResourceConfigHistory take no resource-level permissions: `*` is their only form."""
    return [
        {
            "Sid": "ReadSageMaker",
            "Effect": "Allow",
            "Action": sagemaker_actions(read_types(controls)),
            "Resource": "*",
        },
        {
            "Sid": "ConfigRuleContract",
            "Effect": "Allow",
            "Action": ["config:GetResourceConfigHistory", "config:PutEvaluations"],
            "Resource": "*",
        },
    ]


def log_statement(log_group: str) -> dict[str, Any]:
    """Write the function's own log group, the template's resource `log_group` (made by
    the template, so the role needs no logs:CreateLogGroup)."""
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
    }
