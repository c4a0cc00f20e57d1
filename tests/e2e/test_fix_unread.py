"""A fix that could not read a scope is never a green "nothing to fix": `fix plan` and
`fix apply --aws` say what they could not read, one line per scope as `scan` names it,
and exit 3; what could be read is still planned (and fixed). The real CLI on the emulator,
with faults injected where the reads happen.
"""

from __future__ import annotations

import json

import pytest

from sagewarden.cli import main
from sagewarden_demo.emulator import Emulator
from tests.e2e.test_fix_rails import ACCOUNT, FAST, READS, live, notebook, root_access

__all__ = ["live"]  # the fixture, shared

TWO = ["--aws", "--region", "us-east-1", "--region", "eu-west-1"]
WEST = f"account {ACCOUNT} region eu-west-1"


def test_plan_with_unusable_credentials_says_so_and_exits_3(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code, which printed "Nothing to fix on live resources."."""
    notebook(live.client("sagemaker", "us-east-1"), "nb")
    live.add_fault(service="sts", code="InvalidClientTokenId", message="token is not valid")
    capsys.readouterr()
    assert main(["fix", "plan", *TWO]) == 3
    out, err = capsys.readouterr()
    assert "Nothing to fix" not in out
    assert out.startswith("Nothing planned, but 1 part(s) of the scan could not be read")
    assert "  aws: cannot use the credentials: InvalidClientTokenId" in out
    assert "sagewarden: aws: cannot use the credentials: InvalidClientTokenId" in err


def test_plan_names_each_unread_region_once_and_plans_the_others(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code: nothing in the plan (text or JSON) said eu-west-1 was not
    read; the plan looked complete."""
    for region in ("us-east-1", "eu-west-1"):
        notebook(live.client("sagemaker", region), f"nb-{region}")
    live.add_fault(service="sagemaker", region="eu-west-1", code="AccessDeniedException",
                   message="not authorized")  # fmt: skip
    capsys.readouterr()
    assert main(["fix", "plan", *TWO, "--only", "SageMaker.3"]) == 3
    out = capsys.readouterr().out
    assert out.startswith("Plan: 1 resources")
    tail = out.split("Not read (nothing is planned there):\n", 1)[1].splitlines()
    assert len(tail) == 1, tail  # one line for the scope, however many calls failed there
    assert tail[0].startswith(f"  {WEST}: sagemaker:List")
    assert "AccessDeniedException" in tail[0] and "more)" in tail[0]

    assert main(["fix", "plan", *TWO, "--only", "SageMaker.3", "--format", "json"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in doc["resources"]] == ["nb-us-east-1"]
    assert [u.split(":")[0] for u in doc["unread"]] == [WEST]


@pytest.mark.parametrize("yes", [True, False], ids=["apply", "dry-run"])
def test_apply_aws_fixes_what_it_read_and_exits_3_for_the_rest(
    live: Emulator, capsys: pytest.CaptureFixture[str], yes: bool
) -> None:
    """Fails on the old code, which exited 0 (a green run) without a word on stdout or in
    its exit code about eu-west-1."""
    east = live.client("sagemaker", "us-east-1")
    notebook(east, "nb-east")
    notebook(live.client("sagemaker", "eu-west-1"), "nb-west")
    live.add_fault(service="sagemaker", region="eu-west-1", code="AccessDeniedException",
                   message="not authorized")  # fmt: skip
    capsys.readouterr()
    argv = ["fix", "apply", *TWO, "--only", "SageMaker.3", "-q", *FAST]
    assert main([*argv, "--yes"] if yes else argv) == 3
    err = capsys.readouterr().err
    assert f"sagewarden: not read when planned, so not fixed: {WEST}: sagemaker:List" in err
    assert root_access(east, "nb-east") == ("Disabled" if yes else "Enabled")


def test_apply_aws_with_unusable_credentials_is_not_green(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code: "nothing to do" and exit 0."""
    notebook(live.client("sagemaker", "us-east-1"), "nb")
    live.add_fault(service="sts", code="ExpiredToken", message="the token expired")
    capsys.readouterr()
    start = len(live.calls)
    assert main(["fix", "apply", *TWO, "--yes", "-q", *FAST]) == 3
    out, err = capsys.readouterr()
    assert out == "nothing done, and 1 scope(s) could not be read (below)\n"
    assert "not read when planned, so not fixed: aws: cannot use the credentials" in err
    assert [c for c in live.calls[start:] if not c.operation.startswith(READS)] == []
