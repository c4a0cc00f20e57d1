"""`sagewarden report`: scan, then summarise per requirement of a framework."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import IO, Any

from sagewarden.cli.ci_options import output_option
from sagewarden.cli.environment import Environment
from sagewarden.cli.report_view import ReportView, summary_wanted
from sagewarden.cli.scan import collect
from sagewarden.cli.scan_options import add_scan_options, scan_options
from sagewarden.frameworks import FRAMEWORKS
from sagewarden.pipeline.exitcode import exit_code


def add_parser(sub: Any) -> None:
    report = sub.add_parser(
        "report",
        help="framework evidence: results per requirement of a standard",
        description="Scan (any scan option works) and summarise the results per requirement "
        "of a framework: which controls map to it, how many resources pass and fail.",
    )
    report.add_argument("--framework", required=True, choices=sorted(FRAMEWORKS))
    add_scan_options(report, ("table", "json", "csv", "html"))


def run(args: argparse.Namespace, env: Environment) -> int:
    from sagewarden import frameworks
    from sagewarden.outputs import html

    outcome = collect(args, scan_options(args), env)
    said = len(outcome.diagnostics.items)
    view = ReportView.of(args, outcome)
    env.diagnostics(outcome.diagnostics.items[said:], verbose=args.verbose)  # the view's own
    rows = frameworks.evidence(args.framework, view.shown)
    renderers: dict[str, Callable[[IO[bytes], str, list[frameworks.Requirement]], None]] = {
        "table": frameworks.render_table,
        "json": frameworks.render_json,
        "csv": frameworks.render_csv,
        "html": functools.partial(  # the audit page states the run behind it
            html.render_framework, evaluations=view.shown, info=outcome.info
        ),
    }
    for fmt, path in args.outputs.items():
        render = renderers[fmt]
        if path:
            with env.output(path, binary=True, option=output_option(args)) as fh:
                render(fh, args.framework, rows)
        else:
            render(env.stdout_bytes, args.framework, rows)
            env.flush()
    if summary_wanted(args, env):
        env.say(view.stderr_line(args.outputs))
    return exit_code(view.failing, outcome.diagnostics, args.fail_on, args.fail_on_unknown)
