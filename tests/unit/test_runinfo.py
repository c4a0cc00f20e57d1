"""The run behind a report: its command line never shows a secret value, and a scan's
outcome says which scan it was, when, and of what scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagewarden.pipeline.options import ScanOptions
from sagewarden.pipeline.scan import run_scan
from sagewarden.runinfo import REDACTED, redact_command_line


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["scan", "--cfn-param", "Pw=hunter2"], ["scan", "--cfn-param", f"Pw={REDACTED}"]),
        (["scan", "--cfn-param=Pw=hunter2"], ["scan", f"--cfn-param=Pw={REDACTED}"]),
        (
            ["scan", "--tf-var", "token=abc", "x.tf"],
            ["scan", "--tf-var", f"token={REDACTED}", "x.tf"],
        ),
        (
            ["scan", "--external-id", "s3cr3t", "--aws"],
            ["scan", "--external-id", REDACTED, "--aws"],
        ),
        (["scan", "--external-id=s3cr3t"], ["scan", f"--external-id={REDACTED}"]),
        (["scan", "--tf-var", "novalue"], ["scan", "--tf-var", REDACTED]),
        (["scan", "--param", "SageMaker.14.resolveReferences=true"], None),
    ],
)
def test_secret_values_are_redacted(argv: list[str], expected: list[str] | None) -> None:
    assert list(redact_command_line(argv)) == (argv if expected is None else expected)


def test_a_scan_says_which_run_it_was(tmp_path: Path) -> None:
    snapshot = Path(__file__).parents[2] / "examples" / "config-snapshot.json"
    db = str(tmp_path / "h.sqlite3")
    argv = ("sagewarden", "scan", str(snapshot), "--cfn-param", "A=b")
    first = run_scan(ScanOptions(paths=(str(snapshot),), db=db, command_line=argv)).info
    second = run_scan(ScanOptions(paths=(str(snapshot),), db=db, record=False)).info
    assert first is not None and second is not None
    assert first.scan_id != second.scan_id
    assert first.started <= first.ended
    assert first.command_line[-1] == f"A={REDACTED}"
    assert first.scope["paths"] == [str(snapshot.resolve())]
    assert first.history_scan is not None and second.history_scan is None
