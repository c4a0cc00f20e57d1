"""`sagewarden report`: scan, then summarise per requirement of a framework."""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import IO, Any

from sagewarden.cli.environment import Environment
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
    rows = frameworks.evidence(args.framework, outcome.evaluations)
    renderers: dict[str, Callable[[IO[bytes], str, list[frameworks.Requirement]], None]] = {
        "table": frameworks.render_table,
        "json": frameworks.render_json,
        "csv": frameworks.render_csv,
        "html": functools.partial(  # the audit page states the run behind it
            html.render_framework, evaluations=outcome.evaluations, info=outcome.info
        ),
    }
    render = renderers[args.format]
    if args.output:
        with env.output(args.output, binary=True) as fh:
            render(fh, args.framework, rows)
    else:
        render(env.stdout_bytes, args.framework, rows)
        env.flush()
    return exit_code(outcome.evaluations, outcome.diagnostics, args.fail_on, args.fail_on_unknown)
