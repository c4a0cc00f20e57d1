"""`sagewarden scan`: evaluate live accounts or files, report on stdout, exit status."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib
import time
from typing import Any

from sagewarden.cli.arguments import live_usage_error
from sagewarden.cli.ci_options import output_option
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.cli.report_view import ReportView, summary_wanted
from sagewarden.cli.scan_options import add_scan_options, scan_options
from sagewarden.pipeline.exitcode import exit_code
from sagewarden.pipeline.options import ScanOptions
from sagewarden.pipeline.record import observed_at
from sagewarden.pipeline.scan import ScanOutcome, run_scan

FORMATS = ("table", "json", "sarif", "junit", "asff", "ocsf", "csv", "html")
_BINARY = {  # each format's module in sagewarden.outputs, loaded when it is written
    "json": "jsonout",
    "sarif": "sarif",
    "junit": "junit",
    "asff": "asff",
    "ocsf": "ocsf",
    "csv": "csvout",
    "html": "html",
}


def _renderer(fmt: str) -> Any:
    return importlib.import_module(f"sagewarden.outputs.{_BINARY[fmt]}").render


def add_parser(sub: Any) -> None:
    scan = sub.add_parser(
        "scan",
        help="evaluate live accounts (--aws) or AWS Config data",
        description="Evaluate SageMaker resources against the controls: live accounts with "
        "--aws, or AWS Config files (snapshots, history, query results).",
    )
    add_scan_options(scan, FORMATS)


def run(args: argparse.Namespace, env: Environment) -> int:
    return scan(args, scan_options(args), env)


def scan(args: argparse.Namespace, opts: ScanOptions, env: Environment) -> int:
    """The scan `opts` describe, reported as `args` ask (the demo changes `opts`)."""
    started = time.perf_counter()
    outcome = collect(args, opts, env)
    said = len(outcome.diagnostics.items)
    view = ReportView.of(args, outcome)
    env.diagnostics(outcome.diagnostics.items[said:], verbose=args.verbose)  # the view's own
    _write_report(args, opts, outcome, view, env)
    if not args.quiet and env.stderr_isatty:
        took = time.perf_counter() - started
        read = outcome.read
        what = [f"{outcome.calls} API calls"] if opts.live or opts.config_api else []
        what += [f"{read.config_items} Config items"] if read.config_items else []
        what += [f"{read.templates} templates"] if read.templates else []
        what += [f"{read.plans} Terraform plans"] if read.plans else []
        env.say_as_is(
            f"{', '.join([*what, f'{outcome.resources} SageMaker resources'])}, in {took:.2f}s"
        )
    if summary_wanted(args, env):
        env.say(view.stderr_line(args.outputs))
    return exit_code(view.failing, outcome.diagnostics, args.fail_on, args.fail_on_unknown)


def collect(args: argparse.Namespace, opts: ScanOptions, env: Environment) -> ScanOutcome:
    """The pipeline's scan, after the usage checks, with its problems said on stderr: the
    first half of `scan` and `report`."""
    if not opts.paths and not opts.live and not opts.config_api:
        raise CliError(
            f"{args.command} needs --aws or at least one PATH, or --config-aggregator or "
            f"--config-recorder (see 'sagewarden {args.command} --help')"
        )
    usage = live_usage_error(args)
    if usage:
        raise CliError(f"{usage} (see 'sagewarden {args.command} --help')")
    opts = dataclasses.replace(opts, command_line=env.argv)
    outcome = run_scan(opts, env.progress(not args.quiet))
    env.diagnostics(outcome.diagnostics.items, verbose=args.verbose)
    return outcome


def _write_report(
    args: argparse.Namespace,
    opts: ScanOptions,
    outcome: ScanOutcome,
    view: ReportView,
    env: Environment,
) -> None:
    """Each format asked for, to its file or stdout (the scan ran once)."""
    evaluations, summary = view.shown, view.summary
    diagnostics = outcome.diagnostics.items
    for fmt, path in args.outputs.items():
        if fmt in _BINARY:
            render = _renderer(fmt)
            if fmt == "asff" and opts.record:
                render = functools.partial(render, observed_at=observed_at(opts.db, evaluations))
            if fmt == "json":
                render = functools.partial(render, run=view.run_document(outcome))
            if fmt == "html":  # the audit report states the run behind it
                render = functools.partial(render, info=outcome.info)
            if path:
                with env.output(path, binary=True, option=output_option(args)) as fh:
                    render(fh, evaluations, summary, diagnostics)
            else:
                render(env.stdout_bytes, evaluations, summary, diagnostics)
                env.flush()
            continue
        from sagewarden.outputs import table

        if path:
            with env.output(path, binary=False, option=output_option(args)) as fh:
                table.render(
                    fh, evaluations, summary, diagnostics, False, args.verbose, env.file_width()
                )
        else:
            table.render(
                env.stdout, evaluations, summary, diagnostics, env.color, args.verbose, env.width
            )
