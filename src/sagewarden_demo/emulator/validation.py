"""Requests and responses checked against botocore's service model.

AWS rejects what its model rejects, and a scanner tested against an emulator that
answers with shapes AWS never sends proves nothing. So every request the extension
sees is validated like AWS would (ParamValidator plus the enum and maximum constraints
botocore leaves to the server), and every response it builds or rewrites must match
the operation's output shape, or the emulator reports its own bug instead of lying.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import botocore.session
from botocore.model import (
    ListShape,
    OperationModel,
    ServiceModel,
    Shape,
    StringShape,
    StructureShape,
)
from botocore.validate import ParamValidator

from sagewarden.sources.aws import answers


class OutputMismatch(Exception):
    """The emulator built a response its service model does not allow (an emulator bug)."""


# Output members the model marks required that AWS is seen to leave out: the emulator
# answers what AWS answers, so output checks accept their absence, and nothing else. One
# list, shared with the scanner, which accepts what AWS answers too.
AWS_OMITS = answers.AWS_OMITS


@functools.cache
def service_model(name: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(name)


@functools.cache
def output_service_model(name: str) -> ServiceModel:
    """The service model that answers are checked against: botocore's, minus AWS_OMITS."""
    data = copy.deepcopy(botocore.session.get_session().get_service_data(name))
    for shape, members in AWS_OMITS.get(name, {}).items():
        definition = data["shapes"][shape]
        definition["required"] = [m for m in definition.get("required", []) if m not in members]
    return ServiceModel(data, service_name=name)


def sagemaker_service_model() -> ServiceModel:
    return service_model("sagemaker")


def operation_model(service: str, operation: str) -> OperationModel | None:
    model = service_model(service)
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation)


def input_errors(operation: OperationModel, params: dict[str, Any]) -> str | None:
    """A report of what AWS would refuse in these wire parameters, or None."""
    shape = operation.input_shape
    if shape is None:
        return None
    return _errors(params, shape)


def check_output(operation: OperationModel, payload: dict[str, Any]) -> None:
    answered = output_service_model(operation.service_model.service_name)
    shape = answered.operation_model(operation.name).output_shape
    if shape is None:
        if payload:
            raise OutputMismatch(f"{operation.name} has no output, got {sorted(payload)}")
        return
    report = _errors(payload, shape)
    if report:
        raise OutputMismatch(f"{operation.name} output does not match its shape:\n{report}")


def prune_empty(value: Any, shape: Shape) -> Any:
    """Drop None members and optional structures left empty ({}), recursively.

    moto fills optional structures it never received with {} (VpcConfig,
    DataCaptureConfig, NetworkConfig, StoppingCondition...); AWS omits them.
    """
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        pruned: dict[str, Any] = {}
        for key, item in value.items():
            member = shape.members.get(key)
            if item is None:
                continue
            if member is None:
                pruned[key] = item  # not in the model: left for check_output to report
                continue
            optional = key not in shape.required_members
            if optional and item == {} and isinstance(member, StructureShape):
                continue
            pruned[key] = prune_empty(item, member)
        return pruned
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [prune_empty(item, shape.member) for item in value]
    return value


def _errors(value: dict[str, Any], shape: Shape) -> str | None:
    report = ParamValidator().validate(value, shape)
    problems = [report.generate_report()] if report.has_errors() else []
    problems.extend(_server_side(value, shape, shape.name))
    return "\n".join(problems) if problems else None


def _server_side(value: Any, shape: Shape, path: str) -> list[str]:
    """Constraints AWS enforces but botocore's client-side validator skips."""
    problems: list[str] = []
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            if key in members and item is not None:
                problems.extend(_server_side(item, members[key], f"{path}.{key}"))
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} items, at most {meta['max']} allowed")
        for index, item in enumerate(value):
            problems.extend(_server_side(item, shape.member, f"{path}[{index}]"))  # type: ignore[attr-defined]
    elif kind == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} entries, at most {meta['max']} allowed")
        for key, item in value.items():
            problems.extend(_server_side(item, shape.value, f"{path}.{key}"))  # type: ignore[attr-defined]
    elif isinstance(shape, StringShape) and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
            )
        if "max" in meta and len(value) > meta["max"]:
            problems.append(
                f"Value at '{path}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {meta['max']}"
            )
    elif (
        kind in ("integer", "long", "float", "double")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and "max" in meta
        and value > meta["max"]
    ):
        problems.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {meta['max']}"
        )
    return problems
