"""JUnit XML report, so CI systems show one test per control and resource.

One testsuite per control, one testcase per evaluation. The mapping follows the exit code
(so a CI's red or green agrees with sagewarden's):

* PASSED -> a plain testcase.
* FAILED -> <failure>, unless suppressed: a suppressed failure is <skipped>, with why.
* ERROR -> <error>: the resource could not be read, which is never a pass.
* NOT_APPLICABLE -> <skipped>.
* UNKNOWN -> <skipped>: a value known only at deploy does not fail a run by default
  (only --fail-on-unknown makes it), so it must not turn a CI red here either.

Input and scope problems (exit codes 2 and 3) become <error> testcases of a last suite,
so a run that could not read its input is never a green "0 tests"; informational
diagnostics go to that suite's <system-out>.

Names, ids, file names, reasons and diagnostics come from AWS, a template or a suppression
file: their control, format (bidi, zero-width) and line-separator characters are shown as
escapes (``\\u202e``; see `escaping`), as the table shows them (a lone surrogate as
U+FFFD), before ElementTree escapes markup. Whatever XML 1.0 still cannot carry or
discourages is then dropped from the whole text (only the report's own line breaks stay).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from typing import IO, Any

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.outputs.escaping import clean
from sagewarden.verdicts import Evaluation, Status

# Everything outside XML 1.0's Char production, plus DEL and the C1 controls.
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
DIAGNOSTICS_SUITE = "sagewarden: problems reading the input"


def xml_safe(text: str) -> str:
    """Drop the characters an XML 1.0 document cannot (or should not) contain."""
    return _NOT_XML.sub("", text)


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
) -> None:
    groups: dict[str, list[Evaluation]] = {}
    for e in evaluations:
        groups.setdefault(e.control.id, []).append(e)
    root = ET.Element("testsuites", name="sagewarden")
    totals: Counter[str] = Counter()
    for cid in sorted(groups, key=lambda c: groups[c][0].control.number):
        totals.update(_control_suite(root, groups[cid]))
    if diagnostics:
        totals.update(_diagnostics_suite(root, diagnostics))
    _set_counts(root, totals)
    ET.indent(root)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    out.write(b"\n")


def _control_suite(root: ET.Element, rows: list[Evaluation]) -> Counter[str]:
    control = rows[0].control
    suite = ET.SubElement(root, "testsuite", name=f"{control.id}: {control.title}")
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("severity", control.severity.value),
        ("resource_type", control.resource_type),
        ("documentation", control.doc_url),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    counts: Counter[str] = Counter()
    for e in rows:
        counts["tests"] += 1
        counts[_testcase(suite, e)] += 1
    _set_counts(suite, counts)
    return counts


def _testcase(suite: ET.Element, e: Evaluation) -> str:
    """Add one testcase; return the count it adds to ("passed", "failures", ...)."""
    r = e.resource
    prov = r.provenance
    name = f"{clean(r.id)} ({clean(prov.file)})" if prov.file else clean(r.id)
    case = ET.SubElement(suite, "testcase", classname=e.control.id, name=xml_safe(name))
    if prov.file:
        case.set("file", xml_safe(clean(prov.file)))
        if prov.line:
            case.set("line", str(prov.line))
    reason = xml_safe(clean(e.reason))
    if e.suppression is not None and e.status in (Status.FAILED, Status.UNKNOWN):
        s = e.suppression
        until = f", until {s.expires}" if s.expires else ""
        message = f"suppressed ({s.source}{until}): {s.reason}"
        child = ET.SubElement(case, "skipped", message=xml_safe(clean(message)))
        child.text = f"{e.status.value}: {reason}"
        return "skipped"
    if e.baselined:  # a known finding (--baseline): it does not fail the run
        child = ET.SubElement(case, "skipped", message="baselined: in the --baseline report")
        child.text = f"{e.status.value}: {reason}"
        return "skipped"
    if e.status is Status.FAILED:
        child = ET.SubElement(case, "failure", message=reason, type=e.control.severity.value)
        child.text = _details(e, remediation=True)
        return "failures"
    if e.status is Status.ERROR:
        child = ET.SubElement(case, "error", message=reason, type="ERROR")
        child.text = _details(e, remediation=False)
        return "errors"
    if e.status is Status.UNKNOWN:
        ET.SubElement(case, "skipped", message=f"UNKNOWN until deploy: {reason}")
        return "skipped"
    if e.status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", message=f"not applicable: {reason}")
        return "skipped"
    return "passed"


def _details(e: Evaluation, *, remediation: bool) -> str:
    """The body of a failure or error: one line per fact, each value escaped."""
    r = e.resource
    lines = [f"{e.control.id} ({e.control.severity.value}): {e.control.title}"]
    lines.append(f"Resource: {r.type} {clean(r.id)}")
    if r.name and r.name != r.id:
        lines.append(f"Name: {clean(r.name)}")
    if r.provenance.file:
        at = f":{r.provenance.line}" if r.provenance.line else ""
        lines.append(f"File: {clean(r.provenance.file)}{at}")
    if r.account_id or r.region:
        lines.append(f"Account/region: {clean(r.account_id or '-')}/{clean(r.region or '-')}")
    lines.append(f"Reason: {clean(e.reason)}")
    if remediation:
        lines.append(f"Remediation: {e.control.remediation}")
    lines.append(f"Documentation: {e.control.doc_url}")
    return xml_safe("\n".join(lines))


def _diagnostics_suite(root: ET.Element, diagnostics: Sequence[Diagnostic]) -> Counter[str]:
    suite = ET.SubElement(root, "testsuite", name=DIAGNOSTICS_SUITE)
    counts: Counter[str] = Counter()
    notes: list[str] = []
    for d in diagnostics:
        if d.kind is Kind.INFO:
            notes.append(clean(d.line()))
            continue
        case = ET.SubElement(
            suite, "testcase", classname=f"sagewarden.{d.kind.value}", name=xml_safe(clean(d.where))
        )
        error = ET.SubElement(case, "error", message=xml_safe(clean(d.message)), type=d.kind.value)
        error.text = xml_safe(clean(d.line()))
        counts["tests"] += 1
        counts["errors"] += 1
    if notes:
        ET.SubElement(suite, "system-out").text = xml_safe("\n".join(notes))
    _set_counts(suite, counts)
    return counts


def _set_counts(element: ET.Element, counts: Counter[str]) -> None:
    for key in ("tests", "failures", "errors", "skipped"):
        element.set(key, str(counts.get(key, 0)))
