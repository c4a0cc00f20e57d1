"""The deployment zip of the AWS Config rule function: sagewarden's own package and its
runtime dependencies as wheels for the Lambda platform, unpacked into the zip's root.

The dependencies are resolved by pip itself (`pip download --only-binary=:all:
--platform ... --python-version ... --implementation cp`), so a compiled dependency
(orjson, PyYAML) is the build for Lambda's Linux and CPU, never this machine's. boto3
and botocore are included although the runtime carries them: the runtime's copy lags
(AWS updates it on its own schedule, and its version has been below sagewarden's
`boto3>=1.35`), and sagewarden reads botocore's service models, so it ships the ones it
was tested with. sagewarden's own files are taken from the installed package (an
editable install's source tree, or site-packages), without the demo package beside it.
The zip is reproducible: sorted entries, fixed timestamps.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import sagewarden
from sagewarden.deploy.platform import pip_platforms

# Lambda's quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html),
# in the bytes its API reports when a package is over them.
MAX_ZIPPED = 50 * 1024 * 1024  # a zip uploaded directly (CreateFunction ZipFile)
MAX_UNZIPPED = 262_144_000  # "250 MB" unzipped, the function and its layers
_DIST = "sagewarden"
_HANDLER_MODULE = "sagewarden.configrule"
_STAMP = (1980, 1, 1, 0, 0, 0)
_SKIP_DATA = re.compile(r"^[^/]+\.data/(scripts|headers|data)/")
_LIB_DATA = re.compile(r"^[^/]+\.data/(purelib|platlib)/")


class PackageError(Exception):
    """One line for the user: why no zip (or no usable zip) was made."""


@dataclass(frozen=True)
class Request:
    arch: str  # x86_64 or arm64
    python: str  # 3.12
    find_links: Sequence[str] = ()
    no_index: bool = False


@dataclass(frozen=True)
class Built:
    path: Path
    zipped: int
    unzipped: int
    files: int
    wheels: tuple[str, ...]  # the dependency wheels' file names


def requirements() -> list[str]:
    """sagewarden's runtime requirements, as installed (no extras: the demo's and the
    developers' are not the function's)."""
    found = importlib.metadata.requires(_DIST) or []
    return [r for r in found if "extra" not in r.partition(";")[2]]


def pip_download(request: Request, dest: Path) -> list[Path]:
    """The dependency wheels for the Lambda platform, downloaded (or found) by pip."""
    command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check"]
    command += ["--quiet", "--only-binary=:all:", "--implementation", "cp"]
    command += ["--python-version", request.python, "--dest", str(dest)]
    for tag in pip_platforms(request.arch, request.python):
        command += ["--platform", tag]
    for link in request.find_links:
        command += ["--find-links", link]
    if request.no_index:
        command.append("--no-index")
    done = subprocess.run([*command, *requirements()], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PackageError(f"pip download for the Lambda platform failed: {_pip_error(done)}")
    return sorted(dest.glob("*.whl"))


def _pip_error(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    picked = errors[0] if errors else (lines[-1] if lines else f"exit status {done.returncode}")
    return picked.removeprefix("ERROR:").strip()


def own_files() -> Iterator[tuple[str, Path]]:
    """(name in the zip, file) of the installed sagewarden package, without caches."""
    root = Path(sagewarden.__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield f"{_DIST}/{path.relative_to(root).as_posix()}", path


def own_metadata() -> tuple[str, bytes]:
    """The dist-info METADATA, so importlib.metadata knows sagewarden in the function."""
    dist = importlib.metadata.distribution(_DIST)
    text = dist.read_text("METADATA") or f"Metadata-Version: 2.1\nName: {_DIST}\n"
    return f"{_DIST}-{dist.version}.dist-info/METADATA", text.encode()


def wheel_members(wheel: Path) -> Iterator[tuple[zipfile.ZipInfo, str]]:
    """(member, name in the zip) of a wheel as pip would install it into site-packages."""
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or _SKIP_DATA.match(name) or "__pycache__/" in name:
                continue
            yield info, _LIB_DATA.sub("", name)


def unzipped_size(wheels: Sequence[Path]) -> int:
    own = sum(path.stat().st_size for _, path in own_files())
    return own + sum(info.file_size for w in wheels for info, _ in wheel_members(w))


def _entry(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (mode & 0o777 or 0o644) << 16
    return info


def build(request: Request, output: Path) -> Built:
    """Write the zip to `output` (replaced whole, never left half-written). Raises
    PackageError when pip cannot find a wheel or the unzipped size is over Lambda's."""
    with tempfile.TemporaryDirectory(prefix="sagewarden-lambda-") as tmp:
        wheels = pip_download(request, Path(tmp))
        unzipped = unzipped_size(wheels)
        if unzipped > MAX_UNZIPPED:
            raise PackageError(
                f"the package would be {_mb(unzipped)} unzipped; Lambda takes at most "
                f"{_mb(MAX_UNZIPPED)}: no zip written"
            )
        # name in the zip -> (its entry, the file or the wheel member it comes from);
        # the first source of a name wins, as in one site-packages.
        sources: dict[str, tuple[zipfile.ZipInfo, Path, zipfile.ZipInfo | None]] = {}
        for name, path in own_files():
            sources[name] = (_entry(name, path.stat().st_mode), path, None)
        for wheel in wheels:
            for info, name in wheel_members(wheel):
                mode = (info.external_attr >> 16) & 0o777
                sources.setdefault(name, (_entry(name, mode), wheel, info))
        meta_name, meta = own_metadata()
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.partial")
        with zipfile.ZipFile(partial, "w") as out:
            out.writestr(_entry(meta_name, 0o644), meta)
            for name in sorted(sources):
                entry, source, member = sources[name]
                if member is None:
                    out.writestr(entry, source.read_bytes())
                else:
                    with zipfile.ZipFile(source) as wheel_zip:
                        out.writestr(entry, wheel_zip.read(member))
        os.replace(partial, output)
    return Built(
        output, output.stat().st_size, unzipped, len(sources) + 1, tuple(w.name for w in wheels)
    )


def handler_present() -> bool:
    """Whether the installed sagewarden has the rule function's handler module."""
    return importlib.util.find_spec(_HANDLER_MODULE) is not None


def _mb(size: int) -> str:
    return f"{size / 1_048_576:.1f} MiB"
