"""The package as PyPI would get it: a wheel and an sdist built offline from a copy of the
checkout (the wheel from the sdist, as `python -m build` does, so the sdist must hold
everything), checked by `twine check --strict`, and the wheel installed into a new
virtual environment where the installed command runs."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from sagewarden import __version__

ROOT = Path(__file__).resolve().parents[2]
# What the package reads at run time besides its modules (pyproject's package-data).
DATA = (
    "sagewarden/py.typed",
    "sagewarden/outputs/templates/report.html",
    "sagewarden/outputs/templates/parts.html",
    "sagewarden/outputs/templates/report.css",
    "sagewarden/outputs/templates/report.js",
    "sagewarden/remediation/waiters.json",
    "sagewarden/remediation/programs/functions.sh",
    "sagewarden/remediation/programs/volume_worker.sh",
    "sagewarden_demo/py.typed",
    "sagewarden_demo/emulator/server.py",
)


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ with the wheel and the sdist, built from a copy of the checkout's files."""
    base = tmp_path_factory.mktemp("packaging")
    tree = base / "tree"
    listed = _run("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT)
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            (tree / name).write_bytes(source.read_bytes())
    out = base / "dist"
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, tree)
    return out


def test_wheel_and_sdist_pass_twine_check_and_hold_the_package_data(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    assert wheel.name == f"sagewarden-{__version__}-py3-none-any.whl"
    checked = _run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist)
    assert checked.stdout.count("PASSED") == 2, checked.stdout
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    with tarfile.open(sdist) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for name in DATA:
        assert name in in_wheel, name
        assert f"src/{name}" in in_sdist, name
    assert "LICENSE" in in_sdist
    meta = zipfile.ZipFile(wheel).read(f"sagewarden-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in meta
    assert "Description-Content-Type: text/markdown" in meta
    assert "Provides-Extra: demo" in meta


def test_the_wheel_installs_into_a_new_venv_and_runs(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    # offline: the wheel alone; its dependencies are this environment's (a .pth adds its
    # site-packages after the new venv's own, without running its .pth files, so the
    # checkout's editable sagewarden is not seen)
    site = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(python, "-m", "pip", "install", "--no-index", "--no-deps", wheel)
    where = _run(python, "-c", "import sagewarden; print(sagewarden.__file__)").stdout
    assert where.startswith(str(site)), where

    command = venv / "bin" / "sagewarden"
    assert _run(command, "--version").stdout == f"sagewarden {__version__}\n"
    controls = _run(command, "controls").stdout
    assert all(f"SageMaker.{n} " in controls for n in range(1, 26)), controls
    # the HTML report's templates come from the installed package
    report = tmp_path / "report.html"
    proc = subprocess.run(
        [command, "scan", ROOT / "examples" / "config-snapshot.json", "--format", "html",
         "--output", report, "--no-history"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    assert report.read_text().lstrip().lower().startswith("<!doctype html>")
