"""Calling AWS defensively: a damaged answer is an error with a name, never an empty one.

botocore reads a JSON body it cannot parse (cut in half, shorter than its Content-Length,
an HTML page with status 200) as an answer with no members, which a caller would take for
"no resources"; a list where an object belongs crashes its parser with AttributeError; a
string where a boolean belongs goes through untouched. And its parser errors quote the
whole body, which for AssumeRole holds the new secret key. So every call goes through
`call`: any exception that is not a ClientError or BotoCoreError becomes `AnswerError`
(named, without the body), and the answer must fit the operation's output shape before
anyone uses it (the checks are in shapes):

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
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError
from botocore.model import OperationModel, Shape

from sagewarden.kinds import method
from sagewarden.sources.aws.limits import PAGE_CEILING

# The emulator reads the omissions as answers.AWS_OMITS.
from sagewarden.sources.aws.shapes import AWS_OMITS as AWS_OMITS
from sagewarden.sources.aws.shapes import answer_problem, wire_problem

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
    op = client.meta.service_model.operation_model(operation)
    problem = answer_problem(op, answer, reads, typed_on_wire=True)  # guard(client) typed it
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
        doc = _json(body)
    except ValueError:
        kind = _one_line(str(headers.get("content-type") or "no content type"))
        raise AnswerError(MALFORMED, f"the {op} answer is not JSON ({kind})") from None
    payload = shape.serialization.get("payload")
    in_body: Shape = shape.members[payload] if payload else shape
    problem = wire_problem(doc, in_body, "")
    if problem:
        raise AnswerError(MALFORMED, f"the {op} answer does not fit its shape: {problem}")


def _json(body: bytes | bytearray) -> Any:
    """The body as botocore's parser reads it (json.loads), by orjson where it can: the
    same document three times faster; what orjson refuses, json decides."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


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
