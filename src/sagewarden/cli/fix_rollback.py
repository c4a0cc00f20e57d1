"""`sagewarden fix rollback` (undo a run from its journal) and `sagewarden fix runs`."""

from __future__ import annotations

import argparse

import orjson

from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.cli.fix_run import claim, ctrl_c, make_runner, open_journal, report, run_options
from sagewarden.exitstatus import ExitStatus
from sagewarden.outputs.escaping import clean


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
    env.write(f"{'RUN':<24} {'STATE':<16} {'STEPS':>9}  {'UPDATED':<25} MESSAGE\n")
    for r in rows:
        steps = f"{r.steps_done}/{r.steps_total}"
        env.write(f"{r.id:<24} {r.state:<16} {steps:>9}  {r.updated_at:<25} {clean(r.message)}\n")
    return ExitStatus.SUCCESS
