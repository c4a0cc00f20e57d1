"""An overall deadline for the calls of one scope, retries included.

botocore bounds one attempt (the read timeout) and the number of attempts, not the
time: a region that throttles everything, or an endpoint that never answers, holds a
call for minutes (8 attempts of a 30 s read timeout, plus backoff). A Deadline attached
to a client refuses to send once it has passed, and gives up instead of retrying when
the longest backoff botocore may sleep before the next attempt would cross it; either
way the call fails with `AnswerError(TimedOut)`, which the caller reports for its scope.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from botocore.retries.standard import RetryEventAdapter, StandardRetryConditions

from sagewarden.sources.aws.answers import TIMED_OUT, AnswerError
from sagewarden.sources.aws.limits import DEFAULT_READ_TIMEOUT

MAX_BACKOFF = 20.0  # botocore's ExponentialBackoff: rand * min(2 ** (attempt - 1), 20) s
TIMEOUT_ATTEMPTS = 2  # an endpoint that did not answer in time twice is not asked again
_ADAPTER = RetryEventAdapter()


class Deadline:
    """`seconds` from now (started on first use); None never passes."""

    def __init__(
        self, seconds: float | None, what: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.what = what  # "could not read this account and region", for the message
        self._clock = clock
        self._at: float | None = None

    def start(self) -> None:
        if self._at is None and self.seconds is not None:
            self._at = self._clock() + self.seconds

    def left(self) -> float | None:
        if self.seconds is None:
            return None
        self.start()
        assert self._at is not None
        return self._at - self._clock()

    def check(self) -> None:
        """AnswerError(TimedOut) once the deadline has passed."""
        left = self.left()
        if left is not None and left <= 0:
            raise self.error()

    def error(self, why: str = "") -> AnswerError:
        return AnswerError(TIMED_OUT, f"{self.what} within --timeout {self.seconds:g} s{why}")

    def attach(self, client: Any) -> Any:
        """Make every call of `client` honour this deadline (and `bound_timeouts`);
        returns the client."""
        bound_timeouts(client)
        attempts = int(client.meta.config.retries.get("total_max_attempts") or 3)
        conditions = StandardRetryConditions(max_attempts=attempts)

        def before_send(**_: Any) -> None:
            self.check()

        def needs_retry(**kwargs: Any) -> None:
            if answered(kwargs):
                return
            left = self.left()
            if left is None or not conditions.is_retryable(_ADAPTER.create_retry_context(**kwargs)):
                return
            pause = min(MAX_BACKOFF, 2.0 ** (int(kwargs["attempts"]) - 1))
            if pause >= left:
                op = getattr(kwargs.get("operation"), "name", "a call")
                raise self.error(f" ({op} was to be retried after {_failure(kwargs)})")

        client.meta.events.register_first("before-send", before_send)
        client.meta.events.register_first("needs-retry", needs_retry)
        return client


def answered(needs_retry: dict[str, Any]) -> bool:
    """A needs-retry event's attempt got a successful answer (no error, status below 300)."""
    if needs_retry.get("caught_exception") is not None:
        return False
    http = (needs_retry.get("response") or (None, None))[0]
    return http is not None and getattr(http, "status_code", 500) < 300


def bound_timeouts(client: Any) -> Any:
    """Give up a call whose answer did not come in time TIMEOUT_ATTEMPTS times (botocore
    would try 8 times: minutes against an endpoint that hangs); returns the client."""

    def needs_retry(caught_exception: Any = None, attempts: int = 1, **_: Any) -> None:
        timed_out = isinstance(caught_exception, ReadTimeoutError | ConnectTimeoutError)
        if timed_out and attempts >= TIMEOUT_ATTEMPTS:
            raise caught_exception

    client.meta.events.register_first("needs-retry", needs_retry)
    return client


def _failure(kwargs: dict[str, Any]) -> str:
    """What the last attempt met: an exception's class, AWS's error code or the status."""
    caught = kwargs.get("caught_exception")
    if caught is not None:
        return type(caught).__name__
    http, parsed = kwargs.get("response") or (None, None)
    error = parsed.get("Error") if isinstance(parsed, dict) else None
    code = str(error.get("Code") or "") if isinstance(error, dict) else ""
    return code if code and not code.isdigit() else f"HTTP {getattr(http, 'status_code', '?')}"


def read_timeout(timeout: float | None) -> float:
    """The per-attempt read timeout: ours, or the whole deadline when that is shorter."""
    return DEFAULT_READ_TIMEOUT if timeout is None else min(DEFAULT_READ_TIMEOUT, timeout)
