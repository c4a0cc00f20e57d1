"""What the CI integration tests share: the fixtures, the repository as a user's CI would
fetch it (the files of the working tree, committed in a fresh repository), and shellcheck."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "ci"
SHELLCHECK = shutil.which("shellcheck")
needs_shellcheck = pytest.mark.skipif(
    SHELLCHECK is None, reason="shellcheck is not installed (Debian package shellcheck)"
)
# What installing sagewarden and running its integrations needs from the repository.
SHIPPED = ("src", "pyproject.toml", "README.md", "LICENSE*", "action.yml", "integrations")
SHIPPED += (".pre-commit-hooks.yaml",)
# (fixture, --fail-on, the job's exit code): each fixture fails one severity at most, so
# the job fails exactly at and below it.
THRESHOLDS = [
    ("passing", "low", 0),
    ("low", "low", 1),
    ("low", "medium", 0),
    ("medium", "medium", 1),
    ("medium", "high", 0),
    ("high", "high", 1),
    ("high", "critical", 0),
    ("high", "never", 0),
]


def version() -> str:
    """The package version, from its one place (pyproject.toml)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version = "([^"]+)"$', text, re.MULTILINE)
    assert found, "pyproject.toml states no version"
    return found[1]


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def checkout(dest: Path) -> Path:
    """The shipped files of this working tree (edits not yet committed included), as a
    fresh git repository with one commit: what `uses:`, `include:` or `rev:` would fetch."""
    listed = git("ls-files", "-co", "--exclude-standard", "-z", "--", *SHIPPED, cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("commit", "-q", "-m", "checkout", cwd=dest)
    return dest


def shellcheck(path: Path) -> subprocess.CompletedProcess[str]:
    assert SHELLCHECK is not None
    return subprocess.run(
        [SHELLCHECK, "--shell=bash", str(path)], capture_output=True, text=True, check=False
    )
