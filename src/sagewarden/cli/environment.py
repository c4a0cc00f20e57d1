"""The one owner of stdout and stderr (as HTTPie's `Environment`): every command writes
through it, so a caller (a test, the demo) can point either stream elsewhere.

stdout carries the report and nothing else; stderr carries `sagewarden: ...` lines
(escaped: names and reasons come from AWS and files), the progress bar and timings.
argparse's own --help and --version are the one exception: argparse prints them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, TextIO

from sagewarden.cli.errors import CliError
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.outputs.escaping import clean
from sagewarden.outputs.progress import ScanProgress
from sagewarden.outputs.terminal import terminal_width, use_color

PREFIX = "sagewarden: "


class Environment:
    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self.stdout = sys.stdout if stdout is None else stdout
        self.stderr = sys.stderr if stderr is None else stderr
        self.argv: tuple[str, ...] = ()  # the command line, for the reports that state it
        self.color_choice = "auto"  # --color (`arguments.parse` sets it)

    def stdout_to_stderr(self) -> Environment:
        """This environment with the report sent to stderr (the demo's fix, whose stdout
        is the scan report's)."""
        env = Environment(self.stderr, self.stderr)
        env.argv = self.argv
        env.color_choice = self.color_choice
        return env

    # --- stdout: the report ---------------------------------------------------------------

    @property
    def stdout_bytes(self) -> IO[bytes]:
        return self.stdout.buffer

    @property
    def color(self) -> bool:
        """Colour on stdout: --color, else a terminal without NO_COLOR (`use_color`). A file
        given with --output is never coloured: its writer passes no colour."""
        return use_color(self.stdout, self.color_choice)

    @property
    def width(self) -> int:
        """The width of a table on stdout (`terminal_width`)."""
        return terminal_width(self.stdout)

    @staticmethod
    def file_width() -> int:
        """The width of a table written to a file: COLUMNS, else the default."""
        return terminal_width(None)

    def write(self, text: str) -> None:
        self.stdout.write(text)

    def write_bytes(self, data: bytes) -> None:
        self.stdout.buffer.write(data)

    def flush(self) -> None:
        self.stdout.flush()

    def output(self, path: str, binary: bool, option: str = "--output") -> IO[Any]:
        """The report's file instead of stdout, or one clear line naming the option that
        chose it (--output, or --output-dir) when it cannot be written."""
        try:
            if binary:
                return open(path, "wb")
            return open(path, "w", encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{option} {path}: {exc.strerror or exc}") from None

    def write_folder(self, folder: str, files: dict[str, str]) -> Path:
        """Text files written into --output-dir `folder` (created if missing), or one
        clear line when it cannot be."""
        out = Path(folder)
        try:
            out.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                (out / name).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"--output-dir {folder}: {exc.strerror or exc}") from None
        return out

    # --- stderr: what happened --------------------------------------------------------------

    @property
    def stderr_isatty(self) -> bool:
        return self.stderr.isatty()

    @property
    def stderr_color(self) -> bool:
        """Colour on stderr (the progress bar), by the same rule as stdout's."""
        return use_color(self.stderr, self.color_choice)

    def say(self, line: str) -> None:
        """One line on stderr, every unsafe character escaped."""
        self.stderr.write(f"{PREFIX}{clean(line)}\n")

    def say_as_is(self, line: str) -> None:
        """One line made only of sagewarden's own words and shell-quoted values."""
        self.stderr.write(f"{PREFIX}{line}\n")

    def diagnostics(self, items: Iterable[Diagnostic], verbose: bool = False) -> None:
        """Each problem on its own line; INFO only when verbose."""
        for d in items:
            if d.kind is not Kind.INFO or verbose:
                self.say(d.line())

    def help(self, text: str) -> None:
        self.stderr.write(text)

    def progress(self, enabled: bool) -> ScanProgress:
        """The progress bar on stderr (shown only on a terminal, after a second)."""
        return ScanProgress(enabled=enabled, color=self.stderr_color)

    @staticmethod
    def say_now(lines: Iterable[str]) -> None:
        """Lines straight to file descriptor 2, for a signal handler: the main thread may be
        inside a write to stderr, whose buffer must not be re-entered."""
        os.write(2, "".join(f"{PREFIX}{clean(line)}\n" for line in lines).encode())
