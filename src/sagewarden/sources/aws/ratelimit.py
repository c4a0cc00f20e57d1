"""A per account-and-region ceiling on calls per second.

botocore's adaptive retry mode slows a client down once AWS throttles it; this ceiling keeps
a large scan from provoking the throttling in the first place. Threads reserve a slot and
wait for it outside the lock, so the limiter never serialises unrelated scopes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._next = clock() - (burst - 1) * self._interval
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a call may go; returns the seconds waited."""
        if self._interval == 0.0:
            return 0.0
        with self._lock:
            now = self._clock()
            floor = now - (self._burst - 1) * self._interval  # at most `burst` at once
            slot = max(self._next, floor)
            self._next = slot + self._interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
            return wait
        return 0.0


class RateLimiters:
    """One limiter per (account, region), created on first use."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._by_scope: dict[tuple[str, str], RateLimiter] = {}
        self._lock = threading.Lock()

    def get(self, account: str, region: str) -> RateLimiter:
        key = (account, region)
        with self._lock:
            limiter = self._by_scope.get(key)
            if limiter is None:
                limiter = self._by_scope[key] = RateLimiter(self.rate)
            return limiter
