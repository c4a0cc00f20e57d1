"""OCSF 1.6.0 Compliance Finding events, shaped as AWS Security Hub stores its control findings.

The report is one JSON array, one event per evaluation (every status, so a consumer can
resolve a finding that now passes). Mappings, and the choices the schema leaves open:

* class Compliance Finding (class_uid 2003, category Findings 2), activity Create
  (type_uid 200301), with the ``cloud`` profile (so ``metadata.profiles`` names it).
* ``compliance.status_id``: PASSED 1 Pass, UNKNOWN 2 Warning (Security Hub's WARNING: a value
  known only at deploy), FAILED 3 Fail. ERROR and NOT_APPLICABLE have no OCSF 1.6 compliance
  status (the object's enum is Pass/Warning/Fail only, plus the schema-wide 99 Other), so
  they are 99 Other, with ``status`` naming the sagewarden status ("Error",
  "Not Applicable") as OCSF asks of an Other value. ``status_code`` always carries Security
  Hub's Compliance.Status label (PASSED, FAILED, WARNING, NOT_AVAILABLE).
* Event ``status_id`` (the finding's workflow status, OCSF 1.6 finding enum): 3 Suppressed for
  a suppressed verdict (the reason goes in ``comment``), 1 New for every other one: workflow
  is the consumer's to move on (Security Hub itself resolves PASSED findings on import).
* ``severity_id`` follows Security Hub too: a PASSED finding is 1 Informational; any other
  verdict carries the control's severity (LOW 2, MEDIUM 3, HIGH 4, CRITICAL 5). The control's
  own severity is always in ``unmapped.sagewarden.control_severity``.
* ``metadata.uid`` = ``finding_info.uid``: a hash of control and resource identity (the
  SARIF fingerprint), so the same control on the same resource keeps its id across runs.
* Resources: ``uid`` is the ARN (or the logical id / Terraform address for IaC), the owning
  account is ``owner.account.uid``. Where a resource was read from (file, line, kind) and the
  sagewarden status go under ``unmapped.sagewarden``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import IO, Any

from sagewarden import __version__
from sagewarden.catalog import Severity
from sagewarden.diagnostics import Diagnostic
from sagewarden.outputs.encoding import dumps
from sagewarden.outputs.sarif import fingerprint
from sagewarden.resources import Resource
from sagewarden.sensitive import Sensitive
from sagewarden.verdicts import Evaluation, Status

OCSF_VERSION = "1.6.0"
CLASS_UID = 2003
CLASS_NAME = "Compliance Finding"
CATEGORY_UID = 2
CATEGORY_NAME = "Findings"
ACTIVITY_ID = 1  # Create
ACTIVITY_NAME = "Create"
TYPE_UID = CLASS_UID * 100 + ACTIVITY_ID
TYPE_NAME = f"{CLASS_NAME}: {ACTIVITY_NAME}"
FINDING_TYPE = "Software and Configuration Checks/Industry and Regulatory Standards"
VENDOR = "sagewarden"

SEVERITY: dict[Severity, tuple[int, str]] = {
    Severity.LOW: (2, "Low"),
    Severity.MEDIUM: (3, "Medium"),
    Severity.HIGH: (4, "High"),
    Severity.CRITICAL: (5, "Critical"),
}
INFORMATIONAL = (1, "Informational")

COMPLIANCE_STATUS: dict[Status, tuple[int, str]] = {
    Status.PASSED: (1, "Pass"),
    Status.UNKNOWN: (2, "Warning"),
    Status.FAILED: (3, "Fail"),
    Status.ERROR: (99, "Error"),
    Status.NOT_APPLICABLE: (99, "Not Applicable"),
}

FINDING_NEW = (1, "New")
FINDING_SUPPRESSED = (3, "Suppressed")


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
) -> None:
    """A JSON array, one finding a line, written as it is built (bounded memory)."""
    stamp = int(time.time() * 1000)
    out.write(b"[\n")
    for n, e in enumerate(evaluations):
        if n:
            out.write(b",\n")
        doc = finding(e, stamp)
        out.write(dumps(doc))  # lone surrogates become U+FFFD
    out.write(b"\n]\n")


def findings(evaluations: Sequence[Evaluation], now_ms: int | None = None) -> list[dict[str, Any]]:
    """One OCSF Compliance Finding per evaluation, all stamped with the same time."""
    stamp = int(time.time() * 1000) if now_ms is None else now_ms
    return [finding(e, stamp) for e in evaluations]


def finding_uid(e: Evaluation) -> str:
    """Deterministic per control and resource (never the reason, line or time)."""
    return f"sagewarden/{e.control.id}/{fingerprint(e)}"


def finding(e: Evaluation, now_ms: int) -> dict[str, Any]:
    c = e.control
    r = e.resource
    uid = finding_uid(e)
    sev_id, sev = INFORMATIONAL if e.status is Status.PASSED else SEVERITY[c.severity]
    if e.suppression is not None:
        status_id, status = FINDING_SUPPRESSED
    else:
        status_id, status = FINDING_NEW
    comp_id, comp = COMPLIANCE_STATUS[e.status]
    compliance: dict[str, Any] = {
        "control": c.id,
        "standards": [s.id for s in c.standards],
        "requirements": list(c.related_requirements),
        "status_id": comp_id,
        "status": comp,
        "status_code": e.status.security_hub,
        "status_details": [e.reason],
        "desc": c.description,
        "category": c.category,
    }
    if e.parameters:
        compliance["control_parameters"] = [
            {"name": k, "value": _param_value(v)} for k, v in e.parameters
        ]
    event: dict[str, Any] = {
        "activity_id": ACTIVITY_ID,
        "activity_name": ACTIVITY_NAME,
        "category_uid": CATEGORY_UID,
        "category_name": CATEGORY_NAME,
        "class_uid": CLASS_UID,
        "class_name": CLASS_NAME,
        "type_uid": TYPE_UID,
        "type_name": TYPE_NAME,
        "severity_id": sev_id,
        "severity": sev,
        "status_id": status_id,
        "status": status,
        "time": now_ms,
        "message": f"{c.id} {r.name or r.id}: {e.reason}",
        "metadata": {
            "version": OCSF_VERSION,
            "uid": uid,
            "profiles": ["cloud"],
            "product": {
                "name": "sagewarden",
                "vendor_name": VENDOR,
                "version": __version__,
                "uid": "sagewarden",
            },
        },
        "finding_info": {
            "uid": uid,
            "title": c.title,
            "desc": e.reason,
            "types": [FINDING_TYPE],
            "created_time": now_ms,
            "src_url": c.doc_url,
        },
        "compliance": compliance,
        "resources": [_resource(r)],
        "cloud": _cloud(r),
        "remediation": {"desc": c.remediation, "references": [c.doc_url]},
        "unmapped": {"sagewarden": _unmapped(e)},
    }
    if e.suppression is not None:
        event["comment"] = e.suppression.reason
    return event


def partition(r: Resource) -> str:
    """The AWS partition: from the ARN when there is one, else from the region's prefix."""
    arn = r.arn or (r.id if r.id.startswith("arn:") else None)
    if arn is not None:
        parts = arn.split(":", 2)
        if len(parts) > 1 and parts[1]:
            return parts[1]
    region = r.region or ""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _resource(r: Resource) -> dict[str, Any]:
    res: dict[str, Any] = {
        "uid": r.arn or r.id,
        "name": r.name or r.id,
        "type": r.type,
        "cloud_partition": partition(r),
    }
    if r.region is not None:
        res["region"] = r.region
    if r.account_id is not None:
        res["owner"] = {"account": {"uid": r.account_id, "type": "AWS Account", "type_id": 10}}
    if r.tags:
        res["tags"] = [
            {"name": k, "value": v}
            for k, v in r.tags.items()
            if not isinstance(k, Sensitive)  # a key its source marks secret
        ]
    return res


def _cloud(r: Resource) -> dict[str, Any]:
    cloud: dict[str, Any] = {"provider": "AWS", "cloud_partition": partition(r)}
    if r.region is not None:
        cloud["region"] = r.region
    if r.account_id is not None:
        cloud["account"] = {"uid": r.account_id, "type": "AWS Account", "type_id": 10}
    return cloud


def _unmapped(e: Evaluation) -> dict[str, Any]:
    r = e.resource
    out: dict[str, Any] = {
        "status": e.status.value,
        "control_severity": e.control.severity.value,
        "resource_id": r.id,
        "source": r.provenance.to_dict(),
    }
    if e.parameters:
        out["parameters"] = dict(e.parameters)
    if e.suppression is not None:
        out["suppression"] = e.suppression.to_dict()
    return out


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
