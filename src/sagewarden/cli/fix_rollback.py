"""`sagewarden fix rollback` (undo a run from its journal) and `sagewarden fix runs`."""

from __future__ import annotations

import argparse

import orjson

from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.cli.fix_run import claim, ctrl_c, make_runner, open_journal, report, run_options
from sagewarden.exitstatus import ExitStatus
from sagewarden.outputs.columns import aligned
from sagewarden.outputs.escaping import clean
from sagewarden.outputs.terminal import BOLD, GREEN, RED, YELLOW, Style


def run(args: argparse.Namespace, env: Environment) -> int:
    from sagewarden.remediation import Plan
    from sagewarden.remediation import apply as A

    opts = run_options(args)
    with open_journal(opts.db) as journal:
        found = journal.run(args.run_id)
        if found is None:
            raise CliError(f"{args.run_id}: no such run (see `sagewarden fix runs`)")
        state, doc, _ = found
        if state == "rolled-back":
            raise CliError(f"run {args.run_id} is already rolled back")
        runner = make_runner(opts, opts.credentials, Plan.from_dict(doc), doc, journal, env)
        if not opts.yes:
            return report(A.rollback(runner, journal, args.run_id, False), opts, env)
        claim(journal, args.run_id)
        with ctrl_c(runner, journal, opts, "rollback", env):
            return report(A.rollback(runner, journal, args.run_id, True), opts, env)


def run_runs(args: argparse.Namespace, env: Environment) -> int:
    with open_journal(args.db) as journal:
        rows = journal.runs(args.limit)
    if args.format == "json":
        doc = {"runs": [r.__dict__ for r in rows]}
        env.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
        return ExitStatus.SUCCESS
    if not rows:
        env.write("no fix runs recorded\n")
        return ExitStatus.SUCCESS
    cells = [
        [
            clean(r.id),
            clean(r.state),
            f"{r.steps_done}/{r.steps_total}",
            clean(r.updated_at),
            clean(r.message),
        ]
        for r in rows
    ]
    styles = [[(), _state_style(r.state), (), (), ()] for r in rows]
    header = ["RUN", "STATE", "STEPS", "UPDATED", "MESSAGE"]
    for line in aligned(cells, header, right={2}, styles=styles, st=Style(env.color)):
        env.write(line + "\n")
    return ExitStatus.SUCCESS


def _state_style(state: str) -> tuple[str, ...]:
    """A run's state at a glance: finished green, stopped or in progress yellow, failed red."""
    from sagewarden.remediation import journal as J

    if state in (J.DONE, J.ROLLED_BACK):
        return (GREEN,)
    if state in (J.FAILED, J.ROLLBACK_FAILED):
        return (RED, BOLD)
    if state in (J.INTERRUPTED, J.RUNNING, J.ROLLING_BACK):
        return (YELLOW,)
    return ()
