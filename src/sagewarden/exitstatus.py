"""The exit status of every command, one name per documented code (README, Exit codes).

Outside the `cli` package because the pipeline decides the status of a run and must not
import the command line (as HTTPie keeps `ExitStatus` in `httpie/status.py`).
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Precedence when several apply: BAD_INPUT, then INCOMPLETE, then FAILED."""

    SUCCESS = 0  # nothing at or above --fail-on failed; fix: done, or a dry run
    FAILED = 1  # a control at or above --fail-on failed; fix: a step or the verification
    BAD_INPUT = 2  # usage or input error (everything else was still done)
    INCOMPLETE = 3  # an account, region or resource could not be read, or was refused
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it
