"""`sagewarden demo --serve`: the demo account kept up on loopback until Ctrl-C, so that
every command (scan, fix plan, apply, runs, rollback, history, diff) can be tried on it by
hand, in another shell, exactly as on AWS.

stdout carries only the shell lines to export (as `ssh-agent` prints its own), written once
the estate is ready; stderr says how to use them. The lines point boto3 (and the AWS CLI)
at the emulator alone: its endpoint, dummy keys, no config or credentials file, no profile,
no per-service endpoint left over from the user's shell. The served demo has its own
history database, new for each run (the estate is too), so `fix runs`, `history` and
`diff` show only what was done to this estate.

Stopping: SIGTERM (or SIGHUP) is the normal end, exit 0; Ctrl-C (SIGINT) exits 130 as
every command does (ExitStatus.INTERRUPTED). Either way the emulator is stopped and what
the demo made (its database, its --env-file) is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from types import FrameType
from typing import Any

from sagewarden.cli import demo
from sagewarden.cli.arguments import Parser, parse
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.exitstatus import ExitStatus


class _Stopped(Exception):
    """SIGTERM or SIGHUP arrived: the served demo's normal end."""


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="sagewarden demo --serve")
    demo.add_serve_options(parser)
    return parser


def run(options: Sequence[str], env: Environment) -> int:
    """Serve the demo until a signal; the exit status says which one."""
    args = parse(_parser(), options, env)
    emulator_class, estate = demo.load()
    try:
        with _stop_signals(), _database(args.db) as db:
            # what the user's shell must unset is what this one had
            values, unset = demo.emulator_environment(os.environ)
            demo.use_emulator()
            emulator = _start(emulator_class, args.port)
            try:
                demo.use_emulator(emulator.endpoint_url)  # the estate is built through boto3
                estate.build(emulator.client, demo.DEMO_ACCOUNT, list(demo.DEMO_REGIONS))
                demo.prepare_fix(emulator)
                lines = exports({"AWS_ENDPOINT_URL": emulator.endpoint_url, **values}, unset, db)
                with _env_file(args.env_file, lines):
                    env.write("".join(f"{line}\n" for line in lines))
                    env.flush()
                    _tell(env, emulator.endpoint_url, db, args.env_file)
                    threading.Event().wait()  # a signal handler ends it
            finally:
                emulator.stop()
    except _Stopped:
        env.say_as_is("demo stopped")
        return ExitStatus.SUCCESS
    except KeyboardInterrupt:
        env.say_as_is("demo stopped (interrupted)")
        return ExitStatus.INTERRUPTED
    return ExitStatus.SUCCESS  # never reached: only a signal ends the wait


def exports(values: dict[str, str], unset: list[str], db: str) -> list[str]:
    """The shell lines that point sagewarden and the AWS CLI at the served demo alone."""
    values = {**values, "SAGEWARDEN_DB": db}
    return [
        *(f"export {name}={shlex.quote(value)}" for name, value in values.items()),
        f"unset {' '.join(unset)}",
    ]


def journey() -> list[str]:
    """The commands to try on the served demo, in order, each a line to paste. The fix is
    rolled back before notebooks are rebuilt: a deleted notebook cannot come back, so a
    run that rebuilt one is rolled back only in part."""
    fix = shlex.join(["--aws", *demo.fix_options()])
    rebuild = shlex.join(demo.rebuild_options())
    now = "--poll-interval 0"  # the emulator changes state at once: no need to wait
    return [
        "sagewarden scan --aws",
        f"sagewarden fix plan {fix}",
        f"sagewarden fix apply {fix}  # a dry run: changes nothing",
        f"sagewarden fix apply {fix} --yes {now}",
        "sagewarden fix runs",
        "sagewarden scan --aws",
        "sagewarden history",
        "sagewarden diff",
        f"sagewarden fix rollback RUN_ID --yes {now}  # RUN_ID: the run fix runs lists",
        f"sagewarden fix apply {fix} {rebuild} --yes {now}  # notebooks rebuilt too",
    ]


def _tell(env: Environment, endpoint: str, db: str, env_file: str | None) -> None:
    regions = ", ".join(demo.DEMO_REGIONS)
    env.say(  # escaped: the paths are the user's
        f"demo account {demo.DEMO_ACCOUNT} on a local emulator at {endpoint}, regions "
        f"{regions} (the lines above choose {demo.DEMO_REGIONS[0]}; add --region to scan "
        f"another), history and fix runs in {shlex.quote(db)}"
    )
    source = f"'. {shlex.quote(env_file)}'" if env_file else "the lines above"
    env.say(f"in another shell, run {source}, then try:")
    for line in journey():
        env.help(f"  {line}\n")
    env.say_as_is("serving until Ctrl-C")
    env.stderr.flush()


def _start(emulator_class: Any, port: int) -> Any:
    try:
        return emulator_class(port=port).start()
    except OSError as exc:
        raise CliError(f"--port {port}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the served demo as Ctrl-C does, through the same cleanup;
    SIGINT does even when a script started the demo in the background (shells without job
    control start background commands with SIGINT ignored)."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stopped

    wanted = [s for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s)]
    previous = {name: signal.signal(getattr(signal, name), stop) for name in wanted}
    previous["SIGINT"] = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


@contextlib.contextmanager
def _database(path: str | None) -> Iterator[str]:
    """The user's --db, kept; else a new database in a folder of its own, removed after."""
    if path:
        yield path
        return
    folder = tempfile.mkdtemp(prefix="sagewarden-demo-")
    try:
        yield os.path.join(folder, "history.sqlite3")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _env_file(path: str | None, lines: list[str]) -> Iterator[None]:
    """FILE with the lines, whole or not at all (a shell sourcing it never reads half),
    removed after unless someone changed it."""
    if not path:
        yield
        return
    text = "".join(f"{line}\n" for line in lines)
    partial = f"{path}.partial"
    try:
        with open(partial, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, path)
    except OSError as exc:
        raise CliError(f"--env-file {path}: {exc.strerror or exc}") from None
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            with open(path, encoding="utf-8") as written:
                ours = written.read() == text
            if ours:
                os.remove(path)
