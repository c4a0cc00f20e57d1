"""The exported Guard rules, run by AWS's Guard engine, agree with sagewarden's engine.

Every case of every control (tests/cases) becomes the document a CloudFormation Guard hook
receives for a resource operation (`Resources: {<LogicalId>: {Type, Properties}}`, values
resolved: a value known only at deploy is the value it resolves to), and the same resource
as a template is scanned by `sagewarden scan`. The Guard verdict must equal the engine's:
PASSED<->PASS, FAILED<->FAIL, NOT_APPLICABLE<->SKIP. Guard cannot say ERROR or UNKNOWN: a
rule fails closed, so ERROR (a malformed value) and UNKNOWN (a value the engine cannot
judge before deploy) must be FAIL. Any other difference is a case listed in DIFFERENCES
with its reason (docs/guard.md repeats them); the test fails on an unlisted one and on a
listed one that no longer differs.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import BY_ID
from sagewarden.guard.export import build
from sagewarden.guard.render import HOOK
from sagewarden.params import parse_params
from tests.casekit.guardrun import GUARD_OF, guard_verdict, own_params
from tests.casekit.model import Case, all_cases
from tests.casekit.render import ACCOUNT, concrete, logical_id
from tests.casekit.scan import scan, verdicts

guardpycfn = pytest.importorskip(
    "guardpycfn", reason="guardpycfn (the Guard engine's Python bindings) is not installed"
)

# Cases where the Guard verdict differs from GUARD_OF, with why.
DIFFERENCES: dict[str, str] = {}


def properties(case: Case) -> dict[str, Any]:
    """The judged resource's properties as the hook sees them: resolved, tags a list."""
    props = concrete(case.resource.properties)
    if case.resource.tags:
        props["Tags"] = [{"Key": k, "Value": v} for k, v in case.resource.tags.items()]
    return props


def hook_input(case: Case) -> dict[str, Any]:
    """A Guard hook's resource-operation input (the user guide's shape)."""
    lid = logical_id(case.resource)
    return {
        "HookContext": {
            "AWSAccountID": ACCOUNT,
            "StackId": f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/cases/1",
            "HookTypeName": "Private::Sagewarden::SageMaker",
            "HookTypeVersion": "00000001",
            "InvocationPoint": "CREATE_PRE_PROVISION",
            "TargetName": case.resource.type,
            "TargetType": "RESOURCE",
            "TargetLogicalId": lid,
            "ChangeSetId": "",
        },
        "Resources": {lid: {"Type": case.resource.type, "Properties": properties(case)}},
    }


@cache
def rules(control: str, params: tuple[str, ...]) -> str | None:
    """The exported Guard text for one control, or None when it is not exported."""
    paramset, diags = parse_params(params)
    assert not diags, diags
    export = build(HOOK, [BY_ID[control]], paramset, "WARN")
    return export.guard if export.rules else None


def engine_status(case: Case, tmp: Path) -> str:
    """`sagewarden scan` of the resource alone, values resolved, as a template."""
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            logical_id(case.resource): {"Type": case.resource.type, "Properties": properties(case)}
        },
    }
    path = tmp / "template.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    args = ["--control", case.control]
    for p in own_params(case):
        args += ["--param", p]
    _, doc = scan(tmp / "report.json", str(path), *args)
    seen = verdicts(doc, case.control)
    assert case.resource.name in seen, (case.label, doc.get("diagnostics"))
    return seen[case.resource.name].status


EXPORTED = [c for c in all_cases() if rules(c.control, tuple(own_params(c))) is not None]
NOT_EXPORTED = [c for c in all_cases() if rules(c.control, tuple(own_params(c))) is None]


def test_only_cases_that_follow_references_are_left_to_the_engine() -> None:
    """A control another resource decides (.14/.22 resolving their job definition) is not
    exported; every other case is judged by Guard below."""
    assert NOT_EXPORTED, "no case sets resolveReferences=true any more"
    for case in NOT_EXPORTED:
        assert case.control in ("SageMaker.14", "SageMaker.22"), case.label
        assert f"{case.control}.resolveReferences=true" in own_params(case), case.label
    assert len(EXPORTED) + len(NOT_EXPORTED) == len(all_cases())


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in EXPORTED])
def test_guard_agrees_with_the_engine(case: Case, tmp_path: Path) -> None:
    text = rules(case.control, tuple(own_params(case)))
    assert text is not None
    rule = BY_ID[case.control].id.lower().replace(".", "_")
    status, messages = guard_verdict(guardpycfn, text, hook_input(case), rule)
    engine = engine_status(case, tmp_path)
    expected = GUARD_OF[engine]
    if case.label in DIFFERENCES:
        assert status not in expected, f"{case.label} no longer differs: drop it from DIFFERENCES"
        return
    assert status in expected, f"{case.label}: engine {engine}, Guard {status} {messages}"
    control = BY_ID[case.control]
    if status == "FAIL":
        assert messages and all(
            m.startswith(f"{control.id} [{control.severity.value}] ") for m in messages
        ), messages
