"""What a live scan does before its first List and around its calls, on the emulator.

SageMaker's botocore model (~2 MB of JSON) is read while the credentials are checked, and
once for an organization, not once per account; the collector's GIL switch interval is
its own, restored when it ends.
"""

from __future__ import annotations

import sys

from sagewarden.diagnostics import Diagnostic
from sagewarden.sources.aws.accounts import SCAN_MODELS, AccountOptions, resolve_targets
from sagewarden.sources.aws.collector import Collector
from sagewarden.sources.aws.readpath import READ_PATHS
from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator
from tests.e2e.test_live_scan import ACCOUNT, _org, live

__all__ = ["live"]  # the fixture, shared


def _read(loader: object, service: str, kind: str) -> bool:
    """Has the loader read this model already (botocore's own cache key for it)?"""
    cache = getattr(loader, "_cache", {})
    return ("load_service_model", service, kind, "api_version", None) in cache


def test_every_account_shares_one_loader_that_has_read_the_model(live: Emulator) -> None:
    """Before: each member account's session read the model again (0.1 s of CPU or
    more each), and the first one was read only once the credentials were checked."""
    members = _org(live)
    diags: list[Diagnostic] = []
    targets = resolve_targets(AccountOptions(regions=["us-east-1"], org=True), diags)
    assert diags == []
    assert sorted(t.account_id for t in targets) == sorted([ACCOUNT, *members])
    loaders = {id(t.session._session.get_component("data_loader")) for t in targets}
    assert len(loaders) == 1
    loader = targets[0].session._session.get_component("data_loader")
    assert all(_read(loader, service, kind) for service, kind in SCAN_MODELS)


def test_the_switch_interval_is_the_collectors_only_while_it_collects(live: Emulator) -> None:
    estate.build(live.client, ACCOUNT, ["us-east-1"])
    targets = resolve_targets(AccountOptions(regions=["us-east-1"]), [])
    for target in targets:
        target.regions = ["us-east-1"]
    before = sys.getswitchinterval()
    result = Collector(targets, READ_PATHS).run()
    assert sys.getswitchinterval() == before
    assert result.resources and not [r for r in result.resources if r.read_error]
