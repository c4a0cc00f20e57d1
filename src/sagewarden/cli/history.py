"""`sagewarden history`: the recorded scans."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import orjson

from sagewarden.cli.arguments import add_color_option, add_db_option, positive_int
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.exitstatus import ExitStatus
from sagewarden.outputs.columns import aligned
from sagewarden.outputs.escaping import clean
from sagewarden.outputs.terminal import RED, Style
from sagewarden.pipeline.record import HistoryError, open_history
from sagewarden.pipeline.scope import scope_text

if TYPE_CHECKING:
    from sagewarden.history import History


def add_parser(sub: Any) -> None:
    hist = sub.add_parser("history", help="list recorded scans")
    add_db_option(hist)
    hist.add_argument("--limit", type=positive_int, default=20, metavar="N")
    hist.add_argument("--format", choices=("table", "json"), default="table")
    add_color_option(hist)


def history_at(db: str | None) -> History:
    """The history database of --db, or the one line saying why it cannot be opened."""
    try:
        return open_history(db)
    except HistoryError as exc:
        raise CliError(str(exc)) from None


def run(args: argparse.Namespace, env: Environment) -> int:
    history = history_at(args.db)
    rows = history.scans(args.limit)
    if args.format == "json":
        doc = {"scans": [r.__dict__ for r in rows]}
        env.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        return ExitStatus.SUCCESS
    cells = [
        [
            str(r.id),
            clean(r.started_at),
            f"{r.evaluations} evaluations",
            f"{r.failed} failed",
            clean(scope_text(r.scope)),
        ]
        for r in rows
    ]
    styles = [[(), (), (), (RED,) if r.failed else (), ()] for r in rows]
    for line in aligned(cells, right={0, 2, 3}, styles=styles, st=Style(env.color)):
        env.write(line + "\n")
    if not rows:
        env.write("No scans recorded yet.\n")
    return ExitStatus.SUCCESS
