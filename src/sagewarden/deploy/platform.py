"""The Lambda platform a deployment targets: architecture and Python runtime, checked
against botocore's model of Lambda (its Architecture and Runtime enums), so both
`deploy config-rules` and `package lambda` accept exactly what Lambda does."""

from __future__ import annotations

from functools import cache
from typing import Any

DEFAULT_PYTHON = "3.12"
DEFAULT_ARCH = "x86_64"
MIN_PYTHON = (3, 10)  # sagewarden's requires-python

# The pip platform tags of Lambda's Amazon Linux: python3.12 and later run on Amazon
# Linux 2023 (glibc 2.34), earlier ones on Amazon Linux 2 (glibc 2.26, manylinux2014).
_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}
_AL2023_FROM = (3, 12)


@cache
def _lambda_model() -> Any:
    import botocore.session  # here: every command builds this module's parser options

    return botocore.session.get_session().get_service_model("lambda")


def architectures() -> tuple[str, ...]:
    """Lambda's architectures (botocore's enum) that sagewarden knows the wheel tags of."""
    return tuple(a for a in _lambda_model().shape_for("Architecture").enum if a in _MACHINE)


def target(arch: str, python: str) -> str:
    """The runtime of `--python`, once `--arch` and it are known to be Lambda's; else
    ValueError naming the option and what Lambda offers."""
    if arch not in architectures():
        raise ValueError(f"--arch {arch}: Lambda runs {' or '.join(architectures())}")
    try:
        return runtime(python)
    except ValueError as exc:
        raise ValueError(f"--python {python}: {exc}") from None


def runtime(python: str) -> str:
    """`3.12` -> `python3.12`, or ValueError saying which versions Lambda offers."""
    offered = sorted(
        (r for r in _lambda_model().shape_for("Runtime").enum if _version(r) >= MIN_PYTHON),
        key=_version,
    )
    name = f"python{python.strip()}"
    if name not in offered:
        versions = ", ".join(r.removeprefix("python") for r in offered)
        raise ValueError(
            f"Lambda has no Python {python.strip()} runtime for sagewarden ({versions})"
        )
    return name


def _version(name: str) -> tuple[int, ...]:
    if not name.startswith("python3."):
        return (0,)
    try:
        return tuple(int(p) for p in name.removeprefix("python").split("."))
    except ValueError:
        return (0,)


def pip_platforms(arch: str, python: str) -> list[str]:
    """The wheel platform tags the runtime's glibc runs, newest first."""
    machine = _MACHINE[arch]
    tags = [f"manylinux2014_{machine}"]
    if _version(f"python{python}") >= _AL2023_FROM:
        tags = [f"manylinux_2_34_{machine}", f"manylinux_2_28_{machine}", *tags]
    return tags
