"""`sagewarden controls`: the controls and their parameters."""

from __future__ import annotations

import argparse
from typing import Any

import orjson

from sagewarden.catalog import CONTROLS, control_to_dict
from sagewarden.cli.arguments import add_color_option
from sagewarden.cli.environment import Environment
from sagewarden.exitstatus import ExitStatus
from sagewarden.outputs.terminal import BOLD, DIM, Style


def add_parser(sub: Any) -> None:
    controls = sub.add_parser("controls", help="list the controls and their parameters")
    controls.add_argument("--format", choices=("table", "json"), default="table")
    add_color_option(controls)


def run(args: argparse.Namespace, env: Environment) -> int:
    if args.format == "json":
        doc = {"controls": [control_to_dict(c) for c in CONTROLS]}
        env.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        return ExitStatus.SUCCESS
    st = Style(env.color)
    for c in CONTROLS:
        env.write(
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
            env.write(st(f"{'':22}parameter {p.name} (default {shown})\n", DIM))
    return ExitStatus.SUCCESS
