"""`sagewarden deploy config-rules`: the controls as AWS Config custom Lambda rules, as
CloudFormation templates (one account, or `--organization`) and a README saying how to
deploy them, written to --output-dir."""

from __future__ import annotations

import argparse
from typing import Any

import yaml

from sagewarden.cli.arguments import selected_controls
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.exitstatus import ExitStatus

DEFAULT_DIR = "sagewarden-config-rules"


def add_parser(sub: Any) -> None:
    # The choices are checked in run(): botocore's models are not loaded for every command.
    from sagewarden.deploy.function import DEFAULT_CODE_KEY
    from sagewarden.deploy.platform import DEFAULT_ARCH, DEFAULT_PYTHON
    from sagewarden.deploy.rules import DEFAULT_FREQUENCY

    deploy = sub.add_parser(
        "deploy", help="write CloudFormation templates that run the controls as AWS Config rules"
    )
    deploy.add_argument("what", choices=("config-rules",), help="what to deploy: config-rules")
    deploy.add_argument(
        "--organization",
        action="store_true",
        help="organization rules from the administrator account, and a StackSet template "
        "for the member role",
    )
    deploy.add_argument(
        "--output-dir",
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"where to write the templates and README (default: {DEFAULT_DIR})",
    )
    deploy.add_argument(
        "--control",
        "--controls",
        action="append",
        default=[],
        metavar="SageMaker.N[,...]",
        help="one rule for each of these controls (repeatable or comma-separated; default: all)",
    )
    deploy.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="SageMaker.N.NAME=VALUE",
        help="set a control parameter, written into its rule's input parameters (repeatable)",
    )
    deploy.add_argument(
        "--frequency",
        default=DEFAULT_FREQUENCY,
        metavar="FREQUENCY",
        help="how often the periodic controls run: One_Hour, Three_Hours, Six_Hours, "
        f"Twelve_Hours or TwentyFour_Hours (default: {DEFAULT_FREQUENCY})",
    )
    deploy.add_argument(
        "--arch",
        default=DEFAULT_ARCH,
        metavar="ARCH",
        help="the function's architecture, x86_64 or arm64; package with the same "
        f"(default: {DEFAULT_ARCH})",
    )
    deploy.add_argument(
        "--python",
        default=DEFAULT_PYTHON,
        metavar="X.Y",
        help=f"the function's Python runtime; package with the same (default: {DEFAULT_PYTHON})",
    )
    deploy.add_argument(
        "--code-bucket", metavar="BUCKET", help="the S3 bucket of the zip (a template default)"
    )
    deploy.add_argument(
        "--code-key",
        default=DEFAULT_CODE_KEY,
        metavar="KEY",
        help=f"the zip's key in the bucket (default: {DEFAULT_CODE_KEY})",
    )


def run(args: argparse.Namespace, env: Environment) -> int:
    from sagewarden.deploy.function import FunctionOptions
    from sagewarden.deploy.platform import target
    from sagewarden.deploy.readme import (
        ACCOUNT_FILE,
        MEMBER_FILE,
        ORGANIZATION_FILE,
        README_FILE,
        account_readme,
        organization_readme,
    )
    from sagewarden.deploy.rules import frequencies, rule_specs
    from sagewarden.deploy.templates import (
        account_template,
        member_template,
        organization_template,
    )
    from sagewarden.params import parse_params

    try:
        python_runtime = target(args.arch, args.python)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.frequency not in frequencies():
        raise CliError(
            f"--frequency {args.frequency!r}: AWS Config takes {', '.join(frequencies())}"
        )
    controls = selected_controls(args.control)
    params, problems = parse_params(args.param)
    env.diagnostics(problems)
    specs, refused = rule_specs(controls, params, args.frequency)
    for line in refused:
        env.say(line)
    if not specs:
        raise CliError("nothing to deploy: no selected control has a valid rule")
    deployed = [s.control for s in specs]
    options = FunctionOptions(python_runtime, args.arch, args.code_bucket, args.code_key)
    if args.organization:
        files = {
            ORGANIZATION_FILE: _yaml(organization_template(specs, deployed, options)),
            MEMBER_FILE: _yaml(member_template(deployed)),
            README_FILE: organization_readme(specs, args.arch, python_runtime, args.code_key),
        }
    else:
        files = {
            ACCOUNT_FILE: _yaml(account_template(specs, deployed, options)),
            README_FILE: account_readme(specs, args.arch, python_runtime, args.code_key),
        }
    out = env.write_folder(args.output_dir, files)
    form = "organization rules" if args.organization else "rules"
    env.say(
        f"wrote {len(specs)} AWS Config {form} ({', '.join(n for n in files if n != README_FILE)})"
        f" and {README_FILE} to {out}"
    )
    bad = problems or refused
    return ExitStatus.BAD_INPUT if bad else ExitStatus.SUCCESS


def _yaml(template: dict[str, Any]) -> str:
    return yaml.safe_dump(template, sort_keys=False, width=100)
