"""The collector's task drain: every task runs, scopes take turns, and a window bounds how
many scopes have work at once (an organization's scopes open as others finish)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from sagewarden.sources.aws.tasks import Drain, Scope, Task


def scope(n: int) -> Scope:
    return Scope(f"{n:012d}", "us-east-1", "aws")


class Trace:
    """Tasks that record how many scopes were open (started, and with tasks not finished)
    when each ran:
    each scope's first task uncovers `fanout` more, and each of those `depth` levels more."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ran: Counter[Scope] = Counter()
        self.unfinished: Counter[Scope] = Counter()  # tasks made and not yet finished
        self.most_open = 0
        self.order: list[Scope] = []

    def task(self, where: Scope, fanout: int = 0, depth: int = 0) -> Task:
        with self.lock:
            self.unfinished[where] += 1

        def run() -> list[Task]:
            with self.lock:
                self.ran[where] += 1
                self.order.append(where)
                now_open = sum(1 for s, n in self.unfinished.items() if n and self.ran[s])
                self.most_open = max(self.most_open, now_open)
            follow = [self.task(where, fanout, depth - 1) for _ in range(fanout)] if depth else []
            with self.lock:
                self.unfinished[where] -= 1
            return follow

        return Task(where, run, lambda exc: [])


@pytest.mark.parametrize("workers", [1, 4, 16])
@pytest.mark.parametrize("window", [1, 3, 8])
def test_a_window_bounds_the_open_scopes_and_every_task_runs(workers: int, window: int) -> None:
    trace = Trace()
    scopes = [scope(n) for n in range(20)]
    Drain(workers)([trace.task(s, fanout=3, depth=2) for s in scopes], window)
    assert trace.ran == {s: 1 + 3 + 9 for s in scopes}  # nothing lost or run twice
    assert 1 <= trace.most_open <= window


def test_without_a_window_every_scope_opens_at_once() -> None:
    trace = Trace()
    scopes = [scope(n) for n in range(10)]
    Drain(1)([trace.task(s, fanout=2, depth=1) for s in scopes])
    assert trace.order[:10] == scopes  # one worker: each scope's first task, in turn
    assert trace.most_open == 10


def test_held_scopes_open_in_the_order_given_and_one_at_a_time_with_a_window_of_one() -> None:
    trace = Trace()
    scopes = [scope(n) for n in (5, 2, 9, 1)]
    Drain(4)([trace.task(s, fanout=4, depth=1) for s in scopes], 1)
    runs = [s for i, s in enumerate(trace.order) if i == 0 or trace.order[i - 1] != s]
    assert runs == scopes  # each scope's five tasks together, the scopes in order


def test_progress_counts_held_tasks_from_the_start() -> None:
    seen: list[tuple[int, int]] = []
    trace = Trace()
    Drain(1, lambda done, total: seen.append((done, total)))(
        [trace.task(scope(n)) for n in range(6)], 2
    )
    assert seen[0] == (0, 6)
    assert seen[-1] == (6, 6)


@pytest.mark.parametrize("window", [None, 2])
def test_each_scope_is_closed_once_after_its_last_task(window: int | None) -> None:
    trace = Trace()
    closed: list[tuple[Scope, int]] = []
    scopes = [scope(n) for n in range(8)]
    Drain(4)(
        [trace.task(s, fanout=2, depth=2) for s in scopes],
        window,
        lambda s: closed.append((s, trace.ran[s])),
    )
    assert Counter(closed) == Counter((s, 1 + 2 + 4) for s in scopes)  # once, all of it run
