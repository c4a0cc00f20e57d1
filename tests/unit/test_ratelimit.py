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
    assert limiter.rate < 2.0  # 2 s after the last throttle: still near the floor
    clock.now += 10.0  # botocore's CUBIC curve: back in full swing some 10 s later
    limiter.succeeded()
    assert limiter.rate == 100.0  # never past the ceiling


def test_answers_to_attempts_sent_before_a_halving_do_not_halve_it_again() -> None:
    """Before: 16 calls in flight throttled together halved the rate 16 times (to the
    floor) for one moment of throttling."""
    limiter = RateLimiter(400.0)
    sent_in = limiter.round
    for _ in range(16):
        limiter.throttled(sent_in)
    assert limiter.rate == 200.0
    limiter.throttled(limiter.round)  # an attempt sent at the new rate, throttled too
    assert limiter.rate == 100.0


@pytest.mark.parametrize("ceiling", [100.0, 400.0, 1600.0])
def test_the_climb_back_depends_on_where_aws_throttled_not_on_the_ceiling(
    ceiling: float,
) -> None:
    """AWS throttles above 50 calls a second: the rate is back there cbrt(50 x 0.5 / 0.4)
    = 3.97 s after the throttle, whatever --max-rate is (before: a fiftieth of the
    ceiling with each success, so a ceiling of 400 was back in 4 successes and AWS said
    no every fifth call)."""
    clock = FakeClock()
    limiter = RateLimiter(ceiling, clock=clock.time, sleep=clock.sleep)
    while limiter.rate > 25.0:  # throttled at every rate down from the ceiling to 50
        limiter.throttled()
    assert limiter.rate == 25.0
    for _ in range(100):
        limiter.succeeded()
    assert limiter.rate == pytest.approx(25.0)  # successes alone do not climb: time does
    clock.now += 3.9
    limiter.succeeded()
    assert 45.0 < limiter.rate < 50.0
    clock.now += 0.1
    limiter.succeeded()
    assert 50.0 <= limiter.rate < 51.0
    clock.now += 20.0  # past it, the curve steepens: 0.4 x 20^3 calls a second more
    limiter.succeeded()
    assert limiter.rate == ceiling
