"""The `sagewarden` command: reports on stdout, progress and diagnostics on stderr.

Exit codes: 0 nothing at or above --fail-on failed; 1 failures; 2 usage or input errors
(the rest of the input is still evaluated and reported); 3 an account, region or resource
could not be read (everything else was scanned). 2 wins over 3, and 3 over 1.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import IO, TYPE_CHECKING, Any, NoReturn

import orjson

from sagewarden import __version__
from sagewarden.catalog import (
    BY_ID,
    CONTROLS,
    Control,
    Severity,
    control_to_dict,
    references_to_resolve,
)
from sagewarden.diagnostics import Diagnostic, Diagnostics, Kind
from sagewarden.engine import evaluate, select_controls
from sagewarden.frameworks import FRAMEWORKS
from sagewarden.outputs import asff, csvout, html, jsonout, junit, ocsf, sarif, table
from sagewarden.outputs.progress import ScanProgress
from sagewarden.outputs.terminal import BOLD, DIM, Style, clean, use_color
from sagewarden.params import ParamSet, parse_params
from sagewarden.sources.aws.limits import (
    DEFAULT_MAX_RATE,
    DEFAULT_MAX_WORKERS,
    DEFAULT_ORG_ROLE,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
)
from sagewarden.sources.cloudformation import parse_params_file
from sagewarden.sources.files import ReadResult, read_files
from sagewarden.summary import problem_kinds, summarize
from sagewarden.suppressions import CONFIG_NAME
from sagewarden.suppressions import apply as apply_suppressions
from sagewarden.suppressions import load_config as load_suppressions
from sagewarden.verdicts import Evaluation, Status, Suppression

if TYPE_CHECKING:  # boto3 is imported only by commands that talk to AWS: fast start-up
    from sagewarden.history import History
    from sagewarden.sources.aws.collector import CollectResult

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2
EXIT_INCOMPLETE = 3
FAIL_ON = ("low", "medium", "high", "critical", "never")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"sagewarden: {message} (see '{self.prog} --help')\n")
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sagewarden",
        description="Evaluate Amazon SageMaker resources against Security Hub controls "
        "SageMaker.1-15.",
    )
    parser.add_argument("--version", action="version", version=f"sagewarden {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    scan = sub.add_parser(
        "scan",
        help="evaluate live accounts (--aws) or AWS Config data",
        description="Evaluate SageMaker resources against the controls: live accounts with "
        "--aws, or AWS Config files (snapshots, history, query results).",
    )
    _add_scan_options(scan, ("table", "json", "sarif", "junit", "asff", "ocsf", "csv", "html"))

    controls = sub.add_parser("controls", help="list the controls and their parameters")
    controls.add_argument("--format", choices=("table", "json"), default="table")

    demo = sub.add_parser(
        "demo",
        help="scan a built-in demo account on a local AWS emulator (no credentials needed)",
        description="Start an AWS emulator on 127.0.0.1, fill two regions with a realistic "
        "SageMaker estate, and scan it. Any scan option may follow (e.g. --format json).",
    )
    demo.add_argument("scan_options", nargs="*", metavar="SCAN-OPTION")

    report = sub.add_parser(
        "report",
        help="framework evidence: results per requirement of a standard",
        description="Scan (any scan option works) and summarise the results per requirement "
        "of a framework: which controls map to it, how many resources pass and fail.",
    )
    report.add_argument("--framework", required=True, choices=sorted(FRAMEWORKS))
    _add_scan_options(report, ("table", "json", "csv", "html"))

    hist = sub.add_parser("history", help="list recorded scans")
    _add_db_option(hist)
    hist.add_argument("--limit", type=_positive_int, default=20, metavar="N")
    hist.add_argument("--format", choices=("table", "json"), default="table")
    diff = sub.add_parser("diff", help="new, resolved and still-failing findings between two scans")
    _add_db_option(diff)
    diff.add_argument(
        "scans",
        nargs="*",
        type=_positive_int,
        metavar="SCAN",
        help="two scan ids (default: the last two scans of the same scope)",
    )
    diff.add_argument("--format", choices=("table", "json"), default="table")

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
    policy.add_argument(
        "--backup-s3",
        metavar="S3_URI",
        help="with --fix: read access to the notebook backups under this S3 prefix",
    )
    from sagewarden.cli_fix import add_fix_parser

    add_fix_parser(sub, _add_live_options, _add_db_option, _positive_int)
    return parser


def _add_scan_options(scan: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """What to scan and how: shared by `scan` and `report`."""
    scan.add_argument(
        "paths", nargs="*", metavar="PATH", help="AWS Config files or directories (.json, .json.gz)"
    )
    scan.add_argument(
        "--control",
        action="append",
        default=[],
        metavar="SageMaker.N",
        help="evaluate only this control (repeatable; default: all 15)",
    )
    scan.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="SageMaker.N.NAME=VALUE",
        help="set a control parameter; lists are comma-separated (repeatable)",
    )
    scan.add_argument(
        "--format",
        choices=formats,
        default="table",
        help="report format (default: table)",
    )
    scan.add_argument("--output", metavar="FILE", help="write the report to FILE, not stdout")
    scan.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="low",
        help="exit 1 when a control of at least this severity fails "
        "(default: low; never: always 0 unless the input is bad)",
    )
    scan.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="table: list passed and not-applicable resources too",
    )
    scan.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar or timing line on stderr"
    )
    scan.add_argument(
        "--fail-on-unknown",
        action="store_true",
        help="also exit 1 when a verdict is UNKNOWN (an IaC value known only at deploy)",
    )
    scan.add_argument(
        "--config",
        metavar="FILE",
        help=f"suppressions file (default: {CONFIG_NAME} in the current directory, if any)",
    )
    scan.add_argument(
        "--skip-other-files",
        action="store_true",
        help="skip files given by name that are not Config data, templates or plans "
        "(as in directories; for pre-commit, which passes every changed file)",
    )
    _add_db_option(scan)
    scan.add_argument(
        "--no-history", action="store_true", help="do not record this scan in the history"
    )
    scan.add_argument(
        "--push-security-hub",
        action="store_true",
        help="import the findings into AWS Security Hub (BatchImportFindings) in each "
        "account and region; findings of resources gone since the last push are archived",
    )
    iac = scan.add_argument_group("infrastructure as code")
    iac.add_argument(
        "--cfn-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a CloudFormation parameter value (repeatable; AWS::Region=... too)",
    )
    iac.add_argument(
        "--cfn-params-file",
        metavar="FILE",
        help="CloudFormation parameter values: create-stack/deploy JSON or a CodePipeline "
        "template configuration file",
    )
    live = scan.add_argument_group("live accounts")
    _add_live_options(live)
    live.add_argument(  # scan only: `fix apply` has its own --timeout (waits for AWS)
        "--timeout",
        dest="scan_timeout",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"longest one account and region may take, from its first call, retries "
        f"included (default {DEFAULT_TIMEOUT:g}); what it has not read by then is ERROR. "
        f"Each call waits at most {DEFAULT_READ_TIMEOUT:g} s for an answer (or SECONDS if "
        "shorter)",
    )


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="history database (default: $SAGEWARDEN_DB, else "
        "~/.local/share/sagewarden/history.sqlite3)",
    )


def _add_live_options(live: argparse._ArgumentGroup) -> None:
    live.add_argument(
        "--aws", action="store_true", help="scan live accounts (standard credential chain)"
    )
    live.add_argument("--profile", help="AWS profile to start from")
    live.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="REGION",
        help="region to scan (repeatable; default: the profile's region)",
    )
    live.add_argument(
        "--all-regions",
        action="store_true",
        help="every region where SageMaker is offered and the account is opted in",
    )
    live.add_argument(
        "--org",
        action="store_true",
        help="every active account of the AWS Organization (assumes --org-role in each)",
    )
    live.add_argument(
        "--org-role",
        default=DEFAULT_ORG_ROLE,
        metavar="NAME",
        help=f"role to assume in each member account (default {DEFAULT_ORG_ROLE})",
    )
    live.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="ID",
        help="with --org: only this account (repeatable)",
    )
    live.add_argument("--role-arn", help="assume this role and scan its account")
    live.add_argument("--external-id", help="external id for --role-arn or --org-role")
    live.add_argument(
        "--max-workers",
        type=_positive_int,
        default=DEFAULT_MAX_WORKERS,
        metavar="N",
        help=f"concurrent API calls (default {DEFAULT_MAX_WORKERS})",
    )
    live.add_argument(
        "--max-rate",
        type=_positive_float,
        default=DEFAULT_MAX_RATE,
        metavar="N",
        help=f"API calls per second per account and region (default {DEFAULT_MAX_RATE:g}); "
        "the rate halves each time AWS throttles and climbs back as calls get through",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["demo"] and not {"-h", "--help"} & set(argv[1:]):
        # Everything after `demo` is a scan option: parse it with the scan parser.
        return _guard(lambda: cmd_demo(argv[1:], parser))
    args = parser.parse_args(argv)
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "scan": cmd_scan,
        "controls": cmd_controls,
        "iam-policy": cmd_iam_policy,
        "history": cmd_history,
        "report": cmd_report,
        "diff": cmd_diff,
        "demo": lambda a: cmd_demo(a.scan_options, parser),
        "fix": _cmd_fix,
    }
    command = commands.get(args.command)
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    return _guard(lambda: command(args))


def _cmd_fix(args: argparse.Namespace) -> int:
    from sagewarden.cli_fix import cmd_fix

    return cmd_fix(args)


@dataclass
class ScanOutcome:
    evaluations: list[Evaluation]
    summary: dict[str, Any]
    diagnostics: Diagnostics
    read: ReadResult
    calls: int
    resources: int


def collect(args: argparse.Namespace) -> ScanOutcome | int:
    """Read every source the options name, evaluate, suppress, record: the shared pipeline
    of `scan` and `report`. Returns an exit code instead when the options are unusable."""
    if not args.paths and not args.aws:
        sys.stderr.write(
            f"sagewarden: {args.command} needs --aws or at least one PATH "
            f"(see 'sagewarden {args.command} --help')\n"
        )
        return EXIT_INPUT
    usage = _live_usage_error(args)
    if usage:
        sys.stderr.write(f"sagewarden: {usage} (see 'sagewarden {args.command} --help')\n")
        return EXIT_INPUT
    scan_started = datetime.now(timezone.utc)
    diags = Diagnostics()
    controls, control_diags = select_controls(args.control)
    diags.extend(control_diags)
    params, param_diags = parse_params(args.param)
    diags.extend(param_diags)

    cfn_params = _cfn_params(args, diags)
    suppressions = _suppressions(args, diags)
    read = (
        read_files(args.paths, cfn_params, skip_other=args.skip_other_files)
        if args.paths
        else ReadResult()
    )
    resources = read.resources
    diags.extend(read.diagnostics)
    live: CollectResult | None = None
    if args.aws:
        live = scan_live(args, controls, params)
        resources += live.resources
        diags.extend(live.diagnostics)
    result = evaluate(resources, controls, params)
    diags.extend(result.diagnostics)
    evaluations, sup_diags = apply_suppressions(result.evaluations, suppressions, date.today())
    diags.extend(sup_diags)
    evaluations.sort(key=_order)
    if not evaluations and not diags.has_input_errors and not diags.has_scope_errors:
        named = [*args.paths, *(["aws"] if args.aws else [])]
        where = ", ".join(named) if len(named) <= 3 else f"{named[0]} and {len(named) - 1} more"
        diags.add(where, _nothing(read, live), Kind.WARNING)
    summary = summarize(evaluations, diags.items)
    scope = _scope(args, controls, params, live)
    if not args.no_history:
        _record(args, evaluations, diags, scan_started, scope)
    if args.push_security_hub:
        _push(args, evaluations, live.sessions if live else {}, diags, scope)
    for d in diags.items:
        if d.kind is not Kind.INFO or args.verbose:
            sys.stderr.write(f"sagewarden: {clean(d.line())}\n")
    calls = sum(live.calls.values()) if live else 0
    return ScanOutcome(evaluations, summary, diags, read, calls, len(resources))


def _nothing(read: ReadResult, live: CollectResult | None) -> str:
    """The warning for a run that read its inputs and found nothing the controls evaluate."""
    seen = [
        _count(n, word)
        for n, word in (
            (read.config_files, "Config file"),
            (read.templates, "template"),
            (read.plans, "Terraform plan"),
        )
        if n
    ]
    if live is not None:
        regions = {r for rs in live.accounts.values() for r in rs}
        seen.append(f"{_count(len(live.accounts), 'account')} x {_count(len(regions), 'region')}")
    if not seen:  # --skip-other-files skipped every file it was given
        return "nothing in scope: no AWS Config data, template or plan among these files"
    return (
        f"nothing in scope: {' and '.join(seen)} held no SageMaker resource "
        "that the selected controls evaluate"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def cmd_scan(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    outcome = collect(args)
    if isinstance(outcome, int):
        return outcome
    _write_report(args, outcome.evaluations, outcome.summary, outcome.diagnostics.items)
    if not args.quiet and sys.stderr.isatty():
        took = time.perf_counter() - started
        read = outcome.read
        what = [f"{outcome.calls} API calls"] if args.aws else []
        what += [f"{read.config_items} Config items"] if read.config_items else []
        what += [f"{read.templates} templates"] if read.templates else []
        what += [f"{read.plans} Terraform plans"] if read.plans else []
        sys.stderr.write(
            f"sagewarden: {', '.join([*what, f'{outcome.resources} SageMaker resources'])}, "
            f"in {took:.2f}s\n"
        )
    return exit_code(outcome.evaluations, outcome.diagnostics, args.fail_on, args.fail_on_unknown)


def cmd_report(args: argparse.Namespace) -> int:
    from sagewarden import frameworks

    outcome = collect(args)
    if isinstance(outcome, int):
        return outcome
    rows = frameworks.evidence(args.framework, outcome.evaluations)
    renderers = {
        "table": frameworks.render_table,
        "json": frameworks.render_json,
        "csv": frameworks.render_csv,
        "html": frameworks.render_html,
    }
    render = renderers[args.format]
    if args.output:
        with _output(args.output, "wb") as fh:
            render(fh, args.framework, rows)
    else:
        render(sys.stdout.buffer, args.framework, rows)
        sys.stdout.flush()
    return exit_code(outcome.evaluations, outcome.diagnostics, args.fail_on, args.fail_on_unknown)


def _scope(
    args: argparse.Namespace,
    controls: Sequence[Control],
    params: ParamSet,
    live: CollectResult | None,
) -> str:
    """What was scanned and how it was judged, so `diff` compares like with like.

    Live: the accounts actually scanned (not the profile that reached them), their regions
    ("all" for --all-regions, which follows opt-ins), and an endpoint that replaces AWS's;
    files: their absolute paths. Then the controls that ran (one skipped for an invalid
    parameter did not) and every parameter value in effect, defaults included.
    """
    aws: dict[str, Any] | None = None
    if live is not None:
        aws = {
            "accounts": {a: ["all"] if args.all_regions else r for a, r in live.accounts.items()},
            "endpoint": getattr(args, "scope_endpoint", None) or live.endpoint,
        }
    ran = [c for c in controls if c.id not in params.invalid_controls]
    doc = {
        "v": SCOPE_VERSION,
        "aws": aws,
        "paths": sorted(os.path.abspath(p) for p in args.paths),
        "controls": [c.id for c in ran],
        "params": {c.id: params.for_control(c) for c in ran if c.parameters},
    }
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode()


SCOPE_VERSION = 2  # version 1 (before 0.2): profile and region options, no account


def _record(
    args: argparse.Namespace,
    evaluations: list[Evaluation],
    diags: Diagnostics,
    started: datetime,
    scope: str,
) -> None:
    from sagewarden.history import History, default_path

    path = args.db or default_path()
    try:
        history = History(path)
        try:
            history.record(evaluations, scope, started)
        finally:
            history.close()
    except (OSError, sqlite3.Error) as exc:
        diags.add(path, f"scan not recorded in the history: {exc}", Kind.WARNING)


def _observed_at(
    args: argparse.Namespace, evaluations: list[Evaluation]
) -> Callable[[Evaluation], tuple[str, str, str] | None]:
    """First and last seen from the history, for ASFF's FirstObservedAt and CreatedAt."""
    from sagewarden.history import History, default_path, finding_key

    try:
        history = History(args.db or default_path())
        seen = history.observed(finding_key(e) for e in evaluations)
        history.close()
    except (OSError, sqlite3.Error):
        seen = {}

    def lookup(e: Evaluation) -> tuple[str, str, str] | None:
        o = seen.get(finding_key(e))
        return (o.first_seen, o.last_seen, o.first_seen) if o else None

    return lookup


def _push(
    args: argparse.Namespace,
    evaluations: list[Evaluation],
    sessions: dict[str, Any],
    diags: Diagnostics,
    scope: str,
) -> None:
    """Security Hub import; the history keeps what was pushed, to archive what is gone."""
    from sagewarden import publish
    from sagewarden.history import finding_key

    if not sessions:  # Config data: the caller's own account
        sessions, problem = publish.own_session(args.profile)
        if problem:
            diags.add("--push-security-hub", f"no AWS credentials: {problem}", Kind.SCOPE)
            return
    try:
        history: History | None = _open_history(args)
    except CommandError as exc:
        diags.add(
            "--push-security-hub",
            f"{exc}: findings of gone resources are not archived",
            Kind.WARNING,
        )
        history = None
    previous = publish.loads(history.last_push(scope)) if history else {}
    observed = history.observed(finding_key(e) for e in evaluations) if history else {}
    report = publish.push(evaluations, sessions, previous, observed)
    if history:
        try:
            history.save_push(scope, publish.dumps(report.pushed))
        except sqlite3.Error as exc:  # e.g. a read-only database: the push itself stands
            diags.add(
                "--push-security-hub",
                f"what was pushed is not remembered ({exc}): the next push cannot archive "
                "the findings of resources gone by then",
                Kind.WARNING,
            )
        history.close()
    diags.extend(report.diagnostics)
    diags.add(
        "--push-security-hub",
        f"{report.imported} findings imported, {report.archived} archived, "
        f"{report.failed} not imported, in {report.calls} BatchImportFindings calls",
        Kind.WARNING if report.failed else Kind.INFO,
    )


class CommandError(Exception):
    """A problem that ends a command with one line on stderr and exit code 2."""


def _output(path: str, mode: str) -> IO[Any]:
    """The --output file, or one clear line when it cannot be written."""
    try:
        return open(path, mode, encoding=None if "b" in mode else "utf-8")
    except OSError as exc:
        raise CommandError(f"--output {path}: {exc.strerror or exc}") from None


def _open_history(args: argparse.Namespace) -> History:
    from sagewarden.history import History, default_path

    path = args.db or default_path()
    try:
        return History(path)
    except (OSError, sqlite3.Error) as exc:
        raise CommandError(f"{path}: cannot open the history database: {exc}") from None


def cmd_history(args: argparse.Namespace) -> int:
    history = _open_history(args)
    rows = history.scans(args.limit)
    if args.format == "json":
        doc = {"scans": [r.__dict__ for r in rows]}
        sys.stdout.buffer.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        return EXIT_OK
    for r in rows:
        sys.stdout.write(
            f"{r.id:>6}  {r.started_at}  {r.evaluations:>7} evaluations  "
            f"{r.failed:>6} failed  {clean(_scope_text(r.scope))}\n"
        )
    if not rows:
        sys.stdout.write("No scans recorded yet.\n")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    history = _open_history(args)
    if len(args.scans) == 2:
        first, second = history.scan(args.scans[0]), history.scan(args.scans[1])
        if first is None or second is None:
            missing = args.scans[0] if first is None else args.scans[1]
            sys.stderr.write(f"sagewarden: no scan {missing} in {history.path}\n")
            return EXIT_INPUT
    elif not args.scans:
        last = history.last_two()
        if last is None:
            sys.stderr.write(
                "sagewarden: diff needs two scans of the same scope; "
                "run the scan again or name two scans\n"
            )
            return EXIT_INPUT
        first, second = last
    else:
        sys.stderr.write("sagewarden: diff takes no scan or two scans\n")
        return EXIT_INPUT
    old, new = first.id, second.id
    if first.scope != second.scope:
        was, now = _scope_text(first.scope), _scope_text(second.scope)
        how = f"{was} / {now}" if was != now else "a default or the scope format changed"
        sys.stderr.write(
            f"sagewarden: scans {old} and {new} have different scopes ({clean(how)}): "
            "findings outside what both covered show as new or resolved\n"
        )
    changes = history.diff(old, new)
    if args.format == "json":
        doc = {"from": old, "to": new, **changes}
        sys.stdout.buffer.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        return EXIT_OK
    sys.stdout.write(f"scan {old} -> scan {new}\n")
    for title, rows in (
        ("New", changes["new"]),
        ("Resolved", changes["resolved"]),
        ("Could not be read now (not resolved)", changes["not_read"]),
        ("Still failing", changes["still_failing"]),
    ):
        sys.stdout.write(f"{title} ({len(rows)})\n")
        for row in rows:
            where = "/".join(x for x in (row["account_id"], row["region"]) if x) or "-"
            now = f" (now: {row['now']})" if row.get("now") else ""
            sys.stdout.write(
                f"  {row['control']:<13} {clean(row['resource_name'])}  {clean(where)}  "
                f"{clean(row['reason'])}{clean(now)}\n"
            )
    return EXIT_OK


def _scope_text(scope: str) -> str:
    """A recorded scope in a few words: its accounts and regions, or its files."""
    try:
        doc = orjson.loads(scope)
    except orjson.JSONDecodeError:
        return "?"
    parts: list[str] = []
    aws = doc.get("aws")
    if isinstance(aws, dict) and isinstance(aws.get("accounts"), dict):
        for account, regions in sorted(aws["accounts"].items()):
            parts.append(f"{account} {','.join(regions)}")
        if not aws["accounts"]:
            parts.append("aws (no account could be reached)")
        if aws.get("endpoint"):
            parts.append(f"at {aws['endpoint']}")
    elif aws:
        parts.append("aws")  # a scope recorded before accounts were part of it
    parts += doc.get("paths", [])
    controls = doc.get("controls") or []
    if controls and len(controls) < len(CONTROLS):
        parts.append(f"controls {','.join(controls)}")
    for cid, values in sorted((doc.get("params") or {}).items()):
        for name, value in sorted(values.items()):
            param = BY_ID[cid].parameter(name) if cid in BY_ID else None
            default = param.default if param else None
            if value != (list(default) if isinstance(default, tuple) else default):
                shown = ",".join(value) if isinstance(value, list) else str(value).lower()
                parts.append(f"{cid}.{name}={shown}")
    return " ".join(parts)


def _cfn_params(args: argparse.Namespace, diags: Diagnostics) -> dict[str, str]:
    values: dict[str, str] = {}
    if args.cfn_params_file:
        from_file, problems = parse_params_file(args.cfn_params_file)
        values.update(from_file)
        diags.extend(problems)
    for spec in args.cfn_param:
        key, sep, value = spec.partition("=")
        if not sep or not key.strip():
            diags.add(f"--cfn-param {spec}", "expected KEY=VALUE")
            continue
        values[key.strip()] = value
    return values


def _suppressions(args: argparse.Namespace, diags: Diagnostics) -> list[Suppression]:
    # lexists, not isfile: a FIFO or directory there is said by the loader (which reads
    # regular files only), never taken for "no suppressions".
    path = args.config or (CONFIG_NAME if os.path.lexists(CONFIG_NAME) else None)
    if path is None:
        return []
    if args.config and not os.path.lexists(path):
        diags.add(f"--config {path}", "no such file")
        return []
    found, problems = load_suppressions(path)
    diags.extend(problems)
    return found


def _live_usage_error(args: argparse.Namespace) -> str | None:
    if not args.aws:
        given = [f for f in ("profile", "role_arn", "external_id") if getattr(args, f)]
        given += [f for f in ("region", "account") if getattr(args, f)]
        given += [f for f in ("all_regions", "org") if getattr(args, f)]
        if given:
            return f"--{given[0].replace('_', '-')} needs --aws"
        return None
    if args.account and not args.org:
        return "--account needs --org"
    if args.org and args.role_arn:
        return "--org and --role-arn cannot be combined"
    if args.external_id and not (args.org or args.role_arn):
        return "--external-id needs --role-arn or --org"
    return None


def scan_live(
    args: argparse.Namespace, controls: Sequence[Control], params: ParamSet
) -> CollectResult:
    """Accounts and regions from the options, then every selected resource type in each."""
    from botocore.exceptions import ProfileNotFound

    from sagewarden.sources.aws.accounts import (
        AccountOptions,
        check_regions,
        endpoint_override,
        resolve_regions,
        resolve_targets,
    )
    from sagewarden.sources.aws.collector import Collector, CollectResult

    diags: list[Diagnostic] = []
    regions = check_regions(args.region, diags)
    if args.region and not regions:
        return CollectResult([], diags)  # every --region was a typo: nothing to scan
    opts = AccountOptions(
        profile=args.profile,
        regions=regions,
        all_regions=args.all_regions,
        org=args.org,
        org_role=args.org_role,
        accounts=args.account,
        role_arn=args.role_arn,
        external_id=args.external_id,
        timeout=getattr(args, "scan_timeout", DEFAULT_TIMEOUT),
    )
    try:
        targets = resolve_targets(opts, diags)
    except ProfileNotFound as exc:
        diags.append(Diagnostic("--profile", str(exc)))
        return CollectResult([], diags)
    for t in targets:
        if t.error is None:
            t.regions = resolve_regions(t, opts, diags)
            if not t.regions:
                diags.append(
                    Diagnostic(
                        f"account {t.account_id}", "no region: pass --region or --all-regions"
                    )
                )
    types = {c.resource_type for c in controls if c.id not in params.invalid_controls}
    resolve = references_to_resolve(controls, params)
    with ScanProgress(enabled=not args.quiet) as progress:
        result = Collector(
            targets,
            types,
            resolve_references=resolve,
            max_workers=args.max_workers,
            max_rate=args.max_rate,
            timeout=opts.timeout,
            on_progress=progress.update,
        ).run()
    result.diagnostics[:0] = diags
    if targets:
        home = targets[0].regions[0] if targets[0].regions else "us-east-1"
        result.endpoint = endpoint_override(targets[0].session, home)
    return result


def _order(e: Evaluation) -> tuple[Any, ...]:
    r = e.resource
    return (e.control.number, r.account_id or "", r.region or "", r.provenance.file or "", r.id)


def _write_report(
    args: argparse.Namespace,
    evaluations: list[Evaluation],
    summary: dict[str, Any],
    diagnostics: list[Diagnostic],
) -> None:
    binary = {
        "json": jsonout.render,
        "sarif": sarif.render,
        "junit": junit.render,
        "asff": asff.render,
        "ocsf": ocsf.render,
        "csv": csvout.render,
        "html": html.render,
    }
    render = binary.get(args.format)
    if args.format == "asff" and not args.no_history:
        render = functools.partial(asff.render, observed_at=_observed_at(args, evaluations))
    if render is not None:
        if args.output:
            with _output(args.output, "wb") as fh:
                render(fh, evaluations, summary, diagnostics)
        else:
            render(sys.stdout.buffer, evaluations, summary, diagnostics)
            sys.stdout.flush()
        return
    if args.output:
        with _output(args.output, "w") as fh:
            table.render(fh, evaluations, summary, diagnostics, color=False, verbose=args.verbose)
    else:
        table.render(
            sys.stdout,
            evaluations,
            summary,
            diagnostics,
            color=use_color(sys.stdout),
            verbose=args.verbose,
        )


def exit_code(
    evaluations: Sequence[Evaluation],
    diags: Diagnostics,
    fail_on: str,
    fail_on_unknown: bool = False,
) -> int:
    """2 for bad input, 3 for something that could not be read (from the diagnostics and
    from every ERROR verdict's class alike), else 1 for a failure at or above `fail_on`."""
    kinds = problem_kinds(evaluations, diags.items)
    if Kind.INPUT in kinds:
        return EXIT_INPUT
    if Kind.SCOPE in kinds:
        return EXIT_INCOMPLETE
    if fail_on_unknown and any(
        e.status is Status.UNKNOWN and e.suppression is None for e in evaluations
    ):
        return EXIT_FAILED
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity(fail_on.upper()).rank
    for e in evaluations:
        if e.counts_as_failure and e.control.severity.rank >= threshold:
            return EXIT_FAILED
    return EXIT_OK


DEMO_ACCOUNT = "123456789012"
DEMO_REGIONS = ("eu-west-1", "us-east-1")


def _guard(run: Callable[[], int]) -> int:
    try:
        return run()
    except CommandError as exc:
        sys.stderr.write(f"sagewarden: {clean(str(exc))}\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("sagewarden: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK


def cmd_demo(options: Sequence[str], parser: argparse.ArgumentParser) -> int:
    """The main job on a built-in account: an emulator on loopback, a realistic estate, a scan."""
    try:
        from sagewarden.emulator import Emulator
    except ImportError:
        sys.stderr.write(
            "sagewarden: the demo needs the local AWS emulator: pip install 'sagewarden[demo]'\n"
        )
        return EXIT_INPUT
    from sagewarden import estate

    extra = [a for a in options if a != "--fix"]
    fix = len(extra) != len(options)
    if fix and RESOLVE_14 not in extra:
        extra += ["--param", RESOLVE_14]  # a referencing schedule passes once its definition does
    if not any(a == "--fail-on" or a.startswith("--fail-on=") for a in extra):
        extra += ["--fail-on", "never"]
    regions = [a for r in DEMO_REGIONS for a in ("--region", r)]
    scan_args = parser.parse_args(["scan", "--aws", *regions, *extra])
    if not scan_args.db:  # the demo account's findings never enter the user's own history
        from sagewarden.history import demo_path

        scan_args.db = demo_path()
    scan_args.scope_endpoint = "sagewarden demo emulator"  # its port changes every run
    with Emulator() as emulator:
        # Only this process talks to the emulator; nothing outside the machine is reached.
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": emulator.endpoint_url,
                "AWS_ACCESS_KEY_ID": "demo",
                "AWS_SECRET_ACCESS_KEY": "demo",
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            }
        )
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(var, None)
        if not scan_args.quiet:
            history = "not recorded" if scan_args.no_history else f"history in {scan_args.db}"
            sys.stderr.write(
                f"sagewarden: demo account {DEMO_ACCOUNT} on a local emulator at "
                f"{emulator.endpoint_url}, regions {', '.join(DEMO_REGIONS)} ({history})\n"
            )
        estate.build(emulator.client, DEMO_ACCOUNT, list(DEMO_REGIONS))
        if fix:
            code = _demo_fix(emulator, regions, scan_args.quiet)
            if code:
                return code
        return cmd_scan(scan_args)


RESOLVE_14 = "SageMaker.14.resolveReferences=true"
DEMO_BACKUPS = "sagewarden-demo-backups"


def _demo_fix(emulator: Any, regions: list[str], quiet: bool) -> int:
    """`demo --fix`: fix every failing control of the demo estate (notebook volumes backed
    up to the emulator's S3 and restored), journal in a temporary database; the scan that
    follows shows the result."""
    import tempfile

    from sagewarden.cli_fix import cmd_fix

    emulator.client("s3", "us-east-1").create_bucket(Bucket=DEMO_BACKUPS)
    for region in DEMO_REGIONS:
        for name in ("research-sandbox", "churn-analysis"):
            emulator.notebook_volume(name, region, DEMO_ACCOUNT)["analysis.ipynb"] = b"{}"
    with tempfile.TemporaryDirectory(prefix="sagewarden-demo-") as tmp:
        argv = [
            "fix", "apply", "--aws", *regions, "--param", RESOLVE_14,
            "--tag", "team=ml-platform", "--allow-rebuild",
            "--backup-s3", f"s3://{DEMO_BACKUPS}/notebooks", "--subnet", "subnet-0ab12cd34ef56",
            "--yes", "--poll-interval", "0", "--db", os.path.join(tmp, "journal.sqlite3"),
        ]  # fmt: skip
        if quiet:
            argv.append("--quiet")
        args = build_parser().parse_args(argv)
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the scan report's
            return cmd_fix(args)


def cmd_iam_policy(args: argparse.Namespace) -> int:
    from sagewarden.iampolicy import scan_policy

    if args.backup_s3 and not args.fix:
        raise CommandError("--backup-s3 needs --fix")
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
        raise CommandError(f"--backup-s3 {args.backup_s3!r}: {exc}") from None
    sys.stdout.buffer.write(orjson.dumps(policy, option=orjson.OPT_INDENT_2) + b"\n")
    return EXIT_OK


def cmd_controls(args: argparse.Namespace) -> int:
    if args.format == "json":
        doc = {"controls": [control_to_dict(c) for c in CONTROLS]}
        sys.stdout.buffer.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        return EXIT_OK
    _controls_table(sys.stdout, use_color(sys.stdout))
    return EXIT_OK


def _controls_table(out: IO[str], color: bool) -> None:
    st = Style(color)
    for c in CONTROLS:
        out.write(
            f"{st(c.id.ljust(13), BOLD)} {c.severity.value.ljust(6)}  "
            f"{c.resource_type.ljust(50)}  {c.title}\n"
        )
        for p in c.parameters:
            default = ",".join(p.default) if isinstance(p.default, tuple) else p.default
            shown = (
                "(none)"
                if default is None
                else str(default).lower()
                if isinstance(default, bool)
                else default
            )
            out.write(st(f"{'':22}parameter {p.name} (default {shown})\n", DIM))
