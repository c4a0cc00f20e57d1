"""Defaults for `scan` from `.sagewarden.yaml` (the file that holds the suppressions), so a
repository says once how it is scanned: format, output directory, fail-on, controls,
parameters and severity. The command line wins over the file.

Only the settings are read here: whether the file can be read at all, and its
suppressions, are the suppressions loader's to say (one line, exit 2), so a broken file is
said once. A setting with a bad value is a `SettingsError`: one line naming the file and
the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagewarden.sources import inputfile, yamlsafe

# The top-level keys this module reads (the suppressions loader accepts them too).
KEYS = ("format", "output-dir", "fail-on", "controls", "parameters", "severity")


class SettingsError(ValueError):
    """A setting whose value cannot be used, said as `FILE: KEY: what is wrong`."""


@dataclass(frozen=True)
class Settings:
    """The defaults a file gives; None (or empty) where it gives none."""

    source: str | None = None
    formats: tuple[str, ...] = ()
    output_dir: str | None = None
    fail_on: str | None = None
    controls: tuple[str, ...] = ()
    params: tuple[str, ...] = ()  # SageMaker.N.NAME=VALUE, as --param takes them
    severities: tuple[str, ...] = ()


def load(path: str) -> Settings:
    """The settings in `path`; none when it cannot be read or parsed (said elsewhere)."""
    try:
        text = inputfile.read_regular(path).decode("utf-8")
        _, doc = yamlsafe.load(text)
    except (OSError, UnicodeDecodeError, yamlsafe.YamlLoadError):
        return Settings()
    if not isinstance(doc, Mapping):
        return Settings()
    return Settings(
        source=path,
        formats=_words(path, doc, "format"),
        output_dir=_text(path, doc, "output-dir"),
        fail_on=_text(path, doc, "fail-on"),
        controls=_words(path, doc, "controls"),
        params=_params(path, doc),
        severities=_words(path, doc, "severity"),
    )


def _bad(path: str, key: str, what: str) -> SettingsError:
    return SettingsError(f"{path}: {key}: {what}")


def _text(path: str, doc: Mapping[str, Any], key: str) -> str | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _bad(path, key, "must be text")
    return value.strip()


def _words(path: str, doc: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A list, or comma-separated text, as the matching option takes it."""
    value = doc.get(key)
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise _bad(path, key, "must be a list of names or comma-separated text")
    words = tuple(v.strip() for v in items if v.strip())
    if not words:
        raise _bad(path, key, "is empty")
    return words


def _params(path: str, doc: Mapping[str, Any]) -> tuple[str, ...]:
    """`parameters: {SageMaker.N.NAME: VALUE}` as --param specs (lists comma-separated)."""
    value = doc.get("parameters")
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise _bad(path, "parameters", "must be a mapping of SageMaker.N.NAME to a value")
    specs: list[str] = []
    for name, v in value.items():
        if isinstance(v, list) and all(isinstance(x, (str, int)) for x in v):
            shown = ",".join(str(x) for x in v)
        elif isinstance(v, bool):
            shown = str(v).lower()
        elif isinstance(v, (str, int, float)):
            shown = str(v)
        else:
            raise _bad(path, f"parameters: {name}", "must be text, a number, true/false or a list")
        specs.append(f"{name}={shown}")
    return tuple(specs)
