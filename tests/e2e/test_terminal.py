"""The terminal, as a person sees it: the CLI run as a process on a pseudo-terminal of a
given size (or in a pipe with COLUMNS), its table never wider than the screen and no word
cut; --color against NO_COLOR and FORCE_COLOR; `fix runs` and `history` columns aligned."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli, hostile_notebook_file, in_pty

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "config-snapshot.json")
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the only escape sequences sagewarden writes
# The longest name SageMaker allows (63 characters), so the table must shorten it.
LONG_NAME = "research-notebook-for-the-fraud-detection-team-in-eu-west-1-abcd"


def visible(text: str) -> str:
    return SGR.sub("", text)


def flat(text: str) -> str:
    """The text with every run of white space, line breaks included, as one space."""
    return " ".join(text.split())


def long_names_snapshot(tmp_path: Path) -> Path:
    """A Config snapshot with a notebook of the longest name, failing three controls."""
    arn = f"arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/{LONG_NAME}"
    item = {
        "resourceType": "AWS::SageMaker::NotebookInstance",
        "resourceId": LONG_NAME,
        "resourceName": LONG_NAME,
        "ARN": arn,
        "awsAccountId": "111122223333",
        "awsRegion": "eu-west-1",
        "configurationItemStatus": "OK",
        "configuration": {
            "NotebookInstanceName": LONG_NAME,
            "NotebookInstanceArn": arn,
            "DirectInternetAccess": "Enabled",
            "RootAccess": "Enabled",
        },
        "tags": {},
    }
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"configurationItems": [item]}))
    return path


def reasons(path: str) -> list[dict[str, Any]]:
    doc = cli("scan", path, "--format", "json", "--fail-on", "never").json()
    return [e for e in doc["evaluations"] if e["status"] not in ("PASSED", "NOT_APPLICABLE")]


def assert_fits(table: str, columns: int, evaluations: list[dict[str, Any]]) -> None:
    """No line wider than the terminal; every reason and every name whole (words broken
    only between words: the lines joined with spaces give each reason back)."""
    lines = visible(table).splitlines()
    assert lines
    too_wide = [line for line in lines if len(line) > columns]
    assert not too_wide, too_wide
    assert not [line for line in lines if line != line.rstrip()], "trailing spaces"
    text = flat(visible(table))
    for e in evaluations:
        if max(len(w) for w in e["reason"].split()) <= columns - 4:
            assert flat(e["reason"]) in text, e["reason"]
        else:  # a word longer than the line is the one thing cut
            assert "".join(e["reason"].split()) in "".join(text.split()), e["reason"]
        assert e["resource_name"] in text or e["resource_name"] in "".join(text.split())


@pytest.mark.parametrize("columns", [40, 60, 80, 132])
def test_the_table_fits_the_terminal_and_splits_no_word(columns: int) -> None:
    table = in_pty(["scan", EXAMPLE, "--fail-on", "never", "-q"], columns)
    assert_fits(table, columns, reasons(EXAMPLE))
    assert "\x1b[" in table  # a terminal: coloured


@pytest.mark.parametrize("columns", [50, 100])
def test_a_long_name_is_shortened_only_where_it_is_also_shown_whole(
    tmp_path: Path, columns: int
) -> None:
    path = str(long_names_snapshot(tmp_path))
    table = visible(in_pty(["scan", path, "--fail-on", "never", "-q"], columns))
    evaluations = reasons(path)
    assert_fits(table, columns, evaluations)
    rows = [line for line in table.splitlines() if line.startswith("  FAILED")]
    failed = len([e for e in evaluations if e["status"] == "FAILED"])
    assert failed >= 3 and len(rows) == failed
    assert all("…" in row and LONG_NAME not in row for row in rows)
    if columns == 100:  # the name column is 40 wide, the name given whole under the row
        assert table.count(f"name: {LONG_NAME}") == failed
    else:  # longer than the line: cut, only there
        assert "".join(table.split()).count(f"name:{LONG_NAME}") == failed


def test_a_pipe_uses_columns_else_a_default_width() -> None:
    evaluations = reasons(EXAMPLE)
    narrow = cli("scan", EXAMPLE, "--fail-on", "never", env={"COLUMNS": "60"})
    assert "\x1b" not in narrow.stdout
    assert_fits(narrow.stdout, 60, evaluations)
    assert max(len(line) for line in narrow.stdout.splitlines()) > 50
    default = cli("scan", EXAMPLE, "--fail-on", "never", env={"COLUMNS": ""})
    assert_fits(default.stdout, 120, evaluations)
    # wider than 80: a CI log is read on a wide screen
    assert max(len(line) for line in default.stdout.splitlines()) > 80
    assert len(default.stdout.splitlines()) < len(narrow.stdout.splitlines())


def test_a_table_written_to_a_file_is_never_coloured(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    run = cli(
        "scan", EXAMPLE, "--fail-on", "never", "--color", "always", "--output", str(out),
        env={"COLUMNS": ""},
    )  # fmt: skip
    assert run.code == 0 and run.stdout == ""
    assert "\x1b" not in out.read_text()
    assert_fits(out.read_text(), 120, reasons(EXAMPLE))


# --- --color, NO_COLOR, FORCE_COLOR -------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "env", "coloured"),
    [
        ([], {}, True),
        ([], {"NO_COLOR": "1"}, False),
        ([], {"NO_COLOR": ""}, True),  # set but empty: no effect (no-color.org)
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "never"], {}, False),
        (["--color", "auto"], {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (["--color", "auto"], {"TERM": "dumb"}, False),
    ],
)
def test_color_on_a_terminal(option: list[str], env: dict[str, str], coloured: bool) -> None:
    out = in_pty(["scan", EXAMPLE, "-q", *option], 100, env)
    assert ("\x1b[" in out) is coloured, out[:300]


@pytest.mark.parametrize(
    ("option", "env", "coloured"),
    [
        ([], {}, False),
        (["--color", "always"], {}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1"}, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_in_a_pipe(option: list[str], env: dict[str, str], coloured: bool) -> None:
    run = cli("scan", EXAMPLE, *option, env=env)
    assert run.code == 1
    assert ("\x1b[" in run.stdout) is coloured


def test_colour_never_unescapes_what_aws_or_a_file_holds(tmp_path: Path) -> None:
    evil = "nb\x1b[2J\x1b]0;pwned\x07\u202eevil"
    path = hostile_notebook_file(tmp_path, evil, {"RootAccess": "bad\x1b[31m"})
    run = cli("scan", str(path), "--control", "SageMaker.3", "--color", "always")
    assert "\x1b[" in run.stdout  # coloured
    assert visible(run.stdout).count("\x1b") == 0  # and nothing but colour is raw
    assert "\x07" not in run.stdout and "\u202e" not in run.stdout
    assert "nb\\x1b[2J\\x1b]0;pwned\\x07\\u202eevil" in visible(run.stdout)


@pytest.mark.parametrize(
    "command",
    [
        ["history"],
        ["diff"],
        ["fix", "runs"],
        ["fix", "plan"],
        ["fix", "apply"],
        ["fix", "rollback", "RUN"],
        ["report", "--framework", "fsbp"],
        ["scan"],
        ["controls"],
    ],
)
def test_every_command_that_prints_a_table_or_progress_takes_color(command: list[str]) -> None:
    run = cli(*command, "--help")
    assert run.code == 0
    assert "--color {auto,always,never}" in run.stdout


def test_controls_listing_takes_color() -> None:
    assert "\x1b[" in cli("controls", "--color", "always").stdout
    assert "\x1b[" not in in_pty(["controls", "--color", "never"], 200)


# --- history: columns aligned whatever the widths ------------------------------------------


def test_history_columns_align(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite3")
    big = tmp_path / "big.json"
    items = json.loads(Path(EXAMPLE).read_text())["configurationItems"]
    many = []
    for n in range(6):  # enough evaluations and failures for wider counts
        for item in items:
            copy = json.loads(json.dumps(item).replace("111122223333", f"11112222{n:04d}"))
            many.append(copy)
    big.write_text(json.dumps({"configurationItems": many}))
    small = long_names_snapshot(tmp_path)
    for path in (small, big, small):
        assert cli("scan", str(path), "--db", db, "--format", "json").code in (0, 1)
    lines = cli("history", "--db", db).stdout.splitlines()
    assert len(lines) == 3
    counts = [int(re.search(r"(\d+) evaluations", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert len({len(str(c)) for c in counts}) == 2  # counts of different widths
    for word in ("evaluations", "failed"):
        assert len({line.index(word) for line in lines}) == 1, lines
    assert len({line.index(" ", line.index("failed")) for line in lines}) == 1
