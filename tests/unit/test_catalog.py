"""The catalog against the Security Hub page, whose facts are kept in tests/data.

The page lives beside the repository (the project's seed), so its facts were extracted once
into tests/data/securityhub-sagemaker.json by tests/tools/extract_catalog.py. The catalog is
checked against that data in every clone; the data is checked against the page only where
the page is present.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from sagewarden import standards
from sagewarden.catalog import (
    AI_SECURITY,
    BY_ID,
    CONTROLS,
    FSBP,
    NIST,
    PCI_321,
    PCI_401,
    TAGGING,
    Control,
    Severity,
    lookup,
)
from tests.tools import extract_spec
from tests.tools.extract_catalog import PageError, apply_departures, build, extract, render

ROOT = Path(__file__).resolve().parents[2]
DATA_FILE = ROOT / "tests" / "data" / "securityhub-sagemaker.json"
DATA: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
FACTS: dict[str, dict[str, Any]] = {f["id"]: f for f in DATA["controls"]}
PAGE = Path(os.path.normpath(ROOT / DATA["source"]["page"]))
# SageMaker.16-25 are not on the seed page: their facts come from the project spec.
SPEC_DATA: dict[str, Any] = json.loads(extract_spec.DATA_FILE.read_text(encoding="utf-8"))
SPEC_FACTS: dict[str, dict[str, Any]] = {f["id"]: f for f in SPEC_DATA["controls"]}
SPEC = Path(os.path.normpath(ROOT / SPEC_DATA["source"]["page"]))


def mismatches(control: Control, fact: dict[str, Any]) -> list[str]:
    """One line per fact where the catalog's control differs from the page's."""
    ours: dict[str, Any] = {
        "title": control.title,
        "severity": control.severity.value,
        "category": control.category,
        "resource_type": control.resource_type,
        "config_rule": control.config_rule,
        "schedule": control.schedule,
        "related_requirements": list(control.related_requirements),
        # sagewarden's own parameters (security_hub=False) are not on the page.
        "parameters": [
            {
                "name": p.name,
                "type": p.kind.value,
                "max_items": p.max_items,
                "default": list(p.default) if isinstance(p.default, tuple) else p.default,
            }
            for p in control.parameters
            if p.security_hub
        ],
    }
    page = {k: fact[k] for k in ours}
    page["severity"] = fact["severity"].upper()
    # The page gives some parameters no type or maximum: compare only what it states.
    page["parameters"] = [
        {k: v for k, v in p.items() if v is not None or k == "default"} for p in fact["parameters"]
    ]
    stated = {p["name"]: p.keys() for p in page["parameters"]}
    ours["parameters"] = [
        {k: v for k, v in mine.items() if k in stated.get(mine["name"], mine.keys())}
        for mine in ours["parameters"]
    ]
    return [
        f"{control.id} {k}: the catalog has {ours[k]!r}, the page {page[k]!r} ({DATA_FILE.name})"
        for k in ours
        if ours[k] != page[k]
    ]


def test_twenty_five_controls_in_order_each_with_a_function() -> None:
    assert [c.id for c in CONTROLS] == [f"SageMaker.{n}" for n in range(1, 26)]
    assert all(callable(BY_ID[cid].check) for cid in BY_ID)


def test_the_page_and_spec_data_cover_the_catalog_in_order() -> None:
    assert [c.id for c in CONTROLS] == [*FACTS, *SPEC_FACTS]


@pytest.mark.parametrize("cid", list(SPEC_FACTS))
def test_newer_control_matches_the_spec(cid: str) -> None:
    c, fact = BY_ID[cid], SPEC_FACTS[cid]
    ours = {
        "id": c.id,
        "resource_type": c.resource_type,
        "severity": c.severity.value,
        "config_rule": c.config_rule,
        "schedule": c.schedule,
        "related_requirements": list(c.related_requirements),
    }
    assert ours == fact
    assert not [p for p in c.parameters if p.security_hub], "Security Hub gives them none"
    assert c.standards == (AI_SECURITY,), "the AI Security standard holds all ten"


def test_the_spec_data_is_what_the_spec_says() -> None:
    if not SPEC.exists():
        pytest.skip(f"the spec is not beside the repository ({SPEC}): checked against data only")
    fresh = extract_spec.render(extract_spec.build(SPEC.read_text(encoding="utf-8")))
    assert fresh == extract_spec.DATA_FILE.read_text(encoding="utf-8"), (
        "run python tests/tools/extract_spec.py"
    )


def test_standard_tables_name_only_controls() -> None:
    assert set(standards.named_ids()) <= set(BY_ID)
    assert not set(standards.OFFERED_IN) - {"SageMaker.16", "SageMaker.20", "SageMaker.25"}


def test_regions_where_security_hub_does_not_offer_a_control() -> None:
    """.16, .20 and .25 are offered in fewer Regions (their Config rules exist only
    there); every other control everywhere Security Hub runs."""
    assert not BY_ID["SageMaker.16"].offered("eu-central-1")  # not in the rule's list
    assert BY_ID["SageMaker.20"].offered("eu-central-1")
    assert not BY_ID["SageMaker.25"].offered("af-south-1")
    assert all(BY_ID[c].offered("us-east-1") for c in ("SageMaker.16", "SageMaker.20"))
    assert BY_ID["SageMaker.17"].offered("il-central-1")
    assert BY_ID["SageMaker.17"].offered_in is None


@pytest.mark.parametrize("cid", list(FACTS))
def test_control_matches_the_page(cid: str) -> None:
    problems = mismatches(BY_ID[cid], FACTS[cid])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("cid", "change"),
    [
        ("SageMaker.1", {"title": "SageMaker notebooks should be private"}),
        ("SageMaker.3", {"severity": Severity.MEDIUM}),
        ("SageMaker.4", {"category": "Protect > Secure network configuration"}),
        ("SageMaker.5", {"resource_type": "AWS::SageMaker::Endpoint"}),
        ("SageMaker.13", {"config_rule": "ssagemaker-model-quality-job-encrypt-in-transit"}),
        ("SageMaker.8", {"schedule": "Change triggered"}),
        ("SageMaker.2", {"related_requirements": BY_ID["SageMaker.2"].related_requirements[1:]}),
        ("SageMaker.6", {"parameters": ()}),
    ],
    ids=lambda v: v if isinstance(v, str) else next(iter(v)),
)
def test_a_changed_fact_is_named(cid: str, change: dict[str, Any]) -> None:
    changed = dataclasses.replace(BY_ID[cid], **change)
    problems = mismatches(changed, FACTS[cid])
    assert [p.split(":", 1)[0] for p in problems] == [f"{cid} {next(iter(change))}"]


def test_a_changed_parameter_default_is_named() -> None:
    c = BY_ID["SageMaker.8"]
    old = dataclasses.replace(c.parameters[0], default=("notebook-al2-v3",))
    problems = mismatches(dataclasses.replace(c, parameters=(old,)), FACTS[c.id])
    assert len(problems) == 1
    assert "SageMaker.8 parameters" in problems[0]
    assert "notebook-al2-v3" in problems[0]


def test_the_data_is_what_the_page_says() -> None:
    if not PAGE.exists():
        pytest.skip(
            f"the Security Hub page is not beside the repository ({PAGE}); "
            f"the catalog was checked against {DATA_FILE.name} only"
        )
    fresh = render(build(PAGE.read_text(encoding="utf-8"), DATA["source"]["page"]))
    assert fresh == DATA_FILE.read_text(encoding="utf-8"), (
        f"{DATA_FILE.name} is out of date with {PAGE}: run python tests/tools/extract_catalog.py"
    )


_SECTION = """[SageMaker.9] Job definitions should be encrypted
Category: Protect
Severity: Medium
Resource type:
AWS::SageMaker::DataQualityJobDefinition
AWS Config rule: some-rule
Schedule type: Change triggered
Parameters:{params}
This control checks whether the definition is encrypted.
"""


@pytest.mark.parametrize(
    ("params", "said"),
    [
        (" Some", "unexpected 'Parameters: Some'"),
        ("\n* requiredKeyTags", "unrecognised parameters block"),
        ("\n-\nThis control checks nothing.", "'-' parameters block without name:value lines"),
    ],
)
def test_the_extractor_refuses_what_it_does_not_know(params: str, said: str) -> None:
    with pytest.raises(PageError, match="^" + re.escape(f"SageMaker.9: {said}")):
        extract(_SECTION.format(params=params))


def test_the_extractor_reads_both_parameter_shapes() -> None:
    table = (
        "\n| Parameter | Description | Type | Allowed custom values |"
        " Security Hub CSPM default value |\n|---|---|---|---|---|\n"
        "requiredKeyTags |\nTag keys. | StringList (maximum of 6 items) | 1-6 keys. |"
        " No default value |"
    )
    fixed = "\n-\nversions:a-v1,b-v2(not customizable)"
    [t] = extract(_SECTION.format(params=table))
    [f] = extract(_SECTION.format(params=fixed))
    assert t["parameters"] == [
        {"name": "requiredKeyTags", "type": "StringList", "max_items": 6, "default": None}
    ]
    assert f["parameters"] == [
        {"name": "versions", "type": None, "max_items": None, "default": ["a-v1", "b-v2"]}
    ]
    assert t["resource_type"] == "AWS::SageMaker::DataQualityJobDefinition"


def test_a_departure_the_page_no_longer_supports_stops_the_extraction() -> None:
    facts = [dict(FACTS["SageMaker.13"]), dict(FACTS["SageMaker.8"])]
    facts[1]["parameters"] = [dict(p) for p in facts[1]["parameters"]]
    # The data already holds the departed values, not the page's: extraction must refuse.
    with pytest.raises(PageError, match=re.escape("SageMaker.13 config_rule: the page now says")):
        apply_departures(facts)


def test_standards_as_in_the_spec() -> None:
    def holding(std):  # type: ignore[no-untyped-def]
        return {c.number for c in CONTROLS if std in c.standards}

    assert holding(FSBP) == {1, 2, 3, 4, 5, 8}
    assert holding(NIST) == {1, 2, 3, 4}
    assert holding(PCI_321) == {1}
    assert holding(PCI_401) == {1}
    assert holding(TAGGING) == {6, 7}
    assert holding(AI_SECURITY) == {1, 2, 3, 4, 5, *range(8, 26)}


def test_unconfirmed_fsbp_members_are_not_claimed() -> None:
    """FSBP's probable new members (.9-.17, .19) are shown in the docs, never in findings."""
    for n in (*range(9, 18), 19):
        c = BY_ID[f"SageMaker.{n}"]
        assert FSBP not in c.standards
        assert standards.unconfirmed_of(c.id) == (FSBP,)


def test_lookup_forgives_case_and_pci_alias() -> None:
    assert lookup("sagemaker.3") is BY_ID["SageMaker.3"]
    assert lookup("PCI.SageMaker.1") is BY_ID["SageMaker.1"]
    assert lookup("sagemaker.16") is BY_ID["SageMaker.16"]
    assert lookup("SageMaker.26") is None
    assert lookup("EC2.1") is None
