"""One verdict from template to runtime: every case of tests/cases, through every source.

Each case (tests/cases/SageMaker.N.yaml) is rendered as an AWS Config snapshot, a
CloudFormation template, a hashicorp/aws plan, an awscc plan and a live resource in the
emulator, and sagewarden's own `scan` reads each one: the control must give the case's
verdict (status, and the reason fragment) everywhere, except where the case declares
otherwise with why. A declared impossibility is checked too: the plan provider really has
no such resource, the live API really refuses the value. See tests/casekit/model.py for
the file format.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagewarden.catalog import CONTROLS
from sagewarden.kinds import KINDS
from sagewarden.verdicts import Status
from sagewarden_demo.emulator import Emulator, sagemaker_service_model
from tests.casekit import live
from tests.casekit.model import (
    AWSCC,
    CLOUDFORMATION,
    CONFIG,
    LIVE,
    SOURCES,
    TERRAFORM,
    Case,
    all_cases,
    case_files,
)
from tests.casekit.render import (
    cfn_template,
    config_snapshot,
    terraform_plan,
    terraform_type,
)
from tests.casekit.scan import Seen, diagnostics, scan, verdicts

API_RENAMES = {k.type: dict(k.api_renames) for k in KINDS if k.api_renames}  # a view


@cache
def _batches() -> dict[str, live.Batch]:
    return live.batches(all_cases())


def _params(kind: str) -> list[Any]:
    out = []
    for case in all_cases():
        for source in SOURCES:
            d = case.on(source)
            if kind != ("impossible" if d.impossible else "refused" if d.refused else "rendered"):
                continue
            marks = []
            if d.xfail:
                marks.append(pytest.mark.xfail(reason=d.xfail, strict=True))
            out.append(pytest.param(case, source, id=f"{case.label}:{source}", marks=marks))
    return out


def _write(case: Case, source: str, tmp_path: Path) -> Path:
    if source == CONFIG:
        path = tmp_path / "config-snapshot.json"
        path.write_text(json.dumps(config_snapshot(case), indent=1), encoding="utf-8")
    elif source == CLOUDFORMATION:
        path = tmp_path / "template.yaml"
        path.write_text(yaml.safe_dump(cfn_template(case), sort_keys=False), encoding="utf-8")
    else:
        path = tmp_path / "plan.json"
        path.write_text(json.dumps(terraform_plan(case, source), indent=1), encoding="utf-8")
    return path


def _seen(case: Case, source: str, tmp_path: Path, request: pytest.FixtureRequest) -> Seen:
    name = case.resource.name
    if source == LIVE:
        emulator: Emulator = request.getfixturevalue("aws")
        outcome = live.outcome(_batches()[case.label], emulator, tmp_path)
        refused = outcome.refused.get(case.label)
        assert refused is None, (
            f"{case.label}: the API refused it ({refused}): declare live: {{refused: why}}"
        )
        seen, said = outcome.seen.get((case.control, name)), outcome.diagnostics
    else:
        path = _write(case, source, tmp_path)
        _, doc = scan(tmp_path / "report.json", str(path), *case.scan_args)
        seen, said = verdicts(doc, case.control).get(name), diagnostics(doc)
    assert seen is not None, f"{case.label}: no verdict on {name} from {source}: {said}"
    return seen


@pytest.mark.parametrize(("case", "source"), _params("rendered"))
def test_same_verdict_from_every_source(
    case: Case, source: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    seen = _seen(case, source, tmp_path, request)
    want = case.expected(source)
    assert (seen.status, want.reason in seen.reason) == (want.status.value, True), (
        f"{case.label} from {source}: {seen.status} {seen.reason!r}; "
        f"the case says {want.status.value} with {want.reason!r}"
    )


@pytest.mark.parametrize(("case", "source"), _params("impossible"))
def test_declared_impossible_plan_rendering_is_impossible(case: Case, source: str) -> None:
    assert source in (TERRAFORM, AWSCC)
    tf_type = terraform_type(case.resource.type, source)
    assert tf_type is None, (
        f"{case.label}: {source} has {tf_type} now: remove the declaration "
        f"({case.on(source).impossible})"
    )


@pytest.mark.parametrize(("case", "source"), _params("refused"))
def test_declared_refusal_is_what_the_live_api_answers(
    case: Case, source: str, aws: Emulator, tmp_path: Path
) -> None:
    assert source == LIVE
    outcome = live.outcome(_batches()[case.label], aws, tmp_path)
    assert case.label in outcome.refused, (
        f"{case.label}: the API accepted it: remove the declaration ({case.on(LIVE).refused})"
    )
    assert (case.control, case.resource.name) not in outcome.seen


def test_every_control_has_its_cases() -> None:
    """Each control's file exists and holds a pass, a fail, and a case for each of its
    parameters."""
    by_control: dict[str, list[Case]] = {}
    for case in all_cases():
        by_control.setdefault(case.control, []).append(case)
    assert [p.name for p in case_files()] == [f"{c.id}.yaml" for c in CONTROLS]
    for control in CONTROLS:
        cases = by_control.get(control.id, [])
        statuses = {c.expect.status for c in cases}
        assert {Status.PASSED, Status.FAILED} <= statuses, control.id
        used = {name for c in cases for name in c.parameters}
        for p in control.parameters:
            assert used & {p.name, *p.aliases}, f"{control.id}: no case sets {p.name}"


def test_create_takes_cloudformation_names_where_describe_renames() -> None:
    """resources.API_RENAMES holds Describe's names; Create* takes the CloudFormation names
    there, and differs only where LIVE_NAMES says. Creating a case live relies on both."""
    model = sagemaker_service_model()

    def members(operation: str, output: bool = False) -> set[str]:
        op = model.operation_model(operation)
        shape = op.output_shape if output else op.input_shape
        assert shape is not None
        return set(shape.members)

    for rtype, renames in API_RENAMES.items():
        short = rtype.rsplit("::", 1)[1]
        for describe_name, cfn_name in renames.items():
            assert describe_name in members(f"Describe{short}", output=True)
            assert cfn_name in members(f"Create{short}")
            assert describe_name not in members(f"Create{short}")
    for rtype, renames in live.LIVE_NAMES.items():
        create = members(f"Create{rtype.rsplit('::', 1)[1]}")
        for cfn_name, create_name in renames.items():
            assert create_name in create and cfn_name not in create
