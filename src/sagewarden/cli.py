"""The `sagewarden` command: reports on stdout, progress and diagnostics on stderr.

Exit codes: 0 nothing at or above --fail-on failed; 1 failures; 2 usage or input errors
(the rest of the input is still evaluated and reported).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import IO, Any, NoReturn

import orjson

from sagewarden import __version__
from sagewarden.catalog import CONTROLS, Severity, control_to_dict
from sagewarden.diagnostics import Diagnostic, Diagnostics
from sagewarden.engine import evaluate, select_controls
from sagewarden.outputs import jsonout, table
from sagewarden.outputs.terminal import BOLD, DIM, Style, clean, use_color
from sagewarden.params import parse_params
from sagewarden.sources.config import read_config
from sagewarden.summary import summarize
from sagewarden.verdicts import Evaluation, Status

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INPUT = 2
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
        help="evaluate AWS Config data (snapshots, history, query results)",
        description="Evaluate SageMaker resources in AWS Config files against the controls.",
    )
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
        choices=("table", "json"),
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
    scan.add_argument("-q", "--quiet", action="store_true", help="no timing line on stderr")

    controls = sub.add_parser("controls", help="list the controls and their parameters")
    controls.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "scan":
            return cmd_scan(args)
        if args.command == "controls":
            return cmd_controls(args)
        parser.print_help(sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("sagewarden: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    if not args.paths:
        sys.stderr.write(
            "sagewarden: scan needs at least one PATH (see 'sagewarden scan --help')\n"
        )
        return EXIT_INPUT
    started = time.perf_counter()
    diags = Diagnostics()
    controls, control_diags = select_controls(args.control)
    diags.extend(control_diags)
    params, param_diags = parse_params(args.param)
    diags.extend(param_diags)

    resources, read_diags, items_seen = read_config(args.paths)
    diags.extend(read_diags)
    result = evaluate(resources, controls, params)
    diags.extend(result.diagnostics)
    evaluations = sorted(result.evaluations, key=_order)
    summary = summarize(evaluations)

    for d in diags.items:
        sys.stderr.write(f"sagewarden: {clean(d.line())}\n")
    _write_report(args, evaluations, summary, diags.items)
    if not args.quiet and sys.stderr.isatty():
        took = time.perf_counter() - started
        sys.stderr.write(
            f"sagewarden: read {items_seen} Config items, "
            f"{len(resources)} SageMaker resources, in {took:.2f}s\n"
        )
    return exit_code(evaluations, diags, args.fail_on)


def _order(e: Evaluation) -> tuple[Any, ...]:
    r = e.resource
    return (e.control.number, r.account_id or "", r.region or "", r.provenance.file or "", r.id)


def _write_report(
    args: argparse.Namespace,
    evaluations: list[Evaluation],
    summary: dict[str, Any],
    diagnostics: list[Diagnostic],
) -> None:
    if args.format == "json":
        if args.output:
            with open(args.output, "wb") as fh:
                jsonout.render(fh, evaluations, summary, diagnostics)
        else:
            jsonout.render(sys.stdout.buffer, evaluations, summary, diagnostics)
            sys.stdout.flush()
        return
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
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


def exit_code(evaluations: Sequence[Evaluation], diags: Diagnostics, fail_on: str) -> int:
    if diags.has_input_errors:
        return EXIT_INPUT
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity(fail_on.upper()).rank
    for e in evaluations:
        if e.status is Status.FAILED and e.control.severity.rank >= threshold:
            return EXIT_FAILED
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
