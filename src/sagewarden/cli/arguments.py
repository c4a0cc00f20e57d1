"""Argument pieces several commands share, and the one place a Namespace becomes the
pipeline's typed options for live accounts."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, NoReturn

from sagewarden.catalog import CONTROLS, Control, id_range, lookup
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.outputs.terminal import COLOR_CHOICES
from sagewarden.pipeline.options import LiveOptions
from sagewarden.sources.aws.limits import (
    DEFAULT_MAX_RATE,
    DEFAULT_MAX_WORKERS,
    DEFAULT_ORG_ROLE,
    DEFAULT_TIMEOUT,
)


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2 (see `parse`)."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see '{self.prog} --help')")


def parse(parser: argparse.ArgumentParser, argv: Sequence[str], env: Environment) -> Any:
    """The parsed arguments; a usage error is said and ends the process with status 2."""
    try:
        args = parser.parse_args(argv)
    except CliError as exc:
        env.say(str(exc))
        raise SystemExit(exc.status) from None
    env.color_choice = getattr(args, "color", None) or env.color_choice
    return args


def add_color_option(parser: argparse.ArgumentParser) -> None:
    """--color, for every command that prints a table or progress (`Environment.color`)."""
    parser.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour on a terminal (auto, the default: not with NO_COLOR set; always: "
        "even with NO_COLOR or in a pipe; never). A file from --output is never coloured",
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="history database (default: $SAGEWARDEN_DB, else "
        "~/.local/share/sagewarden/history.sqlite3)",
    )


def add_live_options(live: argparse._ArgumentGroup) -> None:
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
        type=positive_int,
        default=DEFAULT_MAX_WORKERS,
        metavar="N",
        help=f"concurrent API calls (default {DEFAULT_MAX_WORKERS})",
    )
    live.add_argument(
        "--max-rate",
        type=positive_float,
        default=DEFAULT_MAX_RATE,
        metavar="N",
        help=f"API calls per second per account and region (default {DEFAULT_MAX_RATE:g}); "
        "when AWS throttles, the rate halves once for that round of calls (not once per "
        "throttled call) and climbs back along botocore's CUBIC curve as calls get through",
    )


def live_usage_error(args: argparse.Namespace) -> str | None:
    """The first combination of the live options that cannot work, if any."""
    if getattr(args, "config_aggregator", None) or getattr(args, "config_recorder", False):
        return config_usage_error(args)
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


def config_usage_error(args: argparse.Namespace) -> str | None:
    """--config-aggregator and --config-recorder read the caller's account only: of the
    live options, they take --profile, --region, --max-workers and --timeout."""
    which = "--config-aggregator" if args.config_aggregator else "--config-recorder"
    for f in ("aws", "org", "all_regions", "account", "role_arn", "external_id"):
        if getattr(args, f, None):
            return f"{which} and --{f.replace('_', '-')} cannot be combined"
    if args.config_aggregator and getattr(args, "push_security_hub", False):
        # BatchImportFindings takes a finding only from the account it describes
        return (
            "--config-aggregator and --push-security-hub cannot be combined: Security Hub "
            "imports a finding only from its own account; for the organization's findings "
            "deploy the Config rules (deploy config-rules --organization) or push from "
            "scan --aws --org"
        )
    return None


def live_options(args: argparse.Namespace, timeout: float = DEFAULT_TIMEOUT) -> LiveOptions:
    """The live options of `add_live_options` (`fix rollback` has the credentials only)."""
    return LiveOptions(
        profile=args.profile,
        regions=tuple(getattr(args, "region", ())),
        all_regions=getattr(args, "all_regions", False),
        org=args.org,
        org_role=args.org_role,
        accounts=tuple(getattr(args, "account", ())),
        role_arn=args.role_arn,
        external_id=args.external_id,
        max_workers=getattr(args, "max_workers", DEFAULT_MAX_WORKERS),
        max_rate=getattr(args, "max_rate", DEFAULT_MAX_RATE),
        timeout=timeout,
    )


def selected_controls(ids: Sequence[str]) -> tuple[Control, ...]:
    """The controls `--control` names (repeatable, or comma-separated), in catalog order;
    all of them when none is named. An unknown id is a usage error."""
    wanted: set[str] = set()
    for text in ids:
        for part in text.split(","):
            if not part.strip():
                continue
            control = lookup(part)
            if control is None:
                raise CliError(f"--control {part.strip()!r}: no such control ({id_range()})")
            wanted.add(control.id)
    return tuple(c for c in CONTROLS if not wanted or c.id in wanted)
