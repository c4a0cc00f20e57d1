"""`sagewarden fix`: plan, apply (dry run unless --yes), resume, roll back, list runs.

Exit codes: 0 done (or a dry run with nothing refused); 1 a step or the verification
failed (the run can be resumed or rolled back); 2 bad input; 3 some resources were refused
or could not be read (the rest was done); 130 interrupted (Ctrl-C): the run can be resumed
or rolled back.
"""

from __future__ import annotations

import argparse
from typing import Any

from sagewarden.catalog import CONTROLS, FROM_OPTION_KMS_KEY, FROM_OPTION_TAGS
from sagewarden.cli import fix_apply, fix_plan, fix_rollback
from sagewarden.cli.arguments import (
    add_color_option,
    add_db_option,
    add_live_options,
    positive_int,
)
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.cli.fix_run import POLL_INTERVAL, WAIT_TIMEOUT, WORKERS
from sagewarden.kinds import REBUILD
from sagewarden.sources.aws.limits import DEFAULT_ORG_ROLE
from sagewarden.suppressions import CONFIG_NAME


def _ids(marker: str) -> str:
    """The controls whose fix uses `marker` (a strategy or a user-supplied value); a
    fix sagewarden does not make (blocked) uses none."""
    return ", ".join(
        c.id
        for c in CONTROLS
        if not c.fix.blocked
        and (c.fix.strategy == marker or any(v == marker for _, v in c.fix.sets))
    )


def add_parser(sub: Any) -> None:
    fix = sub.add_parser(
        "fix",
        help="fix failing resources: plan, apply (dry run unless --yes), roll back",
        description="Plan and apply fixes for failing SageMaker controls on live accounts. "
        "Every change is a dry run unless --yes; everything touched is backed up first.",
    )
    fsub = fix.add_subparsers(dest="fix_command", metavar="SUBCOMMAND", parser_class=type(fix))

    plan = fsub.add_parser("plan", help="plan the fixes (a readable plan, JSON or a script)")
    _plan_options(plan)
    plan.add_argument("--format", choices=("text", "json", "script"), default="text")
    plan.add_argument("--output", metavar="FILE", help="write the plan to FILE, not stdout")

    apply = fsub.add_parser(
        "apply",
        help="apply a saved plan, or plan and apply with --aws (a dry run unless --yes)",
    )
    apply.add_argument("plan", nargs="?", metavar="PLAN", help="a plan from fix plan --format json")
    _plan_options(apply)
    apply.add_argument("--yes", action="store_true", help="make the changes (default: dry run)")
    apply.add_argument("--resume", metavar="RUN_ID", help="continue a run that stopped or died")
    _run_options(apply)

    rollback = fsub.add_parser(
        "rollback", help="undo a run from its journal (dry run unless --yes)"
    )
    rollback.add_argument("run_id", metavar="RUN_ID")
    rollback.add_argument("--yes", action="store_true", help="make the changes (default: dry run)")
    _credential_options(rollback)
    _run_options(rollback)

    runs = fsub.add_parser("runs", help="list fix runs and their state")
    add_db_option(runs)
    runs.add_argument("--limit", type=positive_int, default=20, metavar="N")
    runs.add_argument("--format", choices=("table", "json"), default="table")
    add_color_option(runs)


def run(args: argparse.Namespace, env: Environment) -> int:
    commands = {
        "plan": fix_plan.run,
        "apply": fix_apply.run,
        "rollback": fix_rollback.run,
        "runs": fix_rollback.run_runs,
    }
    command = commands.get(args.fix_command)
    if command is None:
        raise CliError("fix needs a subcommand: plan, apply, rollback or runs")
    return command(args, env)


def _plan_options(p: argparse.ArgumentParser) -> None:
    src = p.add_argument_group("what to fix")
    src.add_argument(
        "--report",
        metavar="FILE",
        help="the failing verdicts of a saved `scan --aws --format json` report "
        "(re-read live before planning)",
    )
    src.add_argument(
        "--from-security-hub",
        action="store_true",
        help="the failed SageMaker.N findings in Security Hub (GetFindings), re-read live",
    )
    src.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SageMaker.N",
        help="fix only this control (repeatable)",
    )
    src.add_argument(
        "--resource", action="append", default=[], metavar="ARN", help="fix only this resource"
    )
    src.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="SageMaker.N.NAME=VALUE",
        help="a control parameter, as for scan (e.g. the required tag keys)",
    )
    src.add_argument(
        "--config",
        metavar="FILE",
        help=f"suppressions file, as for scan (default: {CONFIG_NAME} in the current "
        "directory, if any): suppressed findings are listed as skipped, not fixed",
    )
    src.add_argument(
        "--include-suppressed",
        action="store_true",
        help="fix suppressed findings too (the plan says which suppressions it overrides)",
    )
    how = p.add_argument_group("how to fix")
    how.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"a tag to add for {_ids(FROM_OPTION_TAGS)} (repeatable)",
    )
    how.add_argument(
        "--allow-rebuild",
        action="store_true",
        help=f"allow deleting and recreating notebooks for {_ids(REBUILD)} (needs a backup)",
    )
    how.add_argument(
        "--backup-s3",
        metavar="S3_URI",
        help="back notebook volumes up to s3://BUCKET/PREFIX before a rebuild, and restore them",
    )
    how.add_argument(
        "--backed-up",
        action="store_true",
        help="state that you have backed up /home/ec2-user/SageMaker yourself",
    )
    how.add_argument("--subnet", metavar="SUBNET_ID", help="subnet for rebuilt notebooks")
    how.add_argument(
        FROM_OPTION_KMS_KEY,
        metavar="KEY",
        help=f"the KMS key (id, ARN or alias) {_ids(FROM_OPTION_KMS_KEY)} set; without it "
        "they are planned but not fixed",
    )
    add_live_options(p.add_argument_group("live accounts"))
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    add_color_option(p)


def _credential_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("credentials")
    g.add_argument("--profile", help="AWS profile to start from")
    g.add_argument("--role-arn", help="assume this role")
    g.add_argument("--external-id", help="external id for --role-arn or --org-role")
    g.add_argument("--org", action="store_true", help="reach member accounts with --org-role")
    g.add_argument("--org-role", default=DEFAULT_ORG_ROLE, metavar="NAME")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    add_color_option(p)


def _run_options(p: argparse.ArgumentParser) -> None:
    add_db_option(p)
    p.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        metavar="N",
        help=f"resources changed at once (default {WORKERS}; each resource's steps stay in order)",
    )
    p.add_argument(
        "--poll-interval",
        type=float,
        default=POLL_INTERVAL,
        metavar="SECONDS",
        help=f"how often to poll while waiting for AWS (default {POLL_INTERVAL:g})",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=WAIT_TIMEOUT,
        metavar="SECONDS",
        help=f"longest wait for one state change (default {WAIT_TIMEOUT:g})",
    )
