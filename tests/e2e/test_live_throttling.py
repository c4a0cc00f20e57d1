"""A live scan that AWS throttles slows down and still reads everything.

`--max-rate` is a ceiling, not SageMaker's limit (AWS publishes none): the emulator
throttles each account and region past PER_SECOND calls a second, as AWS does past its
limit; the scope's rate limiter halves its rate and botocore retries the call, so the
scan ends with every verdict it would have had unthrottled, no ERROR and nothing on
stderr.
"""

from __future__ import annotations

import pytest

from sagewarden.diagnostics import Diagnostic
from sagewarden.sources.aws.accounts import AccountOptions, resolve_targets
from sagewarden.sources.aws.collector import Collector
from sagewarden.sources.aws.limits import DEFAULT_MAX_RATE
from sagewarden.sources.aws.readpath import READ_PATHS
from sagewarden_demo import estate
from sagewarden_demo.emulator import Emulator
from sagewarden_demo.emulator.faults import Fault
from tests.e2e.test_live_scan import ACCOUNT, REGIONS, by_key, live, region_args, scan

__all__ = ["live"]  # the fixture, shared

PER_SECOND = 10.0  # SageMaker calls a second the emulator answers in each region


def throttle(live: Emulator, regions: list[str]) -> list[Fault]:
    """ThrottlingException for the SageMaker calls past PER_SECOND a second, per region."""
    return [
        live.add_fault(
            service="sagemaker",
            region=region,
            code="ThrottlingException",
            message="Rate exceeded",
            per_second=PER_SECOND,
        )
        for region in regions
    ]


def test_a_throttled_scan_completes_with_every_verdict(
    live: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")  # botocore's attempts, as a user has them
    expected = estate.build(live.client, ACCOUNT, REGIONS)
    faults = throttle(live, REGIONS)
    code, doc, err = scan(capsys, *region_args(REGIONS))
    assert all(f.hits for f in faults)  # AWS did throttle the scan, in both regions
    assert err == ""
    assert code == 1  # failures of the estate, no ERROR (which is exit 3)
    assert by_key(doc) == expected.verdicts


def test_throttling_halves_the_scope_rate_and_every_resource_is_still_read(
    live: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    region = REGIONS[0]
    estate.build(live.client, ACCOUNT, [region])
    diags: list[Diagnostic] = []
    targets = resolve_targets(AccountOptions(regions=[region]), diags)
    for target in targets:
        target.regions = [region]
    calm = Collector(targets, READ_PATHS).run()
    [fault] = throttle(live, [region])
    collector = Collector(targets, READ_PATHS)
    throttled = collector.run()
    limiter = collector.limiters.get(ACCOUNT, region)
    assert limiter.ceiling == DEFAULT_MAX_RATE
    assert fault.hits and limiter.round >= 1  # AWS throttled it, and it slowed down
    assert diags == [] and throttled.diagnostics == []
    assert not [r.id for r in throttled.resources if r.read_error]
    assert sorted(r.id for r in throttled.resources) == sorted(r.id for r in calm.resources)
    assert sum(throttled.calls.values()) == sum(calm.calls.values())  # retries aside
