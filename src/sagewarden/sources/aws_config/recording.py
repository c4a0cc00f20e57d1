"""What one account's recorder records, so a type it does not record is said (and ERROR
for the controls over it), never read as "no such resources"."""

from __future__ import annotations

from typing import Any

from sagewarden.sources.aws.answers import call

DESCRIBE = "DescribeConfigurationRecorders"


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
