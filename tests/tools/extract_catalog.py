"""Extract the facts of the Security Hub CSPM page for SageMaker into tests/data.

The page (the project's seed) lives beside the repository, not in it, so tests/unit/test_catalog.py
checks the catalog against tests/data/securityhub-sagemaker.json, which this script writes.
Run it again when the page changes:

    python tests/tools/extract_catalog.py [PAGE] [OUT]

Only the standard library: the script reads text and writes JSON. Anything on the page it
does not recognise stops it with a line naming the control and the text, so a changed page
cannot quietly lose a fact.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# Relative to the repository root; the data file records it so the test finds the page.
PAGE = "../shared/seeds/004_d36a3447f9e7f281.txt"
OUT = ROOT / "tests" / "data" / "securityhub-sagemaker.json"
URL = "https://docs.aws.amazon.com/securityhub/latest/userguide/sagemaker-controls.html"

_HEADING = re.compile(r"^\[(SageMaker\.\d+)\] (.+)$", re.M)
_TABLE_HEADER = (
    "| Parameter | Description | Type | Allowed custom values | Security Hub CSPM default value |"
)
_TYPE = re.compile(r"^(\w+)(?: \(maximum of (\d+) items\))?$")
_FIXED_PARAM = re.compile(r"^(\w+):(.+?)(\(not customizable\))?$")


class PageError(ValueError):
    """The page says something the extractor does not understand."""


@dataclass(frozen=True)
class Departure:
    """A value the data takes on purpose from somewhere other than the page."""

    control: str
    field: str  # a control key, or "parameters.<name>.<key>"
    page: Any
    data: Any
    why: str


DEPARTURES = (
    Departure(
        "SageMaker.13",
        "config_rule",
        "ssagemaker-model-quality-job-encrypt-in-transit",
        "sagemaker-model-quality-job-encrypt-in-transit",
        "The page doubles the first s; the AWS Config managed rule has one.",
    ),
    Departure(
        "SageMaker.8",
        "parameters.supportedPlatformIdentifierVersions.default",
        ["notebook-al2-v3"],
        ["notebook-al2023-v1"],
        "Security Hub has used notebook-al2023-v1 since Amazon Linux 2 notebooks reached end "
        "of support (2026-06-30); see the spec, item 7, and docs/usage.md's parameter table.",
    ),
)


def extract(text: str) -> list[dict[str, Any]]:
    """The facts of every control on the page, in page order, exactly as the page gives them."""
    found = list(_HEADING.finditer(text))
    if not found:
        raise PageError("no [SageMaker.N] heading on the page")
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        out.append(_control(m.group(1), m.group(2).strip(), text[m.end() : end].splitlines()))
    return out


def _control(cid: str, title: str, lines: list[str]) -> dict[str, Any]:
    fields: dict[str, str] = {}
    params: list[dict[str, Any]] | None = None
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep or key not in _LABELS:
            break  # the description starts: the facts are over
        value = value.strip()
        if key == "Resource type" and not value and i < len(lines):
            value, i = lines[i].strip(), i + 1
        if key == "Parameters":
            params, i = _parameters(cid, value, lines, i)
            continue
        if key in fields:
            raise PageError(f"{cid}: '{key}' given twice")
        fields[key] = value
    missing = [k for k in _LABELS if k not in fields and k not in _OPTIONAL]
    if missing or params is None:
        raise PageError(f"{cid}: no {', '.join(missing or ['Parameters'])} line")
    related = fields.get("Related requirements")
    return {
        "id": cid,
        "title": title,
        "severity": fields["Severity"],
        "category": fields["Category"],
        "resource_type": fields["Resource type"],
        "config_rule": fields["AWS Config rule"],
        "schedule": fields["Schedule type"],
        "parameters": params,
        "related_requirements": [r.strip() for r in related.split(",")] if related else [],
    }


_LABELS = (
    "Related requirements",
    "Category",
    "Severity",
    "Resource type",
    "AWS Config rule",
    "Schedule type",
    "Parameters",
)
_OPTIONAL = ("Related requirements", "Parameters")


def _parameters(cid: str, value: str, lines: list[str], i: int) -> tuple[list[dict[str, Any]], int]:
    """The Parameters block, in either of the page's two shapes, and where it ends."""
    if value == "None":
        return [], i
    if value:
        raise PageError(f"{cid}: unexpected 'Parameters: {value}'")
    first = lines[i].strip() if i < len(lines) else ""
    if first == _TABLE_HEADER:
        return _table(cid, lines, i + 2)
    if first == "-":
        return _fixed(cid, lines, i + 1)
    raise PageError(f"{cid}: unrecognised parameters block starting {first!r}")


def _table(cid: str, lines: list[str], i: int) -> tuple[list[dict[str, Any]], int]:
    """Rows of the markdown table; the page wraps a row after its first cell."""
    out = []
    while i < len(lines) and re.match(r"^\w+ \|$", lines[i].strip()):
        row = lines[i].strip()
        i += 1
        while row.count("|") < 5 and i < len(lines):
            row += " " + lines[i].strip()
            i += 1
        cells = [c.strip() for c in row.rstrip("|").split("|")]
        if len(cells) != 5:
            raise PageError(f"{cid}: parameter row with {len(cells)} cells: {row!r}")
        name, _description, kind, _allowed, default = cells
        t = _TYPE.match(kind)
        if t is None:
            raise PageError(f"{cid}: unrecognised parameter type {kind!r}")
        out.append(
            {
                "name": name,
                "type": t.group(1),
                "max_items": int(t.group(2)) if t.group(2) else None,
                "default": None if default == "No default value" else [default],
            }
        )
    if not out:
        raise PageError(f"{cid}: parameters table without rows")
    return out, i


def _fixed(cid: str, lines: list[str], i: int) -> tuple[list[dict[str, Any]], int]:
    """'-' then name:value lines: parameters the page gives a value but no type for."""
    out = []
    while i < len(lines) and (m := _FIXED_PARAM.match(lines[i].strip())):
        out.append(
            {
                "name": m.group(1),
                "type": None,
                "max_items": None,
                "default": [v.strip() for v in m.group(2).split(",")],
            }
        )
        i += 1
    if not out:
        raise PageError(f"{cid}: '-' parameters block without name:value lines")
    return out, i


def apply_departures(controls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Replace each departed value, after checking the page still says what it said."""
    by_id = {c["id"]: c for c in controls}
    for d in DEPARTURES:
        if d.control not in by_id:
            raise PageError(f"departure for {d.control}, which the page no longer has")
        holder, key = _locate(by_id[d.control], d.field)
        if holder.get(key) != d.page:
            raise PageError(
                f"{d.control} {d.field}: the page now says {holder.get(key)!r}, "
                f"not {d.page!r}; review the departure in {Path(__file__).name}"
            )
        holder[key] = d.data
    return controls


def _locate(control: dict[str, Any], field: str) -> tuple[dict[str, Any], str]:
    parts = field.split(".")
    if len(parts) == 1:
        return control, field
    if len(parts) == 3 and parts[0] == "parameters":
        for p in control["parameters"]:
            if p["name"] == parts[1]:
                return p, parts[2]
    raise PageError(f"{control['id']}: no field {field}")


def build(page_text: str, page: str = PAGE) -> dict[str, Any]:
    """The whole data file: its source, the departures, and the controls."""
    title = page_text.lstrip().splitlines()[0].strip()
    return {
        "source": {
            "title": title,
            "url": URL,
            "page": page,
            "sha256": hashlib.sha256(page_text.encode()).hexdigest(),
            "extracted_by": "tests/tools/extract_catalog.py",
        },
        "departures": [
            {"control": d.control, "field": d.field, "page": d.page, "data": d.data, "why": d.why}
            for d in DEPARTURES
        ],
        "controls": apply_departures(extract(page_text)),
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) > 2:
        print("usage: extract_catalog.py [PAGE] [OUT]", file=sys.stderr)
        return 2
    page_path = Path(argv[0] if argv else os.path.normpath(ROOT / PAGE))
    out = Path(argv[1]) if len(argv) > 1 else OUT
    try:
        text = page_path.read_text(encoding="utf-8")
    except OSError as e:
        print(f"{page_path}: cannot read the page: {e.strerror}", file=sys.stderr)
        return 2
    try:
        data = build(text, os.path.relpath(os.path.abspath(page_path), ROOT))
    except PageError as e:
        print(f"{page_path}: {e}", file=sys.stderr)
        return 2
    out.write_text(render(data), encoding="utf-8")
    print(f"{out}: {len(data['controls'])} controls from {page_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
