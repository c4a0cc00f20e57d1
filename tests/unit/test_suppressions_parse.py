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
    ("bad", "message"),
    [
        ("- {control: '*', reason: r, account: '12345'}\n", "account: '12345' is not a 12-digit AWS account id"),
        ("- {control: '*', reason: r, account: 12345}\n", "quote ids that begin with 0"),
        ("- {control: '*', reason: r, accounts: [111122223333, abc]}\n", "accounts: 'abc' is not a 12-digit"),
        ("- {control: '*', reason: r, accounts: []}\n", "accounts is empty"),
        ("- {control: '*', reason: r, account: '111122223333', accounts: ['111122223333']}\n", "give account or accounts, not both"),
        ("- {control: '*', reason: r, region: eu-wst-1}\n", "region: 'eu-wst-1' is not an AWS region that botocore knows; did you mean"),
        ("- {control: '*', reason: r, regions: [us-east-1, 7]}\n", "regions: 7 is not a Region name"),
        ("- {control: '*', reason: r, tags: [Environment=sandbox]}\n", "tags must be a map of tag key to value"),
        ("- {control: '*', reason: r, tags: {}}\n", "tags must be a map"),
        ("- {control: '*', reason: r, tags: {Environment: 1}}\n", "tags.Environment must be text"),
        ("- {control: '*', reason: r, tags: {Environment: [a, b]}}\n", "tags.Environment must be text"),
        ("- {control: '*', reason: r, tags: {Environment: null}}\n", "tags.Environment must be text"),
        ("- {control: '*', reason: r, tags: {1: x}}\n", "tags: key 1 is not a tag key"),
        ("- {control: '*', reason: r, tag: {Environment: x}}\n", "unknown field 'tag'"),
        ("- {control: '*', reason: r, acount: '111122223333'}\n", "unknown field 'acount'"),
    ],
)  # fmt: skip
def test_a_bad_entry_is_one_line_at_its_line(tmp_path: Path, bad: str, message: str) -> None:
    lines, sources = load(tmp_path, bad)
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
