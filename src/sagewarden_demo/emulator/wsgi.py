"""Minimal WSGI typing and body handling shared by the middleware and the moto gateway."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

WIRE = "sagewarden_demo.emulator.wire"  # environ key: how the server puts the answer on the wire


@dataclass(frozen=True)
class Wire:
    """A transport fault the HTTP server plays (WSGI cannot express one): `drop` closes
    the connection without an answer; `declared_length` is sent as Content-Length while
    the body stops short, then the connection is closed."""

    drop: bool = False
    declared_length: int | None = None


def read_body(environ: Environ) -> bytes:
    """Read the request body and put a fresh stream back, so moto can read it again."""
    stream = environ.get("wsgi.input")
    body = b""
    if stream is not None:
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit():
            body = stream.read(int(length))
        elif environ.get("wsgi.input_terminated"):
            body = stream.read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def with_body(environ: Environ, body: bytes, headers: dict[str, str] | None = None) -> Environ:
    """A copy of the environ carrying another body (and optionally replaced headers)."""
    copy = dict(environ)
    copy["wsgi.input"] = io.BytesIO(body)
    copy["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        copy["HTTP_" + name.upper().replace("-", "_")] = value
    return copy


def call_app(app: WSGIApp, environ: Environ) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run a WSGI app in-process and buffer its response."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = list(headers)

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], body
