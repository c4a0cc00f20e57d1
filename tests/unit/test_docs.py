"""Documentation that cannot go stale: every module is named in the architecture page,
and every link between the README and docs/ lands on a file and heading that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
DOCS = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = ("sagewarden", "sagewarden_demo")


def _modules() -> list[str]:
    """Each module as the architecture page names it: its path inside its top package
    (`sources/aws/collector.py`); a package's `__init__.py` is named by the package."""
    out = []
    for package in PACKAGES:
        base = SRC / package
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(base).as_posix()
            if path.name == "__init__.py":
                if path.parent == base:
                    continue  # the top package is the page itself
                rel = path.parent.relative_to(base).as_posix() + "/"
            out.append(f"{package}:{rel}")
    return out


def _named(rel: str, page: str) -> bool:
    """Named by its path, or by its file name with its package's folder named too (the
    page lists a package's modules under the package)."""
    if rel in page or rel == "__main__.py":
        return True
    folder, _, name = rel.rstrip("/").rpartition("/")
    name += "/" if rel.endswith("/") else ""
    return bool(folder) and f"{folder}/" in page and name in page


def _anchor(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_architecture_names_every_module() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [m for m in _modules() if not _named(m.split(":", 1)[1], page)]
    assert not missing, f"docs/architecture.md does not name: {', '.join(missing)}"


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_links_land(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # links in code are not links
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # an external address
        file_part, _, anchor = target.partition("#")
        dest = (doc.parent / file_part).resolve() if file_part else doc
        assert dest.exists(), f"{doc.name}: link to {target}: no such file"
        if anchor and dest.suffix == ".md":
            headings = re.findall(r"^#+ (.*)$", dest.read_text(encoding="utf-8"), re.M)
            assert anchor in {_anchor(h) for h in headings}, f"{doc.name}: {target}: no heading"
