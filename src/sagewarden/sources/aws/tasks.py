"""The collector's work as a graph of small tasks run by a bounded set of worker threads.

Each task is one API call's worth of work in one account and region and returns the
tasks it uncovers. Each worker takes the next task itself as soon as it has finished
one, and queues what that one uncovered: no dispatcher thread sits between two calls
(each hand-off through one cost a wait for the GIL while the other workers parse
answers). Scopes take turns, so every account and region advances together and no
scope's rate limit idles the workers; within a scope, the next page of a list goes ahead
of the describes already waiting, so the describes of later pages are never starved.

An organization has thousands of scopes: a `window` lets only so many have work at once
and opens the next when one is done, so a scope's deadline (`--timeout`, counted from its
first call) measures that account and region, not the whole organization's turns.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
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
    urgent: bool = False  # goes ahead of its scope's waiting tasks (a list's next page)


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
        self._reporting = threading.Lock()

    def __call__(
        self,
        tasks: Iterable[Task],
        window: int | None = None,
        on_close: Callable[[Scope], None] | None = None,
    ) -> None:
        """At most max_workers run at once (the calling thread is one of them), taken
        from the scopes in turn; returns when every task and what it uncovered has run.

        With a `window`, at most that many scopes have tasks waiting or running: the
        others wait, in the order their first task came, until one is done. `on_close`
        hears of each scope whose tasks have all run (to let go of what it held)."""
        ready = threading.Condition()
        waiting: dict[Scope, deque[Task]] = {}
        turns: deque[Scope] = deque()  # the scopes with waiting tasks, in turn order
        open_tasks: dict[Scope, int] = {}  # per open scope: its tasks waiting or running
        held: dict[Scope, list[Task]] = {}  # the scopes not yet open, and their tasks
        order: deque[Scope] = deque()  # those scopes, in the order their first task came
        running = 0

        def enqueue(task: Task) -> None:  # with `ready` held
            line = waiting.setdefault(task.scope, deque())
            if not line:
                turns.append(task.scope)
            if task.urgent:
                line.appendleft(task)
            else:
                line.append(task)
            open_tasks[task.scope] = open_tasks.get(task.scope, 0) + 1

        def open_more() -> int:  # with `ready` held; how many tasks it queued
            queued = 0
            while order and (window is None or len(open_tasks) < window):
                for task in held.pop(order.popleft()):
                    enqueue(task)
                    queued += 1
            return queued

        def take() -> Task:  # with `ready` held, `turns` not empty
            scope = turns.popleft()
            line = waiting[scope]
            task = line.popleft()
            if line:
                turns.append(scope)
            return task

        def work() -> None:
            nonlocal running
            task: Task | None = None
            finished: list[Task] = []
            while True:
                closed: Scope | None = None
                with ready:
                    if task is not None:
                        running -= 1
                        self.done += 1
                        self.total += len(finished)
                        for follow in finished:
                            enqueue(follow)
                        queued = len(finished)
                        open_tasks[task.scope] -= 1
                        if not open_tasks[task.scope]:
                            del open_tasks[task.scope]
                            closed = task.scope
                            queued += open_more()
                        if queued > 1:
                            ready.notify(queued - 1)  # this worker takes one itself
                    while not turns and running:
                        ready.wait()
                    task = take() if turns else None
                    if task is None:  # nothing waiting and nothing that could add any
                        ready.notify_all()
                    else:
                        running += 1
                if closed is not None and on_close is not None:
                    on_close(closed)
                if task is None:
                    return
                self._report()
                finished = safe(task)

        with ready:
            for task in tasks:
                if task.scope not in held:
                    order.append(task.scope)
                held.setdefault(task.scope, []).append(task)
                self.total += 1
            open_more()
            if not turns:
                return
        helpers = [
            threading.Thread(target=work, name=f"sagewarden-{i}", daemon=True)
            for i in range(1, self.max_workers)
        ]
        for helper in helpers:
            helper.start()
        work()
        for helper in helpers:
            helper.join()
        self._report(force=True)

    def _report(self, force: bool = False) -> None:
        """The progress callback, from one thread at a time; a worker that finds another
        reporting goes on with its work instead of waiting."""
        if self.on_progress is None:
            return
        if self._reporting.acquire(blocking=force):
            try:
                self.on_progress(self.done, self.total)
            finally:
                self._reporting.release()


def safe(task: Task) -> list[Task]:
    """Run a task; whatever it raises becomes its `fail`, never the end of the scan."""
    try:
        return task.run()
    except (ClientError, BotoCoreError) as exc:
        return task.fail(exc)
    except Exception as exc:  # a bug of ours must not end the scan or pass a resource
        bug = AnswerError("InternalError", f"{type(exc).__name__} (a sagewarden bug)")
        return task.fail(bug)
