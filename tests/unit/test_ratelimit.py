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


def test_a_wait_longer_than_allowed_is_refused_without_taking_the_slot() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, burst=1, clock=clock.time, sleep=clock.sleep)
    assert limiter.acquire() == 0.0
    assert limiter.acquire(max_wait=0.5) is None  # the next slot is 1 s away
    assert clock.slept == []
    assert limiter.acquire(max_wait=1.0) == pytest.approx(1.0)  # the same slot, still free


def test_throttling_halves_the_rate_and_successes_climb_back() -> None:
    clock = FakeClock()
    limiter = RateLimiter(100.0, burst=1, clock=clock.time, sleep=clock.sleep)
    for _ in range(20):
        limiter.throttled()
    assert limiter.rate == 0.5  # the floor
    limiter.acquire()
    assert limiter.acquire() == pytest.approx(2.0)  # one call every 2 s while throttled
    limiter.succeeded()
    assert limiter.rate == pytest.approx(2.5)  # a fiftieth of the ceiling a success
    for _ in range(60):
        limiter.succeeded()
    assert limiter.rate == 100.0  # never past the ceiling
