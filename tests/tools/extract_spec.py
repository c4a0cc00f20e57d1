"""Extract the facts of SageMaker.16 to .25 from the project spec into tests/data.

The Security Hub seed page holds SageMaker.1 to .15 (extract_catalog.py reads it); the
ten newer controls are specified in the project spec's section "SageMaker.16-25", whose
table gives each control's resource type, severity and AWS Config rule. This script keeps
those facts in tests/data/spec-sagemaker-16-25.json so the catalog is checked against them
in every clone, and against the spec itself where the spec is present.

Run: python tests/tools/extract_spec.py [path/to/controls.md]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPEC = "../shared/reference/controls.md"
DATA_FILE = ROOT / "tests" / "data" / "spec-sagemaker-16-25.json"
_ROW = re.compile(
    r"^\| (SageMaker\.(\d+)) \| (AWS::SageMaker::\w+) "
    r"\| (LOW|MEDIUM|HIGH|CRITICAL) \| ([a-z0-9-]+) \|$"
)
_REQUIREMENTS = re.compile(
    r"Only \.(\d+) lists related requirements \(NIST 800-53 r5 ((?:[^()]|\([^()]*\))+)\)"
)


class SpecError(Exception):
    pass


def build(text: str) -> dict[str, Any]:
    """The facts of the section "SageMaker.16-25": one entry per table row."""
    start = text.find("## SageMaker.16")
    end = text.find("\n## ", start + 1)
    if start < 0 or end < 0:
        raise SpecError("no section '## SageMaker.16-25'")
    section = text[start:end]
    flat = " ".join(section.split())
    related: dict[int, list[str]] = {}
    for m in _REQUIREMENTS.finditer(flat):
        related[int(m.group(1))] = [f"NIST.800-53.r5 {r.strip()}" for r in m.group(2).split(",")]
    controls = []
    for line in section.splitlines():
        m = _ROW.match(line.strip())
        if m:
            number = int(m.group(2))
            controls.append(
                {
                    "id": m.group(1),
                    "resource_type": m.group(3),
                    "severity": m.group(4),
                    "config_rule": m.group(5),
                    "schedule": "Change triggered",  # "All ten are change triggered"
                    "related_requirements": related.get(number, []),
                }
            )
    if [c["id"] for c in controls] != [f"SageMaker.{n}" for n in range(16, 26)]:
        raise SpecError(
            f"expected SageMaker.16 to .25 in the table, found {[c['id'] for c in controls]}"
        )
    return {"source": {"page": SPEC, "section": "SageMaker.16-25"}, "controls": controls}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1) + "\n"


def main(argv: list[str]) -> int:
    spec = Path(argv[1]) if len(argv) > 1 else (ROOT / SPEC).resolve()
    DATA_FILE.write_text(render(build(spec.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"wrote {DATA_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
