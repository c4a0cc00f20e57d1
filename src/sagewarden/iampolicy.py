"""The least-privilege, read-only IAM policy a scan needs, derived from the read paths.

Derived rather than written by hand, so the policy and the collector cannot drift apart;
a test records every operation a full scan calls on the emulator and checks it is here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sagewarden.sources.aws.limits import DEFAULT_ORG_ROLE
from sagewarden.sources.aws.readpath import LIST_TAGS_OP, READ_PATHS


def sagemaker_actions(resource_types: Iterable[str] | None = None) -> list[str]:
    """The SageMaker reads of a scan, of every type or of `resource_types` only (what a
    Config rule's function reads for its controls)."""
    ops = {LIST_TAGS_OP}
    wanted = READ_PATHS if resource_types is None else set(resource_types)
    for path in (p for t, p in READ_PATHS.items() if t in wanted):
        ops.add(path.list_op)
        if path.describe_op:
            ops.add(path.describe_op)
    return sorted(f"sagemaker:{op}" for op in ops)


def scan_policy(
    org: bool = False,
    org_role: str = DEFAULT_ORG_ROLE,
    role_arn: str | None = None,
    push: bool = False,
    fix: bool = False,
    backup_s3: str | None = None,
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
        statements.append(  # a muted finding's Workflow: SUPPRESSED (publish.py)
            {
                "Sid": "SageWardenSetFindingWorkflow",
                "Effect": "Allow",
                "Action": ["securityhub:BatchUpdateFindings"],
                "Resource": "arn:aws:securityhub:*:*:hub/default",
            }
        )
    if fix:
        statements += fix_statements(backup_s3)
    return {"Version": "2012-10-17", "Statement": statements}


def config_policy(aggregator: bool, push: bool = False) -> dict[str, Any]:
    """What `scan --config-aggregator` (or `--config-recorder`, `aggregator` false) needs:
    AWS Config reads in the caller's account, the operations sources.aws_config calls."""
    from sagewarden.sources.aws_config import recording
    from sagewarden.sources.aws_config.api import Aggregate, Recorder

    api = Aggregate if aggregator else Recorder
    ops = {api.select_op, api.batch_op, api.list_op}
    ops.add(recording.SOURCES_STATUS if aggregator else recording.DESCRIBE)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "SageWardenReadConfigAggregator" if aggregator else "SageWardenReadConfig",
            "Effect": "Allow",
            "Action": sorted(f"config:{op}" for op in ops),
            "Resource": "*",
        },
        {
            "Sid": "SageWardenIdentifyAccount",
            "Effect": "Allow",
            "Action": ["sts:GetCallerIdentity"],
            "Resource": "*",
        },
    ]
    policy = scan_policy(push=push)  # the push statement, written once
    statements += [s for s in policy["Statement"] if s["Sid"] == "SageWardenImportFindings"]
    return {"Version": "2012-10-17", "Statement": statements}


def fix_operations() -> set[str]:
    """The SageMaker operations `sagewarden fix` calls beyond the scan's: the union of
    the step kinds' permissions and the runner's own reads (every resource, fresh)."""
    from sagewarden.remediation import preflight, stepkinds

    scan = {action.split(":", 1)[1] for action in sagemaker_actions()}
    return (set(stepkinds.operations()) | set(preflight.OPERATIONS)) - scan


def fix_statements(backup_s3: str | None = None) -> list[dict[str, Any]]:
    """What `sagewarden fix` adds to the scan policy: the SageMaker writes its steps make,
    passing the resources' own roles to SageMaker, reading Security Hub findings
    (--from-security-hub), and reading the notebook backups it verifies (--backup-s3)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "SageWardenFixSageMaker",
            "Effect": "Allow",
            "Action": sorted(f"sagemaker:{op}" for op in fix_operations()),
            "Resource": "*",
        },
        {
            "Sid": "SageWardenPassExistingRolesToSageMaker",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
        {
            "Sid": "SageWardenReadFindings",
            "Effect": "Allow",
            "Action": ["securityhub:GetFindings"],
            "Resource": "*",
        },
    ]
    if backup_s3:
        from sagewarden.remediation.volume import locate

        bucket, prefix = locate(backup_s3, "x")
        base = prefix[: -len("x/")]
        statements.append(
            {
                "Sid": "SageWardenVerifyNotebookBackups",
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringLike": {"s3:prefix": [f"{base}*"]}},
            }
        )
        statements.append(
            {
                "Sid": "SageWardenReadNotebookBackupManifests",
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": f"arn:aws:s3:::{bucket}/{base}*",
            }
        )
    return statements
