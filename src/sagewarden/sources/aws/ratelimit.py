"""A per account-and-region ceiling on calls per second that backs off when AWS throttles.

The ceiling (`--max-rate`) keeps a scan from flooding an account and region. AWS
publishes no request rate for SageMaker's control plane, so the ceiling is not a quota:
AWS's throttling sets the pace below it. When AWS throttles an attempt, the scope's rate
halves (down to MIN_RATE), then climbs back with time along botocore's own CUBIC curve
(the one its adaptive retry mode uses): back to the rate AWS last throttled after
cbrt(rate x 0.5 / 0.4) seconds (4 s from 50 calls a second), slowly near it, faster past
it; so a low limit is probed every few seconds whatever the ceiling, and a scope
throttled down to the floor by a burst is back in full swing some 10 s after the burst.
Unlike botocore's token bucket, a wait here never runs past the scope's deadline (its
bucket blocks the thread, however long, with the worker it holds). The rate halves once
per round: throttled answers to attempts sent before the last halving say nothing about
the new rate, so 16 calls in flight throttled together halve it once, not 16 times.
Threads reserve a slot and wait for it outside the lock, so the limiter never
serialises unrelated scopes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from botocore.retries.standard import RetryEventAdapter, ThrottlingErrorDetector
from botocore.retries.throttling import CubicCalculator

from sagewarden.sources.aws.deadline import Deadline, answered

MIN_RATE = 0.5  # calls per second when AWS keeps throttling (botocore's floor too)
BETA = 0.5  # the share of its rate a scope keeps when throttled (botocore's adaptive: 0.7)


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
        self.round = 0  # how many times the rate has been halved
        self._cubic = CubicCalculator(rate, clock(), beta=BETA)
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

    def throttled(self, sent_in: int | None = None) -> None:
        """AWS throttled an attempt sent in round `sent_in` (None: this one): halve the
        rate, unless it was already halved since that attempt was sent."""
        with self._lock:
            if self.ceiling <= 0 or (sent_in is not None and sent_in != self.round):
                return
            self.round += 1
            sending = max(MIN_RATE, min(self.rate, self.ceiling))
            self._set(max(MIN_RATE, self._cubic.error_received(sending, self._clock())))

    def succeeded(self) -> None:
        """An attempt got through: the rate the curve gives by now, towards the ceiling."""
        with self._lock:
            if 0 < self.rate < self.ceiling:
                climbed = self._cubic.success_received(self._clock())
                self._set(min(self.ceiling, max(MIN_RATE, self.rate, climbed)))

    def _set(self, rate: float) -> None:  # with the lock held
        self.rate = rate
        self._interval = 1.0 / rate

    def govern(self, client: Any, deadline: Deadline) -> Any:
        """Make every attempt of `client` (retries too) take a slot, never waiting past
        `deadline`, and learn from each answer whether AWS throttles; returns the client."""
        detector = ThrottlingErrorDetector(RetryEventAdapter())
        sent = threading.local()  # an attempt's round: botocore sends and answers it on one thread

        def before_send(**_: Any) -> None:
            left = deadline.left()
            if self.acquire(None if left is None else max(0.0, left)) is None:
                raise deadline.error(
                    f" (AWS throttles it: at {self.rate:g} calls a second, the next call "
                    "would wait past it)"
                )
            sent.round = self.round

        def after_attempt(**kwargs: Any) -> None:
            # Most answers are answered(): no need to ask what kind of error they are.
            if not answered(kwargs) and detector.is_throttling_error(**kwargs):
                self.throttled(getattr(sent, "round", None))
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
