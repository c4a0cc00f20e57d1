"""Framework evidence: the scan's results per requirement of a standard.

Requirements come from the catalog (the Security Hub page): NIST 800-53 r5 and PCI DSS
requirements from each control's related requirements; FSBP, the AI security standard and
the tagging standard are made of controls, so each control is a requirement there. A
resource fails a requirement when any of its controls fails it (suppressed failures are
counted apart, as accepted).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO

import orjson

from sagewarden.catalog import AI_SECURITY, CONTROLS, FSBP, TAGGING, Control, Standard
from sagewarden.outputs.terminal import clean
from sagewarden.verdicts import Evaluation, Status


def _by_prefix(prefix: str) -> Callable[[Control], list[str]]:
    def requirements(control: Control) -> list[str]:
        return [r[len(prefix) :] for r in control.related_requirements if r.startswith(prefix)]

    return requirements


def _by_standard(standard: Standard) -> Callable[[Control], list[str]]:
    def requirements(control: Control) -> list[str]:
        return [control.id] if standard in control.standards else []

    return requirements


FRAMEWORKS: dict[str, tuple[str, Callable[[Control], list[str]]]] = {
    "nist-800-53": ("NIST SP 800-53 Revision 5", _by_prefix("NIST.800-53.r5 ")),
    "pci-dss-3.2.1": ("PCI DSS v3.2.1", _by_prefix("PCI DSS v3.2.1/")),
    "pci-dss-4.0.1": ("PCI DSS v4.0.1", _by_prefix("PCI DSS v4.0.1/")),
    "fsbp": (FSBP.name, _by_standard(FSBP)),
    "ai-security": (AI_SECURITY.name, _by_standard(AI_SECURITY)),
    "tagging": (TAGGING.name, _by_standard(TAGGING)),
}


@dataclass
class Requirement:
    id: str
    controls: list[str]
    passed: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    accepted: set[str] = field(default_factory=set)  # failing, but suppressed
    unknown: set[str] = field(default_factory=set)  # UNKNOWN or ERROR, not failed

    @property
    def status(self) -> str:
        if self.failed:
            return "FAILED"
        if self.unknown:
            return "INCOMPLETE"
        if self.passed or self.accepted:
            return "PASSED"
        return "NO_DATA"

    def to_dict(self) -> dict[str, object]:
        return {
            "requirement": self.id,
            "status": self.status,
            "controls": self.controls,
            "resources_passed": len(self.passed - self.failed - self.unknown - self.accepted),
            "resources_failed": len(self.failed),
            "resources_accepted": len(self.accepted - self.failed),
            "resources_unknown": len(self.unknown - self.failed),
        }


def evidence(framework: str, evaluations: Sequence[Evaluation]) -> list[Requirement]:
    _, requirements_of = FRAMEWORKS[framework]
    reqs: dict[str, Requirement] = {}
    for control in CONTROLS:
        for rid in requirements_of(control):
            reqs.setdefault(rid, Requirement(rid, [])).controls.append(control.id)
    by_control: dict[str, list[Requirement]] = {}
    for req in reqs.values():
        for cid in req.controls:
            by_control.setdefault(cid, []).append(req)
    for e in evaluations:
        r = e.resource
        key = "|".join(x or "" for x in (r.type, r.id, r.provenance.file, r.account_id, r.region))
        for req in by_control.get(e.control.id, ()):
            if e.status is Status.FAILED:
                (req.accepted if e.suppression else req.failed).add(key)
            elif e.status is Status.PASSED:
                req.passed.add(key)
            elif e.status in (Status.UNKNOWN, Status.ERROR):
                (req.accepted if e.suppression else req.unknown).add(key)
    return sorted(reqs.values(), key=lambda q: _natural(q.id))


def _natural(text: str) -> list[object]:
    import re

    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


_COLUMNS = ("requirement", "status", "controls", "resources_passed", "resources_failed",
            "resources_accepted", "resources_unknown")  # fmt: skip


def render_json(out: IO[bytes], framework: str, rows: list[Requirement]) -> None:
    doc = {
        "framework": framework,
        "name": FRAMEWORKS[framework][0],
        "requirements": [r.to_dict() for r in rows],
    }
    out.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")


def render_csv(out: IO[bytes], framework: str, rows: list[Requirement]) -> None:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(_COLUMNS)
    for r in rows:
        d = r.to_dict()
        writer.writerow(
            [
                " ".join(d["controls"]) if c == "controls" else d[c]  # type: ignore[arg-type]
                for c in _COLUMNS
            ]
        )
    out.write(text.getvalue().encode())


def render_table(out: IO[bytes], framework: str, rows: list[Requirement]) -> None:
    lines = [f"{FRAMEWORKS[framework][0]}: {len(rows)} requirements"]
    for r in rows:
        d = r.to_dict()
        lines.append(
            f"  {clean(r.id):<14} {r.status:<10} passed {d['resources_passed']:>5}  "
            f"failed {d['resources_failed']:>5}  accepted {d['resources_accepted']:>4}  "
            f"unknown {d['resources_unknown']:>4}  {' '.join(r.controls)}"
        )
    failing = sum(1 for r in rows if r.status == "FAILED")
    lines.append(f"{failing} of {len(rows)} requirements have failing resources")
    out.write(("\n".join(lines) + "\n").encode())
