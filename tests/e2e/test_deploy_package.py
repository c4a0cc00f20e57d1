"""`sagewarden package lambda` as a user runs it, offline: pip resolves sagewarden's
requirements from a wheel folder the test makes (stand-in wheels under the real
requirement names, one of them compiled for several platforms), never from an index.
The zip holds sagewarden's installed files and the Lambda platform's wheels unpacked at
its root; Lambda's size limits are one line and exit 2."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import sagewarden
from tests.helpers import cli

CANDIDATE_VERSIONS = ("100.0", "8.99", "6.5")


def make_wheel(
    folder: Path,
    name: str,
    version: str,
    tag: str = "py3-none-any",
    requires: tuple[str, ...] = (),
    files: dict[str, bytes] | None = None,
    stored: bool = False,
) -> Path:
    """A wheel as `pip wheel` would write it for a tiny project `name`."""
    dist = re.sub(r"[-_.]+", "_", name)
    info = f"{dist}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires)
    purelib = "true" if tag.endswith("none-any") else "false"
    members = {
        f"{dist.lower()}/__init__.py": f"PLATFORM = {tag!r}\n".encode(),
        **(files or {}),
        f"{info}/METADATA": meta.encode(),
        f"{info}/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {purelib}\nTag: {tag}\n"
        ).encode(),
    }
    record = "".join(f"{n},,\n" for n in members) + f"{info}/RECORD,,\n"
    path = folder / f"{dist}-{version}-{tag}.whl"
    mode = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", mode) as zf:
        for n, data in members.items():
            zf.writestr(n, data)
        zf.writestr(f"{info}/RECORD", record)
    return path


def version_for(req: Requirement) -> str:
    return next(v for v in CANDIDATE_VERSIONS if req.specifier.contains(v))


def runtime_requirements() -> list[Requirement]:
    found = [Requirement(r) for r in importlib.metadata.requires("sagewarden") or []]
    return [r for r in found if not (r.marker and "extra" in str(r.marker))]


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    """Stand-ins for every runtime requirement; boto3's needs botocore (resolved by pip);
    orjson is compiled, for x86_64 and aarch64 Linux and for macOS."""
    folder = tmp_path / "wheels"
    folder.mkdir()
    for req in runtime_requirements():
        version = version_for(req)
        if req.name == "orjson":
            for tag in (
                "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
                "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64",
                "cp312-cp312-macosx_11_0_arm64",
            ):
                make_wheel(folder, req.name, version, tag)
        elif req.name == "boto3":
            make_wheel(folder, req.name, version, requires=("botocore>=1.0",))
        else:
            make_wheel(folder, req.name, version)
    make_wheel(
        folder,
        "botocore",
        "1.99",
        files={"botocore/data/service.json": b"{}", "botocore-1.99.data/scripts/x": b"#!"},
    )
    return folder


def package(tmp_path: Path, folder: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "dist" / "fn.zip"
    run = cli(
        "package", "lambda", "--no-index", "--find-links", str(folder), "--output", str(out), *args
    )
    assert "Traceback" not in run.stderr
    return run.code, run.stderr, out


def handler_code() -> int:
    """`package lambda` exits 2 (the zip could not start) while sagewarden has no handler."""
    return 0 if importlib.util.find_spec("sagewarden.configrule") else 2


def test_the_zip_holds_sagewarden_and_the_platform_wheels(tmp_path: Path, wheelhouse: Path) -> None:
    code, err, out = package(tmp_path, wheelhouse)
    assert code == handler_code(), err
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        orjson = zf.read("orjson/__init__.py").decode()
    root = Path(sagewarden.__file__).parent
    own = {
        f"sagewarden/{p.relative_to(root).as_posix()}"
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert own <= names
    assert "sagewarden/deploy/lambda_zip.py" in names
    assert not any(n.startswith("sagewarden_demo/") or "__pycache__" in n for n in names)
    assert any(re.fullmatch(r"sagewarden-[^/]+\.dist-info/METADATA", n) for n in names)
    for req in runtime_requirements():
        module = re.sub(r"[-_.]+", "_", req.name).lower()
        assert f"{module}/__init__.py" in names, req.name
    assert "botocore/data/service.json" in names  # boto3's own requirement, resolved
    assert not any(".data/" in n for n in names)  # a wheel's scripts are not the function's
    assert "x86_64" in orjson and "manylinux" in orjson
    assert f"wrote {out}" in err and "x86_64, Python 3.12" in err


def test_arm64_takes_the_aarch64_build(tmp_path: Path, wheelhouse: Path) -> None:
    code, err, out = package(tmp_path, wheelhouse, "--arch", "arm64", "--python", "3.12")
    assert code == handler_code(), err
    with zipfile.ZipFile(out) as zf:
        assert "aarch64" in zf.read("orjson/__init__.py").decode()


def test_the_zip_is_reproducible(tmp_path: Path, wheelhouse: Path) -> None:
    _, _, first = package(tmp_path, wheelhouse)
    data = first.read_bytes()
    _, _, again = package(tmp_path, wheelhouse)
    assert again.read_bytes() == data


def test_a_requirement_without_a_wheel_for_the_platform_is_one_line(
    tmp_path: Path, wheelhouse: Path
) -> None:
    for wheel in wheelhouse.glob("orjson-*manylinux*"):
        wheel.unlink()  # only the macOS build is left
    code, err, out = package(tmp_path, wheelhouse)
    assert code == 2
    assert err.startswith("sagewarden: pip download for the Lambda platform failed: ")
    assert "orjson" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_over_250_mb_unzipped_writes_nothing(tmp_path: Path, wheelhouse: Path) -> None:
    big = b"\0" * (251 * 1024 * 1024)
    for old in wheelhouse.glob("rich-*"):
        old.unlink()
    (req,) = [r for r in runtime_requirements() if r.name == "rich"]
    make_wheel(wheelhouse, "rich", version_for(req), files={"rich/big.bin": big})
    code, err, out = package(tmp_path, wheelhouse)
    assert code == 2
    assert "unzipped; Lambda takes at most 250.0 MiB: no zip written" in err, err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []  # nor a partial zip


def test_over_50_mb_zipped_is_one_line_and_exit_2(tmp_path: Path, wheelhouse: Path) -> None:
    for old in wheelhouse.glob("rich-*"):
        old.unlink()
    (req,) = [r for r in runtime_requirements() if r.name == "rich"]
    noise = {"rich/noise.bin": os.urandom(51 * 1024 * 1024)}
    make_wheel(wheelhouse, "rich", version_for(req), files=noise, stored=True)
    code, err, out = package(tmp_path, wheelhouse)
    assert code == 2
    assert "over Lambda's 50.0 MiB for a direct upload; upload it to S3" in err, err
    assert out.stat().st_size > 50 * 1024 * 1024  # deployable from S3, as the templates do


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--arch", "i386"], "--arch i386: Lambda runs x86_64 or arm64"),
        (["--python", "2.7"], "--python 2.7: Lambda has no Python 2.7 runtime"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    tmp_path: Path, wheelhouse: Path, args: list[str], says: str
) -> None:
    code, err, out = package(tmp_path, wheelhouse, *args)
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_no_index_without_find_links_is_refused(tmp_path: Path) -> None:
    run = cli("package", "lambda", "--no-index", "--output", str(tmp_path / "x.zip"))
    assert run.code == 2
    assert "--no-index needs --find-links DIR" in run.stderr
