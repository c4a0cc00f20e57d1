"""`sagewarden iam-policy`: the least-privilege IAM policy a scan (or a fix) needs."""

from __future__ import annotations

import argparse
from typing import Any

import orjson

from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.exitstatus import ExitStatus
from sagewarden.sources.aws.limits import DEFAULT_ORG_ROLE


def add_parser(sub: Any) -> None:
    policy = sub.add_parser("iam-policy", help="print the read-only IAM policy a scan needs")
    policy.add_argument(
        "--org",
        action="store_true",
        help="add what an organization scan needs (ListAccounts, AssumeRole)",
    )
    policy.add_argument("--org-role", default=DEFAULT_ORG_ROLE, metavar="NAME")
    policy.add_argument("--role-arn", help="add sts:AssumeRole on this role")
    policy.add_argument(
        "--push-security-hub",
        action="store_true",
        help="add securityhub:BatchImportFindings (the one write, for --push-security-hub)",
    )
    policy.add_argument(
        "--fix",
        action="store_true",
        help="add what `sagewarden fix` needs (its SageMaker writes, iam:PassRole, GetFindings)",
    )
    config = policy.add_mutually_exclusive_group()
    config.add_argument(
        "--config-aggregator",
        action="store_true",
        help="instead: what `scan --config-aggregator` needs (AWS Config's aggregate reads)",
    )
    config.add_argument(
        "--config-recorder",
        action="store_true",
        help="instead: what `scan --config-recorder` needs (the account's Config reads)",
    )
    policy.add_argument(
        "--backup-s3",
        metavar="S3_URI",
        help="with --fix: read access to the notebook backups under this S3 prefix",
    )


def run(args: argparse.Namespace, env: Environment) -> int:
    from sagewarden.iampolicy import config_policy, scan_policy

    if args.backup_s3 and not args.fix:
        raise CliError("--backup-s3 needs --fix")
    if args.config_aggregator or args.config_recorder:
        which = "--config-aggregator" if args.config_aggregator else "--config-recorder"
        for given in ("org", "role_arn", "fix"):
            if getattr(args, given):
                flag = given.replace("_", "-")
                raise CliError(f"{which} and --{flag} cannot be combined (no role, no fix)")
        policy = config_policy(args.config_aggregator, push=args.push_security_hub)
        env.write_bytes(orjson.dumps(policy, option=orjson.OPT_INDENT_2) + b"\n")
        return ExitStatus.SUCCESS
    try:
        policy = scan_policy(
            org=args.org,
            org_role=args.org_role,
            role_arn=args.role_arn,
            push=args.push_security_hub,
            fix=args.fix,
            backup_s3=args.backup_s3,
        )
    except ValueError as exc:
        raise CliError(f"--backup-s3 {args.backup_s3!r}: {exc}") from None
    env.write_bytes(orjson.dumps(policy, option=orjson.OPT_INDENT_2) + b"\n")
    return ExitStatus.SUCCESS
