"""docs/ci.md cannot go stale: every release it pins (`rev:`, `ref:`, `@v…`, the GitLab
template's package) is the tag of the version in pyproject.toml, and every input of the
action and variable of the GitLab template is documented."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.e2e.ci_support import ROOT, version

CI_DOC = ROOT / "docs" / "ci.md"
PINNED = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    ROOT / "integrations" / "gitlab" / "sagewarden.gitlab-ci.yml",
]
# A pinned release: pre-commit's rev, GitLab's include ref, `uses: …/sagewarden@`, pip's ==.
RELEASE = re.compile(
    r"\brev: (\S+)|\bref: (\S+)|/sagewarden@(v[^\s`\"']+)|sagewarden==([^\s`\"']+)"
)


def pins() -> list[tuple[str, str]]:
    found = []
    for path in PINNED:
        for match in RELEASE.finditer(path.read_text(encoding="utf-8")):
            found.append((path.name, next(g for g in match.groups() if g)))
    return found


def test_every_pin_is_the_package_version() -> None:
    tag = f"v{version()}"
    found = pins()
    assert len([p for p in found if p[0] == "ci.md"]) >= 5  # the check sees the pins
    wrong = [(name, pin) for name, pin in found if pin not in (tag, version())]
    assert not wrong, f"pins that are not {tag}: {wrong}"


def test_the_check_finds_a_stale_pin(tmp_path: Path) -> None:
    stale = "  - repo: https://github.com/OWNER/sagewarden\n    rev: v0.0.9\n"
    assert [m.group(1) for m in RELEASE.finditer(stale)] == ["v0.0.9"]


def test_every_action_input_and_gitlab_variable_is_documented() -> None:
    text = CI_DOC.read_text(encoding="utf-8")
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    gitlab = yaml.safe_load(PINNED[-1].read_text(encoding="utf-8"))
    names = [*action["inputs"], *action["outputs"], *gitlab[".sagewarden"]["variables"]]
    missing = [n for n in names if f"`{n}`" not in text]
    assert not missing, f"docs/ci.md does not document: {missing}"


def test_the_readme_points_at_the_ci_page() -> None:
    assert "(docs/ci.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
