"""Validation of suppressions by tag, account and Region: one line naming file:line and
what is wrong; the good entries of the same file still load."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sagewarden.suppressions import load_config, parse_entry

GOOD = """\
  - control: SageMaker.3
    reason: kept
"""


def load(tmp_path: Path, bad: str) -> tuple[list[str], list[str]]:
    """Load a file with one bad entry (line 2) and one good one after it."""
    path = tmp_path / ".sagewarden.yaml"
    path.write_text("suppressions:\n" + textwrap.indent(textwrap.dedent(bad), "  ") + GOOD)
    sups, diags = load_config(str(path))
    assert [s.reason for s in sups] == ["kept"]
    return [d.line().replace(str(path), "F") for d in diags], [s.source for s in sups]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("account: '12345'", "account: '12345' is not a 12-digit AWS account id"),
        ("account: 12345", "quote ids that begin with 0"),
        ("accounts: [111122223333, abc]", "accounts: 'abc' is not a 12-digit"),
        ("accounts: []", "accounts is empty"),
        (
            "account: '111122223333', accounts: ['111122223333']",
            "give account or accounts, not both",
        ),
        (
            "region: eu-wst-1",
            "region: 'eu-wst-1' is not an AWS region that botocore knows; did you mean",
        ),
        ("regions: [us-east-1, 7]", "regions: 7 is not a Region name"),
        ("tags: [Environment=sandbox]", "tags must be a map of tag key to value"),
        ("tags: {}", "tags must be a map"),
        ("tags: {Environment: 1}", "tags.Environment must be text"),
        ("tags: {Environment: [a, b]}", "tags.Environment must be text"),
        ("tags: {Environment: null}", "tags.Environment must be text"),
        ("tags: {1: x}", "tags: key 1 is not a tag key"),
        ("tag: {Environment: x}", "unknown field 'tag'"),
        ("acount: '111122223333'", "unknown field 'acount'"),
    ],
)
def test_a_bad_entry_is_one_line_at_its_line(tmp_path: Path, fields: str, message: str) -> None:
    lines, sources = load(tmp_path, f"- {{control: '*', reason: r, {fields}}}\n")
    (line,) = lines
    assert line.startswith("F:2: suppression 1: "), line
    assert message in line, line
    assert sources[0].endswith(".sagewarden.yaml:3")


def test_good_entries_normalise(tmp_path: Path) -> None:
    path = tmp_path / ".sagewarden.yaml"
    path.write_text(
        textwrap.dedent("""\
        suppressions:
          - control: SageMaker.3
            reason: sandbox accounts
            account: 111122223333
            regions: [eu-west-1, " us-east-1 "]
            tags: {Environment: "sandbox-*", Owner: ""}
            expires: 2099-12-31
          - control: sagemaker.5
            reason: one account, quoted, with a leading zero
            accounts: ["011122223333", "011122223333"]
        """)
    )
    (first, second), diags = load_config(str(path))
    assert diags == []
    assert first.accounts == ("111122223333",)
    assert first.regions == ("eu-west-1", "us-east-1")
    assert first.tags == (("Environment", "sandbox-*"), ("Owner", ""))
    assert first.expires == "2099-12-31"
    assert first.to_dict() == {
        "reason": "sandbox accounts",
        "source": f"{path}:2",
        "expires": "2099-12-31",
    }
    assert second.control == "SageMaker.5" and second.accounts == ("011122223333",)


@pytest.mark.parametrize("field", ["account", "regions", "tags", "resource"])
def test_a_template_suppression_takes_no_scope(field: str) -> None:
    value = {"account": "111122223333", "regions": ["eu-west-1"], "tags": {"A": "b"}}.get(
        field, "*"
    )
    entry = {"control": "SageMaker.3", "reason": "r", field: value}
    sup, problem = parse_entry(entry, "template", allow_resource=False)
    assert sup is None
    assert problem == (
        f"{field} belongs in .sagewarden.yaml: a template suppression applies to the resource "
        "it is declared on"
    )
