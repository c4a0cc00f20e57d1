"""Fault injection: make chosen calls fail the way AWS (and the network) fails them.

A scanner must survive AccessDenied in one region, throttling in one account and a
resource vanishing mid-scan; it must also never read a damaged answer as an empty one.
Faults let a test arrange exactly that over real HTTP. Besides an error reply, a fault
can answer with:

- `body`: these bytes instead of the real answer (an HTML page with status 200, an
  AssumeRole answer holding credentials the test can recognise);
- `cut`: the answer (the real one, or `body`) cut short (a byte count, negative from the
  end; a fraction; or the text to cut right after), with a matching Content-Length, or
  with `short=True` the full Content-Length and the connection closed after the cut (a
  body shorter than its Content-Length);
- `edit`: the JSON answer (the real one, or `body`) with members replaced:
  `{"Models[*].ModelArn": REMOVE}`, `{"NotebookInstances": {}}` (paths: `Name`,
  `Name[0]`, `Name[*]`, joined by dots);
- `next_token`: page one of the real answer, whatever token was asked for, with this
  NextToken (a string: the same forever; an iterable: the next one each call, and no
  NextToken once it is used up);
- `hang`: no answer until the test calls `release()` (or the emulator is reset, or
  MAX_HANG passes), then the connection is dropped without one.

With `per_second`, a fault hits only the matching calls beyond that many a second (a
bucket of one second's worth, refilled continuously): AWS throttling an account that
calls faster than its limit.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sagewarden_demo.emulator.calls import Call

MAX_HANG = 120.0  # seconds a hung answer waits at most, so a forgotten release ends
REMOVE: Any = type("Remove", (), {"__repr__": lambda self: "REMOVE"})()  # an edit that deletes

Cut = int | float | str
_STEP = re.compile(r"^(?P<name>[^\[\]]+)(?:\[(?P<index>\*|\d+)\])?$")


class FaultMisuse(Exception):
    """A fault that cannot do what it was asked on this answer (a test bug, reported)."""


@dataclass
class Fault:
    """Fail or damage matching calls. None matches anything.

    `times` is how many more calls it fails (None: forever); `hits` counts failures so far.
    Without a damage (`body`, `cut`, `edit`, `next_token`, `hang`) the call gets the error
    `code`/`message`/`status` (status 400 unless given). `status` with `body` defaults to 200.
    """

    service: str | None = None
    operation: str | None = None
    account: str | None = None
    region: str | None = None
    code: str = "AccessDeniedException"
    message: str = "injected fault"
    status: int | None = None
    times: int | None = None
    hits: int = 0
    body: bytes | None = None
    content_type: str = "text/html"
    cut: Cut | None = None
    short: bool = False
    edit: dict[str, Any] | None = None
    next_token: str | Iterable[str] | None = None
    hang: bool = False
    per_second: float | None = None
    _bucket: tuple[float, float] | None = field(default=None, repr=False)  # (tokens, at)
    _released: threading.Event = field(default_factory=threading.Event, repr=False)
    _tokens: Iterator[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        kinds = [  # `body` is what is damaged, so it goes with any of these but a hang
            k
            for k, on in (
                ("cut", self.cut is not None),
                ("edit", self.edit is not None),
                ("next_token", self.next_token is not None),
                ("hang", self.hang),
            )
            if on
        ]
        if self.body is not None and (self.hang or self.next_token is not None):
            kinds.append("body")
        if len(kinds) > 1:
            raise ValueError(f"a fault damages an answer one way, not {' and '.join(kinds)}")
        if self.short and self.cut is None:
            raise ValueError("short=True needs cut (where the body stops)")
        if isinstance(self.next_token, str):
            self._tokens = itertools.repeat(self.next_token)
        elif self.next_token is not None:
            self._tokens = iter(self.next_token)

    def matches(self, call: Call) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        wanted = (
            (self.service, call.service),
            (self.operation, call.operation),
            (self.account, call.account),
            (self.region, call.region),
        )
        if not all(want is None or want == got for want, got in wanted):
            return False
        return self.per_second is None or not self._within_rate()

    def _within_rate(self) -> bool:
        """Take a token for a call if the rate allows one now (Faults.take holds its lock)."""
        assert self.per_second is not None
        now = time.monotonic()
        tokens, at = self._bucket or (self.per_second, now)
        tokens = min(self.per_second, tokens + (now - at) * self.per_second)
        if tokens >= 1.0:
            self._bucket = (tokens - 1.0, now)
            return True
        self._bucket = (tokens, now)
        return False

    @property
    def error_status(self) -> int:
        return 400 if self.status is None else self.status

    @property
    def body_status(self) -> int:
        return 200 if self.status is None else self.status

    @property
    def damages_answer(self) -> bool:
        """An answer (the real one, or `body`) is produced, then damaged."""
        return self.cut is not None or self.edit is not None or self.next_token is not None

    # hanging

    def wait(self) -> None:
        self._released.wait(MAX_HANG)

    def release(self) -> None:
        """Let every answer this fault holds go (each connection is dropped unanswered)."""
        self._released.set()

    # damaging

    def take_token(self) -> str | None:
        """The next NextToken to answer with; None once an iterable of them is used up."""
        assert self._tokens is not None
        return next(self._tokens, None)

    def cut_at(self, body: bytes) -> int:
        """Where the body stops: the number of bytes kept."""
        spec = self.cut
        if isinstance(spec, str):
            found = body.find(spec.encode())
            if found < 0:
                raise FaultMisuse(f"cut: {spec!r} is not in the answer")
            return found + len(spec.encode())
        if isinstance(spec, float):
            if not 0 <= spec < 1:
                raise FaultMisuse(f"cut: a fraction is in [0, 1), not {spec}")
            return int(len(body) * spec)
        assert isinstance(spec, int)
        kept = spec if spec >= 0 else len(body) + spec
        if not 0 <= kept < len(body):
            raise FaultMisuse(f"cut: {spec} bytes does not shorten a {len(body)}-byte answer")
        return kept

    def edited(self, body: bytes) -> bytes:
        try:
            doc = json.loads(body)
        except ValueError:
            raise FaultMisuse("edit: the answer is not JSON") from None
        assert self.edit is not None
        for path, value in self.edit.items():
            _edit(doc, path.split("."), value, path)
        return json.dumps(doc).encode()


def _edit(node: Any, steps: list[str], value: Any, path: str) -> None:
    match = _STEP.match(steps[0])
    if match is None or not isinstance(node, dict):
        raise FaultMisuse(f"edit {path}: cannot follow {steps[0]!r}")
    name, index = match.group("name"), match.group("index")
    last = len(steps) == 1
    if index is None:
        if last:
            if value is REMOVE:
                if name not in node:
                    raise FaultMisuse(f"edit {path}: no member {name} to remove")
                del node[name]
            else:
                node[name] = value
            return
        if name not in node:
            raise FaultMisuse(f"edit {path}: no member {name}")
        _edit(node[name], steps[1:], value, path)
        return
    items = node.get(name)
    if not isinstance(items, list) or not items:
        raise FaultMisuse(f"edit {path}: {name} is not a non-empty list")
    chosen = range(len(items)) if index == "*" else [int(index)]
    for i in chosen:
        if i >= len(items):
            raise FaultMisuse(f"edit {path}: {name} has {len(items)} items")
        if last:
            if value is REMOVE:
                raise FaultMisuse(f"edit {path}: remove a member, not a list item")
            items[i] = value
        else:
            _edit(items[i], steps[1:], value, path)


class Faults:
    """The active faults; the first match wins and is used up by one call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            for fault in self._faults:
                fault.release()  # nothing stays hung past the test that hung it
            self._faults.clear()

    def take(self, call: Call) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(call):
                    fault.hits += 1
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None
