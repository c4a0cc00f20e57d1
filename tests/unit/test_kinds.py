"""Every row of kinds.KINDS against botocore's SageMaker model (the API's own truth).

A typo in an operation, a result key or a member name fails here, not in a customer's
scan; an "in place" field that `Update*` does not take, or an Update call for a type we
treat as immutable, fails too.
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest

from sagewarden import kinds
from sagewarden.catalog import CONTROLS, Control
from sagewarden.kinds import BLUE_GREEN, IN_PLACE, KINDS, REBUILD, Kind, method, service_model
from sagewarden.sources.aws.readpath import READ_PATHS

IDS = [k.noun for k in KINDS]


@pytest.fixture(scope="module")
def paginators() -> Any:
    return botocore.session.get_session().get_paginator_model("sagemaker")


def _members(operation: str, side: str = "input") -> dict[str, Any]:
    op = service_model().operation_model(operation)
    shape = op.input_shape if side == "input" else op.output_shape
    return dict(shape.members)


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_operations_exist(k: Kind) -> None:
    names = set(service_model().operation_names)
    for verb in ("List", "Describe", "Create", "Delete"):
        operation = k.list_op if verb == "List" else k.op(verb)
        assert operation in names, f"{k.type}: {operation} is not a SageMaker operation"


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_list_result_key_is_the_paginators(k: Kind, paginators: Any) -> None:
    assert paginators.get_paginator(k.list_op)["result_key"] == k.list_key


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_summary_keys_are_members_of_the_summary(k: Kind) -> None:
    summary = _members(k.list_op, "output")[k.list_key].member
    assert k.summary_name_key in summary.members
    if k.summary_arn_key is None:  # then Describe must answer it, and the scan describes
        arn = k.describe_param.removesuffix("Name") + "Arn"
        assert k.scan_describes
        assert arn in service_model().operation_model(k.describe_op).output_shape.members
        assert not any(m.endswith("Arn") and m != "RoleArn" for m in summary.members)
    else:
        assert k.summary_arn_key in summary.members


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_describe_takes_its_parameter_and_answers_name_and_arn(k: Kind) -> None:
    op = service_model().operation_model(k.describe_op)
    assert k.describe_param in op.input_shape.required_members
    out = op.output_shape.members
    assert k.describe_param in out
    assert k.describe_param.removesuffix("Name") + "Arn" in out


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_name_property_is_what_create_takes(k: Kind) -> None:
    assert k.name_property in _members(k.op("Create"))


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_renames_map_describe_names_away(k: Kind) -> None:
    described = _members(k.describe_op, "output")
    for api_name, cfn_name in k.api_renames.items():
        assert api_name in described, f"{k.type}: Describe has no {api_name}"
        assert cfn_name not in described


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_defaults_name_fields_of_the_resource(k: Kind) -> None:
    shape = service_model().operation_model(k.op("Create")).input_shape
    for path in k.defaults:
        here = shape
        for part in path.split("."):
            assert part in here.members, f"{k.type}: {path} is not a Create field"
            here = here.members[part]


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_in_place_fields_are_what_update_takes(k: Kind) -> None:
    names = set(service_model().operation_names)
    if k.fix_strategy == BLUE_GREEN:
        assert k.op("Update") not in names, f"{k.type} has an Update call: not immutable"
        assert not k.in_place
    if k.in_place:
        assert k.update_op in names
        assert set(k.in_place) <= set(_members(k.op("Update")))
    if k.fix_strategy == REBUILD:  # some failing field is not in the Update call
        assert k.in_place and k.update_op in names


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_arn_kind_matches_the_arn_pattern_where_botocore_has_one(k: Kind) -> None:
    if k.summary_arn_key is None:
        out = service_model().operation_model(k.describe_op).output_shape.members
        arn = out[k.describe_param.removesuffix("Name") + "Arn"]
    else:
        arn = _members(k.list_op, "output")[k.list_key].member.members[k.summary_arn_key]
    pattern = arn.metadata.get("pattern") or ""
    if ":sagemaker:" in pattern:
        assert f":{k.arn_kind}/" in pattern


@pytest.mark.parametrize("k", KINDS, ids=IDS)
def test_not_found_codes_are_modelled_or_the_validation_error(k: Kind) -> None:
    modelled = {e.name for e in service_model().error_shapes}
    assert k.not_found <= modelled | {"ValidationException", "ResourceNotFoundException"}


def test_method_names_are_boto3s() -> None:
    client = boto3.client(
        "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    for k in KINDS:
        for operation in (k.list_op, k.describe_op, k.op("Create"), k.op("Delete")):
            assert hasattr(client, method(operation)), operation


def test_views_cover_every_kind_once() -> None:
    assert set(READ_PATHS) == kinds.ALL_TYPES == {k.type for k in KINDS}
    assert len(KINDS) == len(kinds.ALL_TYPES)
    assert set(kinds.MONITORING_TYPES.values()) == kinds.JOB_DEFINITION_TYPES
    assert {k.fix_strategy for k in KINDS} <= {IN_PLACE, BLUE_GREEN, REBUILD}
    types = {v for name, v in vars(kinds.ResourceType).items() if not name.startswith("_")}
    assert types == kinds.ALL_TYPES
    # Models are fixed before the endpoint configs that use them.
    assert kinds.kind(kinds.RT.MODEL).fix_order < kinds.kind(kinds.RT.ENDPOINT_CONFIG).fix_order


def test_service_model_is_loaded_once() -> None:
    assert service_model() is service_model()


@pytest.mark.parametrize("c", CONTROLS, ids=[c.id for c in CONTROLS])
def test_each_controls_fix_fits_what_the_api_can_change(c: Control) -> None:
    """A fix's strategy follows from its fields and the type's Update call: in place only
    for fields Update (or AddTags) takes, blue/green only for immutable types, rebuild when
    a field is outside the Update call of a type that has one."""
    k = kinds.kind(c.resource_type)
    create = service_model().operation_model(k.op("Create")).input_shape
    assert c.fix.sets or c.fix.blocked, c.id
    for path, _value in c.fix.sets:
        here = create
        for part in path.replace("[]", "").split("."):
            while here.type_name == "list":
                here = here.member
            assert part in here.members, f"{c.id}: {path} is not a {k.op('Create')} field"
            here = here.members[part]
    tops = {path.split(".")[0].removesuffix("[]") for path, _ in c.fix.sets}
    if c.fix.strategy == IN_PLACE:
        assert tops <= set(k.in_place) | {"Tags"}, c.id
    elif c.fix.strategy == BLUE_GREEN:
        assert k.fix_strategy == BLUE_GREEN, c.id
    else:
        assert c.fix.strategy == REBUILD and not tops <= set(k.in_place), c.id
