"""What `fix apply` and `fix rollback` share: the journal, the runner, Ctrl-C, and the
outcome said on stdout and stderr with the commands that continue or undo a run."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sagewarden.cli.arguments import live_options
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.exitstatus import ExitStatus
from sagewarden.outputs.escaping import clean
from sagewarden.pipeline.options import LiveOptions
from sagewarden.sources.aws.limits import DEFAULT_ORG_ROLE

if TYPE_CHECKING:
    from sagewarden.remediation.apply import Outcome, Runner
    from sagewarden.remediation.journal import Journal
    from sagewarden.remediation.plan import Plan

WORKERS = 8  # resources changed at once
POLL_INTERVAL = 15.0  # seconds between polls while AWS changes state
WAIT_TIMEOUT = 3600.0  # seconds one state change may take


@dataclass(frozen=True)
class RunOptions:
    """How a run changes AWS: with whose credentials, how fast, journaled where."""

    credentials: LiveOptions = field(default_factory=LiveOptions)
    db: str | None = None  # the journal (the history database); None: the default path
    workers: int = WORKERS
    poll_interval: float = POLL_INTERVAL
    timeout: float = WAIT_TIMEOUT
    yes: bool = False  # make the changes (else a dry run)
    quiet: bool = False


def run_options(args: argparse.Namespace) -> RunOptions:
    """The run options of `fix apply` and `fix rollback`."""
    return RunOptions(
        credentials=live_options(args),
        db=args.db,
        workers=args.workers,
        poll_interval=args.poll_interval,
        timeout=args.timeout,
        yes=args.yes,
        quiet=args.quiet,
    )


@contextlib.contextmanager
def open_journal(db: str | None) -> Iterator[Journal]:
    """The fix journal, closed when the command ends: that releases its run claims."""
    from sagewarden.history import default_path
    from sagewarden.remediation.journal import Journal

    path = db or default_path()
    try:
        journal = Journal(path)
    except (OSError, sqlite3.Error) as exc:
        raise CliError(f"{path}: cannot open the fix journal: {exc}") from None
    try:
        yield journal
    finally:
        journal.close()


def claim(journal: Journal, run_id: str) -> None:
    if not journal.claim(run_id):
        raise CliError(f"run {run_id} is in use by another sagewarden process: let it finish")


def make_runner(
    opts: RunOptions,
    credentials: LiveOptions,
    plan: Plan,
    doc: dict[str, Any],
    journal: Journal,
    env: Environment,
) -> Runner:
    """A runner for `plan` with a session for each account `credentials` reach."""
    from botocore.exceptions import ProfileNotFound

    from sagewarden.pipeline.live import account_sessions
    from sagewarden.remediation.apply import ApplyOptions, Runner
    from sagewarden.remediation.live import Clients

    if opts.workers < 1 or opts.poll_interval < 0 or opts.timeout <= 0:
        raise CliError("--workers must be at least 1, --poll-interval and --timeout positive")
    options = ApplyOptions(opts.poll_interval, opts.timeout, opts.workers)
    try:
        sessions, diags = account_sessions(credentials)
    except ProfileNotFound as exc:
        raise CliError(f"--profile: {exc}") from None
    env.diagnostics(diags, verbose=True)
    clients = Clients(sessions, max_workers=opts.workers)

    def say(line: str) -> None:
        if not opts.quiet:
            env.say(line)

    return Runner(plan, clients, journal, options, say, doc)


def report(
    outcome: Outcome,
    opts: RunOptions,
    env: Environment,
    unread: Sequence[str] = (),
    invalid: int = 0,
) -> ExitStatus:
    """Say the outcome; its exit status (`invalid`: resources of a saved plan refused
    because an input in it is one AWS would refuse)."""
    from sagewarden.remediation import journal as J

    interrupted = outcome.state in (J.INTERRUPTED, "rollback-interrupted")
    if outcome.state == "dry-run":
        env.write("Dry run: nothing was changed. With --yes, sagewarden would:\n")
        for line in outcome.lines or ["(nothing)"]:
            env.write(f"  {clean(line)}\n")
    elif outcome.run_id:
        env.write(f"run {outcome.run_id}: {outcome.state}\n")
    elif interrupted:
        env.write("interrupted before any change: nothing was changed\n")
    elif unread:
        env.write(f"nothing done, and {len(unread)} scope(s) could not be read (below)\n")
    else:
        env.write("nothing to do\n")
    for line in outcome.refused:
        env.say(f"not fixed: {line}")
    for line in unread:
        env.say(f"not read when planned, so not fixed: {line}")
    for line in outcome.failures:
        env.say(line)
    if outcome.run_id and (outcome.failures or interrupted):
        for line in next_steps(opts, outcome.run_id, outcome.state):
            env.say_as_is(line)
    if interrupted:
        return ExitStatus.INTERRUPTED
    if invalid:
        return ExitStatus.BAD_INPUT
    if outcome.failures:
        return ExitStatus.FAILED
    return ExitStatus.INCOMPLETE if outcome.refused or unread else ExitStatus.SUCCESS


def _again(opts: RunOptions) -> str:
    """The options a later command on the same run needs: the journal and the credentials
    (never secrets: profile names, role ARNs and the external id the user typed)."""
    c = opts.credentials
    given: list[str] = []
    for flag, value in (
        ("--db", opts.db),
        ("--profile", c.profile),
        ("--role-arn", c.role_arn),
        ("--external-id", c.external_id),
    ):
        if value:
            given += [flag, str(value)]
    if c.org:
        given.append("--org")
        if c.org_role != DEFAULT_ORG_ROLE:
            given += ["--org-role", c.org_role]
    return "".join(f" {shlex.quote(o)}" for o in given)


def next_steps(opts: RunOptions, run_id: str, state: str) -> list[str]:
    """The exact commands that continue or undo a run that stopped."""
    from sagewarden.remediation import journal as J

    rid = shlex.quote(run_id)
    more = _again(opts)
    rollback = f"sagewarden fix rollback {rid}{more}"
    if state in (J.ROLLBACK_FAILED, "rollback-interrupted"):
        return [
            f"run {run_id}: the rollback stopped; every undone step is in the journal",
            f"continue the rollback: {rollback} --yes",
        ]
    why = (
        "stopped by Ctrl-C: no new step was started"
        if state == J.INTERRUPTED
        else "stopped at the failure above"
    )
    return [
        f"run {run_id}: {why}; every step is in the journal",
        f"continue it: sagewarden fix apply --resume {rid} --yes{more}",
        f"undo it:     {rollback}  (lists what it would undo; add --yes to undo)",
    ]


@contextlib.contextmanager
def ctrl_c(
    runner: Runner, journal: Journal, opts: RunOptions, what: str, env: Environment
) -> Iterator[None]:
    """Ctrl-C while a run changes AWS. The first: no new step starts, the steps in
    progress finish and are journaled, and the run ends `interrupted` with the commands
    that continue or undo it (exit 130). The second: leave at once; the steps in progress
    stay `started` in the journal (a resume runs them again, a rollback undoes them), as
    after a crash."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    presses = 0

    def handler(signum: int, frame: Any) -> None:
        nonlocal presses
        presses += 1
        if presses == 1:
            runner.interrupt()
            env.say_now(
                [
                    "interrupted: finishing the steps in progress, starting no more "
                    "(Ctrl-C again to stop at once)"
                ]
            )
            return
        from sagewarden.remediation import journal as J

        run_id = runner.run_id
        if run_id is None:
            env.say_now(["interrupted before any change: nothing was changed"])
        else:
            state = J.INTERRUPTED if what == "apply" else J.ROLLING_BACK
            message = "stopped at once by a second Ctrl-C: the steps in progress are in doubt"
            with contextlib.suppress(sqlite3.Error):
                journal.set_state(run_id, state, message)
            done = J.INTERRUPTED if what == "apply" else "rollback-interrupted"
            env.say_now([message, *next_steps(opts, run_id, done)])
        with contextlib.suppress(Exception):
            env.flush()
        os._exit(ExitStatus.INTERRUPTED)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
