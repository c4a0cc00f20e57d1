"""What AWS Config holds before its items are read: which types one account's recorder
records (a type it does not record is said, and ERROR for the controls over it, never read
as "no such resources"), and which sources an aggregator failed to bring up to date (their
resources may be missing or stale)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewarden.sources.aws.answers import TokenGuard, call

DESCRIBE = "DescribeConfigurationRecorders"
SOURCES_STATUS = "DescribeConfigurationAggregatorSourcesStatus"


def unrecorded(client: Any, types: list[str]) -> tuple[list[str], str | None]:
    """(the types among `types` no recorder in the client's Region records, why); every
    type when there is no recorder. Raises what `call` raises."""
    recorders = call(client, DESCRIBE, ("ConfigurationRecorders",))["ConfigurationRecorders"]
    if not recorders:
        return list(types), "there is no configuration recorder: AWS Config records nothing"
    recorded: set[str] = set()
    every = False
    for recorder in recorders:
        group = recorder.get("recordingGroup") or {"allSupported": True}
        strategy = (group.get("recordingStrategy") or {}).get("useOnly")
        if strategy == "EXCLUSION_BY_RESOURCE_TYPES":
            excluded = set((group.get("exclusionByResourceTypes") or {}).get("resourceTypes", []))
            recorded |= {t for t in types if t not in excluded}
        elif group.get("allSupported", strategy == "ALL_SUPPORTED_RESOURCE_TYPES"):
            every = True
        else:
            recorded |= set(group.get("resourceTypes") or [])
    if every:
        return [], None
    missing = [t for t in types if t not in recorded]
    return missing, "the configuration recorder does not record this type"


def unsynced_sources(
    client: Any, aggregator: str, on_call: Callable[[], None]
) -> list[dict[str, Any]]:
    """The aggregator's sources whose last aggregation FAILED or is OUTDATED (`on_call`
    before each page is asked for). Raises what `call` raises."""
    found: list[dict[str, Any]] = []
    guard = TokenGuard(SOURCES_STATUS)
    token: str | None = None
    while True:
        on_call()
        page = call(
            client,
            SOURCES_STATUS,
            ("AggregatedSourceStatusList",),
            ConfigurationAggregatorName=aggregator,
            UpdateStatus=["FAILED", "OUTDATED"],
            Limit=100,
            **({"NextToken": token} if token else {}),
        )
        found += page["AggregatedSourceStatusList"]
        token = page.get("NextToken")
        if not token:
            return found
        guard.check(token)
