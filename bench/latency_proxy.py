"""A loopback HTTP proxy that adds a fixed delay to every call and counts them.

It stands between the scan and the emulator so the benchmark sees the latency of a real
AWS API call (about 50 ms) and can count exactly which operations the scan made and how
many were in flight at once. It listens and forwards on 127.0.0.1 only.

Replay: the emulator spends a few milliseconds of CPU on each call, so on a small machine
it, not the scanner, would set the pace. With `recording` on, the proxy keeps every
response it forwards; with `replaying` on, it answers a request it has seen (same
credentials, operation and body) from that record after the delay, and forwards only the
ones it has not seen (counted in `misses`). Real AWS answers in ~50 ms however many calls
arrive; replay makes the emulator behave the same way.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


class LatencyProxy:
    def __init__(self, upstream: str, delay: float = 0.05) -> None:
        target = urlsplit(upstream)
        if target.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the proxy only forwards to loopback addresses")
        self.upstream = (target.hostname, target.port or 80)
        self.delay = delay
        self.calls: Counter[str] = Counter()
        self.recording = False
        self.replaying = False
        self.misses = 0
        self._record: dict[tuple[str, ...], tuple[int, list[tuple[str, str]], bytes]] = {}
        self.in_flight = 0
        self.peak_in_flight = 0
        self.first_call: float | None = None  # perf_counter when the first call arrived
        self.last_answer: float | None = None  # ... and when the last answer was sent
        self._lock = threading.Lock()
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # AWS JSON and query protocols are POSTs
                proxy.forward(self)

            def do_GET(self) -> None:
                proxy.forward(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> LatencyProxy:
        self._thread.start()
        return self

    def reset(self) -> None:
        """Forget what was counted (not the record)."""
        with self._lock:
            self.calls.clear()
            self.peak_in_flight = 0
            self.misses = 0
            self.first_call = self.last_answer = None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _conn(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        return conn

    def forward(self, req: BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        op = req.headers.get("X-Amz-Target", "").split(".")[-1] or _query_action(body)
        with self._lock:
            if self.first_call is None:
                self.first_call = time.perf_counter()
            self.calls[op] += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)  # the simulated network and service latency
            key = (
                req.command,
                req.path,
                _credential(req.headers.get("Authorization", "")),
                req.headers.get("X-Amz-Target", ""),
                body.decode("utf-8", "replace"),
            )
            answer = self._record.get(key) if self.replaying else None
            if answer is not None and op == "AssumeRole":
                answer = _fresh_credentials(answer)
            if answer is None:
                if self.replaying:
                    with self._lock:
                        self.misses += 1
                answer = self._upstream(req, body)
                if self.recording:
                    self._record[key] = answer
            status, headers, data = answer
            req.send_response(status)
            for k, v in headers:
                if k.lower() not in (
                    "transfer-encoding",
                    "connection",
                    "content-length",
                    "date",
                    "server",
                ):
                    req.send_header(k, v)
            req.send_header("Content-Length", str(len(data)))
            req.end_headers()
            req.wfile.write(data)
        finally:
            with self._lock:
                self.in_flight -= 1
                self.last_answer = time.perf_counter()

    def _upstream(
        self, req: BaseHTTPRequestHandler, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = {k: v for k, v in req.headers.items() if k.lower() != "connection"}
        conn = self._conn()
        try:
            conn.request(req.command, req.path, body=body, headers=headers)
            resp = conn.getresponse()
        except (http.client.HTTPException, OSError):
            self._local.conn = None
            conn = self._conn()
            conn.request(req.command, req.path, body=body, headers=headers)
            resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()


def _fresh_credentials(
    answer: tuple[int, list[tuple[str, str]], bytes],
) -> tuple[int, list[tuple[str, str]], bytes]:
    """A recorded AssumeRole answer expiring an hour from now, as STS would answer now:
    replayed as recorded, credentials recorded half an hour earlier look due for refresh,
    and botocore would ask again on every call (AssumeRole calls no real scan makes)."""
    fresh = datetime.now(timezone.utc) + timedelta(hours=1)
    stamp = f"<Expiration>{fresh:%Y-%m-%dT%H:%M:%SZ}</Expiration>".encode()
    status, headers, data = answer
    return status, headers, re.sub(rb"<Expiration>[^<]*</Expiration>", stamp, data)


def _credential(authorization: str) -> str:
    """Access key, region and service of a SigV4 Authorization header (not the date)."""
    scope = authorization.partition("Credential=")[2].partition(",")[0].split("/")
    return "/".join(scope[:1] + scope[2:4])


def _query_action(body: bytes) -> str:
    for part in body.split(b"&"):
        if part.startswith(b"Action="):
            return part[7:].decode()
    return "?"
