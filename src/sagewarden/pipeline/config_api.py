"""AWS Config's API as a scan's source: the caller's account and the Regions the options
name, then sources.aws_config reads every selected type. boto3 is imported only here and
only when called."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sagewarden.catalog import Control, references_to_resolve
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.params import ParamSet
from sagewarden.pipeline.live import NoProgress, Progress
from sagewarden.pipeline.options import ConfigApiOptions

if TYPE_CHECKING:
    from sagewarden.sources.aws_config.reader import ConfigApiResult


def scan_config_api(
    opts: ConfigApiOptions,
    controls: Sequence[Control],
    params: ParamSet,
    progress: Progress | None = None,
) -> ConfigApiResult:
    """Every resource of the selected controls' types that the aggregator (or recorder)
    holds; what could not be read is in the result's diagnostics and ERROR resources."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    from sagewarden.sources.aws.accounts import CLIENT_CONFIG, check_regions, identity
    from sagewarden.sources.aws.answers import error_text, quiet_sdk_logs
    from sagewarden.sources.aws.botocore_tuning import tune
    from sagewarden.sources.aws.deadline import Deadline
    from sagewarden.sources.aws.regions import region_problem
    from sagewarden.sources.aws_config.reader import ConfigApiResult, read_config_api

    quiet_sdk_logs()
    diags: list[Diagnostic] = []
    regions = check_regions(list(opts.regions), diags)
    if opts.regions and not regions:
        return ConfigApiResult([], diags)
    try:
        session = boto3.Session(profile_name=opts.profile) if opts.profile else boto3.Session()
    except ProfileNotFound as exc:
        return ConfigApiResult([], [Diagnostic("--profile", str(exc))])
    tune(session._session)
    if not regions:
        home = session.region_name
        problem = region_problem(home) if home else "no Region: pass --region"
        if problem or not home:
            where = "region (from AWS_REGION, AWS_DEFAULT_REGION or the profile)"
            return ConfigApiResult([], [Diagnostic(where, str(problem))])
        regions = [home]
    try:
        deadline = Deadline(opts.timeout, "could not check the credentials")
        account, _, caller = identity(session, regions[0], deadline)
    except (ClientError, BotoCoreError) as exc:
        why = f"cannot use the credentials: {error_text(exc)}"
        return ConfigApiResult([], [Diagnostic("aws", why, Kind.SCOPE)], regions=regions)
    except ValueError as exc:
        return ConfigApiResult([], [Diagnostic("aws", f"{CLIENT_CONFIG}: {error_text(exc)}")])
    types = {c.resource_type for c in controls if c.id not in params.invalid_controls}
    # What the selected controls' references name is read whole (one query per type):
    # Config has no per-name lookup across an aggregator cheaper than reading the type.
    for _, reference in references_to_resolve(controls, params):
        types.update(reference.target_types)
    with progress or NoProgress() as shown:
        try:
            result = read_config_api(
                session,
                account,
                regions,
                opts.aggregator,
                types,
                max_workers=opts.max_workers,
                timeout=opts.timeout,
                on_progress=shown.update,
            )
        except ValueError as exc:  # botocore refuses the endpoint before any call
            return ConfigApiResult([], [Diagnostic("aws", f"{CLIENT_CONFIG}: {error_text(exc)}")])
    result.calls["GetCallerIdentity"] += 1
    result.caller = caller
    result.diagnostics[:0] = diags
    return result
