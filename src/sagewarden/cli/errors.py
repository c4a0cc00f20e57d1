"""The one error a command raises to stop: a line for the user and an exit status."""

from __future__ import annotations

from sagewarden.exitstatus import ExitStatus


class CliError(Exception):
    """Ends the command with `sagewarden: MESSAGE` on stderr (escaped) and `status`."""

    def __init__(self, message: str, status: ExitStatus = ExitStatus.BAD_INPUT) -> None:
        super().__init__(message)
        self.status = status
