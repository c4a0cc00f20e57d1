"""What the auditor HTML reports state, from real scans: the run behind them (scope, when,
by whom, tool, scan id, command line, controls, parameters), a note where a verdict
depends on a non-default parameter, passed resources, a section per standard with its
requirement ids, the pass-rate trend of the same scope, and requirement titles."""

from __future__ import annotations

import io
import re
from pathlib import Path

from sagewarden import __version__, frameworks
from sagewarden.catalog import CONTROLS
from sagewarden.framework_titles import requirement_title
from sagewarden.history import History
from sagewarden.outputs import html as html_out
from sagewarden.pipeline.options import ScanOptions
from sagewarden.pipeline.scan import ScanOutcome, run_scan
from sagewarden.verdicts import Status

SNAPSHOT = str(Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json")
RESOLVE = "SageMaker.14.resolveReferences=true"


def _scan(db: Path, *params: str, path: str = SNAPSHOT) -> ScanOutcome:
    argv = ("sagewarden", "scan", path, *(a for p in params for a in ("--param", p)))
    opts = ScanOptions(paths=(path,), params=params, db=str(db), command_line=argv, trend=True)
    return run_scan(opts)


def _page(outcome: ScanOutcome) -> str:
    buf = io.BytesIO()
    html_out.render(
        buf,
        outcome.evaluations,
        outcome.summary,
        outcome.diagnostics.items,
        info=outcome.info,
    )
    return buf.getvalue().decode()


def _section(doc: str, anchor: str) -> str:
    return doc.split(f'<section id="{anchor}">', 1)[1].split("</section>", 1)[0]


def test_the_header_states_what_when_who_and_how(tmp_path: Path) -> None:
    outcome = _scan(tmp_path / "h.sqlite3", RESOLVE)
    info = outcome.info
    assert info is not None
    run = _section(_page(outcome), "run")
    assert f"file: {Path(SNAPSHOT)}" in run
    assert info.started.strftime("%Y-%m-%d %H:%M:%S UTC") in run
    assert info.ended.strftime("%Y-%m-%d %H:%M:%S UTC") in run
    assert "not applicable (files only" in run  # no caller: nothing was asked of AWS
    assert f"sagewarden {__version__}" in run
    assert info.scan_id in run and f"scan {info.history_scan} in the history" in run
    assert f"sagewarden scan {SNAPSHOT} --param {RESOLVE}" in run
    assert f"all {len(CONTROLS)}: SageMaker.1 to SageMaker.{len(CONTROLS)}" in run
    # every parameter in effect, defaults included, and the one set away from its default
    rows = re.findall(r"<tr( class=\"changed\")?><td>(SageMaker\.\d+)</td><td>(\w+)", run)
    assert {(c, n) for _, c, n in rows} == {(c.id, p.name) for c in CONTROLS for p in c.parameters}
    assert [(c, n) for changed, c, n in rows if changed] == [("SageMaker.14", "resolveReferences")]
    assert 'id="depends-SageMaker.14-resolveReferences"' in run
    assert "Security Hub has no such parameter" in run


def test_no_dependence_note_with_default_parameters(tmp_path: Path) -> None:
    doc = _page(_scan(tmp_path / "h.sqlite3"))
    assert "depends-" not in doc and 'class="changed"' not in doc
    assert 'class="depends"' not in _section(doc, "controls")


def test_a_live_caller_is_shown_and_a_missing_one_is_said(tmp_path: Path) -> None:
    import dataclasses

    outcome = _scan(tmp_path / "h.sqlite3")
    assert outcome.info is not None
    live_scope = {**outcome.info.scope, "aws": {"accounts": {"123456789012": ["eu-west-1"]}}}
    arn = "arn:aws:sts::123456789012:assumed-role/Auditor/jane"
    for caller, shown in ((arn, arn), (None, "not known")):
        info = dataclasses.replace(outcome.info, scope=live_scope, caller=caller)
        run = _section(_page(dataclasses.replace(outcome, info=info)), "run")
        assert f"<th>By</th><td>{shown}" in run
        assert "AWS account 123456789012: eu-west-1" in run


def test_passed_resources_are_listed_collapsed(tmp_path: Path) -> None:
    outcome = _scan(tmp_path / "h.sqlite3")
    passed = _section(_page(outcome), "passed")
    expected = [e for e in outcome.evaluations if e.status is Status.PASSED]
    assert expected
    assert f"Passed resources ({len(expected)})" in passed
    for e in expected:
        assert e.resource.name in passed
    assert "<details>" in passed and "<details open" not in passed
    assert "<strong>Fix</strong>" not in passed  # nothing to fix there


def test_a_section_per_standard_with_requirement_ids(tmp_path: Path) -> None:
    outcome = _scan(tmp_path / "h.sqlite3")
    standards = _section(_page(outcome), "standards")
    for key, (name, _) in frameworks.FRAMEWORKS.items():
        assert f'id="std-{key}"' in standards
        assert name in standards
        for req in frameworks.evidence(key, outcome.evaluations):
            assert f'<td class="nw">{req.id}</td><td>{requirement_title(key, req.id)}</td>' in (
                standards
            )
    # the results are the framework evidence's: AC-21 fails on the example estate
    nist = standards.split('id="std-nist-800-53"', 1)[1].split("</details>", 1)[0]
    ac21 = nist.split('<td class="nw">AC-21</td>', 1)[1].split("</tr>", 1)[0]
    assert ">FAILED<" in ac21


def test_every_requirement_has_a_title() -> None:
    for key in frameworks.FRAMEWORKS:
        for req in frameworks.evidence(key, []):
            assert requirement_title(key, req.id), (key, req.id)
    assert requirement_title("nist-800-53", "AC-99") == ""


def test_the_trend_is_the_history_of_the_same_scope(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    template = tmp_path / "nb.yaml"
    outcomes = []
    for access in ("Enabled", "Disabled", "Disabled"):  # the pass rate rises
        template.write_text(
            "Resources:\n  Nb:\n    Type: AWS::SageMaker::NotebookInstance\n    Properties:\n"
            f"      InstanceType: ml.t3.medium\n      RoleArn: arn:aws:iam::1:role/r\n"
            f"      DirectInternetAccess: {access}\n      SubnetId: subnet-1\n"
        )
        outcomes.append(_scan(db, path=str(template)))
    other = _scan(db)  # another scope: not part of the template's trend
    assert other.info is not None and len(other.info.trend) == 1
    last = outcomes[-1].info
    assert last is not None
    expected = []
    for o in outcomes:
        judged = [e for e in o.evaluations if e.status is not Status.NOT_APPLICABLE]
        passed = sum(1 for e in judged if e.status is Status.PASSED)
        expected.append((passed, len(judged)))
    assert [(p.passed, p.judged) for p in last.trend] == expected
    assert expected[0][0] < expected[1][0]
    first = outcomes[0].info
    assert first is not None and len(first.trend) == 1  # up to its own scan, not later ones
    # drawn as one point per scan, oldest first, with its rate in the tooltip
    trend = _section(_page(outcomes[-1]), "trend")
    assert trend.count("<circle") == 3 and "<polyline" in trend
    rates = re.findall(r"UTC: ([\d.]+)% \((\d+) of (\d+)\)</title>", trend)
    assert [(int(p), int(j)) for _, p, j in rates] == expected
    # the cap: the latest scans only, still oldest first
    history = History(str(db))
    try:
        scope = history.scan(last.history_scan or 0)
        assert scope is not None
        capped = history.pass_rates(scope.scope, last.history_scan, limit=2)
    finally:
        history.close()
    assert [(p, j) for _, p, j in capped] == expected[1:]


def test_no_trend_without_history(tmp_path: Path) -> None:
    outcome = run_scan(ScanOptions(paths=(SNAPSHOT,), db=str(tmp_path / "h"), record=False))
    trend = _section(_page(outcome), "trend")
    assert "<svg" not in trend and "this scan was not recorded" in trend


def test_framework_report_has_the_header_titles_and_resources_behind(tmp_path: Path) -> None:
    outcome = _scan(tmp_path / "h.sqlite3", RESOLVE)
    assert outcome.info is not None
    buf = io.BytesIO()
    rows = frameworks.evidence("nist-800-53", outcome.evaluations)
    html_out.render_framework(
        buf, "nist-800-53", rows, evaluations=outcome.evaluations, info=outcome.info
    )
    page = buf.getvalue().decode()
    assert page.startswith("<!doctype html>")
    run = _section(page, "run")
    assert outcome.info.scan_id in run and "depends-SageMaker.14-resolveReferences" in run
    reqs = _section(page, "requirements")
    assert "SageMaker.14 depends on" not in reqs  # NIST maps no requirement to it
    buf = io.BytesIO()
    ai = frameworks.evidence("ai-security", outcome.evaluations)
    html_out.render_framework(
        buf, "ai-security", ai, evaluations=outcome.evaluations, info=outcome.info
    )
    sm14 = _section(buf.getvalue().decode(), "requirements").split('"nw">SageMaker.14</td>')[1]
    assert "SageMaker.14 depends on <code>resolveReferences=true</code>" in sm14.split("</tr>")[0]
    ac3 = reqs.split('<td class="nw">AC-3</td>', 1)[1].split('<td class="nw">AC-3(7)', 1)[0]
    assert "<td>Access Enforcement</td>" in ac3
    behind = [
        e
        for e in outcome.evaluations
        if e.control.id in ("SageMaker.1", "SageMaker.2") and e.status is not Status.NOT_APPLICABLE
    ]
    assert f"{len(behind)} verdicts behind AC-3</summary>" in ac3
    for e in behind:
        assert e.resource.name in ac3
    # a failing verdict comes before a passing one
    assert ac3.index(">FAILED<") < ac3.index(">PASSED<")


def test_the_trend_is_read_only_for_a_report_that_draws_it(tmp_path: Path) -> None:
    """Reading it costs a query over the history (0.3 s on a large one): a scan whose
    reports draw no trend (no HTML) does not read it."""
    db = str(tmp_path / "h.sqlite3")
    run_scan(ScanOptions(paths=(SNAPSHOT,), db=db))
    plain = run_scan(ScanOptions(paths=(SNAPSHOT,), db=db)).info
    drawn = run_scan(ScanOptions(paths=(SNAPSHOT,), db=db, trend=True)).info
    assert plain is not None and plain.trend == ()
    assert drawn is not None and len(drawn.trend) == 3
