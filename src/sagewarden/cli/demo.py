"""`sagewarden demo`: the main job on a built-in account, an emulator on loopback with a
realistic estate, scanned (and with --fix, fixed first).

The emulator and the estate are imported here only, and only when the demo runs: they are
the `demo` extra's, not the product's.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
from collections.abc import Sequence
from typing import Any

from sagewarden.catalog import CONTROLS, reference_switches
from sagewarden.cli import fix_apply, scan
from sagewarden.cli.arguments import Parser, parse
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.cli.fix_plan import PlanRequest
from sagewarden.cli.fix_run import RunOptions
from sagewarden.cli.scan_options import add_scan_options, scan_options
from sagewarden.pipeline.options import LiveOptions

DEMO_ACCOUNT = "123456789012"
DEMO_REGIONS = ("eu-west-1", "us-east-1")
DEMO_BACKUPS = "sagewarden-demo-backups"
DEMO_KEY = "alias/sagewarden-demo"  # an alias names a key in each region alike


def add_parser(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="scan a built-in demo account on a local AWS emulator (no credentials needed)",
        description="Start an AWS emulator on 127.0.0.1, fill two regions with a realistic "
        "SageMaker estate, and scan it. Any scan option may follow (e.g. --format json).",
    )
    demo.add_argument("scan_options", nargs="*", metavar="SCAN-OPTION")


def run(args: argparse.Namespace, env: Environment) -> int:
    return run_with(args.scan_options, env)


def _scan_parser() -> argparse.ArgumentParser:
    """`scan`'s own parser, for the options that follow `demo`."""
    parser = Parser(prog="sagewarden scan")
    add_scan_options(parser, scan.FORMATS)
    parser.set_defaults(command="scan")
    return parser


def run_with(options: Sequence[str], env: Environment) -> int:
    """The demo with `options` (any scan option, and --fix)."""
    try:
        from sagewarden_demo.emulator import Emulator
    except ImportError:
        raise CliError(
            "the demo needs the local AWS emulator: pip install 'sagewarden[demo]'"
        ) from None
    from sagewarden.history import demo_path
    from sagewarden_demo import estate

    extra = [a for a in options if a != "--fix"]
    fix = len(extra) != len(options)
    if fix:
        # a referencing resource passes once its target does
        extra += [a for s in reference_switches() if s not in extra for a in ("--param", s)]
    if not any(a == "--fail-on" or a.startswith("--fail-on=") for a in extra):
        extra += ["--fail-on", "never"]
    regions = [a for r in DEMO_REGIONS for a in ("--region", r)]
    args = parse(_scan_parser(), ["--aws", *regions, *extra], env)
    opts = dataclasses.replace(
        scan_options(args),
        db=args.db or demo_path(),  # the demo's findings never enter the user's own history
        scope_endpoint="sagewarden demo emulator",  # its port changes every run
    )
    with Emulator() as emulator:
        # Only this process talks to the emulator; nothing outside the machine is reached.
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": emulator.endpoint_url,
                "AWS_ACCESS_KEY_ID": "demo",
                "AWS_SECRET_ACCESS_KEY": "demo",
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            }
        )
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(var, None)
        if not args.quiet:
            history = "not recorded" if not opts.record else f"history in {opts.db}"
            env.say_as_is(
                f"demo account {DEMO_ACCOUNT} on a local emulator at "
                f"{emulator.endpoint_url}, regions {', '.join(DEMO_REGIONS)} ({history})"
            )
        estate.build(emulator.client, DEMO_ACCOUNT, list(DEMO_REGIONS))
        if fix:
            code = _fix(emulator, args.quiet, env)
            if code:
                return code
        return scan.scan(args, opts, env)


def _fix(emulator: Any, quiet: bool, env: Environment) -> int:
    """`demo --fix`: fix every failing control of the demo estate that sagewarden fixes
    (notebook volumes backed up to the emulator's S3 and restored, keys set to the demo's
    alias), journal in a temporary database; the scan that follows shows the result, the
    controls whose fix is a person's choice (blocked) still failing."""
    emulator.client("s3", "us-east-1").create_bucket(Bucket=DEMO_BACKUPS)
    for region in DEMO_REGIONS:
        for name in ("research-sandbox", "churn-analysis"):
            emulator.notebook_volume(name, region, DEMO_ACCOUNT)["analysis.ipynb"] = b"{}"
    live = LiveOptions(regions=DEMO_REGIONS)
    request = PlanRequest(
        live=live,
        only=tuple(c.id for c in CONTROLS if not c.fix.blocked),
        params=reference_switches(),
        tags=("team=ml-platform",),
        allow_rebuild=True,
        backup_s3=f"s3://{DEMO_BACKUPS}/notebooks",
        subnet="subnet-0ab12cd34ef56",
        kms_key=DEMO_KEY,
        quiet=quiet,
    )
    with tempfile.TemporaryDirectory(prefix="sagewarden-demo-") as tmp:
        opts = RunOptions(
            credentials=live,
            db=os.path.join(tmp, "journal.sqlite3"),
            poll_interval=0,
            yes=True,
            quiet=quiet,
        )
        # stdout is the scan report's: the fix says what it does on stderr
        return fix_apply.apply(request, opts, env.stdout_to_stderr())
