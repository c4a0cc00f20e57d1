"""`sagewarden fix`: plan, apply (dry run unless --yes), resume, roll back, list runs.

Exit codes: 0 done (or a dry run with nothing refused); 1 a step or the verification
failed (the run can be resumed or rolled back); 2 bad input; 3 some resources were refused
or could not be read (the rest was done); 130 interrupted (Ctrl-C): the run can be resumed
or rolled back.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson

from sagewarden.catalog import BY_ID, CONTROLS, lookup
from sagewarden.diagnostics import Diagnostic, Diagnostics, Kind
from sagewarden.engine import evaluate
from sagewarden.outputs.encoding import dumps
from sagewarden.outputs.escaping import clean
from sagewarden.params import parse_params
from sagewarden.resources import Provenance, Resource
from sagewarden.summary import problem_kinds
from sagewarden.suppressions import CONFIG_NAME
from sagewarden.suppressions import apply as apply_suppressions
from sagewarden.verdicts import Evaluation, Status

if TYPE_CHECKING:
    from sagewarden.remediation.apply import Outcome
    from sagewarden.remediation.journal import Journal
    from sagewarden.remediation.plan import Plan

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INCOMPLETE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
PLAN_VERSION = 1


class FixError(Exception):
    """One line on stderr and exit code 2."""


def add_fix_parser(sub: Any, add_live: Any, add_db: Any, positive_int: Any) -> None:
    fix = sub.add_parser(
        "fix",
        help="fix failing resources: plan, apply (dry run unless --yes), roll back",
        description="Plan and apply fixes for failing SageMaker controls on live accounts. "
        "Every change is a dry run unless --yes; everything touched is backed up first.",
    )
    fsub = fix.add_subparsers(dest="fix_command", metavar="SUBCOMMAND", parser_class=type(fix))

    plan = fsub.add_parser("plan", help="plan the fixes (a readable plan, JSON or a script)")
    _plan_options(plan, add_live)
    plan.add_argument("--format", choices=("text", "json", "script"), default="text")
    plan.add_argument("--output", metavar="FILE", help="write the plan to FILE, not stdout")

    apply = fsub.add_parser(
        "apply",
        help="apply a saved plan, or plan and apply with --aws (a dry run unless --yes)",
    )
    apply.add_argument("plan", nargs="?", metavar="PLAN", help="a plan from fix plan --format json")
    _plan_options(apply, add_live)
    apply.add_argument("--yes", action="store_true", help="make the changes (default: dry run)")
    apply.add_argument("--resume", metavar="RUN_ID", help="continue a run that stopped or died")
    _run_options(apply, add_db)

    rollback = fsub.add_parser(
        "rollback", help="undo a run from its journal (dry run unless --yes)"
    )
    rollback.add_argument("run_id", metavar="RUN_ID")
    rollback.add_argument("--yes", action="store_true", help="make the changes (default: dry run)")
    _credential_options(rollback)
    _run_options(rollback, add_db)

    runs = fsub.add_parser("runs", help="list fix runs and their state")
    add_db(runs)
    runs.add_argument("--limit", type=positive_int, default=20, metavar="N")
    runs.add_argument("--format", choices=("table", "json"), default="table")


def _plan_options(p: argparse.ArgumentParser, add_live: Any) -> None:
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
        help="a tag to add for SageMaker.6/.7 (repeatable)",
    )
    how.add_argument(
        "--allow-rebuild",
        action="store_true",
        help="allow deleting and recreating notebooks for SageMaker.1/.2 (needs a backup)",
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
    add_live(p.add_argument_group("live accounts"))
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def _credential_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("credentials")
    g.add_argument("--profile", help="AWS profile to start from")
    g.add_argument("--role-arn", help="assume this role")
    g.add_argument("--external-id", help="external id for --role-arn or --org-role")
    g.add_argument("--org", action="store_true", help="reach member accounts with --org-role")
    g.add_argument("--org-role", default="OrganizationAccountAccessRole", metavar="NAME")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")


def _run_options(p: argparse.ArgumentParser, add_db: Any) -> None:
    add_db(p)
    p.add_argument(
        "--workers",
        type=int,
        default=8,
        metavar="N",
        help="resources changed at once (default 8; each resource's steps stay in order)",
    )
    p.add_argument(
        "--poll-interval",
        type=float,
        default=15.0,
        metavar="SECONDS",
        help="how often to poll while waiting for AWS (default 15)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="longest wait for one state change (default 3600)",
    )


# --- commands -------------------------------------------------------------------------------


_OPEN: list[Journal] = []  # closed when the command ends: that releases its run claims


def cmd_fix(args: argparse.Namespace) -> int:
    try:
        return _dispatch(args)
    finally:
        while _OPEN:
            _OPEN.pop().close()


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.fix_command == "plan":
            return _cmd_plan(args)
        if args.fix_command == "apply":
            return _cmd_apply(args)
        if args.fix_command == "rollback":
            return _cmd_rollback(args)
        if args.fix_command == "runs":
            return _cmd_runs(args)
    except FixError as exc:
        sys.stderr.write(f"sagewarden: {clean(str(exc))}\n")
        return EXIT_INPUT
    sys.stderr.write("sagewarden: fix needs a subcommand: plan, apply, rollback or runs\n")
    return EXIT_INPUT


def _say(args: argparse.Namespace) -> Any:
    def say(line: str) -> None:
        if not getattr(args, "quiet", False):
            sys.stderr.write(f"sagewarden: {clean(line)}\n")

    return say


def _cmd_plan(args: argparse.Namespace) -> int:
    from sagewarden.remediation import render_text
    from sagewarden.remediation.script import render_script

    plan, doc, code = _make_plan(args)
    if args.format == "json":  # exact values (a lone surrogate, not UTF-8, as U+FFFD)
        text = dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"
    elif args.format == "script":
        text = render_script(plan, profile=args.profile)
    else:
        text = render_text(plan)  # every value escaped within its line
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
            if args.format == "script":
                os.chmod(args.output, 0o755)
        except OSError as exc:
            raise FixError(f"--output {args.output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return code


def _tags(values: Sequence[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise FixError(f"--tag {item!r}: expected KEY=VALUE")
        if len(key) > 128 or len(value) > 256:
            raise FixError(f"--tag {key!r}: keys are at most 128 characters, values 256")
        if key.lower().startswith("aws:"):
            raise FixError(f"--tag {key!r}: keys starting with aws: are reserved for AWS")
        tags[key] = value
    return tags


def _check_plan_options(args: argparse.Namespace) -> None:
    only = []
    for c in args.only:
        control = lookup(c)
        if control is None:
            raise FixError(f"--only {c!r}: unknown control (SageMaker.1 to SageMaker.15)")
        only.append(control.id)
    args.only = only  # as the scan's --control: any case, PCI.SageMaker.N too
    if args.backup_s3 and args.backed_up:
        raise FixError("--backup-s3 and --backed-up cannot be combined")
    if args.backup_s3:
        from sagewarden.remediation import volume

        try:
            volume.locate(args.backup_s3, "x")
        except ValueError as exc:
            raise FixError(f"--backup-s3 {args.backup_s3!r}: {exc}") from None
    if args.report and args.from_security_hub:
        raise FixError("--report and --from-security-hub cannot be combined")
    for arn in args.resource:
        if not arn.startswith("arn:"):
            raise FixError(f"--resource {arn!r}: expected a resource ARN")


def _make_plan(args: argparse.Namespace) -> tuple[Plan, dict[str, Any], int]:
    """Scan live (the report or Security Hub only say what to look at), suppress as
    `scan` does, then plan. The code: 2 for bad input (such as a malformed suppressions
    file), 3 when something could not be read (the plan lists it), else 0."""
    from sagewarden.cli import _live_usage_error, _suppressions, scan_live
    from sagewarden.remediation import plan as make_plan
    from sagewarden.remediation.steps import Skipped

    _check_plan_options(args)
    tags = _tags(args.tag)
    if not args.aws:
        raise FixError(
            "fix plan reads the resources live: give --aws (and --report or "
            "--from-security-hub to fix what they list)"
        )
    usage = _live_usage_error(args)
    if usage:
        raise FixError(usage)
    params, param_diags = parse_params(args.param)
    if param_diags:
        raise FixError(param_diags[0].line())
    focus: set[tuple[str, str]] | None = None
    in_report: dict[tuple[str, str], dict[str, Any]] = {}  # suppressed in the report
    if args.report:
        focus, regions, in_report = _report_focus(args.report)
        if args.include_suppressed:
            focus |= set(in_report)
        if not args.region and not args.all_regions:
            args.region = sorted(regions)
    diags = Diagnostics()
    suppressions = _suppressions(args, diags)
    live = scan_live(args, list(CONTROLS), params)
    diags.extend(live.diagnostics)
    if args.from_security_hub:
        scopes = sorted(
            {(r.account_id, r.region) for r in live.resources if r.account_id and r.region}
        )
        focus = _security_hub_focus(scopes, live.sessions, diags.items)
    result = evaluate(live.resources, list(CONTROLS), params)
    diags.extend(result.diagnostics)
    evaluations, sup_diags = apply_suppressions(result.evaluations, suppressions, date.today())
    diags.extend(sup_diags)
    for d in diags.items:
        if d.kind is not Kind.INFO:
            sys.stderr.write(f"sagewarden: {clean(d.line())}\n")
    only = set(args.only)
    wanted = set(args.resource)

    def chosen(control: str, key: str) -> bool:
        return (not only or control in only) and (not wanted or key in wanted)

    def select(e: Evaluation) -> bool:
        key = e.resource.arn or e.resource.id
        if not chosen(e.control.id, key):
            return False
        return focus is None or (e.control.id, key) in focus

    backup = args.backup_s3 or ("user" if args.backed_up else None)
    try:
        plan = make_plan(
            evaluations,
            tags=tags,
            allow_rebuild=args.allow_rebuild,
            backup=backup,
            subnet=args.subnet,
            select=select,
            include_suppressed=args.include_suppressed,
        )
    except ValueError as exc:
        raise FixError(str(exc)) from None
    if focus is not None:
        failing = {
            (e.control.id, e.resource.arn or e.resource.id)
            for e in evaluations
            if e.status is Status.FAILED
        }
        for control, arn in sorted(focus - failing):
            if chosen(control, arn):
                plan.skipped.append(Skipped(control, arn, "no longer failing (or gone) live"))
    if not args.include_suppressed:
        for (control, arn), sup in sorted(in_report.items()):
            if chosen(control, arn):
                until = f" until {sup['expires']}" if sup.get("expires") else ""
                why = (
                    f"suppressed in {args.report}{until}: {sup.get('reason', '')}; "
                    "--include-suppressed fixes it anyway"
                )
                plan.skipped.append(Skipped(control, arn, why, sup))
    plan.unread = unread_lines(diags.items)
    options = {"include_suppressed": bool(args.include_suppressed)}
    doc = plan_document(plan, args.param, tags, args.allow_rebuild, backup, args.subnet, options)
    kinds = problem_kinds(evaluations, diags.items)  # the scan's rule: ERROR verdicts count
    code = EXIT_OK
    if Kind.SCOPE in kinds:
        code = EXIT_INCOMPLETE
    if Kind.INPUT in kinds:
        code = EXIT_INPUT
    return plan, doc, code


def unread_lines(diags: Sequence[Diagnostic]) -> list[str]:
    """What could not be read, one line per account/region (or resource), in the words
    the scan used: a plan without them would look like a clean bill of health."""
    by_where: dict[str, list[str]] = {}
    for d in diags:
        if d.kind is Kind.SCOPE:
            by_where.setdefault(d.where, []).append(d.message)
    return [
        f"{where}: {messages[0]}" + (f" (and {len(messages) - 1} more)" if messages[1:] else "")
        for where, messages in by_where.items()
    ]


def plan_document(
    plan: Plan,
    params: Sequence[str],
    tags: dict[str, str],
    allow_rebuild: bool,
    backup: str | None,
    subnet: str | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "sagewarden_plan": PLAN_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "params": list(params),
        "options": {
            "tags": tags,
            "allow_rebuild": allow_rebuild,
            "backup": backup,
            "subnet": subnet,
            **(extra or {}),
        },
        **plan.to_dict(),
    }


def _read_json(path: str) -> Any:
    try:
        with open(path, "rb") as fh:
            return orjson.loads(fh.read())
    except OSError as exc:
        raise FixError(f"{path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise FixError(f"{path}: not JSON ({exc})") from None


def _report_focus(
    path: str,
) -> tuple[set[tuple[str, str]], set[str], dict[tuple[str, str], dict[str, Any]]]:
    """The report's failing (control, ARN) pairs, its regions, and the failing ones it
    shows as suppressed (with the suppression), which are fixed only when asked."""
    doc = _read_json(path)
    evaluations = doc.get("evaluations") if isinstance(doc, dict) else None
    if not isinstance(evaluations, list):
        raise FixError(f"{path}: not a sagewarden JSON report (no evaluations list)")
    focus: set[tuple[str, str]] = set()
    regions: set[str] = set()
    suppressed: dict[tuple[str, str], dict[str, Any]] = {}
    for n, e in enumerate(evaluations):
        if not isinstance(e, dict) or not isinstance(e.get("source"), dict):
            raise FixError(f"{path}: evaluation {n} is not an object with a source")
        if e.get("status") != "FAILED":
            continue
        src = e["source"]
        if src.get("kind") not in ("aws", "aws-config"):
            continue
        arn = src.get("arn") or e.get("resource_id")
        if isinstance(arn, str) and isinstance(e.get("control"), str):
            sup = e.get("suppressed")
            if sup:
                suppressed[(e["control"], arn)] = sup if isinstance(sup, dict) else {}
            else:
                focus.add((e["control"], arn))
        if isinstance(src.get("region"), str):
            regions.add(src["region"])
    return focus, regions, suppressed


def _security_hub_focus(
    scopes: Sequence[tuple[str, str]], sessions: dict[str, Any], diags: list[Diagnostic]
) -> set[tuple[str, str]]:
    """Failed, active SageMaker control findings, in each account and region where the
    scan found SageMaker resources (elsewhere there is nothing to fix)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from sagewarden.remediation import live
    from sagewarden.sources.aws.accounts import control_config

    filters = {
        "ComplianceSecurityControlId": [{"Value": "SageMaker.", "Comparison": "PREFIX"}],
        "ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    focus: set[tuple[str, str]] = set()
    for account, region in scopes:
        session = sessions.get(account)
        if session is not None:
            client = session.client("securityhub", region_name=region, config=control_config())
            try:
                for f in live.findings(client, filters):
                    control = (f.get("Compliance") or {}).get("SecurityControlId")
                    status = (f.get("Compliance") or {}).get("Status")
                    workflow = (f.get("Workflow") or {}).get("Status")
                    if (
                        not isinstance(control, str)
                        or not control.startswith("SageMaker.")
                        or status != "FAILED"
                        or f.get("RecordState") != "ACTIVE"
                        or workflow == "SUPPRESSED"
                    ):
                        continue
                    for r in f.get("Resources", []):
                        if isinstance(r.get("Id"), str):
                            focus.add((control, r["Id"]))
            except (ClientError, BotoCoreError) as exc:
                from sagewarden.sources.aws.accounts import error_code

                diags.append(
                    Diagnostic(
                        f"account {account} region {region}",
                        f"securityhub:GetFindings failed: {error_code(exc)}",
                        Kind.SCOPE,
                    )
                )
    return focus


# --- apply, resume, rollback -----------------------------------------------------------


def _load_plan(path: str) -> tuple[Plan, dict[str, Any], int]:
    """A saved plan, checked, and how many of its resources an invalid input refuses."""
    from sagewarden.remediation import Plan

    doc = _read_json(path)
    if not isinstance(doc, dict) or doc.get("sagewarden_plan") != PLAN_VERSION:
        raise FixError(f"{path}: not a sagewarden plan (from `fix plan --format json`)")
    params = doc.get("params", [])
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        raise FixError(f"{path}: malformed plan: params must be a list of strings")
    _, diags = parse_params(params)
    if diags:
        raise FixError(f"{path}: malformed plan: {diags[0].line()}")
    try:
        plan = Plan.from_dict(doc)
    except ValueError as exc:
        raise FixError(f"{path}: {exc}") from None
    from sagewarden.kinds import ALL_TYPES
    from sagewarden.remediation.actions import HANDLERS

    for rp in plan.resources:
        if rp.resource_type not in ALL_TYPES:
            raise FixError(f"{path}: malformed plan: unknown resource type {rp.resource_type!r}")
        for step in rp.steps:
            if step.action not in HANDLERS:
                raise FixError(f"{path}: malformed plan: unknown action {step.action!r}")
    from sagewarden.remediation import inputs
    from sagewarden.remediation.plan import refuse_uncarriable

    # A hand-edited or older plan gets the planner's checks: a resource whose names or
    # input cannot be passed on exactly, or whose input AWS would refuse, is refused
    # before any change, not half way through the run, and that is bad input (exit 2),
    # not a state of AWS.
    was_blocked = {rp.key for rp in plan.resources if rp.blocked}
    for rp in plan.resources:
        refuse_uncarriable(rp)
    checked = inputs.settled(plan)
    invalid = sum(1 for rp in checked.resources if rp.blocked and rp.key not in was_blocked)
    return checked, doc, invalid


def _journal(args: argparse.Namespace) -> Journal:
    from sagewarden.history import default_path
    from sagewarden.remediation.journal import Journal

    path = args.db or default_path()
    try:
        journal = Journal(path)
    except (OSError, sqlite3.Error) as exc:
        raise FixError(f"{path}: cannot open the fix journal: {exc}") from None
    _OPEN.append(journal)
    return journal


def _sessions(args: argparse.Namespace) -> dict[str, Any]:
    from botocore.exceptions import ProfileNotFound

    from sagewarden.sources.aws.accounts import AccountOptions, resolve_targets

    opts = AccountOptions(
        profile=args.profile,
        regions=list(getattr(args, "region", []) or []),
        org=args.org,
        org_role=args.org_role,
        accounts=list(getattr(args, "account", []) or []),
        role_arn=args.role_arn,
        external_id=args.external_id,
    )
    diags: list[Diagnostic] = []
    try:
        targets = resolve_targets(opts, diags)
    except ProfileNotFound as exc:
        raise FixError(f"--profile: {exc}") from None
    for d in diags:
        sys.stderr.write(f"sagewarden: {clean(d.line())}\n")
    return {t.account_id: t.session for t in targets if t.error is None}


def _runner(args: argparse.Namespace, plan: Plan, doc: dict[str, Any], journal: Any) -> Any:
    from sagewarden.remediation.apply import ApplyOptions, Runner
    from sagewarden.remediation.live import Clients

    if args.workers < 1 or args.poll_interval < 0 or args.timeout <= 0:
        raise FixError("--workers must be at least 1, --poll-interval and --timeout positive")
    options = ApplyOptions(args.poll_interval, args.timeout, args.workers)
    clients = Clients(_sessions(args), max_workers=args.workers)
    return Runner(plan, clients, journal, options, _say(args), doc)


def _cmd_apply(args: argparse.Namespace) -> int:
    from sagewarden.remediation import apply as A

    journal = _journal(args)
    if args.resume:
        if args.plan or args.aws:
            raise FixError("--resume takes the plan from the journal: give no PLAN or --aws")
        found = journal.run(args.resume)
        if found is None:
            raise FixError(f"--resume {args.resume}: no such run (see `sagewarden fix runs`)")
        state, doc, _ = found
        if state in ("done", "rolled-back", "rolling-back", "rollback-failed"):
            raise FixError(f"run {args.resume} is {state}: nothing to resume")
        from sagewarden.remediation import Plan

        plan = Plan.from_dict(doc)
        if not args.yes:
            raise FixError("--resume changes AWS: add --yes")
        _claim(journal, args.resume)
        runner = _runner(args, plan, doc, journal)
        with _ctrl_c(runner, journal, args, "apply"):
            return _report(A.resume(runner, journal, args.resume), args)
    if args.plan and args.aws:
        raise FixError("give a PLAN file or --aws, not both")
    if args.plan:
        plan, doc, invalid = _load_plan(args.plan)
        overridden = bool((doc.get("options") or {}).get("include_suppressed"))
        if not (args.include_suppressed or overridden):
            _refuse_suppressed(plan, args)
    elif args.aws:
        invalid = 0
        plan, doc, code = _make_plan(args)
        if code == EXIT_INPUT:  # e.g. a malformed suppressions file: what it accepts is unknown
            raise FixError("fix apply changes nothing while its input has errors (above)")
    else:
        raise FixError("fix apply needs a PLAN file (from fix plan --format json) or --aws")
    runner = _runner(args, plan, doc, journal)
    if not args.yes:
        return _report(A.dry_run(runner), args, plan.unread, invalid)
    options = {
        "workers": args.workers,
        "poll_interval": args.poll_interval,
        "timeout": args.timeout,
    }
    with _ctrl_c(runner, journal, args, "apply"):
        return _report(A.apply(runner, journal, options), args, plan.unread, invalid)


def _refuse_suppressed(plan: Plan, args: argparse.Namespace) -> None:
    """A saved plan is checked against the suppressions as they are now: a resource whose
    fix would change a finding suppressed since the plan was made is refused (blocked),
    unless the plan or this command asks for suppressed findings."""
    from sagewarden.cli import _suppressions
    from sagewarden.remediation.plan import suppression_text

    diags = Diagnostics()
    found = _suppressions(args, diags)
    for d in diags.items:
        sys.stderr.write(f"sagewarden: {clean(d.line())}\n")
    if diags.has_input_errors:
        raise FixError(
            "the suppressions file has errors (above): fix apply changes nothing until they "
            "are corrected"
        )
    if not found:
        return
    pairs: list[tuple[Any, Evaluation]] = []
    for rp in plan.resources:
        arn = rp.resource_id if rp.resource_id.startswith("arn:") else None
        r = Resource(
            rp.resource_type, rp.resource_id, rp.name, {}, None, Provenance("aws"),
            rp.account_id, rp.region, arn,
        )  # fmt: skip
        for c in rp.controls:
            if c in BY_ID:
                pairs.append((rp, Evaluation(BY_ID[c], r, Status.FAILED, "planned")))
    checked, warnings = apply_suppressions([e for _, e in pairs], found, date.today())
    for d in warnings:
        sys.stderr.write(f"sagewarden: {clean(d.line())}\n")
    for (rp, _), e in zip(pairs, checked, strict=True):
        if e.suppression is not None and not rp.blocked:
            rp.blocked = (
                f"{e.control.id} is suppressed ({suppression_text(e.suppression)}): not fixed; "
                "plan again, or give --include-suppressed"
            )


def _cmd_rollback(args: argparse.Namespace) -> int:
    from sagewarden.remediation import Plan
    from sagewarden.remediation import apply as A

    journal = _journal(args)
    found = journal.run(args.run_id)
    if found is None:
        raise FixError(f"{args.run_id}: no such run (see `sagewarden fix runs`)")
    state, doc, _ = found
    if state == "rolled-back":
        raise FixError(f"run {args.run_id} is already rolled back")
    runner = _runner(args, Plan.from_dict(doc), doc, journal)
    if not args.yes:
        return _report(A.rollback(runner, journal, args.run_id, False), args)
    _claim(journal, args.run_id)
    with _ctrl_c(runner, journal, args, "rollback"):
        return _report(A.rollback(runner, journal, args.run_id, True), args)


def _claim(journal: Journal, run_id: str) -> None:
    if not journal.claim(run_id):
        raise FixError(f"run {run_id} is in use by another sagewarden process: let it finish")


def _report(
    outcome: Outcome, args: argparse.Namespace, unread: Sequence[str] = (), invalid: int = 0
) -> int:
    """Print the outcome; the exit code (`invalid`: resources of a saved plan refused because
    an input in it is one AWS would refuse)."""
    from sagewarden.remediation import journal as J

    out = sys.stdout
    interrupted = outcome.state in (J.INTERRUPTED, "rollback-interrupted")
    if outcome.state == "dry-run":
        out.write("Dry run: nothing was changed. With --yes, sagewarden would:\n")
        for line in outcome.lines or ["(nothing)"]:
            out.write(f"  {clean(line)}\n")
    elif outcome.run_id:
        out.write(f"run {outcome.run_id}: {outcome.state}\n")
    elif interrupted:
        out.write("interrupted before any change: nothing was changed\n")
    elif unread:
        out.write(f"nothing done, and {len(unread)} scope(s) could not be read (below)\n")
    else:
        out.write("nothing to do\n")
    for line in outcome.refused:
        sys.stderr.write(f"sagewarden: not fixed: {clean(line)}\n")
    for line in unread:
        sys.stderr.write(f"sagewarden: not read when planned, so not fixed: {clean(line)}\n")
    for line in outcome.failures:
        sys.stderr.write(f"sagewarden: {clean(line)}\n")
    if outcome.run_id and (outcome.failures or interrupted):
        for line in _next_steps(args, outcome.run_id, outcome.state):
            sys.stderr.write(f"sagewarden: {line}\n")
    if interrupted:
        return EXIT_INTERRUPTED
    if invalid:
        return EXIT_INPUT
    if outcome.failures:
        return EXIT_FAILED
    return EXIT_INCOMPLETE if outcome.refused or unread else EXIT_OK


def _again(args: argparse.Namespace) -> str:
    """The options a later command on the same run needs: the journal and the credentials
    (never secrets: profile names, role ARNs and the external id the user typed)."""
    opts: list[str] = []
    for flag, attr in (
        ("--db", "db"),
        ("--profile", "profile"),
        ("--role-arn", "role_arn"),
        ("--external-id", "external_id"),
    ):
        value = getattr(args, attr, None)
        if value:
            opts += [flag, str(value)]
    if getattr(args, "org", False):
        opts.append("--org")
        if args.org_role != "OrganizationAccountAccessRole":
            opts += ["--org-role", args.org_role]
    return "".join(f" {shlex.quote(o)}" for o in opts)


def _next_steps(args: argparse.Namespace, run_id: str, state: str) -> list[str]:
    """The exact commands that continue or undo a run that stopped."""
    from sagewarden.remediation import journal as J

    rid = shlex.quote(run_id)
    more = _again(args)
    rollback = f"sagewarden fix rollback {rid}{more}"
    if state in (J.ROLLBACK_FAILED, "rollback-interrupted"):
        return [
            f"run {run_id}: the rollback stopped; every undone step is in the journal",
            f"continue the rollback: {rollback} --yes",
        ]
    why = (
        "stopped by Ctrl-C: no new step was started"
        if state == J.INTERRUPTED
        else "stopped at the failure above"
    )
    return [
        f"run {run_id}: {why}; every step is in the journal",
        f"continue it: sagewarden fix apply --resume {rid} --yes{more}",
        f"undo it:     {rollback}  (lists what it would undo; add --yes to undo)",
    ]


@contextlib.contextmanager
def _ctrl_c(runner: Any, journal: Journal, args: argparse.Namespace, what: str) -> Iterator[None]:
    """Ctrl-C while a run changes AWS. The first: no new step starts, the steps in
    progress finish and are journaled, and the run ends `interrupted` with the commands
    that continue or undo it (exit 130). The second: leave at once; the steps in progress
    stay `started` in the journal (a resume runs them again, a rollback undoes them), as
    after a crash."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    presses = 0

    def now(lines: Sequence[str]) -> None:  # not sys.stderr: the main thread may be in it
        os.write(2, "".join(f"sagewarden: {clean(line)}\n" for line in lines).encode())

    def handler(signum: int, frame: Any) -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            runner.interrupt()
            now(
                [
                    "interrupted: finishing the steps in progress, starting no more "
                    "(Ctrl-C again to stop at once)"
                ]
            )
            return
        from sagewarden.remediation import journal as J

        run_id = runner.run_id
        if run_id is None:
            now(["interrupted before any change: nothing was changed"])
        else:
            state = J.INTERRUPTED if what == "apply" else J.ROLLING_BACK
            message = "stopped at once by a second Ctrl-C: the steps in progress are in doubt"
            with contextlib.suppress(sqlite3.Error):
                journal.set_state(run_id, state, message)
            done = J.INTERRUPTED if what == "apply" else "rollback-interrupted"
            now([message, *_next_steps(args, run_id, done)])
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        os._exit(EXIT_INTERRUPTED)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _cmd_runs(args: argparse.Namespace) -> int:
    journal = _journal(args)
    rows = journal.runs(args.limit)
    if args.format == "json":
        doc = {"runs": [r.__dict__ for r in rows]}
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
        return EXIT_OK
    if not rows:
        sys.stdout.write("no fix runs recorded\n")
        return EXIT_OK
    sys.stdout.write(f"{'RUN':<24} {'STATE':<16} {'STEPS':>9}  {'UPDATED':<25} MESSAGE\n")
    for r in rows:
        steps = f"{r.steps_done}/{r.steps_total}"
        sys.stdout.write(
            f"{r.id:<24} {r.state:<16} {steps:>9}  {r.updated_at:<25} {clean(r.message)}\n"
        )
    return EXIT_OK
