"""`sagewarden diff`: new, resolved and still-failing findings between two scans."""

from __future__ import annotations

import argparse
from typing import Any

import orjson

from sagewarden.cli.arguments import add_color_option, add_db_option, positive_int
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.cli.history import history_at
from sagewarden.exitstatus import ExitStatus
from sagewarden.outputs.escaping import clean
from sagewarden.outputs.terminal import BOLD, Style
from sagewarden.pipeline.scope import scope_text


def add_parser(sub: Any) -> None:
    diff = sub.add_parser("diff", help="new, resolved and still-failing findings between two scans")
    add_db_option(diff)
    diff.add_argument(
        "scans",
        nargs="*",
        type=positive_int,
        metavar="SCAN",
        help="two scan ids (default: the last two scans of the same scope)",
    )
    diff.add_argument("--format", choices=("table", "json"), default="table")
    add_color_option(diff)


def run(args: argparse.Namespace, env: Environment) -> int:
    history = history_at(args.db)
    if len(args.scans) == 2:
        first, second = history.scan(args.scans[0]), history.scan(args.scans[1])
        if first is None or second is None:
            missing = args.scans[0] if first is None else args.scans[1]
            raise CliError(f"no scan {missing} in {history.path}")
    elif not args.scans:
        last = history.last_two()
        if last is None:
            raise CliError(
                "diff needs two scans of the same scope; run the scan again or name two scans"
            )
        first, second = last
    else:
        raise CliError("diff takes no scan or two scans")
    old, new = first.id, second.id
    if first.scope != second.scope:
        was, now = scope_text(first.scope), scope_text(second.scope)
        how = f"{was} / {now}" if was != now else "a default or the scope format changed"
        env.say_as_is(
            f"scans {old} and {new} have different scopes ({clean(how)}): "
            "findings outside what both covered show as new or resolved"
        )
    changes = history.diff(old, new)
    if args.format == "json":
        doc = {"from": old, "to": new, **changes}
        env.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        return ExitStatus.SUCCESS
    env.write(f"scan {old} -> scan {new}\n")
    st = Style(env.color)
    for title, rows in (
        ("New", changes["new"]),
        ("Resolved", changes["resolved"]),
        ("Could not be read now (not resolved)", changes["not_read"]),
        ("Still failing", changes["still_failing"]),
    ):
        env.write(st(f"{title} ({len(rows)})", BOLD) + "\n")
        for row in rows:
            where = "/".join(x for x in (row["account_id"], row["region"]) if x) or "-"
            now = f" (now: {row['now']})" if row.get("now") else ""
            env.write(
                f"  {row['control']:<13} {clean(row['resource_name'])}  {clean(where)}  "
                f"{clean(row['reason'])}{clean(now)}\n"
            )
    return ExitStatus.SUCCESS
