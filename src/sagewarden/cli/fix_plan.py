"""`sagewarden fix plan`, and the planning `fix apply --aws` shares: read live (a report
or Security Hub only say what to look at), judge and suppress as `scan` does, then plan."""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from sagewarden.catalog import CONTROLS, FROM_OPTION_KMS_KEY, lookup
from sagewarden.cli.arguments import live_options, live_usage_error
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.cli.fix_focus import Focus, report_focus, security_hub_focus
from sagewarden.cli.plan_file import plan_document
from sagewarden.diagnostics import Diagnostic, Diagnostics, Kind
from sagewarden.exitstatus import ExitStatus
from sagewarden.outputs.encoding import dumps
from sagewarden.params import parse_params
from sagewarden.pipeline.evaluate import judge, load_suppressions
from sagewarden.pipeline.exitcode import problem_status
from sagewarden.pipeline.live import scan_live
from sagewarden.pipeline.options import LiveOptions
from sagewarden.suppressions import by_tag
from sagewarden.verdicts import Evaluation, Status

if TYPE_CHECKING:
    from sagewarden.remediation.plan import Plan


@dataclass(frozen=True)
class PlanRequest:
    """What to fix and how: the options of `fix plan` and `fix apply --aws`."""

    live: LiveOptions | None = None  # None: --aws not given (planning needs it)
    usage: str | None = None  # a combination of the live options that cannot work
    report: str | None = None  # a saved `scan --aws --format json` report
    from_security_hub: bool = False
    only: tuple[str, ...] = ()  # control ids, as typed
    resources: tuple[str, ...] = ()  # ARNs
    params: tuple[str, ...] = ()
    suppressions: str | None = None
    include_suppressed: bool = False
    tags: tuple[str, ...] = ()  # KEY=VALUE
    allow_rebuild: bool = False
    backup_s3: str | None = None
    backed_up: bool = False
    subnet: str | None = None
    kms_key: str | None = None  # the key of the fixes that set one (--kms-key)
    quiet: bool = False


@dataclass
class PlannedFix:
    plan: Plan
    doc: dict[str, Any]  # the plan as saved (`--format json`)
    status: ExitStatus  # BAD_INPUT, INCOMPLETE (the plan lists what was not read) or SUCCESS
    live: LiveOptions  # as read: a report's regions when it named none


def plan_request(args: argparse.Namespace) -> PlanRequest:
    return PlanRequest(
        live=live_options(args) if args.aws else None,
        usage=live_usage_error(args),
        report=args.report,
        from_security_hub=args.from_security_hub,
        only=tuple(args.only),
        resources=tuple(args.resource),
        params=tuple(args.param),
        suppressions=args.config,
        include_suppressed=args.include_suppressed,
        tags=tuple(args.tag),
        allow_rebuild=args.allow_rebuild,
        backup_s3=args.backup_s3,
        backed_up=args.backed_up,
        subnet=args.subnet,
        kms_key=args.kms_key,
        quiet=args.quiet,
    )


def run(args: argparse.Namespace, env: Environment) -> int:
    from sagewarden.remediation import render_text
    from sagewarden.remediation.script import render_script

    planned = make_plan(plan_request(args), env)
    if args.format == "json":  # exact values (a lone surrogate, not UTF-8, as U+FFFD)
        text = dumps(planned.doc, option=orjson.OPT_INDENT_2).decode() + "\n"
    elif args.format == "script":
        text = render_script(planned.plan, profile=args.profile)
    else:
        text = render_text(planned.plan)  # every value escaped within its line
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
            if args.format == "script":
                os.chmod(args.output, 0o755)
        except OSError as exc:
            raise CliError(f"--output {args.output}: {exc.strerror or exc}") from None
    else:
        env.write(text)
    return planned.status


def parse_tags(values: Sequence[str]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"--tag {item!r}: expected KEY=VALUE")
        if len(key) > 128 or len(value) > 256:
            raise CliError(f"--tag {key!r}: keys are at most 128 characters, values 256")
        if key.lower().startswith("aws:"):
            raise CliError(f"--tag {key!r}: keys starting with aws: are reserved for AWS")
        tags[key] = value
    return tags


def _checked_only(req: PlanRequest) -> set[str]:
    """The --only controls by canonical id (any case, PCI.SageMaker.N too, as --control),
    after the checks of the other what-to-fix options."""
    only = set()
    for c in req.only:
        control = lookup(c)
        if control is None:
            span = f"{CONTROLS[0].id} to {CONTROLS[-1].id}"
            raise CliError(f"--only {c!r}: unknown control ({span})")
        only.add(control.id)
    if req.backup_s3 and req.backed_up:
        raise CliError("--backup-s3 and --backed-up cannot be combined")
    if req.backup_s3:
        from sagewarden.remediation import volume

        try:
            volume.locate(req.backup_s3, "x")
        except ValueError as exc:
            raise CliError(f"--backup-s3 {req.backup_s3!r}: {exc}") from None
    if req.report and req.from_security_hub:
        raise CliError("--report and --from-security-hub cannot be combined")
    if req.kms_key is not None:
        _check_kms_key(req.kms_key)
    for arn in req.resources:
        if not arn.startswith("arn:"):
            raise CliError(f"--resource {arn!r}: expected a resource ARN")
    return only


def _check_kms_key(key: str) -> None:
    """--kms-key must fit every field the fixes set to it (botocore's limits: an id, an
    ARN or an alias, never empty): one line, exit 2, before anything is read."""
    from sagewarden.recordable import field_limits

    fields = sorted(
        {
            (c.resource_type, path)
            for c in CONTROLS
            if not c.fix.blocked
            for path, value in c.fix.sets
            if value == FROM_OPTION_KMS_KEY
        }
    )
    for rtype, path in fields:
        limits = field_limits(rtype, path)
        if not key.strip() or not limits.accepts_text(key):
            raise CliError(
                f"{FROM_OPTION_KMS_KEY} {key!r}: not a KMS key id, ARN or alias ({path} "
                f"takes {limits.text_rule()}, not empty)"
            )


def make_plan(req: PlanRequest, env: Environment) -> PlannedFix:
    """Scan live, suppress as `scan` does, then plan. The status: BAD_INPUT for bad input
    (such as a malformed suppressions file), INCOMPLETE when something could not be read
    (the plan lists it), else SUCCESS."""
    from sagewarden.remediation import plan as make
    from sagewarden.remediation.steps import Skipped

    only = _checked_only(req)
    tags = parse_tags(req.tags)
    if req.live is None:
        raise CliError(
            "fix plan reads the resources live: give --aws (and --report or "
            "--from-security-hub to fix what they list)"
        )
    if req.usage:
        raise CliError(req.usage)
    params, param_diags = parse_params(req.params)
    if param_diags:
        raise CliError(param_diags[0].line())
    live = req.live
    focus: Focus | None = None
    in_report: dict[tuple[str, str], dict[str, Any]] = {}  # suppressed in the report
    if req.report:
        focus, regions, in_report = report_focus(req.report)
        if req.include_suppressed:
            focus |= set(in_report)
        if not live.regions and not live.all_regions:
            live = dataclasses.replace(live, regions=tuple(sorted(regions)))
    diags = Diagnostics()
    suppressions = load_suppressions(req.suppressions, diags)
    read = scan_live(live, CONTROLS, params, env.progress(not req.quiet), by_tag(suppressions))
    diags.extend(read.diagnostics)
    if req.from_security_hub:
        scopes = sorted(
            {(r.account_id, r.region) for r in read.resources if r.account_id and r.region}
        )
        focus = security_hub_focus(scopes, read.sessions, diags.items)
    evaluations = judge(read.resources, CONTROLS, params, suppressions, diags, ordered=False)
    env.diagnostics(diags.items)
    wanted = set(req.resources)

    def chosen(control: str, key: str) -> bool:
        return (not only or control in only) and (not wanted or key in wanted)

    def select(e: Evaluation) -> bool:
        key = e.resource.arn or e.resource.id
        if not chosen(e.control.id, key):
            return False
        return focus is None or (e.control.id, key) in focus

    backup = req.backup_s3 or ("user" if req.backed_up else None)
    try:
        plan = make(
            evaluations,
            tags=tags,
            allow_rebuild=req.allow_rebuild,
            backup=backup,
            subnet=req.subnet,
            kms_key=req.kms_key,
            select=select,
            include_suppressed=req.include_suppressed,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if focus is not None:
        failing = {
            (e.control.id, e.resource.arn or e.resource.id)
            for e in evaluations
            if e.status is Status.FAILED
        }
        for control, arn in sorted(focus - failing):
            if chosen(control, arn):
                plan.skipped.append(Skipped(control, arn, "no longer failing (or gone) live"))
    if not req.include_suppressed:
        for (control, arn), sup in sorted(in_report.items()):
            if chosen(control, arn):
                until = f" until {sup['expires']}" if sup.get("expires") else ""
                why = (
                    f"suppressed in {req.report}{until}: {sup.get('reason', '')}; "
                    "--include-suppressed fixes it anyway"
                )
                plan.skipped.append(Skipped(control, arn, why, sup))
    plan.unread = unread_lines(diags.items)
    options = {"include_suppressed": bool(req.include_suppressed), "kms_key": req.kms_key}
    doc = plan_document(plan, req.params, tags, req.allow_rebuild, backup, req.subnet, options)
    # the scan's rule: ERROR verdicts count
    return PlannedFix(plan, doc, problem_status(evaluations, diags), live)


def unread_lines(diags: Sequence[Diagnostic]) -> list[str]:
    """What could not be read, one line per account/region (or resource), in the words
    the scan used: a plan without them would look like a clean bill of health."""
    by_where: dict[str, list[str]] = {}
    for d in diags:
        if d.kind is Kind.SCOPE:
            by_where.setdefault(d.where, []).append(d.message)
    return [
        f"{where}: {messages[0]}" + (f" (and {len(messages) - 1} more)" if messages[1:] else "")
        for where, messages in by_where.items()
    ]
