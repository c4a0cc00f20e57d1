"""One scan end to end: collect, evaluate, record, push. The report and the exit status
are the caller's (`scan`, `report`, the benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson

from sagewarden.diagnostics import Diagnostics, Kind
from sagewarden.engine import select_controls
from sagewarden.params import parse_params
from sagewarden.pipeline.config_api import scan_config_api
from sagewarden.pipeline.evaluate import (
    cfn_parameters,
    judge,
    load_suppressions,
    terraform_variables,
)
from sagewarden.pipeline.live import Progress, scan_live
from sagewarden.pipeline.options import ScanOptions
from sagewarden.pipeline.record import push, record, trend
from sagewarden.pipeline.scope import scope_document
from sagewarden.resources import Resource
from sagewarden.runinfo import RunInfo, new_scan_id, redact_command_line
from sagewarden.sources.files import ReadResult, read_files
from sagewarden.summary import summarize
from sagewarden.suppressions import by_tag
from sagewarden.verdicts import Evaluation

if TYPE_CHECKING:
    from sagewarden.sources.aws.collector import CollectResult
    from sagewarden.sources.aws_config.reader import ConfigApiResult


@dataclass
class ScanOutcome:
    evaluations: list[Evaluation]
    summary: dict[str, Any]
    diagnostics: Diagnostics
    read: ReadResult = field(default_factory=ReadResult)
    calls: int = 0  # API calls made to live accounts
    resources: int = 0  # resources read, from every source
    info: RunInfo | None = None  # the run behind the report


def run_scan(opts: ScanOptions, progress: Progress | None = None) -> ScanOutcome:
    """Read every source the options name, evaluate, suppress, record, push. Problems are
    in the outcome's diagnostics (nothing is printed); `progress` shows the live read."""
    started = datetime.now(timezone.utc)
    diags = Diagnostics()
    controls, control_diags = select_controls(opts.controls)
    diags.extend(control_diags)
    params, param_diags = parse_params(opts.params)
    diags.extend(param_diags)
    cfn_params = cfn_parameters(opts.cfn_params, opts.cfn_params_file, diags)
    suppressions = load_suppressions(opts.suppressions, diags)
    read = (
        read_files(
            opts.paths,
            cfn_params,
            skip_other=opts.skip_other_files,
            tf_var_files=list(opts.tf_var_files),
            tf_vars=terraform_variables(opts.tf_vars, diags),
        )
        if opts.paths
        else ReadResult()
    )
    resources: list[Resource] = read.resources
    diags.extend(read.diagnostics)
    live: CollectResult | None = None
    if opts.live is not None:
        live = scan_live(opts.live, controls, params, progress, by_tag(suppressions))
        resources += live.resources
        diags.extend(live.diagnostics)
    config_api: ConfigApiResult | None = None
    if opts.config_api is not None:
        config_api = scan_config_api(opts.config_api, controls, params, progress)
        resources += config_api.resources
        diags.extend(config_api.diagnostics)
    evaluations = judge(resources, controls, params, suppressions, diags)
    if not evaluations and not diags.has_input_errors and not diags.has_scope_errors:
        named = opts.where
        where = ", ".join(named) if len(named) <= 3 else f"{named[0]} and {len(named) - 1} more"
        diags.add(where, _nothing(read, live, config_api), Kind.WARNING)
    scope = scope_document(opts, controls, params, live, config_api)
    history_scan = record(opts.db, evaluations, diags, started, scope) if opts.record else None
    if opts.push_security_hub:
        profile = opts.live.profile if opts.live else None
        push(evaluations, live.sessions if live else {}, profile, opts.db, scope, diags)
    summary = summarize(evaluations, diags.items)  # last: recording and pushing can fail too
    calls = sum(live.calls.values()) if live else 0
    calls += sum(config_api.calls.values()) if config_api else 0
    info = RunInfo(
        scan_id=new_scan_id(),
        started=started,
        ended=datetime.now(timezone.utc),
        command_line=redact_command_line(opts.command_line),
        scope=orjson.loads(scope),
        history_scan=history_scan,
        caller=(live.caller if live else None) or (config_api.caller if config_api else None),
        trend=trend(opts.db, scope, history_scan)
        if opts.trend and history_scan is not None
        else (),
    )
    return ScanOutcome(evaluations, summary, diags, read, calls, len(resources), info)


def _nothing(
    read: ReadResult, live: CollectResult | None, config_api: ConfigApiResult | None = None
) -> str:
    """The warning for a run that read its inputs and found nothing the controls evaluate."""
    seen = [
        _count(n, word)
        for n, word in (
            (read.config_files, "Config file"),
            (read.templates, "template"),
            (read.plans, "Terraform plan"),
        )
        if n
    ]
    if live is not None:
        regions = {r for rs in live.accounts.values() for r in rs}
        seen.append(f"{_count(len(live.accounts), 'account')} x {_count(len(regions), 'region')}")
    if config_api is not None:
        seen.append(f"AWS Config in {_count(len(config_api.regions), 'region')}")
    if not seen:  # --skip-other-files skipped every file it was given
        return "nothing in scope: no AWS Config data, template or plan among these files"
    return (
        f"nothing in scope: {' and '.join(seen)} held no SageMaker resource "
        "that the selected controls evaluate"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
