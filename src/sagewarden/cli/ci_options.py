"""The options that fit a scan into CI and scripts: several formats in one run
(`--format json,sarif --output-dir DIR`), filters, a baseline, and the defaults of
`.sagewarden.yaml` under them all (the command line wins).

`resolve` runs once after parsing (from `scan_options`): it fills what the command line
left out from the file, checks every value, and leaves on the Namespace what the rest of
the command reads: `formats`, `outputs` (format -> file, or None for stdout), `filters`,
`baseline_keys`.
"""

from __future__ import annotations

import argparse
import os

from sagewarden import baseline, filters, settings
from sagewarden.cli.errors import CliError
from sagewarden.pipeline.exitcode import FAIL_ON
from sagewarden.suppressions import CONFIG_NAME

# The file each format is written to in --output-dir (scan; report adds the framework).
FILE_NAMES = {
    "table": "sagewarden.txt",
    "json": "sagewarden.json",
    "sarif": "sagewarden.sarif",
    "junit": "sagewarden.junit.xml",
    "asff": "sagewarden.asff.json",
    "ocsf": "sagewarden.ocsf.json",
    "csv": "sagewarden.csv",
    "html": "sagewarden.html",
}
DEFAULT_FORMAT = "table"
DEFAULT_FAIL_ON = "low"


def add_ci_options(scan: argparse.ArgumentParser) -> None:
    """--output-dir, the filters and --baseline (scan, report and demo)."""
    scan.add_argument(
        "--output-dir",
        metavar="DIR",
        help="write one report per --format into DIR (created if missing): "
        + ", ".join(FILE_NAMES.values()),
    )
    scan.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="SEVERITY[,...]",
        help="evaluate only controls of these severities "
        f"({', '.join(filters.SEVERITIES)}); the exit status follows",
    )
    scan.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="STATUS[,...]",
        help=f"report only these verdicts ({', '.join(filters.STATUSES)}); a view of the "
        "report: a failure it hides still fails the run, and ERROR is always shown",
    )
    scan.add_argument(
        "--resource",
        action="append",
        default=[],
        metavar="GLOB",
        help="report and judge only resources whose id, ARN or name matches (repeatable)",
    )
    scan.add_argument(
        "--baseline",
        metavar="REPORT",
        help="a previous --format json report: its failures are marked baselined and no "
        "longer fail the run; only new findings do",
    )


def resolve(args: argparse.Namespace) -> None:
    """Apply the file's defaults under the command line and check every value."""
    command = getattr(args, "command", "scan")
    found = _settings(args)
    if command == "scan":  # report has its own formats and file names
        args.format = args.format or ",".join(found.formats) or None
        if not args.output and not args.output_dir:
            args.output_dir = found.output_dir
    args.fail_on = args.fail_on or found.fail_on or DEFAULT_FAIL_ON
    if args.fail_on not in FAIL_ON:
        where = f"{found.source}: fail-on" if found.source and found.fail_on else "--fail-on"
        raise CliError(f"{where}: {args.fail_on!r} is not one of {', '.join(FAIL_ON)}")
    args.control = args.control or list(found.controls)
    args.param = [*found.params, *args.param]  # the command line's value of a key wins
    severities = args.severity or list(found.severities)
    try:
        args.filters = filters.parse(severities, args.status, args.resource)
        args.control = list(filters.controls_of_severity(args.control, args.filters.severities))
    except filters.FilterError as exc:
        if found.severities and not args.severity and str(exc).startswith("--severity "):
            said = str(exc).removeprefix("--severity ")
            raise CliError(f"{found.source}: severity: {said}") from None
        raise CliError(str(exc)) from None
    args.formats = _formats(args, found)
    args.format = args.formats[0]
    args.outputs = _outputs(args)
    args.baseline_keys = _baseline(args.baseline)


def _settings(args: argparse.Namespace) -> settings.Settings:
    path = args.config or (CONFIG_NAME if os.path.lexists(CONFIG_NAME) else None)
    if path is None or not os.path.lexists(path):
        return settings.Settings()  # a missing --config file is said by the suppressions
    try:
        return settings.load(path)
    except settings.SettingsError as exc:
        raise CliError(str(exc)) from None


def _formats(args: argparse.Namespace, found: settings.Settings) -> tuple[str, ...]:
    choices: tuple[str, ...] = args.format_choices
    from_file = bool(found.formats) and args.format == ",".join(found.formats)
    chosen = filters.words([args.format or DEFAULT_FORMAT])
    for f in chosen:
        if f not in choices:
            where = f"{found.source}: format" if from_file else "argument --format"
            raise CliError(f"{where}: invalid choice: {f!r} (choose from {', '.join(choices)})")
    formats = tuple(dict.fromkeys(chosen))
    if len(formats) > 1 and args.output:
        raise CliError("several formats need --output-dir DIR, not --output (one file)")
    if len(formats) > 1 and not args.output_dir:
        raise CliError(f"several formats ({','.join(formats)}) need --output-dir DIR")
    return formats


def file_name(fmt: str, args: argparse.Namespace) -> str:
    """The file a format is written to in --output-dir."""
    name = FILE_NAMES[fmt]
    framework = getattr(args, "framework", None)
    if framework:  # report: one file per framework and format
        stem, _, ext = name.partition(".")
        name = f"{stem}-{framework}.{ext}"
    return name


def output_option(args: argparse.Namespace) -> str:
    """The option that chose the report files, for a line saying one cannot be written."""
    return "--output-dir" if args.output_dir else "--output"


def _outputs(args: argparse.Namespace) -> dict[str, str | None]:
    """Each format's file (None: stdout). Creates --output-dir if missing."""
    if args.output_dir and args.output:
        raise CliError("--output and --output-dir cannot be combined")
    if not args.output_dir:
        return {args.formats[0]: args.output}
    try:
        os.makedirs(args.output_dir, exist_ok=True)
    except OSError as exc:
        raise CliError(f"--output-dir {args.output_dir}: {exc.strerror or exc}") from None
    return {f: os.path.join(args.output_dir, file_name(f, args)) for f in args.formats}


def _baseline(path: str | None) -> frozenset[str] | None:
    if not path:
        return None
    try:
        return baseline.load(path)
    except baseline.BaselineError as exc:
        raise CliError(str(exc)) from None
