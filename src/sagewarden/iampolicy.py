"""The least-privilege, read-only IAM policy a scan needs, derived from the read paths.

Derived rather than written by hand, so the policy and the collector cannot drift apart;
a test records every operation a full scan calls on the emulator and checks it is here.
"""

from __future__ import annotations

from typing import Any

from sagewarden.sources.aws.limits import DEFAULT_ORG_ROLE
from sagewarden.sources.aws.readpath import LIST_TAGS_OP, READ_PATHS


def sagemaker_actions() -> list[str]:
    ops = {LIST_TAGS_OP}
    for path in READ_PATHS.values():
        ops.add(path.list_op)
        if path.describe_op:
            ops.add(path.describe_op)
    return sorted(f"sagemaker:{op}" for op in ops)


def scan_policy(
    org: bool = False,
    org_role: str = DEFAULT_ORG_ROLE,
    role_arn: str | None = None,
    push: bool = False,
) -> dict[str, Any]:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "SageWardenReadSageMaker",
            "Effect": "Allow",
            "Action": sagemaker_actions(),
            "Resource": "*",
        },
        {
            "Sid": "SageWardenDiscoverAccountAndRegions",
            "Effect": "Allow",
            "Action": ["ec2:DescribeRegions", "sts:GetCallerIdentity"],
            "Resource": "*",
        },
    ]
    if org:
        statements.append(
            {
                "Sid": "SageWardenListOrganizationAccounts",
                "Effect": "Allow",
                "Action": ["organizations:ListAccounts"],
                "Resource": "*",
            }
        )
    roles = ([f"arn:aws:iam::*:role/{org_role}"] if org else []) + ([role_arn] if role_arn else [])
    if roles:
        statements.append(
            {
                "Sid": "SageWardenAssumeScanRole",
                "Effect": "Allow",
                "Action": ["sts:AssumeRole"],
                "Resource": roles[0] if len(roles) == 1 else roles,
            }
        )
    if push:  # the only write: --push-security-hub
        statements.append(
            {
                "Sid": "SageWardenImportFindings",
                "Effect": "Allow",
                "Action": ["securityhub:BatchImportFindings"],
                "Resource": "arn:aws:securityhub:*:*:product/*/default",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
