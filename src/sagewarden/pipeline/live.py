"""Live accounts: the accounts and regions the options name, then every selected type in each.

boto3 is imported only here and only when called, so a scan of files starts fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from sagewarden.catalog import Control, references_to_resolve
from sagewarden.diagnostics import Diagnostic
from sagewarden.params import ParamSet
from sagewarden.pipeline.options import LiveOptions

if TYPE_CHECKING:
    from sagewarden.sources.aws.accounts import AccountOptions
    from sagewarden.sources.aws.collector import CollectResult


class Progress(Protocol):
    """A progress display for the read (the command line's bar; nothing in a library)."""

    def __enter__(self) -> Progress: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def update(self, done: int, total: int) -> None: ...


class NoProgress:
    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, done: int, total: int) -> None:
        return None


def _account_options(opts: LiveOptions, regions: Sequence[str]) -> AccountOptions:
    from sagewarden.sources.aws.accounts import AccountOptions

    return AccountOptions(
        profile=opts.profile,
        regions=list(regions),
        all_regions=opts.all_regions,
        org=opts.org,
        org_role=opts.org_role,
        accounts=list(opts.accounts),
        role_arn=opts.role_arn,
        external_id=opts.external_id,
        timeout=opts.timeout,
        max_workers=opts.max_workers,
    )


def scan_live(
    opts: LiveOptions,
    controls: Sequence[Control],
    params: ParamSet,
    progress: Progress | None = None,
    all_tags: bool = False,
) -> CollectResult:
    """Accounts and regions from the options, then every selected resource type in each
    (`all_tags`: with every resource's tags, for suppressions by tag)."""
    from botocore.exceptions import ProfileNotFound

    from sagewarden.sources.aws.accounts import (
        check_regions,
        endpoint_override,
        resolve_regions,
        resolve_targets,
    )
    from sagewarden.sources.aws.collector import Collector, CollectResult

    diags: list[Diagnostic] = []
    regions = check_regions(list(opts.regions), diags)
    if opts.regions and not regions:
        return CollectResult([], diags)  # every region was a typo: nothing to scan
    account_opts = _account_options(opts, regions)
    try:
        targets = resolve_targets(account_opts, diags)
    except ProfileNotFound as exc:
        diags.append(Diagnostic("--profile", str(exc)))
        return CollectResult([], diags)
    for t in targets:
        if t.error is None:
            t.regions = resolve_regions(t, account_opts, diags)
            if not t.regions:
                diags.append(
                    Diagnostic(
                        f"account {t.account_id}", "no region: pass --region or --all-regions"
                    )
                )
    types = {c.resource_type for c in controls if c.id not in params.invalid_controls}
    with progress or NoProgress() as shown:
        result = Collector(
            targets,
            types,
            resolve_references=references_to_resolve(controls, params),
            max_workers=opts.max_workers,
            max_rate=opts.max_rate,
            timeout=opts.timeout,
            on_progress=shown.update,
            all_tags=all_tags,
        ).run()
    result.diagnostics[:0] = diags
    result.caller = next((t.caller for t in targets if t.caller), None)
    if targets:
        home = targets[0].regions[0] if targets[0].regions else "us-east-1"
        result.endpoint = endpoint_override(targets[0].session, home)
    return result


def account_sessions(opts: LiveOptions) -> tuple[dict[str, Any], list[Diagnostic]]:
    """A boto3 session for each account the options reach, and what could not be reached
    (for `fix`, whose plan names the accounts and regions). Raises botocore's
    ProfileNotFound for a profile that does not exist."""
    from sagewarden.sources.aws.accounts import resolve_targets

    account_opts = _account_options(opts, opts.regions)
    account_opts.all_regions = False
    diags: list[Diagnostic] = []
    targets = resolve_targets(account_opts, diags)
    return {t.account_id: t.session for t in targets if t.error is None}, diags
