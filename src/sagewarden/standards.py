"""Which standards hold which controls, and where Security Hub offers each: data only.

Security Hub's standards grow without notice (the AI Security standard arrived with
SageMaker.16 to .25; generated lists of the live FSBP standard show more SageMaker
controls than its documentation page), so membership is this one table, never a line
of code in a control unit: when AWS changes a standard, this table changes and nothing
else. `catalog` fills each Control's `standards` and `offered_in` from here.

Sources: the Security Hub CSPM page for SageMaker (the seed) for .1 to .15, and
`../shared/reference/controls.md` for .16 to .25. FSBP is held to its documented
members; the members seen only in generated lists are kept apart (`UNCONFIRMED`), shown
in the docs and never claimed in a finding's `AssociatedStandards`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from sagewarden.controls.base import (
    AI_SECURITY,
    FSBP,
    NIST,
    PCI_321,
    PCI_401,
    TAGGING,
    Standard,
)


def _ids(*numbers: int | range) -> tuple[str, ...]:
    out: list[int] = []
    for n in numbers:
        out.extend(n if isinstance(n, range) else (n,))
    return tuple(f"SageMaker.{n}" for n in out)


# Standard -> the controls it holds (AWS's documented membership).
MEMBERSHIP: Mapping[Standard, tuple[str, ...]] = MappingProxyType(
    {
        FSBP: _ids(range(1, 6), 8),
        NIST: _ids(range(1, 5)),
        PCI_321: _ids(1),
        PCI_401: _ids(1),
        TAGGING: _ids(6, 7),
        AI_SECURITY: _ids(range(1, 6), range(8, 26)),
    }
)

# Seen in generated lists of the live standard, not on its documentation page: shown in
# the docs as "probably", never put in a finding.
UNCONFIRMED: Mapping[Standard, tuple[str, ...]] = MappingProxyType({FSBP: _ids(range(9, 18), 19)})

# Control -> the Regions where Security Hub offers it (its AWS Config managed rule exists
# only there). A control not listed is offered wherever Security Hub is. sagewarden
# evaluates every control everywhere and says where Security Hub would not.
_RULE_REGIONS_16 = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-north-1",
        "eu-south-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
_RULE_REGIONS_20_25 = frozenset(
    {
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
OFFERED_IN: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "SageMaker.16": _RULE_REGIONS_16,
        "SageMaker.20": _RULE_REGIONS_20_25,
        "SageMaker.25": _RULE_REGIONS_20_25,
    }
)


def standards_of(control_id: str) -> tuple[Standard, ...]:
    """The standards that hold a control, in the order of `MEMBERSHIP`."""
    return tuple(s for s, ids in MEMBERSHIP.items() if control_id in ids)


def unconfirmed_of(control_id: str) -> tuple[Standard, ...]:
    return tuple(s for s, ids in UNCONFIRMED.items() if control_id in ids)


def named_ids() -> Iterable[str]:
    """Every control id the tables name (a test checks each is a control)."""
    for table in (MEMBERSHIP, UNCONFIRMED):
        for ids in table.values():
            yield from ids
    yield from OFFERED_IN
