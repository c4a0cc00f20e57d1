"""SARIF 2.1.0 and JUnit XML reports, from evaluations made by the real engine.

The SARIF output is validated against the official OASIS schema vendored under
tests/data/sarif/ (see the README there for where it came from).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sagewarden import __version__
from sagewarden.catalog import BY_ID, CONTROLS, Severity
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.engine import evaluate
from sagewarden.outputs import junit, sarif
from sagewarden.params import parse_params
from sagewarden.resources import Provenance, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.summary import summarize
from sagewarden.unknowns import UnresolvedValue
from sagewarden.verdicts import Evaluation, Status, Suppression

SCHEMA_PATH = Path(__file__).parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
TEMPLATE = "templates/app.yaml"
PLAN = "plans/plan.json"
# A container from a private registry in a VPC: SageMaker.16 passes and .19 does not
# apply, so each model has one result (SageMaker.5's) for these format tests.
PRIVATE = {
    "PrimaryContainer": {"Image": "r.example/m", "ImageConfig": {"RepositoryAccessMode": "Vpc"}}
}
HOSTILE_ID = "Evil\"Model'<script>alert(1)</script>&amp;\x00\x07\x1b[31m\u202e\x85"
HOSTILE_NAME = '模型-ß-💥 "quoted" <b>bold</b>\x01\x0b\x1f'
HOSTILE_FILE = "templates/we ird\x07<x>.json"
HOSTILE_REASON_PART = "DirectInternetAccess"


# --- building evaluations through the real engine -----------------------------------


def _cfn(rtype: str, lid: str, props: dict[str, Any], line: int, file: str = TEMPLATE) -> Resource:
    return Resource(
        type=rtype,
        id=lid,
        name=lid,
        properties=props,
        tags={},
        provenance=Provenance("cloudformation", file=file, line=line),
    )


def _tf(rtype: str, address: str, props: dict[str, Any]) -> Resource:
    return Resource(
        type=rtype,
        id=address,
        name=address.rsplit(".", 1)[-1],
        properties=props,
        tags={},
        provenance=Provenance("terraform", file=PLAN),
    )


def _aws(rtype: str, name: str, props: dict[str, Any], read_error: str | None = None) -> Resource:
    short = rtype.rsplit("::", 1)[1].lower()
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{short}/{name}"
    return Resource(
        type=rtype,
        id=arn,
        name=name,
        properties=props,
        tags={},
        provenance=Provenance("aws", captured_at="2026-01-01T00:00:00Z"),
        account_id=ACCOUNT,
        region=REGION,
        arn=arn,
        read_error=read_error,
    )


GOOD_NOTEBOOK = {
    "DirectInternetAccess": "Disabled",
    "RootAccess": "Disabled",
    "SubnetId": "subnet-1",
    "PlatformIdentifier": "notebook-al2023-v1",
    "KmsKeyId": "alias/notebooks",
}


def _resources(line: int = 12) -> list[Resource]:
    return [
        _cfn(
            RT.NOTEBOOK_INSTANCE,
            "OpenNotebook",
            {**GOOD_NOTEBOOK, "DirectInternetAccess": "Enabled"},
            line,
        ),
        _cfn(RT.NOTEBOOK_INSTANCE, "ClosedNotebook", dict(GOOD_NOTEBOOK), 40),
        _cfn(
            RT.NOTEBOOK_INSTANCE,
            "ParamNotebook",
            {
                **GOOD_NOTEBOOK,
                "DirectInternetAccess": UnresolvedValue("is !Ref Access, known only at deploy"),
            },
            60,
        ),
        _tf(
            RT.ENDPOINT_CONFIG,
            "aws_sagemaker_endpoint_configuration.serverless",
            {
                "ProductionVariants": [
                    {
                        "VariantName": "v",
                        "ServerlessConfig": {"MaxConcurrency": 1, "MemorySizeInMB": 2048},
                    }
                ]
            },
        ),
        _tf(RT.MODEL, "aws_sagemaker_model.open", {"EnableNetworkIsolation": False, **PRIVATE}),
        _aws(RT.NOTEBOOK_INSTANCE, "unreadable", {}, read_error="AccessDenied on Describe"),
        _aws(RT.MODEL, "live-model", {"EnableNetworkIsolation": False, **PRIVATE}),
        _cfn(
            RT.MODEL, HOSTILE_ID, {"EnableNetworkIsolation": False, **PRIVATE}, 7, file=HOSTILE_FILE
        ),
        _cfn(
            RT.MODEL,
            "OutsideModel",
            {"EnableNetworkIsolation": False, **PRIVATE},
            3,
            file="/elsewhere/x.json",
        ),
    ]


def _evaluate(resources: list[Resource]) -> list[Evaluation]:
    pset, diags = parse_params([])
    assert not diags
    result = evaluate(resources, CONTROLS, pset)
    return result.evaluations


def _find(evs: Sequence[Evaluation], control: str, rid: str) -> int:
    for i, e in enumerate(evs):
        if e.control.id == control and e.resource.id == rid:
            return i
    raise AssertionError(f"no evaluation {control} {rid}")


def _suppress(evs: list[Evaluation]) -> list[Evaluation]:
    evs = list(evs)
    i = _find(evs, "SageMaker.1", "OpenNotebook")
    evs[i] = dataclasses.replace(
        evs[i],
        suppression=Suppression("SageMaker.1", 'lab notebook, accepted "risk" <ok>', "template"),
    )
    j = _find(evs, "SageMaker.5", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/live-model")
    evs[j] = dataclasses.replace(
        evs[j],
        suppression=Suppression(
            "SageMaker.5", "vendor model needs egress", ".sagewarden.yaml:3", expires="2030-01-01"
        ),
    )
    return evs


DIAGNOSTICS = [
    Diagnostic("templates/bad.yaml", "not a CloudFormation template <oops>", Kind.INPUT),
    Diagnostic(f"{ACCOUNT}/us-east-1", "AccessDenied listing notebooks", Kind.SCOPE),
    Diagnostic("templates/app.yaml:80", "Skipped not evaluated: its Condition is false", Kind.INFO),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Relative paths in the resources resolve under this directory (the %SRCROOT%)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def evaluations(workdir: Path) -> list[Evaluation]:
    return _suppress(_evaluate(_resources()))


def _sarif(evs: Sequence[Evaluation], diags: Sequence[Diagnostic] = DIAGNOSTICS) -> bytes:
    buf = io.BytesIO()
    sarif.render(buf, evs, summarize(evs), diags)
    return buf.getvalue()


def _junit(evs: Sequence[Evaluation], diags: Sequence[Diagnostic] = DIAGNOSTICS) -> bytes:
    buf = io.BytesIO()
    junit.render(buf, evs, summarize(evs), diags)
    return buf.getvalue()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


# RFC 3986 URI-reference characters, with every % starting a %XX escape. jsonschema only
# checks the schema's "uri" formats when an optional package is installed, so check here.
_URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _check_uris(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("uri", "helpUri", "informationUri", "$schema"):
                assert isinstance(item, str) and _URI_REFERENCE.match(item), item
                if key != "uri":
                    assert _ABSOLUTE.match(item), item
            _check_uris(item)
    elif isinstance(value, list):
        for item in value:
            _check_uris(item)


def _valid(validator: jsonschema.Draft4Validator, data: bytes) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(data)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    _check_uris(doc)
    return doc


# --- SARIF ---------------------------------------------------------------------------


def test_every_status_is_present(evaluations: list[Evaluation]) -> None:
    assert {e.status for e in evaluations} == set(Status)
    assert any(e.suppression for e in evaluations)


def test_sarif_is_valid_against_the_official_schema(
    evaluations: list[Evaluation], validator: jsonschema.Draft4Validator
) -> None:
    doc = _valid(validator, _sarif(evaluations))
    assert doc["version"] == "2.1.0"
    assert doc["$schema"] == sarif.SCHEMA_URI
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "sagewarden"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert run["properties"]["summary"] == summarize(evaluations)


def test_empty_scan_is_valid(workdir: Path, validator: jsonschema.Draft4Validator) -> None:
    doc = _valid(validator, _sarif([], []))
    (run,) = doc["runs"]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    assert run["invocations"][0]["executionSuccessful"] is True


def test_results_are_failed_unknown_and_error_only(evaluations: list[Evaluation]) -> None:
    run = json.loads(_sarif(evaluations))["runs"][0]
    results = run["results"]
    expected = [e for e in evaluations if e.status in (Status.FAILED, Status.UNKNOWN, Status.ERROR)]
    assert len(results) == len(expected)
    for res, e in zip(results, expected, strict=True):
        assert res["ruleId"] == e.control.id
        assert res["properties"]["status"] == e.status.value
        assert res["properties"]["resourceId"] == e.resource.id
        assert e.reason in res["message"]["text"]
        if e.status is Status.FAILED:
            assert res["kind"] == "fail"
            assert res["level"] == sarif.LEVEL[e.control.severity]
        else:
            # SARIF 3.27.10: a level other than "none" requires kind "fail".
            assert res["kind"] == ("open" if e.status is Status.UNKNOWN else "review")
            assert res["level"] == "none"
    kinds = Counter(r["kind"] for r in results)
    assert kinds["fail"] and kinds["open"] and kinds["review"]


def test_suppressed_results_are_marked(evaluations: list[Evaluation]) -> None:
    results = json.loads(_sarif(evaluations))["runs"][0]["results"]
    suppressed = {
        r["properties"]["resourceId"]: r["suppressions"] for r in results if "suppressions" in r
    }
    assert set(suppressed) == {
        "OpenNotebook",
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/live-model",
    }
    (in_source,) = suppressed["OpenNotebook"]
    assert in_source["kind"] == "inSource"
    assert in_source["status"] == "accepted"
    assert in_source["justification"] == 'lab notebook, accepted "risk" <ok>'
    (external,) = suppressed[f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/live-model"]
    assert external["kind"] == "external"
    assert external["status"] == "accepted"
    assert external["properties"] == {"source": ".sagewarden.yaml:3", "expires": "2030-01-01"}
    # Suppressed or not, a failure is still a "fail" result: it is accepted, not hidden.
    open_nb = [r for r in results if r["properties"]["resourceId"] == "OpenNotebook"]
    assert [r["kind"] for r in open_nb] == ["fail"]


def _results_for(run: dict[str, Any], rid: str) -> list[dict[str, Any]]:
    return [r for r in run["results"] if r["properties"]["resourceId"] == rid]


def test_locations_and_lines(evaluations: list[Evaluation], workdir: Path) -> None:
    run = json.loads(_sarif(evaluations))["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == workdir.as_uri() + "/"

    (cfn,) = _results_for(run, "OpenNotebook")
    (loc,) = cfn["locations"]
    assert loc["physicalLocation"] == {
        "artifactLocation": {"uri": TEMPLATE, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12},
    }
    assert loc["logicalLocations"] == [
        {"name": "OpenNotebook", "fullyQualifiedName": "OpenNotebook", "kind": "resource"}
    ]

    (tf,) = _results_for(run, "aws_sagemaker_model.open")
    physical = tf["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": PLAN, "uriBaseId": "%SRCROOT%"}}
    assert tf["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "aws_sagemaker_model.open"
    )

    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/live-model"
    (live,) = _results_for(run, arn)
    (loc,) = live["locations"]
    assert "physicalLocation" not in loc  # no file for a live resource: nothing invented
    assert loc["logicalLocations"] == [
        {"name": "live-model", "fullyQualifiedName": arn, "kind": "resource"}
    ]
    assert live["properties"]["accountId"] == ACCOUNT
    assert live["properties"]["region"] == REGION
    assert live["properties"]["arn"] == arn

    (outside,) = _results_for(run, "OutsideModel")
    art = outside["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "file:///elsewhere/x.json"}

    (hostile,) = _results_for(run, HOSTILE_ID)
    art = hostile["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art == {"uri": "templates/we%20ird%07%3Cx%3E.json", "uriBaseId": "%SRCROOT%"}


def test_fingerprints_are_stable_and_distinct(workdir: Path) -> None:
    first = _sarif(_evaluate(_resources()))
    again = _sarif(_evaluate(_resources()))
    assert first == again

    def prints(data: bytes) -> dict[tuple[str, str], dict[str, str]]:
        return {
            (r["ruleId"], r["properties"]["resourceId"]): r["partialFingerprints"]
            for r in json.loads(data)["runs"][0]["results"]
        }

    fps = prints(first)
    values = [fp[sarif.FINGERPRINT_KEY] for fp in fps.values()]
    assert len(set(values)) == len(values)  # different control or resource: different print
    hashes = [fp["primaryLocationLineHash"] for fp in fps.values()]
    assert len(set(hashes)) == len(hashes)
    for fp in fps.values():
        assert fp["primaryLocationLineHash"] == fp[sarif.FINGERPRINT_KEY][:16] + ":1"
    # Same control and resource with the resource moved down the file: same print.
    moved = prints(_sarif(_evaluate(_resources(line=99))))
    assert moved == fps
    # Two notebook controls failing on the same resource are two alerts.
    a = fps[("SageMaker.1", "OpenNotebook")]
    b = fps.get(("SageMaker.3", "ClosedNotebook"))
    assert b is None  # passed: no result at all
    unreadable = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebookinstance/unreadable"
    assert fps[("SageMaker.1", unreadable)] != fps[("SageMaker.3", unreadable)]
    assert a != fps[("SageMaker.1", unreadable)]


def test_fingerprint_ignores_the_reason(workdir: Path) -> None:
    (e,) = [x for x in _evaluate(_resources()) if x.control.id == "SageMaker.5"][:1]
    reworded = dataclasses.replace(e, reason="something else entirely")
    assert sarif.fingerprint(e) == sarif.fingerprint(reworded)


def test_rules_carry_metadata(evaluations: list[Evaluation]) -> None:
    run = json.loads(_sarif(evaluations))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    evaluated = sorted({e.control.id for e in evaluations}, key=lambda c: BY_ID[c].number)
    assert [r["id"] for r in rules] == evaluated  # the controls that ran, in catalog order
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    by_id = {r["id"]: r for r in rules}
    r1 = by_id["SageMaker.1"]
    c1 = BY_ID["SageMaker.1"]
    assert r1["name"] == "AmazonSageMakerNotebookInstancesShouldNotHaveDirectInternetAccess"
    assert r1["shortDescription"] == {"text": c1.title}
    assert r1["fullDescription"] == {"text": c1.description}
    assert r1["helpUri"] == c1.doc_url
    assert c1.remediation in r1["help"]["text"]
    assert c1.remediation in r1["help"]["markdown"]
    assert c1.doc_url in r1["help"]["markdown"]
    assert r1["defaultConfiguration"] == {"level": "error"}
    tags = r1["properties"]["tags"]
    assert tags[0] == "security"
    assert c1.category in tags
    assert "PCI DSS v4.0.1/1.4.4" in tags
    assert "AWS Foundational Security Best Practices v1.0.0" in tags
    assert len(tags) == len(set(tags))
    levels = {
        "HIGH": ("error", 7.0, 8.9),
        "MEDIUM": ("warning", 4.0, 6.9),
        "LOW": ("note", 0.1, 3.9),
    }
    for rule in rules:
        severity = BY_ID[rule["id"]].severity.value
        level, low, high = levels[severity]
        assert rule["defaultConfiguration"]["level"] == level
        assert low <= float(rule["properties"]["security-severity"]) <= high
        assert rule["name"].isalnum()


def test_every_control_makes_a_valid_rule(validator: jsonschema.Draft4Validator) -> None:
    doc = {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x", "rules": [sarif.rule(c) for c in CONTROLS]}}}],
    }
    assert not list(validator.iter_errors(doc))
    assert {sarif.rule(c)["properties"]["severity"] for c in CONTROLS} <= {
        s.value for s in Severity
    }


def test_hostile_strings_survive(
    evaluations: list[Evaluation], validator: jsonschema.Draft4Validator
) -> None:
    data = _sarif(evaluations)
    _valid(validator, data)
    # Control characters are JSON escapes, never raw bytes in the file.
    for raw in (b"\x00", b"\x07", b"\x1b", b"\x01", b"\x0b"):
        assert raw not in data
    run = json.loads(data)["runs"][0]
    (hostile,) = _results_for(run, HOSTILE_ID)
    logical = hostile["locations"][0]["logicalLocations"][0]
    assert logical["fullyQualifiedName"] == HOSTILE_ID  # byte for byte, nothing lost
    # The message shows the control characters as escapes, and a SARIF viewer's escaped
    # link characters (backslash, brackets) keep it plain text (SARIF 3.11.6).
    shown = r"""Evil"Model'<script>alert(1)</script>&amp;\\x00\\x07\\x1b\[31m\\u202e\\x85"""
    assert shown in hostile["message"]["text"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "templates/bad.yaml: not a CloudFormation template <oops>"


def test_unicode_name_and_lone_surrogate(
    workdir: Path, validator: jsonschema.Draft4Validator
) -> None:
    res = _aws(RT.MODEL, "m", {"EnableNetworkIsolation": False, **PRIVATE})
    res.name = HOSTILE_NAME
    odd = _aws(RT.MODEL, "odd", {"EnableNetworkIsolation": False, **PRIVATE})
    odd.name = "half \ud800 surrogate"
    data = _sarif(_evaluate([res, odd]), [])
    run = _valid(validator, data)["runs"][0]
    names = [r["locations"][0]["logicalLocations"][0]["name"] for r in run["results"]]
    assert names == [HOSTILE_NAME, "half \ufffd surrogate"]


def test_diagnostics_become_notifications(evaluations: list[Evaluation]) -> None:
    inv = json.loads(_sarif(evaluations))["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    levels = [(n["properties"]["kind"], n["level"]) for n in inv["toolExecutionNotifications"]]
    assert levels == [("input", "error"), ("scope", "error"), ("info", "note")]
    # A scope that could not be read (exit code 3) is not a successful run either.
    only_scope = json.loads(_sarif(evaluations, DIAGNOSTICS[1:]))["runs"][0]["invocations"][0]
    assert only_scope["executionSuccessful"] is False
    # Only a note, and every resource read: a successful run. (The fixture's ERROR
    # verdicts alone would make it unsuccessful, as they make the exit code non-zero.)
    readable = [e for e in evaluations if e.status is not Status.ERROR]
    only_info = json.loads(_sarif(readable, DIAGNOSTICS[2:]))["runs"][0]["invocations"][0]
    assert only_info["executionSuccessful"] is True
    with_errors = json.loads(_sarif(evaluations, DIAGNOSTICS[2:]))["runs"][0]["invocations"][0]
    assert with_errors["executionSuccessful"] is False


def test_an_error_verdict_alone_makes_the_run_unsuccessful(workdir: Path) -> None:
    """No line was said (the resource itself says it could not be read): still not a
    successful run, as the exit code is not 0."""
    unreadable = _cfn(RT.MODEL, "Imported", {}, 3)
    unreadable.read_error = "Properties is !ImportValue shared-model, known only at deploy"
    evs = _evaluate([unreadable])
    assert {e.status for e in evs} == {Status.ERROR}
    inv = json.loads(_sarif(evs, []))["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert inv["toolExecutionNotifications"] == []


def test_warnings_are_warning_notifications(
    evaluations: list[Evaluation], validator: jsonschema.Draft4Validator
) -> None:
    expired = Diagnostic(".sagewarden.yaml", "suppression expired on 2020-01-01", Kind.WARNING)
    readable = [e for e in evaluations if e.status is not Status.ERROR]
    doc = json.loads(_sarif(readable, [expired]))
    validator.validate(doc)
    inv = doc["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is True
    assert [n["level"] for n in inv["toolExecutionNotifications"]] == ["warning"]


# --- JUnit ---------------------------------------------------------------------------


def _parse(data: bytes) -> ET.Element:
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(data)


def _outcome(case: ET.Element) -> str:
    for tag in ("failure", "error", "skipped"):
        if case.find(tag) is not None:
            return tag
    return "passed"


def test_junit_suites_cases_and_counts(evaluations: list[Evaluation]) -> None:
    root = _parse(_junit(evaluations))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    controls = sorted({e.control.id for e in evaluations}, key=lambda c: BY_ID[c].number)
    assert [s.get("name") for s in suites[:-1]] == [f"{c}: {BY_ID[c].title}" for c in controls]
    assert suites[-1].get("name") == junit.DIAGNOSTICS_SUITE

    total: Counter[str] = Counter()
    for suite in suites:
        cases = suite.findall("testcase")
        outcomes = Counter(_outcome(c) for c in cases)
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(outcomes["failure"])
        assert suite.get("errors") == str(outcomes["error"])
        assert suite.get("skipped") == str(outcomes["skipped"])
        total.update({"tests": len(cases), **outcomes})
    assert root.get("tests") == str(total["tests"])
    assert root.get("failures") == str(total["failure"])
    assert root.get("errors") == str(total["error"])
    assert root.get("skipped") == str(total["skipped"])

    # Against the evaluations themselves, not just self-consistency.
    expect: Counter[str] = Counter()
    for e in evaluations:
        if e.status is Status.FAILED and e.suppression is None:
            expect["failure"] += 1
        elif e.status is Status.ERROR:
            expect["error"] += 1
        elif e.status is not Status.PASSED:
            expect["skipped"] += 1
    input_or_scope = sum(d.kind is not Kind.INFO for d in DIAGNOSTICS)
    assert total["tests"] == len(evaluations) + input_or_scope
    assert total["failure"] == expect["failure"]
    assert total["error"] == expect["error"] + input_or_scope
    assert total["skipped"] == expect["skipped"]


def _case(root: ET.Element, control: str, name_start: str) -> ET.Element:
    found = [
        c
        for c in root.iter("testcase")
        if c.get("classname") == control and (c.get("name") or "").startswith(name_start)
    ]
    assert len(found) == 1, (control, name_start, found)
    return found[0]


def test_junit_outcomes(evaluations: list[Evaluation]) -> None:
    root = _parse(_junit(evaluations))
    unreadable = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebookinstance/unreadable"

    failed = _case(root, "SageMaker.5", "aws_sagemaker_model.open")
    failure = failed.find("failure")
    assert failure is not None
    assert failure.get("type") == "MEDIUM"
    assert "EnableNetworkIsolation" in (failure.get("message") or "")
    assert BY_ID["SageMaker.5"].remediation in (failure.text or "")
    assert failed.get("file") == PLAN
    assert failed.get("name") == f"aws_sagemaker_model.open ({PLAN})"

    suppressed = _case(root, "SageMaker.1", "OpenNotebook")
    skipped = suppressed.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == 'suppressed (template): lab notebook, accepted "risk" <ok>'
    assert suppressed.get("line") == "12"
    expiring = _case(root, "SageMaker.5", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/live-model")
    assert "until 2030-01-01" in (expiring.find("skipped").get("message") or "")  # type: ignore[union-attr]

    error = _case(root, "SageMaker.1", unreadable).find("error")
    assert error is not None and "AccessDenied" in (error.get("message") or "")

    unknown = _case(root, "SageMaker.1", "ParamNotebook").find("skipped")
    assert unknown is not None and (unknown.get("message") or "").startswith("UNKNOWN")

    na = _case(root, "SageMaker.4", "aws_sagemaker_endpoint_configuration.serverless")
    assert (na.find("skipped").get("message") or "").startswith("not applicable")  # type: ignore[union-attr]

    assert _outcome(_case(root, "SageMaker.1", "ClosedNotebook")) == "passed"

    diag_suite = root.findall("testsuite")[-1]
    errors = [c.find("error") for c in diag_suite.findall("testcase")]
    assert [e.get("type") for e in errors if e is not None] == ["input", "scope"]
    out = diag_suite.find("system-out")
    assert out is not None and "Condition is false" in (out.text or "")


def test_junit_escapes_control_characters(evaluations: list[Evaluation]) -> None:
    data = _junit(evaluations)
    for raw in (b"\x00", b"\x07", b"\x1b", b"\x01", b"\x0b", "\x85".encode(), "\u202e".encode()):
        assert raw not in data
    assert b"<script>" not in data  # markup from a resource is text, not markup
    root = _parse(data)
    # Shown as escapes, as on the terminal: nothing dropped, nothing acting on the reader.
    shown = r"""Evil"Model'<script>alert(1)</script>&amp;\x00\x07\x1b[31m\u202e\x85"""
    case = _case(root, "SageMaker.5", shown)
    assert case.get("file") == r"templates/we ird\x07<x>.json"
    assert case.find("failure") is not None


def test_junit_unicode_survives(workdir: Path) -> None:
    res = _aws(RT.MODEL, "m", {"EnableNetworkIsolation": False, **PRIVATE})
    res.id = HOSTILE_NAME + " \ud800"
    evs = [e for e in _evaluate([res]) if e.control.id == "SageMaker.5"]
    root = _parse(_junit(evs, []))
    (case,) = root.iter("testcase")
    assert case.get("name") == r'模型-ß-💥 "quoted" <b>bold</b>\x01\x0b\x1f ' + "\ufffd"
    assert root.get("tests") == "1" and root.get("failures") == "1"
    assert root.find("testsuite[@name='sagewarden: problems reading the input']") is None


def test_xml_safe_keeps_what_xml_allows() -> None:
    allowed = "tab\tnl\ncr\r é 模 💥 \ue000 \ufffd"
    assert junit.xml_safe(allowed) == allowed
    assert junit.xml_safe("a\x00b\x08c\x7fd\x9fe\ufffef\uffffg\udc00h") == "abcdefgh"
