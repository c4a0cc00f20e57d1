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
from collections.abc import Mapping, Sequence
from typing import Any

from sagewarden.catalog import CONTROLS, FROM_OPTION_KMS_KEY, reference_switches
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
DEMO_BACKUP_URI = f"s3://{DEMO_BACKUPS}/notebooks"
DEMO_SUBNET = "subnet-0ab12cd34ef56"  # the estate's subnet, for rebuilt notebooks
DEMO_TAGS = ("team=ml-platform",)
# The demo's notebooks that a fix rebuilds: each gets a file on its volume, to see restored.
DEMO_NOTEBOOKS = ("research-sandbox", "churn-analysis")
DUMMY_KEY = "demo"  # not an access key's shape: the emulator answers as its default account
# Credentials, profiles and switches that would take a client past AWS_ENDPOINT_URL.
_LEAD_ELSEWHERE = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


def add_parser(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="scan a built-in demo account on a local AWS emulator (no credentials needed)",
        description="Start an AWS emulator on 127.0.0.1, fill two regions with a realistic "
        "SageMaker estate, and scan it. Any scan option may follow (e.g. --format json). "
        "--fix fixes the estate first. --serve keeps the emulator up instead and prints the "
        "environment to export, so every command (scan, fix, history, diff) can be tried on "
        "it by hand.",
    )
    demo.add_argument("scan_options", nargs="*", metavar="SCAN-OPTION")
    demo.add_argument("--fix", action="store_true", help="fix the estate, then scan it")
    add_serve_options(demo.add_argument_group("serving the demo (with --serve)"))


def add_serve_options(group: Any) -> None:
    """`demo --serve` and its options (the served demo's own parser and `demo --help`)."""
    group.add_argument(
        "--serve",
        action="store_true",
        help="keep the emulator and the estate up until Ctrl-C and print the environment "
        "that points sagewarden (and the AWS CLI) at it",
    )
    group.add_argument(
        "--port",
        type=_port,
        default=0,
        metavar="N",
        help="the emulator's port on 127.0.0.1 (default: a free one)",
    )
    group.add_argument(
        "--env-file",
        metavar="FILE",
        help="also write the environment to FILE, once the estate is ready, for another "
        "shell to source (removed when the demo stops)",
    )
    group.add_argument(
        "--db",
        metavar="PATH",
        help="history database: the served demo's scans and fix runs (default: a new one, "
        "removed when it stops); without --serve, as for scan",
    )


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535; 0: a free one)")
    return int(text)


def run(args: argparse.Namespace, env: Environment) -> int:
    return run_with(args.scan_options, env)


def _scan_parser() -> argparse.ArgumentParser:
    """`scan`'s own parser, for the options that follow `demo`."""
    parser = Parser(prog="sagewarden scan")
    add_scan_options(parser, scan.FORMATS)
    parser.set_defaults(command="scan")
    return parser


def emulator_environment(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The variables that point boto3 (sagewarden's, the AWS CLI's) at the emulator alone,
    but for its endpoint (AWS_ENDPOINT_URL), and those to unset: left from `environ`, they
    would take a client elsewhere (or stop it: a profile that is not in AWS_CONFIG_FILE)."""
    region = DEMO_REGIONS[0]
    values = {
        "AWS_ACCESS_KEY_ID": DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": DUMMY_KEY,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    per_service = sorted(k for k in environ if k.startswith("AWS_ENDPOINT_URL_"))
    return values, [*_LEAD_ELSEWHERE, *per_service]


def use_emulator(endpoint: str | None = None) -> None:
    """Point this process's AWS clients at the emulator alone (before it starts: moto
    makes a boto3 session as it loads)."""
    values, unset = emulator_environment(os.environ)
    os.environ.update(values)
    if endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
    for name in unset:
        os.environ.pop(name, None)


def load() -> tuple[Any, Any]:
    """The emulator class and the estate module: the `demo` extra's, imported only here."""
    try:
        from sagewarden_demo.emulator import Emulator
    except ImportError:
        raise CliError(
            "the demo needs the local AWS emulator: pip install 'sagewarden[demo]'"
        ) from None
    from sagewarden_demo import estate

    return Emulator, estate


def run_with(options: Sequence[str], env: Environment) -> int:
    """The demo with `options` (any scan option, and --fix); the served demo (--serve) is
    `demo_serve`'s, which `main` calls instead."""
    from sagewarden.history import demo_path

    Emulator, estate = load()
    extra = [a for a in options if a != "--fix"]
    fix = len(extra) != len(options)
    if fix:
        # a referencing resource passes once its target does
        extra += [a for s in reference_switches() if s not in extra for a in ("--param", s)]
    if not any(a == "--fail-on" or a.startswith("--fail-on=") for a in extra):
        extra += ["--fail-on", "never"]
    regions = [a for r in DEMO_REGIONS for a in ("--region", r)]
    args = parse(_scan_parser(), ["--aws", *regions, *extra], env)
    if args.paths:
        # `demo fix plan` would otherwise scan files named fix and plan
        raise CliError(
            f"demo takes options, not {args.paths[0]!r}: to try fix, history or diff on the "
            "demo by hand, run 'sagewarden demo --serve' (see 'sagewarden demo --help')"
        )
    opts = dataclasses.replace(
        scan_options(args),
        db=args.db or demo_path(),  # the demo's findings never enter the user's own history
        scope_endpoint="sagewarden demo emulator",  # its port changes every run
    )
    # Only this process talks to the emulator; nothing outside the machine is reached.
    use_emulator()
    with Emulator() as emulator:
        use_emulator(emulator.endpoint_url)
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
    prepare_fix(emulator)
    live = LiveOptions(regions=DEMO_REGIONS)
    request = PlanRequest(
        live=live,
        only=tuple(c.id for c in CONTROLS if not c.fix.blocked),
        params=reference_switches(),
        tags=DEMO_TAGS,
        allow_rebuild=True,
        backup_s3=DEMO_BACKUP_URI,
        subnet=DEMO_SUBNET,
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


def prepare_fix(emulator: Any) -> None:
    """What fixing the demo estate needs beyond the estate: the bucket notebook volumes are
    backed up to, and a file on each rebuilt notebook's volume (to see it restored)."""
    emulator.client("s3", "us-east-1").create_bucket(Bucket=DEMO_BACKUPS)
    for region in DEMO_REGIONS:
        for name in DEMO_NOTEBOOKS:
            emulator.notebook_volume(name, region, DEMO_ACCOUNT)["analysis.ipynb"] = b"{}"


def fix_options() -> list[str]:
    """The `fix plan` / `fix apply` options that fix the demo estate in place, as
    `demo --fix` does (the served demo prints them)."""
    tags = [a for t in DEMO_TAGS for a in ("--tag", t)]
    return [*tags, FROM_OPTION_KMS_KEY, DEMO_KEY]


def rebuild_options() -> list[str]:
    """The options that let a fix of the demo estate rebuild its notebooks, as `demo --fix`
    does: volumes backed up to the demo's bucket and restored, in the estate's subnet."""
    return ["--allow-rebuild", "--backup-s3", DEMO_BACKUP_URI, "--subnet", DEMO_SUBNET]
