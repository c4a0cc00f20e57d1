"""A per account-and-region ceiling on calls per second that backs off when AWS throttles.

The ceiling (`--max-rate`) keeps a large scan from provoking throttling in the first
place. When AWS throttles an attempt anyway, the scope's rate halves (down to MIN_RATE)
and climbs back by a fiftieth of the ceiling with each attempt that gets through: what
botocore's adaptive retry mode does, but here a wait never runs past the scope's
deadline (botocore's token bucket blocks the thread, however long, with the worker it
holds). Threads reserve a slot and wait for it outside the lock, so the limiter never
serialises unrelated scopes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.retries.standard import RetryEventAdapter, ThrottlingErrorDetector

from sagewarden.sources.aws.deadline import Deadline

MIN_RATE = 0.5  # calls per second when AWS keeps throttling (botocore's floor too)
RECOVERY_STEPS = 50  # attempts that get through to climb from the floor to the ceiling


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.ceiling = rate
        self.rate = rate
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._next = clock() - (burst - 1) * self._interval
        self._lock = threading.Lock()

    def acquire(self, max_wait: float | None = None) -> float | None:
        """Block until a call may go; returns the seconds waited. With `max_wait`, None
        (at once, no slot taken) when the next slot is further away than that."""
        with self._lock:
            if self._interval == 0.0:
                return 0.0
            now = self._clock()
            floor = now - (self._burst - 1) * self._interval  # at most `burst` at once
            slot = max(self._next, floor)
            wait = slot - now
            if max_wait is not None and wait > max_wait:
                return None
            self._next = slot + self._interval
        if wait > 0:
            self._sleep(wait)
            return wait
        return 0.0

    def throttled(self) -> None:
        """AWS throttled an attempt: halve the rate."""
        self._set(max(MIN_RATE, min(self.rate, self.ceiling) / 2))

    def succeeded(self) -> None:
        """An attempt got through: a step back towards the ceiling."""
        if self.rate < self.ceiling:
            self._set(min(self.ceiling, self.rate + self.ceiling / RECOVERY_STEPS))

    def _set(self, rate: float) -> None:
        with self._lock:
            if self.ceiling <= 0:
                return
            self.rate = rate
            self._interval = 1.0 / rate

    def govern(self, client: Any, deadline: Deadline) -> Any:
        """Make every attempt of `client` (retries too) take a slot, never waiting past
        `deadline`, and learn from each answer whether AWS throttles; returns the client."""
        detector = ThrottlingErrorDetector(RetryEventAdapter())

        def before_send(**_: Any) -> None:
            left = deadline.left()
            if self.acquire(None if left is None else max(0.0, left)) is None:
                raise deadline.error(
                    f" (AWS throttles it: at {self.rate:g} calls a second, the next call "
                    "would wait past it)"
                )

        def after_attempt(**kwargs: Any) -> None:
            if detector.is_throttling_error(**kwargs):
                self.throttled()
            elif kwargs.get("caught_exception") is None and kwargs.get("response"):
                self.succeeded()

        client.meta.events.register("before-send", before_send)
        client.meta.events.register_first("needs-retry", after_attempt)
        return client


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
