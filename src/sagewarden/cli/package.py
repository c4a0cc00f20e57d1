"""`sagewarden package lambda`: the deployment zip of the AWS Config rule function,
built from wheels for the Lambda platform and checked against Lambda's size limits."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.exitstatus import ExitStatus

DEFAULT_OUTPUT = "sagewarden-lambda.zip"


def add_parser(sub: Any) -> None:
    from sagewarden.deploy.platform import DEFAULT_ARCH, DEFAULT_PYTHON

    package = sub.add_parser(
        "package", help="build the AWS Lambda deployment zip of the AWS Config rule function"
    )
    package.add_argument("what", choices=("lambda",), help="what to package: lambda")
    package.add_argument(
        "--arch",
        default=DEFAULT_ARCH,
        metavar="ARCH",
        help=f"x86_64 or arm64, as the function's (default: {DEFAULT_ARCH})",
    )
    package.add_argument(
        "--python",
        default=DEFAULT_PYTHON,
        metavar="X.Y",
        help=f"the function's Python runtime (default: {DEFAULT_PYTHON})",
    )
    package.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        metavar="FILE",
        help=f"the zip to write (default: {DEFAULT_OUTPUT})",
    )
    package.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="DIR",
        help="also look for wheels here (pip's --find-links; repeatable)",
    )
    package.add_argument(
        "--no-index",
        action="store_true",
        help="do not use a package index: only --find-links (offline)",
    )


def run(args: argparse.Namespace, env: Environment) -> int:
    from sagewarden.deploy.lambda_zip import (
        MAX_ZIPPED,
        PackageError,
        Request,
        build,
        handler_present,
    )
    from sagewarden.deploy.platform import target

    try:
        target(args.arch, args.python)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.no_index and not args.find_links:
        raise CliError("--no-index needs --find-links DIR: there would be nowhere to find wheels")
    request = Request(args.arch, args.python, tuple(args.find_links), args.no_index)
    try:
        built = build(request, Path(args.output))
    except PackageError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"--output {args.output}: {exc.strerror or exc}") from None
    env.say(
        f"wrote {built.path}: {built.files} files (sagewarden and {len(built.wheels)} "
        f"wheels for Lambda, {args.arch}, Python {args.python}), "
        f"{_mib(built.zipped)} zipped, {_mib(built.unzipped)} unzipped"
    )
    status = ExitStatus.SUCCESS
    if not handler_present():
        env.say(
            "the installed sagewarden has no sagewarden.configrule module: the function "
            "would fail to start"
        )
        status = ExitStatus.BAD_INPUT
    if built.zipped > MAX_ZIPPED:
        env.say(
            f"{built.path} is {_mib(built.zipped)}: over Lambda's {_mib(MAX_ZIPPED)} for a "
            "direct upload; upload it to S3 (the templates read CodeBucket/CodeKey)"
        )
        status = ExitStatus.BAD_INPUT
    return status


def _mib(size: int) -> str:
    return f"{size / 1_048_576:.1f} MiB"
