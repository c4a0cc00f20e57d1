"""The collector's work as a graph of small tasks on one bounded thread pool.

Each task is one API call's worth of work in one account and region and returns the
tasks it uncovers, so nothing ever waits on a future while holding a worker. Scopes take
turns, so every account and region advances together and no scope's rate limit idles the
pool.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from sagewarden.sources.aws.answers import AnswerError


@dataclass(frozen=True)
class Scope:
    account: str
    region: str
    partition: str


@dataclass(frozen=True)
class Task:
    """One API call's worth of work in a scope; running it returns the work it uncovers.

    `fail` records what the task stood for as unread (ERROR) when `run` raises: a call
    that failed, a deadline passed, or a bug of ours; nothing a task covers vanishes.
    """

    scope: Scope
    run: Callable[[], list[Task]]
    fail: Callable[[Exception], list[Task]]


class Drain:
    """Runs tasks and the tasks they uncover until none is left, counting them for the
    progress callback across every drain of one collection."""

    def __init__(
        self, max_workers: int, on_progress: Callable[[int, int], None] | None = None
    ) -> None:
        self.max_workers = max_workers
        self.on_progress = on_progress
        self.done = 0
        self.total = 0

    def __call__(self, pool: ThreadPoolExecutor, tasks: Iterable[Task]) -> None:
        """At most max_workers run at once, taken from the scopes in turn. Finished
        futures arrive on a queue: O(1) each."""
        finished: queue.SimpleQueue[Future[list[Task]]] = queue.SimpleQueue()
        waiting: dict[Scope, deque[Task]] = {}
        turns: deque[Scope] = deque()  # the scopes with waiting tasks, in turn order
        in_flight = 0

        def enqueue(task: Task) -> None:
            line = waiting.setdefault(task.scope, deque())
            if not line:
                turns.append(task.scope)
            line.append(task)
            self.total += 1

        def fill() -> None:
            nonlocal in_flight
            while in_flight < self.max_workers and turns:
                scope = turns.popleft()
                line = waiting[scope]
                task = line.popleft()
                if line:
                    turns.append(scope)
                in_flight += 1
                pool.submit(safe, task).add_done_callback(finished.put)

        for task in tasks:
            enqueue(task)
        fill()
        while in_flight:
            future = finished.get()
            in_flight -= 1
            self.done += 1
            for follow in future.result():
                enqueue(follow)
            fill()
            if self.on_progress:
                self.on_progress(self.done, self.total)


def safe(task: Task) -> list[Task]:
    """Run a task; whatever it raises becomes its `fail`, never the end of the scan."""
    try:
        return task.run()
    except (ClientError, BotoCoreError) as exc:
        return task.fail(exc)
    except Exception as exc:  # a bug of ours must not end the scan or pass a resource
        bug = AnswerError("InternalError", f"{type(exc).__name__} (a sagewarden bug)")
        return task.fail(bug)
