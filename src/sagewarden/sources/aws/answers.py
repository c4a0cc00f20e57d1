"""Calling AWS defensively: a damaged answer is an error with a name, never an empty one.

botocore reads a JSON body it cannot parse (cut in half, shorter than its Content-Length,
an HTML page with status 200) as an answer with no members, which a caller would take for
"no resources"; a list where an object belongs crashes its parser with AttributeError; a
string where a boolean belongs goes through untouched. And its parser errors quote the
whole body, which for AssumeRole holds the new secret key. So every call goes through
`call`: any exception that is not a ClientError or BotoCoreError becomes `AnswerError`
(named, without the body), and the answer must fit the operation's output shape before
anyone uses it:

- on the wire, before botocore parses it (a `before-parse` handler on the client): the
  body is as long as its Content-Length says, a JSON protocol's body is a JSON object,
  and every member the model knows has its type (botocore's parser turns a list given
  as `{}` or `""` into `[]`, so only the raw body shows that damage);
- parsed: the same types (for XML protocols), every member the model requires present
  (but those AWS is seen to leave out, AWS_OMITS), and the members the caller reads.

Members the model does not know are left alone, so an answer AWS has extended since this
botocore release still passes.

Error text for users comes from `error_text`/`error_code` only: one line, bounded, never a
response body, and with every credential this process has seen masked.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.model import OperationModel, Shape

from sagewarden.kinds import method
from sagewarden.sources.aws.limits import PAGE_CEILING

MALFORMED = "MalformedAnswer"
INCOMPLETE = "IncompleteAnswer"
ENDLESS = "EndlessPagination"
TIMED_OUT = "TimedOut"
MAX_MESSAGE = 300  # characters of an AWS error message shown


class AnswerError(BotoCoreError):
    """An answer that cannot be used, or a call given up (`code` names which)."""

    fmt = "{code}: {detail}"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(code=code, detail=detail)
        self.code = code
        self.detail = detail


# -- calling -----------------------------------------------------------------------------


def call(client: Any, operation: str, reads: tuple[str, ...] = (), **params: Any) -> Any:
    """`client.<operation>(**params)`, its answer checked; every failure a ClientError or a
    BotoCoreError. `reads`: the members the caller uses (`Models[].ModelArn`), which must
    be present."""
    guard(client)
    try:
        answer = getattr(client, method(operation))(**params)
    except (ClientError, BotoCoreError):
        raise
    except Exception as exc:  # botocore's parsers: ResponseParserError, KeyError, ...
        raise AnswerError(
            MALFORMED, f"the {operation} answer could not be parsed ({type(exc).__name__})"
        ) from None
    problem = answer_problem(client.meta.service_model.operation_model(operation), answer, reads)
    if problem:
        raise AnswerError(MALFORMED, f"the {operation} answer does not fit its shape: {problem}")
    return answer


def pages(client: Any, operation: str, reads: tuple[str, ...] = (), **params: Any) -> Iterator[Any]:
    """Every page of a NextToken list, each checked by `call`; a token seen before, or more
    than PAGE_CEILING pages, ends it with EndlessPagination."""
    guard = TokenGuard(operation)
    token: str | None = None
    while True:
        page = call(client, operation, reads, **params, **({"NextToken": token} if token else {}))
        yield page
        token = page.get("NextToken")
        if not token:
            return
        guard.check(token)


_guarded: weakref.WeakSet[Any] = weakref.WeakSet()
_guard_lock = threading.Lock()


def guard(client: Any) -> Any:
    """Check every answer of `client` on the wire before botocore parses it (once per
    client); returns the client."""
    with _guard_lock:
        if client not in _guarded:
            quiet_sdk_logs()
            client.meta.events.register("before-parse", _check_wire)
            _guarded.add(client)
    return client


def _check_wire(operation_model: OperationModel, response_dict: dict[str, Any], **_: Any) -> None:
    op = operation_model.name
    body = response_dict.get("body")
    if not isinstance(body, bytes | bytearray):
        return  # a streaming answer: not one we read
    headers = response_dict.get("headers") or {}
    declared = str(headers.get("content-length") or "")
    if declared.isdigit() and "content-encoding" not in headers and int(declared) != len(body):
        raise AnswerError(
            INCOMPLETE, f"the {op} answer stopped after {len(body)} of its {declared} bytes"
        )
    protocol = operation_model.service_model.resolved_protocol
    shape = operation_model.output_shape
    if response_dict.get("status_code", 500) >= 300 or protocol not in ("json", "rest-json"):
        return  # errors are botocore's to parse; XML answers are checked once parsed
    if shape is None or not body.strip():
        return  # no output, or none given: the members read are then missing
    try:
        doc = json.loads(body)
    except ValueError:
        kind = _one_line(str(headers.get("content-type") or "no content type"))
        raise AnswerError(MALFORMED, f"the {op} answer is not JSON ({kind})") from None
    payload = shape.serialization.get("payload")
    in_body: Shape = shape.members[payload] if payload else shape
    problem = _wire_problem(doc, in_body, "")
    if problem:
        raise AnswerError(MALFORMED, f"the {op} answer does not fit its shape: {problem}")


class TokenGuard:
    """Stops a list that never ends: a NextToken already used, or too many pages."""

    def __init__(self, operation: str, ceiling: int | None = None) -> None:
        self.operation = operation
        self.ceiling = PAGE_CEILING if ceiling is None else ceiling
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def check(self, token: str) -> None:
        """Record `token` as the next page's; AnswerError if that page must not be asked."""
        with self._lock:
            if token in self._seen:
                raise AnswerError(
                    ENDLESS,
                    f"{self.operation} returned a NextToken it had already returned, after "
                    f"{len(self._seen) + 1} pages",
                )
            if len(self._seen) + 1 >= self.ceiling:
                raise AnswerError(
                    ENDLESS, f"{self.operation} still had more after {self.ceiling} pages"
                )
            self._seen.add(token)


# -- checking answers against the output shape --------------------------------------------

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


def answer_problem(op: OperationModel, answer: Any, reads: tuple[str, ...] = ()) -> str | None:
    """What makes a parsed answer unusable, or None: a member of the wrong type anywhere,
    or a member in `reads` missing."""
    shape = op.output_shape
    if shape is None:
        return None
    omits = AWS_OMITS.get(op.service_model.service_name, {})
    problem = _type_problem(answer, shape, "") or _required_problem(answer, shape, "", omits)
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


def _wire_problem(value: Any, shape: Shape, path: str) -> str | None:
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


def _wire_members(shape: Shape) -> dict[str, Shape]:
    """A structure's members by the name they have in a JSON body (members carried in
    headers or the status code are not in it)."""
    members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
    return {
        m.serialization.get("name", name): m
        for name, m in members.items()
        if m.serialization.get("location") in (None, "")
    }


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


# -- saying what went wrong ---------------------------------------------------------------

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def remember_secrets(values: Iterable[str | None]) -> None:
    """Credentials in use: masked in every error text (AWS's own messages can quote a
    signed header such as the session token)."""
    with _secrets_lock:
        _secrets.update(v for v in values if v and len(v) >= 8)


def masked(text: str) -> str:
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _one_line(text: str) -> str:
    """The first line with text, credentials masked (before it is cut to length, so no
    part of one is left), at most MAX_MESSAGE characters."""
    line = next((s.strip() for s in masked(str(text)).splitlines() if s.strip()), "")
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 3] + "..."


def error_code(exc: BaseException) -> str:
    """A short name for a failure: AWS's error code, ours, or the exception's class."""
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        return f"HTTP {code}" if code.isdigit() else _one_line(code)
    if isinstance(exc, AnswerError):
        return exc.code
    return type(exc).__name__


def error_text(exc: BaseException) -> str:
    """One line for a user: the code and AWS's message, our own description, or the
    exception's class and first line. Never a response body: a ClientError whose code is
    only the HTTP status had no AWS error document, and botocore then puts the whole body
    in its message; its parser errors quote the body from their second line on."""
    code = error_code(exc)
    if isinstance(exc, ClientError):
        message = "" if code.startswith("HTTP ") else exc.response.get("Error", {}).get("Message")
        return f"{code}: {_one_line(message)}" if message else code
    if isinstance(exc, AnswerError):
        return _one_line(f"{code}: {exc.detail}")
    detail = _one_line(str(exc))  # botocore's parser puts the body after the first line
    return f"{code}: {detail}" if detail else code


def quiet_sdk_logs() -> None:
    """botocore logs a failed credential refresh as a warning with its traceback, and
    Python prints such a record on stderr when nothing is configured: give botocore and
    urllib3 a handler that drops them (a caller that configures logging still sees them)."""
    for name in ("botocore", "urllib3", "boto3"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
