"""SARIF 2.1.0 report: findings for GitHub code scanning and any other SARIF consumer.

Which verdicts become results, and how (SARIF 2.1.0 section 3.27.9 / 3.27.10):

* FAILED -> kind "fail", level from the control's severity (HIGH/CRITICAL error,
  MEDIUM warning, LOW note).
* UNKNOWN -> kind "open", level "none": the rule was evaluated but a value is known only
  at deploy, which is SARIF's "insufficient information to decide".
* ERROR -> kind "review", level "none": the resource could not be read, so the rule could
  not be evaluated at all and a person has to look.
* PASSED and NOT_APPLICABLE are not results (they would only be noise in an alert list);
  the run's summary in ``run.properties`` still counts them.

The spec forbids any level but "none" on a result whose kind is not "fail", which is why
UNKNOWN and ERROR carry level "none" and their status in ``properties``.

A suppressed result stays a result, with a ``suppressions`` entry: consumers show it as
accepted instead of losing it.

Message text is not plain: consumers replace ``{n}`` with ``arguments[n]`` (section 3.11.5)
and turn ``[text](destination)`` into a link (3.11.6; GitHub links related locations so).
Every message goes through :func:`message_text`: characters that must not reach a person
raw are shown as escapes (`escaping`), then ``\\``, ``[`` and ``]`` get a backslash (the
spec's escaped link characters) and braces are doubled (its literal ``{{`` / ``}}``), so
nothing from AWS or a template can make a link or a placeholder. The suppression's
justification (a plain string) gets the escapes; identifiers and properties stay exact
(JSON escapes them itself).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import orjson

from sagewarden import __version__
from sagewarden.catalog import Control, Severity
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.locations import Place, app_place, property_span, template_place
from sagewarden.outputs.encoding import dumps, scrub
from sagewarden.outputs.escaping import clean
from sagewarden.resources import Resource
from sagewarden.summary import problem_kinds
from sagewarden.verdicts import Evaluation, Status, Suppression

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# The project has no home page of its own yet: point at what it implements.
INFORMATION_URI = "https://docs.aws.amazon.com/securityhub/latest/userguide/sagemaker-controls.html"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "sagewarden/v1"

LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
# GitHub reads security-severity as a string score: >9.0 critical, 7.0-8.9 high,
# 4.0-6.9 medium, 0.1-3.9 low. Mid-band values, so no label sits on a boundary.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}
KIND: dict[Status, str] = {
    Status.FAILED: "fail",
    Status.UNKNOWN: "open",
    Status.ERROR: "review",
}
NOTIFICATION_LEVEL: dict[Kind, str] = {
    Kind.INPUT: "error",
    Kind.SCOPE: "error",
    Kind.WARNING: "warning",
    Kind.INFO: "note",
}

_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_MESSAGE_SYNTAX = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]", "{": "{{", "}": "}}"})


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
) -> None:
    root = _root()
    controls = sorted({e.control.id: e.control for e in evaluations}.values(), key=_number)
    index = {c.id: i for i, c in enumerate(controls)}
    results = [_result(e, index[e.control.id], root) for e in evaluations if e.status in KIND]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "sagewarden",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule(c) for c in controls],
            }
        },
        "invocations": [_invocation(evaluations, diagnostics)],
        "originalUriBaseIds": {SRCROOT: {"uri": _dir_uri(root)}},
        "results": results,
        "properties": {"summary": summary},
    }
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    data = dumps(doc, option=orjson.OPT_INDENT_2)  # lone surrogates become U+FFFD
    out.write(data)
    out.write(b"\n")


def rule(c: Control) -> dict[str, Any]:
    """A control as a SARIF reportingDescriptor, with what GitHub shows next to an alert."""
    tags = _unique(
        [
            "security",
            c.category,
            *c.related_requirements,
            *(s.name for s in c.standards),
        ]
    )
    return {
        "id": c.id,
        "name": camel_name(c.title),
        "shortDescription": {"text": message_text(c.title)},
        "fullDescription": {"text": message_text(c.description)},
        "helpUri": c.doc_url,
        "help": {
            "text": message_text(c.remediation) + f"\n\nSecurity Hub documentation: {c.doc_url}",
            "markdown": _help_markdown(c),
        },
        "defaultConfiguration": {"level": LEVEL[c.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[c.severity],
            "tags": tags,
            "severity": c.severity.value,
            "resourceType": c.resource_type,
            "configRule": c.config_rule,
        },
    }


def message_text(text: str) -> str:
    """Text for a SARIF message: escaped for a person, and inert as link or placeholder."""
    return clean(text).translate(_MESSAGE_SYNTAX)


def camel_name(title: str) -> str:
    """'SageMaker models should have network isolation enabled' -> 'SageMakerModelsShould...'."""
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title))


def fingerprint(e: Evaluation, root: Path | None = None) -> str:
    """A hash of control and resource identity only.

    No line number and no reason: the alert must survive edits that move or reword it.
    IaC resources are identified by their file (relative, so the checkout path does not
    matter) and logical id or address; AWS ones by account, region and id (the ARN).
    """
    r = e.resource
    if r.provenance.file is not None:
        where = _artifact(r.provenance.file, root or _root())["uri"]
    else:
        where = f"{r.account_id or ''}/{r.region or ''}"
    key = "\x1f".join((e.control.id, r.type, where, r.id))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _result(e: Evaluation, rule_index: int, root: Path) -> dict[str, Any]:
    r = e.resource
    digest = fingerprint(e, root)
    primary, related = _locations(e, root)
    result: dict[str, Any] = {
        "ruleId": e.control.id,
        "ruleIndex": rule_index,
        "kind": KIND[e.status],
        "level": LEVEL[e.control.severity] if e.status is Status.FAILED else "none",
        "message": {"text": message_text(f"{_short_type(r.type)} {r.name or r.id}: {e.reason}")},
        "locations": [primary],
        # GitHub tracks alerts by primaryLocationLineHash alone and computes one from the
        # line's text when it is missing; giving it the resource's identity instead keeps
        # one alert per control and resource across commits, however the file changes.
        "partialFingerprints": {
            "primaryLocationLineHash": f"{digest[:16]}:1",
            FINGERPRINT_KEY: digest,
        },
        "properties": _result_properties(e),
    }
    if related:
        result["relatedLocations"] = related
    if e.suppression is not None:
        result["suppressions"] = [_suppression(e.suppression)]
    if e.baselined:  # in the --baseline report already (SARIF's own notion of a baseline)
        result["baselineState"] = "unchanged"
    return result


def _locations(e: Evaluation, root: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The primary location and the related ones.

    A template finding points at the judged property's lines (`locations`). A CDK
    resource whose creating line is a file under the root points there first: cdk.out is
    usually git-ignored, and code scanning only shows alerts on committed files; the
    template place becomes a related location. Its logical location is the construct
    (fullyQualifiedName the construct path, name the logical id).
    """
    r = e.resource
    logical = _logical(r)
    template = template_place(e)
    app = app_place(e)
    if app is not None and _under(app.file, root) and template is not None:
        primary = {"physicalLocation": _physical(app, root), "logicalLocations": [logical]}
        note = f"CloudFormation template synthesized by CDK, logical id {r.id}"
        span = property_span(e)
        if span is not None:
            note += f", {span.found}" if span.found else f" ({span.path} is not set)"
        related = {
            "id": 0,
            "physicalLocation": _physical(template, root),
            "message": {"text": message_text(note)},
        }
        return primary, [related]
    loc: dict[str, Any] = {}
    if template is not None:
        loc["physicalLocation"] = _physical(template, root)
    loc["logicalLocations"] = [logical]
    return loc, []


def _logical(r: Resource) -> dict[str, Any]:
    """Where the resource sits by name: a CDK construct by its path, anything else by id.

    A location with logicalLocations alone is valid SARIF. GitHub code scanning only
    displays results with a physicalLocation, so findings on live resources reach other
    SARIF consumers but not GitHub's alert list; no fake file is invented for them.
    """
    if r.provenance.construct_path is not None:
        return {"name": r.id, "fullyQualifiedName": r.provenance.construct_path, "kind": "resource"}
    return {"name": r.name or r.id, "fullyQualifiedName": r.id, "kind": "resource"}


def _physical(place: Place, root: Path) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(place.file, root)}
    if place.line is not None and place.line >= 1:
        region: dict[str, Any] = {"startLine": place.line}
        if place.column is not None and place.column >= 1:
            region["startColumn"] = place.column
        if place.end_line is not None and place.end_line > place.line:
            region["endLine"] = place.end_line
        physical["region"] = region
    return physical


def _under(file: str, root: Path) -> bool:
    try:
        Path(os.path.abspath(file)).relative_to(root)
    except ValueError:
        return False
    return True


def _artifact(file: str, root: Path) -> dict[str, str]:
    """A relative URI under %SRCROOT% (the working directory) when possible, else absolute.
    A lone surrogate that is not a file name's undecodable byte cannot be percent-encoded
    (it is not UTF-8): it becomes U+FFFD, as everywhere in the report."""
    try:
        return _uri(file, root)
    except UnicodeEncodeError:
        return _uri(scrub(file), root)


def _uri(file: str, root: Path) -> dict[str, str]:
    if _URI_SCHEME.match(file):
        return {"uri": quote(file, safe=":/@!$&'()*+,;=~-._")}
    path = Path(os.path.abspath(file))
    try:
        rel = path.relative_to(root)
    except ValueError:
        return {"uri": path.as_uri()}
    return {"uri": quote(rel.as_posix()), "uriBaseId": SRCROOT}


def _suppression(s: Suppression) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": "inSource" if s.source == "template" else "external",
        "status": "accepted",
        "justification": clean(s.reason),
        "properties": {"source": s.source},
    }
    if s.expires:
        out["properties"]["expires"] = s.expires
    return out


def _result_properties(e: Evaluation) -> dict[str, Any]:
    r = e.resource
    props: dict[str, Any] = {
        "status": e.status.value,
        "severity": e.control.severity.value,
        "resourceType": r.type,
        "resourceId": r.id,
        "resourceName": r.name,
        "source": r.provenance.kind,
    }
    for key, value in (("accountId", r.account_id), ("region", r.region), ("arn", r.arn)):
        if value is not None:
            props[key] = value
    span = property_span(e)
    if span is not None:
        props["property"] = span.path  # the judged property; the region holds its lines
    if e.parameters:
        props["parameters"] = dict(e.parameters)
    return props


def _invocation(
    evaluations: Sequence[Evaluation], diagnostics: Sequence[Diagnostic]
) -> dict[str, Any]:
    """Input that could not be used (exit code 2) or a scope that could not be read (exit
    code 3) make the run unsuccessful, whether a line was said about it or only an ERROR
    verdict shows it: its results are not the whole picture. Every diagnostic is a
    notification."""
    return {
        "executionSuccessful": not problem_kinds(evaluations, diagnostics),
        "toolExecutionNotifications": [
            {
                "level": NOTIFICATION_LEVEL[d.kind],
                "message": {"text": message_text(d.line())},
                "properties": {"kind": d.kind.value, "where": d.where},
            }
            for d in diagnostics
        ],
    }


def _help_markdown(c: Control) -> str:
    fix = "yes" if c.in_place_fix else "no (the resource must be replaced)"
    return (
        f"**{c.id}: {c.title}** (severity {c.severity.value})\n\n"
        f"{c.description}\n\n"
        f"**Remediation:** {c.remediation}\n\n"
        f"Fixable in place: {fix}.\n\n"
        f"[Security Hub documentation for {c.id}]({c.doc_url})"
    )


def _root() -> Path:
    return Path(os.path.abspath(os.getcwd()))


def _dir_uri(path: Path) -> str:
    uri = path.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _short_type(resource_type: str) -> str:
    return resource_type.rsplit("::", 1)[-1]


def _number(c: Control) -> int:
    return c.number


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))
