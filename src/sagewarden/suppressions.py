"""Suppressions: accepted failures, reported as such, never hidden.

Declared on a template resource (`Metadata: {sagewarden: {suppress: [{control, reason}]}}`)
or in `.sagewarden.yaml` (by control, resource pattern, reason and expiry date; it applies
to live scans and AWS Config data too). A suppressed FAILED or UNKNOWN verdict keeps its
status and gains the suppression; it no longer fails the run. After its expiry date a
suppression stops applying, and the run says so.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import yaml

from sagewarden import settings
from sagewarden.catalog import lookup
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.sources import inputfile, yamlsafe
from sagewarden.verdicts import Evaluation, Status, Suppression

CONFIG_NAME = ".sagewarden.yaml"
SUPPRESSIBLE = (Status.FAILED, Status.UNKNOWN)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_entry(
    entry: Any, source: str, allow_resource: bool
) -> tuple[Suppression | None, str | None]:
    """One suppression from its YAML/JSON form, or the reason it is not valid."""
    if not isinstance(entry, Mapping):
        return None, "must be an object with control and reason"
    unknown = (
        set(entry) - {"control", "reason", "expires"} - ({"resource"} if allow_resource else set())
    )
    if unknown:
        return None, f"unknown field {sorted(map(str, unknown))[0]!r}"
    control = entry.get("control")
    if not isinstance(control, str) or not control.strip():
        return None, "control is required (SageMaker.N, or * for every control)"
    if control.strip() != "*":
        found = lookup(control)
        if found is None:
            return None, f"unknown control {control!r}"
        control = found.id
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        return None, "reason is required: say why the failure is accepted"
    expires = entry.get("expires")
    if expires is not None:
        day = _date(expires)
        if day is None:
            return None, f"expires {_short(expires)} is not a date (YYYY-MM-DD)"
        expires = day.isoformat()
    resource = entry.get("resource")
    if resource is not None and (not isinstance(resource, str) or not resource):
        return None, "resource must be a pattern such as arn:aws:sagemaker:*:*:model/legacy-*"
    return Suppression(control.strip(), reason.strip(), source, resource, expires), None


def _date(value: Any) -> date | None:
    """A calendar date, from YAML (kept as text by the loader) or JSON; None otherwise."""
    if isinstance(value, datetime):
        return None  # a moment, not a day
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:  # 2027-02-30
            return None
    return None


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, bool)) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def load_config(path: str) -> tuple[list[Suppression], list[Diagnostic]]:
    """Suppressions from a .sagewarden.yaml file; bad entries are diagnostics (exit 2)."""
    diags: list[Diagnostic] = []
    try:
        text = inputfile.read_regular(path).decode("utf-8")
    except OSError as exc:
        return [], [Diagnostic(path, f"cannot read: {inputfile.reason(exc)}")]
    except UnicodeDecodeError as exc:
        return [], [Diagnostic(path, f"cannot read: not UTF-8 text (byte {exc.start})")]
    try:
        node, doc = yamlsafe.load(text)
    except yamlsafe.YamlLoadError as exc:
        where = f"{path}:{exc.line}" if exc.line else path
        return [], [Diagnostic(where, str(exc))]
    if doc is None:
        return [], []
    if not isinstance(doc, Mapping):
        return [], [Diagnostic(path, "must be a mapping with a suppressions list")]
    unknown = {str(k) for k in doc} - {"suppressions", *settings.KEYS}  # settings: its own
    for key in sorted(unknown):
        diags.append(Diagnostic(path, f"unknown setting {key!r}"))
    entries = doc.get("suppressions", [])
    if not isinstance(entries, list):
        return [], [*diags, Diagnostic(path, "suppressions must be a list")]
    lines = _entry_lines(node)
    out: list[Suppression] = []
    for n, entry in enumerate(entries):
        where = f"{path}:{lines[n]}" if n < len(lines) else path
        sup, problem = parse_entry(entry, source=where, allow_resource=True)
        if problem:
            diags.append(Diagnostic(where, f"suppression {n + 1}: {problem}"))
        elif sup is not None:
            out.append(sup)
    return out, diags


def _entry_lines(node: Any) -> list[int]:
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "suppressions" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def apply(
    evaluations: Sequence[Evaluation], configured: Iterable[Suppression], today: date
) -> tuple[list[Evaluation], list[Diagnostic]]:
    """Attach the first matching, unexpired suppression to each FAILED/UNKNOWN verdict."""
    configured = list(configured)
    diags: list[Diagnostic] = []
    said: set[tuple[Suppression, str]] = set()
    out: list[Evaluation] = []
    for e in evaluations:
        if e.status not in SUPPRESSIBLE:
            out.append(e)
            continue
        candidates = [*e.resource.extra.get("suppress", ()), *configured]
        chosen = None
        for sup in candidates:
            if not _matches(sup, e):
                continue
            if sup.expires and date.fromisoformat(sup.expires) < today:
                key = (sup, e.resource.id)
                if key not in said:
                    said.add(key)
                    diags.append(
                        Diagnostic(
                            sup.source if sup.source != "template" else _where(e),
                            f"suppression of {e.control.id} for {e.resource.id} expired on "
                            f"{sup.expires}: it no longer applies",
                            Kind.WARNING,
                        )
                    )
                continue
            chosen = sup
            break
        out.append(dataclasses.replace(e, suppression=chosen) if chosen else e)
    return out, diags


def _matches(sup: Suppression, e: Evaluation) -> bool:
    if sup.control not in ("*", e.control.id):
        return False
    if sup.resource is None:
        return True
    r = e.resource
    return any(fnmatch.fnmatchcase(value, sup.resource) for value in (r.id, r.arn, r.name) if value)


def _where(e: Evaluation) -> str:
    p = e.resource.provenance
    return f"{p.file}:{p.line}" if p.file and p.line else (p.file or e.resource.id)
