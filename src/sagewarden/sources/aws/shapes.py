"""Does an answer fit its operation's output shape? The checks behind answers.call.

botocore's parser turns damage into quiet emptiness or passes wrong types through, so an
answer is checked against the model before anyone uses it: every member the model knows
has its type (on the wire, before parsing, for JSON protocols: a list given as `{}` or `""`
only shows there; parsed, for XML), every member the model requires is present (but those
AWS is seen to leave out, AWS_OMITS), and so is every member the caller reads. Members the
model does not know are left alone, so an answer AWS has extended since this botocore
release still passes.
"""

from __future__ import annotations

import weakref
from datetime import datetime
from typing import Any

from botocore.model import OperationModel, Shape

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (datetime,),
    "blob": (bytes, bytearray),
}
# Output members the model marks required that AWS is seen to leave out: an answer without
# them is what AWS sends, not a damaged one. The emulator answers the same (it reads this).
AWS_OMITS: dict[str, dict[str, tuple[str, ...]]] = {
    "sagemaker": {
        # DescribeEndpoint has no DataCaptureConfig.KmsKeyId when capture uses no
        # customer-managed key (seen on live endpoints: aws/sagemaker-python-sdk#5738).
        "DataCaptureConfigSummary": ("KmsKeyId",),
        # DescribeFeatureGroup has no NextToken when every feature definition fits in the
        # answer (a recorded answer in aws/sagemaker-python-sdk's feature-processor unit
        # tests, with its ResponseMetadata; other recordings show it as "").
        "DescribeFeatureGroupResponse": ("NextToken",),
    },
}

_WIRE_TYPES: dict[str, tuple[type, ...]] = {  # JSON protocols, before parsing
    **_PYTHON_TYPES,
    "float": (int, float, str),  # "NaN", "Infinity"
    "double": (int, float, str),
    "timestamp": (int, float, str),  # epoch seconds, or ISO 8601 text
    "blob": (str,),  # base64
}
_WORDS = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}
Steps = tuple[tuple[str, bool], ...]  # a read path: (member, each item of a list)


def answer_problem(
    op: OperationModel, answer: Any, reads: tuple[str, ...] = (), typed_on_wire: bool = False
) -> str | None:
    """What makes a parsed answer unusable, or None: a member of the wrong type anywhere,
    or a member in `reads` missing.

    `typed_on_wire`: every member's type was checked in the JSON body before botocore
    parsed it (answers.guard); a `json` protocol answer has no member outside the body, so
    its types are not walked again."""
    shape = op.output_shape
    if shape is None:
        return None
    omits = AWS_OMITS.get(op.service_model.service_name, {})
    typed = typed_on_wire and op.service_model.resolved_protocol == "json"
    problem = (None if typed else _type_problem(answer, shape, "")) or _required_problem(
        answer, shape, "", omits
    )
    if problem:
        return problem
    for steps in _compiled(op, reads):
        problem = _missing(answer, steps, "")
        if problem:
            return problem
    return None


def _type_problem(value: Any, shape: Shape, path: str, wire: bool = False) -> str | None:
    """The first member of `value` whose type is not its shape's (parsed, or on the wire
    where members go by their serialised names)."""
    kind = shape.type_name
    wanted = (_WIRE_TYPES if wire else _PYTHON_TYPES).get(kind)
    if wanted is None or getattr(shape, "is_document_type", False):
        return None  # a document, or a type botocore added later: anything goes
    if (type(value) is bool and bool not in wanted) or not isinstance(value, wanted):
        got = _WORDS.get(type(value), f"a {type(value).__name__}")
        return f"{path or 'the answer'} is {got}, not a {kind}"
    return _members_problem(value, shape, path, wire)


def _required_problem(
    value: Any, shape: Shape, path: str, omits: dict[str, tuple[str, ...]]
) -> str | None:
    """The first member the model requires that a (well-typed, parsed) answer lacks."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        if getattr(shape, "is_document_type", False):
            return None
        allowed = omits.get(shape.name, ())
        for name in shape.required_members:
            if value.get(name) is None and name not in allowed:
                return f"{path}.{name} is missing" if path else f"{name} is missing"
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            member = members.get(key)
            if member is not None and item is not None:
                where = f"{path}.{key}" if path else key
                problem = _required_problem(item, member, where, omits)
                if problem:
                    return problem
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            problem = _required_problem(item, shape.member, f"{path}[{i}]", omits)  # type: ignore[attr-defined]
            if problem:
                return problem
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            problem = _required_problem(item, shape.value, f"{path}.{key}", omits)  # type: ignore[attr-defined]
            if problem:
                return problem
    return None


def wire_problem(value: Any, shape: Shape, path: str) -> str | None:
    return _type_problem(value, shape, path, wire=True)


def _members_problem(value: Any, shape: Shape, path: str, wire: bool) -> str | None:
    kind = shape.type_name
    if kind == "structure":
        members = _wire_members(shape) if wire else shape.members  # type: ignore[attr-defined]
        for key, item in value.items():
            member = members.get(key)
            if member is not None and item is not None:
                problem = _type_problem(item, member, f"{path}.{key}" if path else key, wire)
                if problem:
                    return problem
    elif kind == "list":
        for i, item in enumerate(value):
            if item is not None:
                problem = _type_problem(item, shape.member, f"{path}[{i}]", wire)  # type: ignore[attr-defined]
                if problem:
                    return problem
    elif kind == "map":
        for key, item in value.items():
            if item is not None:
                problem = _type_problem(item, shape.value, f"{path}.{key}", wire)  # type: ignore[attr-defined]
                if problem:
                    return problem
    return None


# Per shape object, weakly: each client has its own model, and an organization's scans let
# a closed scope's client (and so its model) go.
_WIRE_MEMBERS: weakref.WeakKeyDictionary[Shape, dict[str, Shape]] = weakref.WeakKeyDictionary()


def _wire_members(shape: Shape) -> dict[str, Shape]:
    """A structure's members by the name they have in a JSON body (members carried in
    headers or the status code are not in it)."""
    found = _WIRE_MEMBERS.get(shape)
    if found is None:
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
        found = _WIRE_MEMBERS[shape] = {
            m.serialization.get("name", name): m
            for name, m in members.items()
            if m.serialization.get("location") in (None, "")
        }
    return found


def _missing(value: Any, steps: Steps, path: str) -> str | None:
    name, each = steps[0]
    here = f"{path}.{name}" if path else name
    if not isinstance(value, dict) or value.get(name) is None:
        return f"{here} is missing"
    if len(steps) == 1:
        return None
    if each:
        for i, item in enumerate(value[name]):
            problem = _missing(item, steps[1:], f"{here}[{i}]")
            if problem:
                return problem
        return None
    return _missing(value[name], steps[1:], here)


_compiled_reads: dict[tuple[str, str, tuple[str, ...]], tuple[Steps, ...]] = {}


def _compiled(op: OperationModel, reads: tuple[str, ...]) -> tuple[Steps, ...]:
    """`A[].B` as ((A, True), (B, False)), checked against the model once per operation:
    a read path the model does not have is a bug of ours, caught by its first call."""
    key = (op.service_model.service_name, op.name, reads)
    found = _compiled_reads.get(key)
    if found is None:
        found = _compiled_reads[key] = _compile(op, reads)
    return found


def _compile(op: OperationModel, reads: tuple[str, ...]) -> tuple[Steps, ...]:
    out = []
    for read in reads:
        steps = []
        shape = op.output_shape
        for part in read.split("."):
            each = part.endswith("[]")
            name = part[:-2] if each else part
            members = getattr(shape, "members", {})
            if name not in members:
                raise ValueError(f"{op.name} has no output member {read!r}")
            shape = members[name]
            if each:
                if shape.type_name != "list":
                    raise ValueError(f"{op.name}: {name} in {read!r} is not a list")
                shape = shape.member
            steps.append((name, each))
        out.append(tuple(steps))
    return tuple(out)
