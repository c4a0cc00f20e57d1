"""The `sagewarden` command: reports on stdout, progress and diagnostics on stderr.

One module per command (`add_parser` and `run`); the work is the pipeline's. Exit codes
(sagewarden.exitstatus): 0 nothing at or above --fail-on failed; 1 failures; 2 usage or
input errors (the rest of the input is still evaluated and reported); 3 an account,
region or resource could not be read (everything else was scanned). 2 wins over 3, and 3
over 1.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, Protocol, cast

from sagewarden import __version__
from sagewarden.catalog import CONTROLS
from sagewarden.cli.arguments import Parser, parse
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.exitstatus import ExitStatus


class Command(Protocol):
    def add_parser(self, sub: Any) -> None: ...

    def run(self, args: argparse.Namespace, env: Environment) -> int: ...


# Each command's module, in the order --help lists them. A command loads only its own
# module (and what that imports): a scan does not pay for the parsers and imports of the
# eleven others (about 60 ms of a one-account scan's start).
COMMANDS: dict[str, str] = {
    "scan": "scan",
    "controls": "controls",
    "demo": "demo",
    "report": "report",
    "history": "history",
    "diff": "diff",
    "iam-policy": "iam_policy",
    "fix": "fix",
    "export": "export",
    "deploy": "deploy",
    "package": "package",
    "completion": "completion",
}


def command(name: str) -> Command:
    return cast(Command, importlib.import_module(f"sagewarden.cli.{COMMANDS[name]}"))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (`only`, a command's name) the root and that command's: what
    it parses is the same; the root's --help and the completion scripts need the whole."""
    parser = Parser(
        prog="sagewarden",
        description="Evaluate Amazon SageMaker resources against Security Hub controls "
        f"{CONTROLS[0].id}-{CONTROLS[-1].number}.",
    )
    parser.add_argument("--version", action="version", version=f"sagewarden {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in [only] if only in COMMANDS else COMMANDS:
        command(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    # A scan makes millions of small objects that are never cyclic (parsed documents,
    # values, evaluations); at the default threshold (700 allocations) the collector runs
    # thousands of times over objects it cannot free. Collecting less often keeps cycles
    # collected and saves about 9% of a 1,000-template scan (bench/templates.py).
    gc.set_threshold(50_000, 10, 10)
    env = env or Environment()
    words = list(sys.argv[1:] if argv is None else argv)
    env.argv = ("sagewarden", *words)
    if words[:1] == ["demo"] and not {"-h", "--help"} & set(words[1:]):
        # Everything after `demo` is a scan option: the demo parses it with scan's parser;
        # `demo --serve` takes only its own options.
        if "--serve" in words[1:]:
            from sagewarden.cli import demo_serve

            return _guard(lambda: demo_serve.run(words[1:], env), env)
        from sagewarden.cli import demo

        return _guard(lambda: demo.run_with(words[1:], env), env)
    parser = build_parser(words[0] if words else None)
    args = parse(parser, words, env)
    if args.command not in COMMANDS:
        env.help(parser.format_help())
        return ExitStatus.BAD_INPUT
    chosen = command(args.command)
    return _guard(lambda: chosen.run(args, env), env)


def run() -> NoReturn:
    """The process's entry (the `sagewarden` script, `python -m sagewarden`): `main`, then
    exit without the interpreter's last collections over everything the run made (0.1 to
    0.2 s after a scan of a thousand resources: objects that die with the process anyway).
    `gc.freeze` only takes them out of the collector's view; exit handlers still run and
    files are still flushed and closed."""
    status = main()
    gc.freeze()
    raise SystemExit(status)


def _guard(run: Callable[[], int], env: Environment) -> int:
    """The one place a command's end becomes an exit status: its error, Ctrl-C, a closed
    pipe (`sagewarden scan ... | head`)."""
    try:
        return run()
    except CliError as exc:
        env.say(str(exc))
        return exc.status
    except KeyboardInterrupt:
        env.say_as_is("interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        return ExitStatus.SUCCESS
