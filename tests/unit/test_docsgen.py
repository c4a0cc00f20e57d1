"""docs/controls.md is generated from the control units and must be current."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from sagewarden import docsgen
from sagewarden.catalog import BY_ID, CONTROLS, Fix
from sagewarden.kinds import REBUILD

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / docsgen.PAGE


def test_the_committed_page_is_current() -> None:
    assert PAGE.is_file(), f"{docsgen.PAGE} is missing: run {docsgen.COMMAND}"
    assert PAGE.read_text(encoding="utf-8") == docsgen.render(), (
        f"{docsgen.PAGE} is out of date with the control units: run {docsgen.COMMAND}"
    )


@pytest.mark.parametrize("c", CONTROLS, ids=[c.id for c in CONTROLS])
def test_each_control_has_its_section(c: Any) -> None:
    page = docsgen.render()
    section = page.split(f"\n## {c.id}\n", 1)[1].split("\n## ", 1)[0]
    assert c.title in section
    assert f"`{c.resource_type}`" in section
    assert c.severity.value in section
    assert c.doc_url in section
    assert docsgen.decides(c) in section
    for s in c.standards:
        assert s.name in section
    for r in c.related_requirements:
        assert r in section
    for p in c.parameters:
        assert f"`{p.name}`" in section
    for path, _ in c.fix.sets:
        assert f"`{path}`" in section
    assert c.remediation in section


def test_defaults_bounds_and_user_values_are_spelled_out() -> None:
    page = docsgen.render()
    assert "`supportedPlatformIdentifierVersions` (StringList; default `notebook-al2023-v1`" in page
    assert "`resolveReferences` (Boolean; default `false`; sagewarden's own)" in page
    assert "- `ProductionVariants[].InitialInstanceCount`: at least `2`" in page
    assert "- `SubnetId`: the private subnet given with `--subnet`" in page
    assert "- `Tags`: the tags given with `--tag`" in page
    assert "With `SageMaker.14.resolveReferences=true` it reads the resource named by" in page


def test_a_blocked_fix_says_why() -> None:
    blocked = dataclasses.replace(
        BY_ID["SageMaker.5"], fix=Fix(REBUILD, blocked="No registry to choose; do it by hand.")
    )
    page = docsgen.render([blocked])
    assert "Blocked: sagewarden does not fix it. No registry to choose; do it by hand." in page
    assert "| blocked |" in page


def _undocumented(r: Any, params: Any, ctx: Any) -> Any:
    return None


def test_a_check_without_its_decision_text_stops_the_generator() -> None:
    bare = dataclasses.replace(BY_ID["SageMaker.5"], check=_undocumented)
    with pytest.raises(ValueError, match=r"SageMaker\.5: its check function _undocumented"):
        docsgen.render([bare])


def test_main_writes_and_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "docs" / "controls.md"
    assert docsgen.main([str(page), "--check"]) == 1
    assert docsgen.COMMAND in capsys.readouterr().err
    assert docsgen.main([str(page)]) == 0
    assert page.read_text(encoding="utf-8") == docsgen.render()
    assert docsgen.main([str(page), "--check"]) == 0
    page.write_text(page.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    assert docsgen.main([str(page), "--check"]) == 1
