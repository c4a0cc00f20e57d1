"""Progress on stderr for scans that take more than a second; silent otherwise.

Shown only when stderr is a terminal and --quiet is not given, so pipes, CI logs and
`2>file` stay clean.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any


class ScanProgress:
    DELAY = 1.0

    def __init__(
        self, enabled: bool, label: str = "Reading SageMaker resources", color: bool = True
    ) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.color = color
        self.label = label
        self._started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> ScanProgress:
        self._started = time.monotonic()
        return self

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            if time.monotonic() - self._started < self.DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self._progress = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                "API tasks",
                TimeElapsedColumn(),
                console=Console(stderr=True, no_color=not self.color),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=total)
        self._progress.update(self._task, completed=done, total=total)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
