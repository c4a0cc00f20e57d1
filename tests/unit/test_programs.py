"""The helper programs the fix script and the notebook backup carry are real files: checked
by shellcheck and ruff, runnable on their own, shipped in the wheel, and what the
generated script embeds is exactly their text."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest

from sagewarden.remediation import plan, programs
from sagewarden.remediation.inputs import prune
from sagewarden.remediation.script import render_script
from sagewarden.remediation.shell import q
from sagewarden.remediation.steps import new_name
from sagewarden.remediation.volume import backup_script
from tests.e2e.test_fix_script import big_plan
from tests.unit.test_remediation_plan import notebook, run

ROOT = Path(__file__).resolve().parents[2]
DIR = Path(programs.__file__).parent
REMEDIATION = DIR.parent
SHELL = sorted(DIR.glob("*.sh"))
SHELLCHECK = shutil.which("shellcheck")
needs_shellcheck = pytest.mark.skipif(
    SHELLCHECK is None, reason="shellcheck is not installed (Debian package shellcheck)"
)


def shellcheck(path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    assert SHELLCHECK is not None
    return subprocess.run(
        [SHELLCHECK, "--shell=bash", *options, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_programs_are_files() -> None:
    assert {p.name for p in SHELL} == {"functions.sh", "volume_worker.sh"}
    assert (DIR / "helpers.py").is_file()


@needs_shellcheck
@pytest.mark.parametrize("path", SHELL, ids=lambda p: p.name)
def test_shell_programs_pass_shellcheck(path: Path) -> None:
    found = shellcheck(path)
    assert found.returncode == 0, found.stdout


@needs_shellcheck
def test_shellcheck_finds_a_fault(tmp_path: Path) -> None:
    """The check can fail: an unquoted expansion is reported."""
    bad = tmp_path / "bad.sh"
    bad.write_text("rm $1\n")
    assert shellcheck(bad).returncode != 0


def _plans() -> list[object]:
    big, _ = big_plan()
    nb = notebook("rb", DirectInternetAccess="Enabled", LifecycleConfigName="orig")
    rebuild = plan(run([nb]), allow_rebuild=True, backup="s3://bk/notebooks", subnet="subnet-9")
    return [big, rebuild]


@needs_shellcheck
@pytest.mark.parametrize("which", [0, 1], ids=["every-family", "s3-backup-rebuild"])
def test_generated_scripts_pass_shellcheck(tmp_path: Path, which: int) -> None:
    """What a plan turns into, sections and all. SC2034: a notebook's was-running flag
    is set by every stop and read only by a start that depends on it."""
    path = tmp_path / "fix.sh"
    path.write_text(render_script(_plans()[which]))  # type: ignore[arg-type]
    found = shellcheck(path, "--severity=warning", "--exclude=SC2034")
    assert found.returncode == 0, found.stdout


def test_ruff_checks_the_python_programs() -> None:
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip("ruff is not installed next to this Python")
    found = subprocess.run(
        [str(ruff), "check", "--no-cache", str(DIR)], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stdout
    assert str(DIR.relative_to(ROOT)).startswith("src/")  # `ruff check src` covers it


def _helper(*args: str, stdin: str = "") -> str:
    """helpers.py run on its own, as the script runs it: isolated, from a copy outside
    the package (the standard library only)."""
    found = subprocess.run(
        [sys.executable, "-I", "-c", programs.source("helpers.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout


def test_helpers_run_standalone_and_match_the_package() -> None:
    for old in ("m", "m-sw1", "x" * 70, "a-sw9"):
        assert _helper("new-name", old).strip() == new_name(old)
    skel = '{"s": {"A": null, "B": {"s": {"C": null}, "r": []}}, "r": []}'
    cfg = '{"MonitoringJobDefinitionName": "old", "Junk": 1, "B": {}}'
    out = _helper("repoint", "old", "new", skel, stdin=cfg)
    assert out.strip() == "{}"  # B left empty, Junk not in the shape, the name not either
    assert prune({"A": 1, "Z": 2}, {"s": {"A": None}, "r": []}) == {"A": 1}
    assert _helper("lines", stdin='["a", "", 3, "b"]') == "a\nb\n"
    assert _helper("count", "p/_sw/", stdin='[["p/a", 2], ["p/_sw/m", 9]]') == "1 2\n"
    assert _helper("subset", '{"a": {"b": 1}}', stdin='{"a": {"b": 1, "c": 2}}') == "yes\n"


def test_the_script_embeds_the_files_exactly() -> None:
    big, _ = big_plan()
    script = render_script(big)
    assert f"SW_PY={q(programs.source('helpers.py'))}\n" in script
    functions = programs.source("functions.sh").strip("\n")
    assert functions in script
    worker = programs.source("volume_worker.sh")
    assert "'" not in worker  # the lifecycle script quotes it whole
    assert shlex.quote(worker) in backup_script("b", "p/")


def test_the_wheel_ships_every_program() -> None:
    """pyproject's package-data names every non-Python file of the remediation package."""
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = conf["tool"]["setuptools"]["package-data"]
    for path in REMEDIATION.rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = ".".join(path.parent.relative_to(ROOT / "src").parts)
        patterns = data.get(package, [])
        assert any(fnmatch(path.name, p) for p in patterns), f"{path} is not in package-data"
