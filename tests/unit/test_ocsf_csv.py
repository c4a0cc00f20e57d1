"""OCSF Compliance Finding and CSV reports, from evaluations made by the real engine.

OCSF events are checked against the OCSF 1.6.0 schema definition vendored under
tests/data/ocsf/ (see the README there): every attribute must be defined for the class (with
the cloud profile) or object, of the defined type, with a defined enum value and a sibling
caption that matches it; required attributes must be present; deprecated ones are refused.
When the optional ``pydantic-ocsf`` package is installed, its 1.6.0 models are applied too.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from sagewarden import __version__
from sagewarden.catalog import CONTROLS, Severity
from sagewarden.engine import evaluate
from sagewarden.outputs import csvout, ocsf
from sagewarden.params import parse_params
from sagewarden.resources import Provenance, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.summary import summarize
from sagewarden.unknowns import UnresolvedValue
from sagewarden.verdicts import Evaluation, Status, Suppression

SCHEMA_PATH = Path(__file__).parents[1] / "data" / "ocsf" / "ocsf-1.6.0-compliance-finding.json"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
NOW = 1767225600000
TEMPLATE = "templates/app.yaml"
HOSTILE = (
    '=HYPERLINK("http://x")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tTabbed",
    "\rCarriage",
    'say "hi", then\nnew line',
    "模型-ß-💥 ‮",
    "=1+1\t-2",
)

GOOD_NOTEBOOK = {
    "DirectInternetAccess": "Disabled",
    "RootAccess": "Disabled",
    "SubnetId": "subnet-1",
    "PlatformIdentifier": "notebook-al2023-v1",
}


# --- building evaluations through the real engine -----------------------------------


def _aws(
    rtype: str,
    name: str,
    props: dict[str, Any],
    *,
    kind: str = "aws",
    read_error: str | None = None,
    region: str = REGION,
) -> Resource:
    short = rtype.rsplit("::", 1)[1].lower()
    partition = "aws-cn" if region.startswith("cn-") else "aws"
    arn = f"arn:{partition}:sagemaker:{region}:{ACCOUNT}:{short}/{name}"
    return Resource(
        type=rtype,
        id=arn,
        name=name,
        properties=props,
        tags={"team": "ml"},
        provenance=Provenance(kind, captured_at="2026-01-01T00:00:00Z"),
        account_id=ACCOUNT,
        region=region,
        arn=arn,
        read_error=read_error,
    )


def _cfn(rtype: str, lid: str, props: dict[str, Any], line: int) -> Resource:
    return Resource(
        type=rtype,
        id=lid,
        name=lid,
        properties=props,
        tags={},
        provenance=Provenance("cloudformation", file=TEMPLATE, line=line),
    )


def _resources() -> list[Resource]:
    every_type = [
        _aws(rtype, f"any-{i}", {}, kind="aws-config")
        for i, rtype in enumerate(sorted({c.resource_type for c in CONTROLS}))
    ]
    return [
        *every_type,
        _cfn(
            RT.NOTEBOOK_INSTANCE,
            "OpenNotebook",
            {**GOOD_NOTEBOOK, "DirectInternetAccess": "Enabled"},
            12,
        ),
        _cfn(RT.NOTEBOOK_INSTANCE, "ClosedNotebook", dict(GOOD_NOTEBOOK), 40),
        _cfn(
            RT.NOTEBOOK_INSTANCE,
            "ParamNotebook",
            {**GOOD_NOTEBOOK, "DirectInternetAccess": UnresolvedValue("!Ref Access")},
            60,
        ),
        _aws(RT.NOTEBOOK_INSTANCE, "unreadable", {}, read_error="AccessDenied on Describe"),
        _aws(
            RT.ENDPOINT_CONFIG,
            "serverless",
            {
                "ProductionVariants": [
                    {
                        "VariantName": "v",
                        "ServerlessConfig": {"MaxConcurrency": 1, "MemorySizeInMB": 2048},
                    }
                ]
            },
        ),
        _aws(RT.MODEL, "live-model", {"EnableNetworkIsolation": False}),
        _aws(RT.MODEL, "china-model", {"EnableNetworkIsolation": True}, region="cn-north-1"),
        *(
            _cfn(RT.MODEL, name, {"EnableNetworkIsolation": False}, 100 + i)
            for i, name in enumerate(HOSTILE)
        ),
    ]


def _find(evs: Sequence[Evaluation], control: str, rid: str) -> int:
    for i, e in enumerate(evs):
        if e.control.id == control and e.resource.id == rid:
            return i
    raise AssertionError(f"no evaluation {control} {rid}")


def _evaluations() -> list[Evaluation]:
    pset, diags = parse_params([])
    assert not diags
    evs = list(evaluate(_resources(), CONTROLS, pset).evaluations)
    i = _find(evs, "SageMaker.1", "OpenNotebook")
    evs[i] = dataclasses.replace(
        evs[i], suppression=Suppression("SageMaker.1", "=lab notebook, accepted", "template")
    )
    return evs


@pytest.fixture(scope="module")
def evaluations() -> list[Evaluation]:
    return _evaluations()


def _ocsf(evs: Sequence[Evaluation]) -> list[dict[str, Any]]:
    buf = io.BytesIO()
    ocsf.render(buf, evs, summarize(evs), [])
    doc = json.loads(buf.getvalue())
    assert isinstance(doc, list)
    return doc


def _csv_bytes(evs: Sequence[Evaluation]) -> bytes:
    buf = io.BytesIO()
    csvout.render(buf, evs, summarize(evs), [])
    return buf.getvalue()


def _csv_rows(evs: Sequence[Evaluation]) -> list[list[str]]:
    text = _csv_bytes(evs).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


# --- a validator for the OCSF schema definition --------------------------------------


class OcsfSchema:
    """Just enough of the OCSF compiler: extends, dictionary merge, profiles, enums."""

    def __init__(self, path: Path) -> None:
        raw = json.loads(path.read_text(encoding="utf-8"))
        self.version: str = raw["version"]
        self.dictionary: dict[str, Any] = raw["dictionary"]["attributes"]
        self.types: dict[str, Any] = raw["dictionary"]["types"]["attributes"]
        self.raw_objects: dict[str, Any] = raw["objects"]
        self.raw_events: dict[str, Any] = raw["events"]
        self.profiles: dict[str, Any] = raw["profiles"]

    def _merge(self, chain: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        attrs: dict[str, dict[str, Any]] = {}
        for level in chain:  # the most general first
            for name, spec in level["attributes"].items():
                if name == "$include":
                    continue
                base = attrs.get(name) or dict(self.dictionary[name])
                merged = {**base, **spec}
                if "enum" in base and "enum" in spec:
                    merged["enum"] = {**base["enum"], **spec["enum"]}
                attrs[name] = merged
        return attrs

    def _chain(self, table: dict[str, Any], name: str) -> list[dict[str, Any]]:
        chain = []
        node: str | None = name
        while node:
            chain.append(table[node])
            node = table[node].get("extends")
        return chain[::-1]

    def event(self, name: str, profiles: Sequence[str]) -> dict[str, dict[str, Any]]:
        chain = self._chain(self.raw_events, name)
        chain += [self.profiles[p] for p in profiles]
        return self._merge(chain)

    def object(self, name: str) -> dict[str, dict[str, Any]]:
        return self._merge(self._chain(self.raw_objects, name))

    def base_type(self, t: str) -> str:
        while t in self.types and "type" in self.types[t]:
            t = self.types[t]["type"]
        return t

    def check(self, value: dict[str, Any], attrs: dict[str, dict[str, Any]], path: str) -> None:
        for name, spec in attrs.items():
            if spec.get("requirement") == "required":
                assert name in value, f"{path}: required {name} missing"
        for name, item in value.items():
            where = f"{path}.{name}"
            assert name in attrs, f"{where}: not an OCSF {self.version} attribute here"
            spec = attrs[name]
            assert "@deprecated" not in spec, f"{where}: deprecated"
            if spec.get("is_array"):
                assert isinstance(item, list), f"{where}: not an array"
                for i, element in enumerate(item):
                    self._check_value(element, spec, f"{where}[{i}]")
            else:
                self._check_value(item, spec, where)
            sibling = spec.get("sibling")
            computed = where in self.COMPUTED
            if (
                "enum" in spec
                and sibling
                and sibling in value
                and str(item) != "99"
                and not computed
            ):
                caption = spec["enum"][str(item)]["caption"]
                assert value[sibling] == caption, f"{where}: {value[sibling]!r} != {caption!r}"

    # Enums the OCSF compiler fills in per class and category: checked in validate().
    COMPUTED = frozenset({"$.category_uid", "$.class_uid", "$.type_uid"})

    def _check_value(self, item: Any, spec: dict[str, Any], where: str) -> None:
        t = spec["type"]
        if t in self.raw_objects:
            assert isinstance(item, dict), f"{where}: not an object"
            if t != "object":  # object_t is free-form (unmapped)
                self.check(item, self.object(t), where)
            return
        base = self.base_type(t)
        if base == "string_t":
            assert isinstance(item, str), f"{where}: not a string"
        elif base in ("integer_t", "long_t"):
            assert isinstance(item, int) and not isinstance(item, bool), f"{where}: not an int"
        elif base == "float_t":
            assert isinstance(item, (int, float)) and not isinstance(item, bool), where
        elif base == "boolean_t":
            assert isinstance(item, bool), f"{where}: not a boolean"
        elif base != "json_t":
            raise AssertionError(f"{where}: unhandled type {t}")
        if "enum" in spec and where not in self.COMPUTED:
            assert str(item) in spec["enum"], f"{where}: {item!r} not in the enum"
            assert "@deprecated" not in spec["enum"][str(item)], f"{where}: deprecated value"

    def validate(self, event: dict[str, Any]) -> None:
        profiles = event.get("metadata", {}).get("profiles", [])
        for p in profiles:
            assert p in self.profiles, f"profile {p} not vendored"
        self.check(event, self.event("compliance_finding", profiles), "$")
        assert event["class_uid"] == 2003 and event["category_uid"] == 2
        assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]


@pytest.fixture(scope="module")
def schema() -> OcsfSchema:
    s = OcsfSchema(SCHEMA_PATH)
    assert s.version == "1.6.0"
    return s


# --- OCSF ----------------------------------------------------------------------------


def test_every_status_and_control_is_covered(evaluations: list[Evaluation]) -> None:
    assert {e.status for e in evaluations} == set(Status)
    assert {e.control.id for e in evaluations} == {c.id for c in CONTROLS}
    assert {e.resource.provenance.kind for e in evaluations} == {
        "aws",
        "aws-config",
        "cloudformation",
    }


def test_every_finding_is_valid_ocsf(evaluations: list[Evaluation], schema: OcsfSchema) -> None:
    events = _ocsf(evaluations)
    assert len(events) == len(evaluations)
    for event in events:
        schema.validate(event)


def test_validator_rejects_what_ocsf_does_not_define(
    evaluations: list[Evaluation], schema: OcsfSchema
) -> None:
    event = ocsf.finding(evaluations[0], NOW)
    schema.validate(event)
    bad: list[dict[str, Any]] = [
        {**event, "complaince": {}},
        {**event, "status_id": 7},
        {**event, "severity": "Severe"},
        {**event, "time": "2026-01-01"},
        {**event, "compliance": {**event["compliance"], "status_id": 4}},
        {**event, "resources": [{**event["resources"][0], "arn": "x"}]},
        {k: v for k, v in event.items() if k != "cloud"},
        {k: v for k, v in event.items() if k != "compliance"},
    ]
    for b in bad:
        with pytest.raises(AssertionError):
            schema.validate(b)


def test_pydantic_ocsf_models_accept_every_finding(evaluations: list[Evaluation]) -> None:
    models = pytest.importorskip("ocsf.v1_6_0.events")
    objects = pytest.importorskip("ocsf.v1_6_0.objects")
    for event in _ocsf(evaluations):
        models.ComplianceFinding.model_validate(event)
        objects.Cloud.model_validate(event["cloud"])  # a profile attribute: not in the class


def test_finding_content(evaluations: list[Evaluation]) -> None:
    i = _find(evaluations, "SageMaker.5", f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/live-model")
    e = evaluations[i]
    assert e.status is Status.FAILED
    f = ocsf.finding(e, NOW)
    assert f["activity_id"] == 1 and f["type_uid"] == 200301
    assert f["time"] == NOW and f["finding_info"]["created_time"] == NOW
    assert e.control.severity is Severity.MEDIUM
    assert (f["severity_id"], f["severity"]) == (3, "Medium")
    assert (f["status_id"], f["status"]) == (1, "New")
    assert f["metadata"]["version"] == "1.6.0"
    assert f["metadata"]["product"] == {
        "name": "sagewarden",
        "vendor_name": "sagewarden",
        "version": __version__,
        "uid": "sagewarden",
    }
    assert f["metadata"]["uid"] == f["finding_info"]["uid"]
    assert f["finding_info"]["title"] == e.control.title
    assert f["finding_info"]["desc"] == e.reason
    comp = f["compliance"]
    assert comp["control"] == "SageMaker.5"
    assert comp["standards"] == [s.id for s in e.control.standards]
    assert comp["requirements"] == list(e.control.related_requirements)
    assert (comp["status_id"], comp["status"], comp["status_code"]) == (3, "Fail", "FAILED")
    res = f["resources"][0]
    assert res["uid"] == e.resource.arn and res["name"] == "live-model"
    assert res["type"] == RT.MODEL and res["region"] == REGION
    assert res["cloud_partition"] == "aws"
    assert res["owner"]["account"]["uid"] == ACCOUNT
    assert f["cloud"] == {
        "provider": "AWS",
        "cloud_partition": "aws",
        "region": REGION,
        "account": {"uid": ACCOUNT, "type": "AWS Account", "type_id": 10},
    }
    assert f["remediation"] == {"desc": e.control.remediation, "references": [e.control.doc_url]}
    assert f["unmapped"]["sagewarden"]["status"] == "FAILED"


def test_status_mappings(evaluations: list[Evaluation]) -> None:
    expected = {
        Status.PASSED: (1, "Pass", "PASSED"),
        Status.FAILED: (3, "Fail", "FAILED"),
        Status.UNKNOWN: (2, "Warning", "WARNING"),
        Status.ERROR: (99, "Error", "NOT_AVAILABLE"),
        Status.NOT_APPLICABLE: (99, "Not Applicable", "NOT_AVAILABLE"),
    }
    for e, f in zip(evaluations, _ocsf(evaluations), strict=True):
        comp = f["compliance"]
        assert (comp["status_id"], comp["status"], comp["status_code"]) == expected[e.status]
        assert f["unmapped"]["sagewarden"]["control_severity"] == e.control.severity.value
        if e.suppression is not None:
            assert (f["status_id"], f["status"]) == (3, "Suppressed")
            assert f["comment"] == e.suppression.reason
        else:
            assert (f["status_id"], f["status"]) == (1, "New")
        if e.status is Status.PASSED:
            assert (f["severity_id"], f["severity"]) == (1, "Informational")
        else:
            sev = {Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4, Severity.CRITICAL: 5}
            assert f["severity_id"] == sev[e.control.severity]


def test_suppressed_finding(evaluations: list[Evaluation]) -> None:
    e = evaluations[_find(evaluations, "SageMaker.1", "OpenNotebook")]
    f = ocsf.finding(e, NOW)
    assert (f["status_id"], f["status"]) == (3, "Suppressed")
    assert f["comment"] == "=lab notebook, accepted"
    assert f["unmapped"]["sagewarden"]["suppression"] == {
        "reason": "=lab notebook, accepted",
        "source": "template",
    }
    assert f["unmapped"]["sagewarden"]["source"] == {
        "kind": "cloudformation",
        "file": TEMPLATE,
        "line": 12,
    }
    assert f["resources"][0]["uid"] == "OpenNotebook"
    assert "owner" not in f["resources"][0] and "region" not in f["resources"][0]
    assert f["cloud"] == {"provider": "AWS", "cloud_partition": "aws"}


def test_uids_are_deterministic_and_unique(evaluations: list[Evaluation]) -> None:
    first = [f["finding_info"]["uid"] for f in _ocsf(evaluations)]
    again = [f["finding_info"]["uid"] for f in _ocsf(_evaluations())]
    assert first == again
    assert len(set(first)) == len(first)
    e = evaluations[0]
    moved = dataclasses.replace(e, reason="something else")
    assert ocsf.finding_uid(moved) == ocsf.finding_uid(e)


def test_partition_from_arn_or_region(evaluations: list[Evaluation]) -> None:
    china = [e for e in evaluations if e.resource.name == "china-model"]
    assert china
    for e in china:
        f = ocsf.finding(e, NOW)
        assert f["resources"][0]["cloud_partition"] == "aws-cn"
        assert f["cloud"]["cloud_partition"] == "aws-cn"
    gov = Resource(RT.MODEL, "M", "M", {}, {}, Provenance("cloudformation"), region="us-gov-west-1")
    assert ocsf.partition(gov) == "aws-us-gov"


def test_empty_and_lone_surrogate(evaluations: list[Evaluation], schema: OcsfSchema) -> None:
    assert _ocsf([]) == []
    e = evaluations[0]
    odd = dataclasses.replace(e, reason="bad \ud800 text")
    [f] = _ocsf([odd])
    assert f["finding_info"]["desc"] == "bad \ufffd text"
    schema.validate(f)


# --- CSV -----------------------------------------------------------------------------


def test_csv_header_bom_and_one_row_per_evaluation(evaluations: list[Evaluation]) -> None:
    data = _csv_bytes(evaluations)
    assert data.startswith(b"\xef\xbb\xbfcontrol,title,severity,status,")
    assert data.endswith(b"\r\n")
    rows = _csv_rows(evaluations)
    assert tuple(rows[0]) == csvout.HEADER
    assert len(rows) == len(evaluations) + 1
    assert all(len(r) == len(csvout.HEADER) for r in rows)


def test_csv_round_trip(evaluations: list[Evaluation]) -> None:
    rows = _csv_rows(evaluations)[1:]
    for e, row in zip(evaluations, rows, strict=True):
        cell = dict(zip(csvout.HEADER, row, strict=True))
        r = e.resource
        assert cell["control"] == e.control.id
        assert cell["title"] == e.control.title
        assert cell["severity"] == e.control.severity.value
        assert cell["status"] == e.status.value
        assert cell["resource_type"] == r.type
        assert cell["account_id"] == (r.account_id or "")
        assert cell["region"] == (r.region or "")
        assert cell["file"] == (r.provenance.file or "")
        assert cell["line"] == ("" if r.provenance.line is None else str(r.provenance.line))
        assert cell["documentation"] == e.control.doc_url
        assert cell["suppressed"] == ("true" if e.suppression else "false")
        if r.name not in HOSTILE:
            assert cell["resource_id"] == r.id and cell["resource_name"] == r.name
            assert cell["reason"] == e.reason
    sup_row = rows[_find(evaluations, "SageMaker.1", "OpenNotebook")]
    sup = dict(zip(csvout.HEADER, sup_row, strict=True))
    assert sup["suppressed"] == "true"
    assert sup["suppression_reason"] == "'=lab notebook, accepted"


@pytest.mark.parametrize("name", HOSTILE)
def test_csv_hostile_names_come_back_as_text(evaluations: list[Evaluation], name: str) -> None:
    rows = [
        dict(zip(csvout.HEADER, row, strict=True))
        for e, row in zip(evaluations, _csv_rows(evaluations)[1:], strict=True)
        if e.resource.name == name
    ]
    assert rows
    # Control and bidi characters are shown as escapes (a raw line break or override would
    # mislead whoever reads the sheet); the formula guard applies to the text shown.
    shown = name
    for raw, escape in (("\t", "\\x09"), ("\r", "\\x0d"), ("\n", "\\x0a"), ("\u202e", "\\u202e")):
        shown = shown.replace(raw, escape)
    formula = shown.startswith(("=", "+", "-", "@"))
    for cell in rows:
        expected = "'" + shown if formula else shown
        assert cell["resource_id"] == expected
        assert cell["resource_name"] == expected
        for value in cell.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_safe_cell() -> None:
    assert csvout.safe_cell("=1") == "'=1"
    assert csvout.safe_cell("a=1") == "a=1"
    assert csvout.safe_cell("'quoted") == "'quoted"
    assert csvout.safe_cell("") == ""
    assert csvout.safe_cell(12) == 12
    assert csvout.safe_cell("x\ud800") == "x\ufffd"


def test_csv_empty_scan() -> None:
    assert _csv_bytes([]) == b"\xef\xbb\xbf" + ",".join(csvout.HEADER).encode() + b"\r\n"
