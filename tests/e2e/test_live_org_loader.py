"""An organization scan reads botocore's models once, not once per member account.

Making a SageMaker client reads ~2 MB of botocore's JSON model (0.1 s of CPU or more);
each assumed-role session used to have a loader of its own, so each member account read
it again.
"""

from __future__ import annotations

from sagewarden.diagnostics import Diagnostic
from sagewarden.sources.aws.accounts import AccountOptions, resolve_targets
from sagewarden_demo.emulator import Emulator
from tests.e2e.test_live_scan import ACCOUNT, _org, live

__all__ = ["live"]  # the fixture, shared


def test_every_account_of_an_organization_shares_one_loader(live: Emulator) -> None:
    members = _org(live)
    diags: list[Diagnostic] = []
    targets = resolve_targets(AccountOptions(regions=["us-east-1"], org=True), diags)
    assert diags == []
    assert sorted(t.account_id for t in targets) == sorted([ACCOUNT, *members])
    loaders = {id(t.session._session.get_component("data_loader")) for t in targets}
    assert len(loaders) == 1
    clients = [t.session.client("sagemaker", region_name="us-east-1") for t in targets]
    assert len({id(c.meta.service_model) for c in clients}) == len(clients)  # own clients
