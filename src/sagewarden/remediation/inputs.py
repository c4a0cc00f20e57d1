"""What a fix sends to AWS: every create or update input built through botocore's input
shape, and checked with botocore's ParamValidator before it is sent (apply) or written
(script).

A copy of a Describe output is not a Create input: it carries read-only members (ARNs,
times, statuses), and optional structures left empty (`"StoppingCondition": {}`), which
AWS refuses because the empty structure lacks its own required members. The shape
decides what stays, at every depth; the validator decides whether AWS could take the
rest. An input that cannot be made valid refuses its resource in the plan with one line,
instead of failing half way through a run or a script.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from botocore.model import ListShape, MapShape, OperationNotFoundError, Shape, StructureShape
from botocore.validate import ParamValidator

from sagewarden.kinds import service_model

from .programs.helpers import prune  # the fix script runs this very function
from .steps import Step

# The operations whose input a plan carries: creates and updates (the others take names).
SENT = ("Create", "Update", "AddTags")

# Plan parameters that are instructions to the fixer, resolved at apply (or in the
# script) and never sent: the tags to copy from a resource, the lifecycle configuration
# whose OnStart a new one reuses.
DIRECTIVES = ("CopyTagsFrom", "OnStartFrom")


class InvalidInput(ValueError):
    """An input AWS would refuse, even after pruning; the message is one line."""


def _skeleton(shape: Shape, seen: frozenset[str]) -> Any:
    if shape.name in seen:
        return None  # a recursive shape's repeat: kept whole, the validator still checks it
    inner = seen | {shape.name}
    if isinstance(shape, StructureShape) and not shape.is_document_type:
        return {
            "s": {name: _skeleton(member, inner) for name, member in shape.members.items()},
            "r": sorted(shape.required_members),
        }
    if isinstance(shape, ListShape):
        return {"l": _skeleton(shape.member, inner)}
    if isinstance(shape, MapShape):
        return {"v": _skeleton(shape.value, inner)}
    return None  # scalars and documents: kept as they are


def _shape(operation: str) -> StructureShape:
    try:
        shape = service_model().operation_model(operation).input_shape
    except OperationNotFoundError:
        raise InvalidInput(f"{operation} is not a SageMaker operation") from None
    if not isinstance(shape, StructureShape):  # pragma: no cover - every fix call has input
        raise InvalidInput(f"{operation} takes no input")
    return shape


@functools.lru_cache(maxsize=64)
def skeleton(operation: str, member: str | None = None) -> Any:
    """What pruning needs of an operation's input shape (or of one of its members), as
    JSON: {"s": {member: skeleton}, "r": [required]} for a structure, {"l": item} for a
    list, {"v": value} for a map, None for what is kept whole."""
    shape: Shape = _shape(operation)
    if member is not None:
        shape = _shape(operation).members[member]
    return _skeleton(shape, frozenset())


def build(operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The operation's input from `params` (a Describe copy, a plan step): only input
    members, without empty optional ones."""
    out = prune(dict(params), skeleton(operation))
    assert isinstance(out, dict)
    return out


# The value in a ParamValidator message: a value may be sensitive (an environment
# variable, a lifecycle script), so a refusal names the parameter and never its value.
_VALUE = re.compile(r"value: .*?, (?=type: <class |valid min )", re.DOTALL)


def problems(operation: str, params: Mapping[str, Any]) -> list[str]:
    """What AWS would refuse in this input, one message each (botocore's wording, without
    the values)."""
    report = ParamValidator().validate(dict(params), _shape(operation))
    if not report.has_errors():
        return []
    text = _VALUE.sub("", report.generate_report())
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _subject(operation: str, doc: Mapping[str, Any]) -> str:
    """The resource an input names (its first required ...Name, or its ARN)."""
    shape = _shape(operation)
    for name in shape.members:
        value = doc.get(name)
        if name in shape.required_members and name.endswith(("Name", "Arn")) and value:
            return f"{operation} {value}"
    return operation


def checked(operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The operation's input built from `params`, or InvalidInput saying in one line,
    naming the operation and the resource, what AWS would refuse."""
    doc = build(operation, params)
    bad = problems(operation, doc)
    if bad:
        raise InvalidInput(f"{_subject(operation, doc)}: not a valid input ({'; '.join(bad)})")
    return doc


class Settles(Protocol):
    """A resource plan as settling reads and changes it (`plan.ResourcePlan`; named by
    shape so this module needs nothing of the planner's)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    steps: list[Step]
    warnings: list[str]
    blocked: str | None


class _Plan(Protocol):
    __dataclass_fields__: ClassVar[dict[str, Any]]
    skipped: list[Any]

    @property
    def resources(self) -> Sequence[Settles]: ...


PlanT = TypeVar("PlanT", bound=_Plan)


def settle(rp: Settles) -> None:
    """Every create or update step gets exactly its operation's input (plus the
    directives resolved at apply); a resource with an input that cannot be made valid is
    refused: blocked with one line, its steps with it, so nothing of it runs."""
    refusals: list[str] = []
    for i, step in enumerate(rp.steps):
        if step.blocked or step.checked or not (step.operation or "").startswith(SENT):
            continue  # not run, names only, already checked, or a composite (checked at apply)
        try:
            doc = checked(str(step.operation), step.params)
        except InvalidInput as exc:
            refusals.append(str(exc))
            continue
        kept = {k: v for k, v in step.params.items() if k in DIRECTIVES}
        rp.steps[i] = dataclasses.replace(step, params={**doc, **kept}, checked=True)
    if not refusals:
        return
    reason = "; ".join(refusals)
    rp.blocked = f"{rp.blocked}; {reason}" if rp.blocked else reason
    rp.steps = [s if s.blocked else dataclasses.replace(s, blocked=rp.blocked) for s in rp.steps]


def settled(plan: PlanT) -> PlanT:
    """A copy of `plan` with every resource plan settled (a plan read from a file, or
    built by hand, gets the same checks as one fresh from the planner)."""
    resources = []
    for rp in plan.resources:
        copy = dataclasses.replace(rp, steps=list(rp.steps), warnings=list(rp.warnings))
        settle(copy)
        resources.append(copy)
    return dataclasses.replace(plan, resources=resources, skipped=list(plan.skipped))


__all__ = [
    "DIRECTIVES",
    "SENT",
    "InvalidInput",
    "build",
    "checked",
    "problems",
    "prune",
    "settle",
    "settled",
    "skeleton",
]
