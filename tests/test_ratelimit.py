"""The per account-and-region ceiling, on a simulated clock (no real waiting)."""

from __future__ import annotations

import pytest

from sagewarden.sources.aws.ratelimit import RateLimiter, RateLimiters


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_burst_then_steady_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, burst=5, clock=clock.time, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(25)]
    assert waits[:5] == pytest.approx([0.0] * 5, abs=1e-9)  # the burst goes at once
    # then one call every 0.1 s: 20 more calls take 2 s in all
    assert clock.now - 1000.0 == pytest.approx(2.0, abs=1e-6)
    assert all(w == pytest.approx(0.1, abs=1e-6) for w in waits[6:])


def test_idle_time_refills_only_up_to_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, burst=3, clock=clock.time, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire()
    clock.now += 60  # a long pause does not bank 600 calls
    waits = [limiter.acquire() for _ in range(6)]
    assert waits[:3] == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    assert sum(waits) == pytest.approx(0.3, abs=1e-6)


def test_one_limiter_per_scope() -> None:
    limiters = RateLimiters(5.0)
    a = limiters.get("111", "us-east-1")
    assert limiters.get("111", "us-east-1") is a
    assert limiters.get("111", "eu-west-1") is not a
    assert limiters.get("222", "us-east-1") is not a
