"""The catalog against the seed: the Security Hub page is the source of truth."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sagewarden.catalog import BY_ID, CONTROLS, FSBP, NIST, PCI_321, PCI_401, TAGGING, lookup
from sagewarden.controls import load_all

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "004_d36a3447f9e7f281.txt"


def test_fifteen_controls_in_order_each_with_a_function() -> None:
    assert [c.id for c in CONTROLS] == [f"SageMaker.{n}" for n in range(1, 16)]
    assert set(load_all()) == set(BY_ID)


def _seed_sections() -> dict[str, str]:
    if not SEED.exists():
        pytest.skip(f"seed not found at {SEED}")
    text = SEED.read_text()
    parts = re.split(r"^\[(SageMaker\.\d+)\] ", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.id)
def test_control_matches_the_seed(control) -> None:  # type: ignore[no-untyped-def]
    section = _seed_sections()[control.id]
    title = section.splitlines()[0].strip()
    assert control.title == title
    assert f"Severity: {control.severity.value.title()}" in section
    assert f"Category: {control.category}\n" in section
    assert f"\n{control.resource_type}\n" in section
    assert f"Schedule type: {control.schedule}" in section
    rule = re.search(r"AWS Config rule: (\S+)", section)
    assert rule is not None
    # The seed misspells one rule name ("ssagemaker-..."); the catalog keeps AWS's spelling.
    assert control.config_rule == rule.group(1).removeprefix(
        "s"
    ) or control.config_rule == rule.group(1)
    req = re.search(r"Related requirements: (.*)", section)
    expected = [r.strip() for r in req.group(1).split(",")] if req else []
    assert list(control.related_requirements) == expected


def test_standards_as_in_the_spec() -> None:
    def holding(std):  # type: ignore[no-untyped-def]
        return {c.number for c in CONTROLS if std in c.standards}

    assert holding(FSBP) == {1, 2, 3, 4, 5, 8}
    assert holding(NIST) == {1, 2, 3, 4}
    assert holding(PCI_321) == {1}
    assert holding(PCI_401) == {1}
    assert holding(TAGGING) == {6, 7}


def test_lookup_forgives_case_and_pci_alias() -> None:
    assert lookup("sagemaker.3") is BY_ID["SageMaker.3"]
    assert lookup("PCI.SageMaker.1") is BY_ID["SageMaker.1"]
    assert lookup("SageMaker.16") is None
    assert lookup("EC2.1") is None
