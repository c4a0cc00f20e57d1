"""A small threaded WSGI server that keeps connections alive, as AWS endpoints do.

werkzeug's development server closes the connection after every response, so each call
pays for a new TCP connection on both sides, which costs more than the call itself and
would make the emulator, not the scanner, the bottleneck of a benchmark. This server
speaks HTTP/1.1 with keep-alive, reads bodies by Content-Length (botocore always sends
it), and answers with a Content-Length, so one connection serves many calls.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from sagewarden_demo.emulator.wsgi import WIRE, Wire

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms ACK wait
    server: KeepAliveWSGIServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the emulator records calls itself

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path),
            "QUERY_STRING": query,
            "SERVER_NAME": self.server.server_address[0],
            "SERVER_PORT": str(self.server.server_address[1]),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_LENGTH": str(length),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if "Content-Type" in self.headers:
            environ["CONTENT_TYPE"] = self.headers["Content-Type"]
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None

        chunks = self.server.app(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        wire = environ.get(WIRE)
        if isinstance(wire, Wire) and wire.drop:
            self.close_connection = True  # no answer at all: the client sees the line drop
            return
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in (
                "content-length",
                "connection",
                "transfer-encoding",
                "date",
                "server",
            ):
                self.send_header(name, value)
        declared = wire.declared_length if isinstance(wire, Wire) else None
        self.send_header("Content-Length", str(len(data) if declared is None else declared))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if declared is not None:
            self.close_connection = True  # the rest never comes: end of stream, short

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class KeepAliveWSGIServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, host: str, port: int, app: WSGIApp) -> None:
        self.app = app
        super().__init__((host, port), _Handler)  # server_bind sets server_port
