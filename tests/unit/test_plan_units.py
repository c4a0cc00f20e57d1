"""The planner reads each control's fix as data (catalog.Fix) and dispatches per kind: no
control id in its code, and a new control whose fix sets a field is planned unchanged."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import AT_LEAST, BY_ID, CONTROLS, FROM_OPTION_SUBNET, Control, Fix
from sagewarden.kinds import ALL_TYPES, BLUE_GREEN, IN_PLACE, REBUILD
from sagewarden.remediation import Plan, plan
from sagewarden.remediation.plan import PLANNERS, fixes
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.verdicts import Evaluation, Status
from tests.unit.test_remediation_plan import job_def, notebook, only, run

SRC = Path(__file__).resolve().parents[2] / "src" / "sagewarden"
CONTROL_ID = re.compile(r"SageMaker\.\d+")
# Files outside the planner that still name a control, each left to the engineer who
# restructures it in issue 12 (remove the entry with the last literal; a test fails on
# an entry that no longer holds one, so the list only shrinks).
PENDING = {}


def _sources() -> list[Path]:
    files = sorted((SRC / "remediation").rglob("*.py")) + sorted((SRC / "cli").rglob("*.py"))
    if (SRC / "cli").is_dir():
        files += sorted((SRC / "cli").rglob("*.py"))
    return files


def _control_literals(path: Path) -> list[str]:
    """Every string constant (docstrings and f-string parts too) naming a control."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CONTROL_ID.search(node.value)
    ]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_control_id_literal_in_the_planner_or_the_cli(path: Path) -> None:
    """Decisions come from the controls' fix data; "SageMaker." alone (a prefix) is fine.
    Fails on the old planner (its _ENCRYPT_CONTROLS, t.has("SageMaker.1", ...))."""
    rel = str(path.relative_to(SRC))
    found = _control_literals(path)
    if rel in PENDING:
        assert found, f"{rel} names no control any more: drop it from PENDING"
    else:
        assert not found, f"{rel} names controls: " + "; ".join(found)


def test_pending_files_exist() -> None:
    missing = [rel for rel in PENDING if not (SRC / rel).is_file()]
    assert not missing, f"gone (moved or deleted): drop from PENDING: {missing}"


# --- dispatch ---------------------------------------------------------------------------


def test_every_kind_a_control_fixes_has_a_planner() -> None:
    """A kind whose controls' fixes are all blocked (feature groups) needs none: its
    failures are held, never handed to a planner."""
    assert set(PLANNERS) <= ALL_TYPES
    assert {c.resource_type for c in CONTROLS if not c.fix.blocked} <= set(PLANNERS)


# --- a control added with a fix needs no planner change -----------------------------------


def _new_control(like: str, fix: Fix, number: int = 90) -> Control:
    return dataclasses.replace(BY_ID[like], id=f"{like.split('.')[0]}.{number}", fix=fix)


def _failing(control: Control, r: Resource) -> Evaluation:
    return Evaluation(control, r, Status.FAILED, "fails the new control")


def test_job_definition_sets_any_networkconfig_field_a_new_control_fixes() -> None:
    vpc = {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]}
    new = _new_control(
        "SageMaker.11", Fix(BLUE_GREEN, (("NetworkConfig.VpcConfig", vpc),)), number=91
    )
    jd = job_def(
        RT.DATA_QUALITY_JOB_DEFINITION,
        EnableNetworkIsolation=True,
        EnableInterContainerTrafficEncryption=True,
    )
    rp = only(plan([_failing(new, jd)]))
    assert rp.controls == (new.id,) and rp.strategy == BLUE_GREEN and rp.blocked is None
    create = rp.steps[0]
    assert create.action == "CreateJobDefinition"
    assert create.params["NetworkConfig"] == {
        "EnableNetworkIsolation": True,
        "EnableInterContainerTrafficEncryption": True,
        "VpcConfig": vpc,
    }
    assert "VpcConfig" in create.detail


@pytest.mark.parametrize(
    ("field", "value", "strategy"),
    [("InstanceType", "ml.t3.large", IN_PLACE), ("KmsKeyId", "kms-2", REBUILD)],
)
def test_notebook_is_fixed_in_place_only_when_the_update_takes_every_field(
    field: str, value: str, strategy: str
) -> None:
    """kinds: UpdateNotebookInstance takes InstanceType, not KmsKeyId."""
    new = _new_control("SageMaker.3", Fix(strategy, ((field, value),)))
    rp = only(plan([_failing(new, notebook())], allow_rebuild=True, backup="user"))
    assert rp.strategy == strategy and rp.blocked is None
    call = "UpdateNotebookInstance" if strategy == IN_PLACE else "CreateNotebookInstance"
    assert next(s for s in rp.steps if s.action == call).params[field] == value


def test_a_blocked_fix_is_held_with_its_reason_and_nothing_runs() -> None:
    fix = Fix(IN_PLACE, (("RootAccess", "Disabled"),), blocked="ask the notebook's owner")
    new = _new_control("SageMaker.3", fix)
    rp = only(plan([_failing(new, notebook())]))
    assert rp.blocked_controls == {new.id: "ask the notebook's owner"}
    assert rp.controls == () and rp.steps == []
    assert rp.blocked == f"{new.id}: ask the notebook's owner"


def test_a_blocked_fix_does_not_stop_the_resources_other_fixes() -> None:
    """Fails on the old planner, which blocked the whole resource plan: a model failing
    SageMaker.5 and the private-registry rule (every ECR model does) was never isolated."""
    fix = Fix(IN_PLACE, (("RootAccess", "Disabled"),), blocked="ask the notebook's owner")
    new = _new_control("SageMaker.8", fix)
    nb = notebook(RootAccess="Enabled")
    evs = [e for e in run([nb]) if e.status is Status.FAILED] + [_failing(new, nb)]
    rp = only(plan(evs))
    assert rp.controls == ("SageMaker.3",) and rp.blocked is None
    assert rp.blocked_controls == {new.id: "ask the notebook's owner"}
    assert "UpdateNotebookInstance" in [s.action for s in rp.steps]
    assert not any(s.blocked for s in rp.steps)


# --- the subnet of a rebuild --------------------------------------------------------------


def _create(p: Plan) -> dict[str, Any]:
    return next(s for s in only(p).steps if s.action == "CreateNotebookInstance").params


def test_internet_access_fix_keeps_the_notebooks_subnet() -> None:
    """.1's fix needs a subnet (a user-supplied value beside a constant): the notebook's
    own is kept, --subnet only fills one in."""
    nb = notebook(DirectInternetAccess="Enabled")  # in subnet-1
    p = plan(run([nb]), allow_rebuild=True, backup="user", subnet="subnet-9")
    assert only(p).controls == ("SageMaker.1",)
    assert _create(p)["SubnetId"] == "subnet-1"
    assert _create(p)["DirectInternetAccess"] == "Disabled"


def test_subnet_fix_replaces_a_subnet_outside_the_allowed_ones() -> None:
    nb = notebook()  # in subnet-1, which the allow-list does not name
    evs = run([nb], ["SageMaker.2.SubnetIds=subnet-9"])
    p = plan(evs, allow_rebuild=True, backup="user", subnet="subnet-9")
    assert only(p).controls == ("SageMaker.2",)
    assert _create(p)["SubnetId"] == "subnet-9"


# --- fixes.assign ---------------------------------------------------------------------------


def _setting(path: str, value: Any, bound: str | None = None) -> fixes.Setting:
    e = _failing(BY_ID["SageMaker.4"], notebook())
    return fixes.Setting(path, value, bound, e)


def test_assign_raises_every_listed_count_to_at_least_the_value_never_lowers() -> None:
    doc: dict[str, Any] = {
        "ProductionVariants": [
            {"VariantName": "a", "InitialInstanceCount": 1},
            {"VariantName": "b", "InitialInstanceCount": 4},
            {"VariantName": "serverless"},
            "not an object",
        ]
    }
    changes = fixes.assign(doc, _setting("ProductionVariants[].InitialInstanceCount", 2, AT_LEAST))
    assert [(c.holder["VariantName"], c.old, c.new) for c in changes] == [("a", 1, 2)]
    counts = [v.get("InitialInstanceCount") for v in doc["ProductionVariants"][:3]]
    assert counts == [2, 4, None]


def test_assign_creates_objects_on_the_way_and_never_writes_a_user_marker() -> None:
    doc: dict[str, Any] = {}
    fixes.assign(doc, _setting("NetworkConfig.EnableNetworkIsolation", True))
    assert doc == {"NetworkConfig": {"EnableNetworkIsolation": True}}
    assert fixes.assign(doc, _setting("SubnetId", FROM_OPTION_SUBNET)) == []
    assert "SubnetId" not in doc
