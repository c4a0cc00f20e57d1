"""`sagewarden export guard`: the controls as AWS CloudFormation Guard rules, plus the
CloudFormation template that registers them as a Guard hook (prevention at deploy)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from sagewarden.cli.arguments import selected_controls
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.exitstatus import ExitStatus

DEFAULT_DIR = "sagewarden-guard"


def add_parser(sub: Any) -> None:
    from sagewarden.guard.export import MODES, TARGETS

    export = sub.add_parser(
        "export",
        help="write the controls as rules another engine enforces (AWS CloudFormation Guard)",
    )
    export.add_argument("engine", choices=("guard",), help="the rule language: guard")
    export.add_argument(
        "--target",
        required=True,
        choices=tuple(TARGETS),
        help="the input the rules read: cloudformation-hook (a Guard hook's resource input)",
    )
    export.add_argument(
        "--output-dir",
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"where to write the rules, hook template and README (default: {DEFAULT_DIR})",
    )
    export.add_argument(
        "--mode",
        type=str.upper,
        choices=MODES,
        default="WARN",
        help="the hook's FailureMode: WARN reports, FAIL stops the operation (default: WARN)",
    )
    export.add_argument(
        "--control",
        "--controls",
        action="append",
        default=[],
        metavar="SageMaker.N[,...]",
        help="export only these controls (repeatable or comma-separated; default: all)",
    )
    export.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="SageMaker.N.NAME=VALUE",
        help="set a control parameter, written into the rules (repeatable)",
    )


def run(args: argparse.Namespace, env: Environment) -> int:
    from sagewarden.guard.export import (
        MANIFEST_FILE,
        RULES_FILE,
        TARGETS,
        TEMPLATE_FILE,
        build,
        manifest,
    )
    from sagewarden.params import parse_params

    controls = selected_controls(args.control)
    params, problems = parse_params(args.param)
    env.diagnostics(problems)
    export = build(TARGETS[args.target], controls, params, args.mode)
    for control, why in export.left_out:
        env.say(f"{control.id}: not exported: {why}")
    if not export.rules:
        raise CliError("nothing to export: no selected control has a Guard form")
    out = Path(args.output_dir)
    files = {
        RULES_FILE: export.guard,
        TEMPLATE_FILE: yaml.safe_dump(export.template(), sort_keys=False, width=100),
        MANIFEST_FILE: manifest(export, params),
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (out / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"--output-dir {args.output_dir}: {exc.strerror or exc}") from None
    env.say(
        f"wrote {len(export.rules)} Guard rules ({RULES_FILE}), the GuardHook template "
        f"({TEMPLATE_FILE}, FailureMode {args.mode}) and {MANIFEST_FILE} to {out}"
    )
    return ExitStatus.BAD_INPUT if problems else ExitStatus.SUCCESS
