"""HTTP replies in the shapes botocore parses, so an injected or emulated error looks like AWS.

One module owns the wire format of errors for every protocol the emulator answers: JSON
(`X-Amz-Target` services such as SageMaker and Organizations), query (STS, IAM) and EC2.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from typing import Any, Literal
from xml.sax.saxutils import escape

from sagewarden_demo.emulator.clock import epoch
from sagewarden_demo.emulator.wsgi import StartResponse

Protocol = Literal["json", "query", "ec2", "rest"]

JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


@dataclass(frozen=True)
class Reply:
    """A complete HTTP response, buffered."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)

    def send(self, start_response: StartResponse) -> Iterable[bytes]:
        headers = [*self.headers, ("Content-Length", str(len(self.body)))]
        start_response(f"{self.status} {_phrase(self.status)}", headers)
        return [self.body]


class ApiError(Exception):
    """An AWS service error (the request was understood and refused)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def invalid(message: str) -> ApiError:
    """The refusal AWS answers for a request its own rules reject (HTTP 400)."""
    return ApiError("ValidationException", message)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def request_id() -> str:
    return str(uuid.uuid4())


def _wire_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return epoch(value)  # JSON protocols put timestamps on the wire as epoch seconds
    raise TypeError(f"cannot serialise {type(value).__name__}")


def json_reply(payload: dict[str, Any], status: int = 200) -> Reply:
    body = json.dumps(payload, default=_wire_default).encode()
    return Reply(
        status,
        body,
        [("Content-Type", JSON_CONTENT_TYPE), ("x-amzn-RequestId", request_id())],
    )


def error_reply(protocol: Protocol, code: str, message: str, status: int = 400) -> Reply:
    """The error as the given protocol's botocore parser expects it."""
    rid = request_id()
    if protocol == "ec2":
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?>"
            f"<Response><Errors><Error><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error></Errors>"
            f"<RequestID>{rid}</RequestID></Response>"
        )
        return Reply(status, xml.encode(), [("Content-Type", "text/xml")])
    if protocol == "query":
        kind = "Sender" if status < 500 else "Receiver"
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?>"
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            f"<RequestId>{rid}</RequestId></ErrorResponse>"
        )
        return Reply(status, xml.encode(), [("Content-Type", "text/xml")])
    body = json.dumps({"__type": code, "message": message}).encode()
    return Reply(
        status,
        body,
        [
            ("Content-Type", JSON_CONTENT_TYPE),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", rid),
        ],
    )
