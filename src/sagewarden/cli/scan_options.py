"""The options of `scan` (and `report`, which scans first): what to read, how to judge,
where the results go; and the Namespace made into the pipeline's ScanOptions."""

from __future__ import annotations

import argparse

from sagewarden.catalog import CONTROLS
from sagewarden.cli.arguments import (
    add_color_option,
    add_db_option,
    add_live_options,
    live_options,
    positive_float,
)
from sagewarden.cli.ci_options import add_ci_options, resolve
from sagewarden.pipeline.exitcode import FAIL_ON
from sagewarden.pipeline.options import ConfigApiOptions, ScanOptions
from sagewarden.sources.aws.limits import DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT
from sagewarden.suppressions import CONFIG_NAME


def add_scan_options(scan: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """What to scan and how: shared by `scan` and `report`."""
    scan.add_argument(
        "paths", nargs="*", metavar="PATH", help="AWS Config files or directories (.json, .json.gz)"
    )
    scan.add_argument(
        "--control",
        action="append",
        default=[],
        metavar="SageMaker.N",
        help=f"evaluate only this control (repeatable; default: all {len(CONTROLS)})",
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
        metavar="FORMAT[,...]",
        help=f"report format: {', '.join(formats)} (default: table); several, comma-separated, "
        "with --output-dir",
    )
    scan.set_defaults(format_choices=formats)
    scan.add_argument("--output", metavar="FILE", help="write the report to FILE, not stdout")
    scan.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 when a control of at least this severity fails "
        "(default: low; never: always 0 unless the input is bad)",
    )
    scan.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="table: list passed and not-applicable resources too",
    )
    scan.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar or timing line on stderr"
    )
    add_color_option(scan)
    scan.add_argument(
        "--fail-on-unknown",
        action="store_true",
        help="also exit 1 when a verdict is UNKNOWN (an IaC value known only at deploy)",
    )
    scan.add_argument(
        "--config",
        metavar="FILE",
        help=f"suppressions file (default: {CONFIG_NAME} in the current directory, if any)",
    )
    scan.add_argument(
        "--skip-other-files",
        action="store_true",
        help="skip files given by name that are not Config data, templates or plans "
        "(as in directories; for pre-commit, which passes every changed file)",
    )
    add_ci_options(scan)
    add_db_option(scan)
    scan.add_argument(
        "--no-history", action="store_true", help="do not record this scan in the history"
    )
    scan.add_argument(
        "--push-security-hub",
        action="store_true",
        help="import the findings into AWS Security Hub (BatchImportFindings) in each "
        "account and region; findings of resources gone since the last push are archived",
    )
    iac = scan.add_argument_group("infrastructure as code")
    iac.add_argument(
        "--cfn-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a CloudFormation parameter value (repeatable; AWS::Region=... too)",
    )
    iac.add_argument(
        "--cfn-params-file",
        metavar="FILE",
        help="CloudFormation parameter values: create-stack/deploy JSON or a CodePipeline "
        "template configuration file",
    )
    iac.add_argument(
        "--tf-var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Terraform variable value for .tf sources, as `terraform plan -var` "
        "(repeatable; over terraform.tfvars and *.auto.tfvars)",
    )
    iac.add_argument(
        "--tf-var-file",
        action="append",
        default=[],
        metavar="FILE",
        help="a .tfvars or .tfvars.json file for .tf sources, as `terraform plan -var-file`",
    )
    live = scan.add_argument_group("live accounts")
    add_live_options(live)
    live.add_argument(  # scan only: `fix apply` has its own --timeout (waits for AWS)
        "--timeout",
        dest="scan_timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"longest one account and region may take, from its first call, retries "
        f"included (default {DEFAULT_TIMEOUT:g}); what it has not read by then is ERROR. "
        f"Each call waits at most {DEFAULT_READ_TIMEOUT:g} s for an answer (or SECONDS if "
        "shorter)",
    )

    config = scan.add_argument_group("AWS Config (the caller's account only; no role assumed)")
    which = config.add_mutually_exclusive_group()
    which.add_argument(
        "--config-aggregator",
        metavar="NAME",
        help="read every SageMaker resource this Config aggregator holds, in every source "
        "account and Region (--region: where the aggregator is; docs/config-aggregator.md)",
    )
    which.add_argument(
        "--config-recorder",
        action="store_true",
        help="read every SageMaker resource the account's own Config recorder holds "
        "(in each --region)",
    )


def config_api_options(args: argparse.Namespace) -> ConfigApiOptions | None:
    """The aggregator or recorder to read, if one was named."""
    if not (args.config_aggregator or args.config_recorder):
        return None
    return ConfigApiOptions(
        aggregator=args.config_aggregator,
        profile=args.profile,
        regions=tuple(args.region),
        max_workers=args.max_workers,
        timeout=args.scan_timeout,
    )


def scan_options(args: argparse.Namespace) -> ScanOptions:
    """The pipeline's options; first the file's defaults and the CI options (`resolve`)."""
    resolve(args)
    return ScanOptions(
        paths=tuple(args.paths),
        live=live_options(args, timeout=args.scan_timeout) if args.aws else None,
        controls=tuple(args.control),
        params=tuple(args.param),
        cfn_params=tuple(args.cfn_param),
        cfn_params_file=args.cfn_params_file,
        tf_vars=tuple(args.tf_var),
        tf_var_files=tuple(args.tf_var_file),
        suppressions=args.config,
        skip_other_files=args.skip_other_files,
        db=args.db,
        record=not args.no_history,
        push_security_hub=args.push_security_hub,
        config_api=config_api_options(args),
        trend="html" in args.outputs,  # only the HTML reports draw it
    )
