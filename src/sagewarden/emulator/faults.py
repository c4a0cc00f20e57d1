"""Fault injection: make chosen calls fail the way AWS fails them.

A scanner must survive AccessDenied in one region, throttling in one account and a
resource vanishing mid-scan; faults let a test arrange exactly that over real HTTP.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sagewarden.emulator.calls import Call


@dataclass
class Fault:
    """Fail matching calls with `code`/`message`/`status`. None matches anything.

    `times` is how many more calls it fails (None: forever); `hits` counts failures so far.
    """

    service: str | None = None
    operation: str | None = None
    account: str | None = None
    region: str | None = None
    code: str = "AccessDeniedException"
    message: str = "injected fault"
    status: int = 400
    times: int | None = None
    hits: int = 0

    def matches(self, call: Call) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        wanted = (
            (self.service, call.service),
            (self.operation, call.operation),
            (self.account, call.account),
            (self.region, call.region),
        )
        return all(want is None or want == got for want, got in wanted)


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
