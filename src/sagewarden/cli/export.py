"""`sagewarden export guard`: the controls as AWS CloudFormation Guard rules, plus the
template that runs them: a Guard hook (prevention at deploy, `cloudformation-hook`) or an
AWS Config conformance pack of custom policy rules (detection on change, `config`)."""

from __future__ import annotations

import argparse
from typing import Any

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
        help="the input the rules read: cloudformation-hook (a Guard hook's resource "
        "input) or config (an AWS Config configuration item, as custom policy rules)",
    )
    export.add_argument(
        "--output-dir",
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"where to write the rules, templates and README (default: {DEFAULT_DIR})",
    )
    export.add_argument(
        "--mode",
        type=str.upper,
        choices=MODES,
        default=None,
        help="cloudformation-hook: the hook's FailureMode: WARN reports, FAIL stops the "
        "operation (default: WARN)",
    )
    export.add_argument(
        "--debug-log-delivery",
        action="store_true",
        help="config: turn on EnableDebugLogDelivery for each rule (Guard's logs in "
        "CloudWatch Logs)",
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
        ORG_PACK_FILE,
        PACK_FILE,
        RULES_FILE,
        TARGETS,
        TEMPLATE_FILE,
        build,
        files,
    )
    from sagewarden.guard.render import CONFIG
    from sagewarden.params import parse_params

    target = TARGETS[args.target]
    if target is CONFIG and args.mode is not None:
        raise CliError("--mode is the Guard hook's FailureMode: not used with --target config")
    if target is not CONFIG and args.debug_log_delivery:
        raise CliError("--debug-log-delivery is for AWS Config rules: use it with --target config")
    mode = args.mode or "WARN"
    controls = selected_controls(args.control)
    params, problems = parse_params(args.param)
    env.diagnostics(problems)
    export = build(target, controls, params, mode, debug_logs=args.debug_log_delivery)
    for control, why in export.left_out:
        env.say(f"{control.id}: not exported: {why}")
    if not export.rules:
        raise CliError("nothing to export: no selected control has a Guard form")
    written = files(export, params)
    out = env.write_folder(args.output_dir, written)
    if target is CONFIG:
        templates = f"the conformance pack ({PACK_FILE}, {ORG_PACK_FILE})"
    else:
        templates = f"the GuardHook template ({TEMPLATE_FILE}, FailureMode {mode})"
    env.say(
        f"wrote {len(export.rules)} Guard rules ({RULES_FILE}), {templates} and "
        f"{MANIFEST_FILE} to {out}"
    )
    return ExitStatus.BAD_INPUT if problems else ExitStatus.SUCCESS
