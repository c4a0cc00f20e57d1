"""Security Hub findings (ASFF), shaped like Security Hub's own consolidated control findings.

One finding per control and resource, ready for `BatchImportFindings` (at most 100 per
call) into the account's default product. The shape is botocore's `AwsSecurityFinding`;
the tests validate every finding against it.

Decisions:

* `Id` is `arn:<partition>:securityhub:<region>:<account>:sagewarden/security-control/
  SageMaker.N/finding/<sha256>` where the digest covers the control id and the resource's
  identity (its ARN, or for IaC the file and logical id / address). It is stable across runs,
  so a re-import updates the finding instead of adding one; hashing bounds its length
  whatever the resource id, and the `sagewarden/` segment keeps it apart from the
  findings Security Hub itself writes for the same control.
* Resources with no account or region (templates, plans) use `default_account` and
  `default_region`; failing those, the placeholders `000000000000` and `us-east-1`, which
  Security Hub rejects on import (never lands in the wrong account). Such findings carry
  `ProductFields["sagewarden/PlaceholderScope"] = "true"`.
* Workflow: SUPPRESSED (with a Note) for suppressed verdicts, RESOLVED for PASSED (as
  Security Hub does for its own passed control findings), NEW otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import IO, Any

from sagewarden import __version__
from sagewarden.diagnostics import Diagnostic
from sagewarden.outputs.encoding import dumps
from sagewarden.resources import Resource, ResourceType
from sagewarden.sensitive import Sensitive
from sagewarden.verdicts import Evaluation, Status

SCHEMA_VERSION = "2018-10-08"
FINDING_TYPES = ("Software and Configuration Checks/Industry and Regulatory Standards",)
PLACEHOLDER_ACCOUNT = "000000000000"
PLACEHOLDER_REGION = "us-east-1"
BATCH_LIMIT = 100  # BatchImportFindings takes at most this many findings per call

# ASFF length limits (Security Hub user guide; botocore's model does not carry them).
_TITLE_MAX = 256
_DESCRIPTION_MAX = 1024
_RECOMMENDATION_MAX = 512
_NOTE_MAX = 512
_REASON_MAX = 1024
_FIELD_KEY_MAX = 127  # "fewer than 128 characters"
_PRODUCT_FIELD_MAX = 2048
_OTHER_VALUE_MAX = 1023  # "fewer than 1,024 characters"
_TAG_VALUE_MAX = 256
_FIELDS_MAX = 50

# Reason codes: Security Hub's own where the meaning matches, sagewarden's otherwise.
_REASON_CODES = {
    Status.PASSED: "SAGEWARDEN_PASSED",
    Status.FAILED: "SAGEWARDEN_FAILED",
    Status.UNKNOWN: "SAGEWARDEN_VALUE_KNOWN_AT_DEPLOY",
    Status.ERROR: "CONFIG_RULE_EVALUATION_ERROR",
    Status.NOT_APPLICABLE: "CONFIG_RETURNS_NOT_APPLICABLE",
}

# AwsSageMakerNotebookInstanceDetails members read straight from canonical properties.
_NOTEBOOK_STRINGS = (
    "DefaultCodeRepository",
    "DirectInternetAccess",
    "FailureReason",
    "InstanceType",
    "KmsKeyId",
    "NetworkInterfaceId",
    "NotebookInstanceLifecycleConfigName",
    "NotebookInstanceName",
    "NotebookInstanceStatus",
    "PlatformIdentifier",
    "RoleArn",
    "RootAccess",
    "SubnetId",
    "Url",
)
_NOTEBOOK_LISTS = ("AcceleratorTypes", "AdditionalCodeRepositories", "SecurityGroups")

# Resource.Partition is an enum in the model.
_PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-us-iso", "aws-us-iso-b"})

Observed = Callable[[str], tuple[str, str, str] | None]


def timestamp(when: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as Security Hub writes them."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def finding_id(evaluation: Evaluation, account: str, region: str) -> str:
    r = evaluation.resource
    key = f"{evaluation.control.id}\n{_identity(r)}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return (
        f"arn:{_partition(r, region)}:securityhub:{region}:{account}:sagewarden/"
        f"security-control/{evaluation.control.id}/finding/{digest}"
    )


def findings(
    evaluations: Sequence[Evaluation],
    *,
    now: datetime,
    default_account: str | None = None,
    default_region: str | None = None,
    observed: Observed | None = None,
) -> list[dict[str, Any]]:
    """One ASFF finding per evaluation, in the order given."""
    stamp = timestamp(now)
    return [_finding(e, stamp, default_account, default_region, observed) for e in evaluations]


def fixed_times(times: tuple[str, str, str] | None) -> Observed | None:
    """An `observed` lookup that answers (first, last, created) for one finding."""
    if times is None:
        return None

    def lookup(_finding_id: str) -> tuple[str, str, str] | None:
        return times

    return lookup


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
    observed_at: Callable[[Evaluation], tuple[str, str, str] | None] | None = None,
) -> None:
    """`{"Findings": [...]}`, one finding a line, written as it is built: 100,000 findings
    never sit in memory at once. `observed_at` gives (first, last, created) from the history."""
    stamp = timestamp(datetime.now(timezone.utc))
    out.write(b'{"Findings": [\n')
    for n, e in enumerate(evaluations):
        if n:
            out.write(b",\n")
        seen = observed_at(e) if observed_at else None
        out.write(dumps(_finding(e, stamp, None, None, fixed_times(seen))))  # surrogates: U+FFFD
    out.write(b"\n]}\n")


def _finding(
    e: Evaluation,
    stamp: str,
    default_account: str | None,
    default_region: str | None,
    observed: Observed | None,
) -> dict[str, Any]:
    c, r = e.control, e.resource
    account = r.account_id or default_account
    region = r.region or default_region
    placeholder = account is None or region is None
    account = account or PLACEHOLDER_ACCOUNT
    region = region or PLACEHOLDER_REGION
    partition = _partition(r, region)
    fid = finding_id(e, account, region)
    first = last = created = stamp
    if observed is not None:
        seen = observed(fid)
        if seen is not None:
            first, last, created = seen
    severity = {"Label": c.severity.value, "Original": c.severity.value}
    finding: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": fid,
        "ProductArn": f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default",
        "ProductName": "sagewarden",
        "GeneratorId": f"security-control/{c.id}",
        "AwsAccountId": account,
        "Region": region,
        "Types": list(FINDING_TYPES),
        "FirstObservedAt": first,
        "LastObservedAt": last,
        "CreatedAt": created,
        "UpdatedAt": stamp,
        "Severity": {**severity, "Normalized": c.severity.normalized},
        "Title": _clip(f"{c.id} {c.title}", _TITLE_MAX),
        "Description": _clip(c.description, _DESCRIPTION_MAX),
        "Remediation": {
            "Recommendation": {
                "Text": _clip(c.remediation, _RECOMMENDATION_MAX),
                "Url": c.doc_url,
            }
        },
        "ProductFields": _product_fields(e, placeholder),
        "Compliance": _compliance(e),
        "Resources": [_resource(r, partition, region)],
        "Workflow": {"Status": _workflow(e)},
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": severity, "Types": list(FINDING_TYPES)},
    }
    if e.suppression is not None:
        s = e.suppression
        text = f"Suppressed ({s.source}): {s.reason}"
        if s.expires:
            text += f" (expires {s.expires})"
        finding["Note"] = {
            "Text": _clip(text, _NOTE_MAX),
            "UpdatedBy": "sagewarden",
            "UpdatedAt": stamp,
        }
    return finding


def _workflow(e: Evaluation) -> str:
    if e.suppression is not None:
        return "SUPPRESSED"
    if e.status is Status.PASSED:
        return "RESOLVED"
    return "NEW"


def _compliance(e: Evaluation) -> dict[str, Any]:
    c = e.control
    out: dict[str, Any] = {
        "Status": e.status.security_hub,
        "SecurityControlId": c.id,
        "StatusReasons": [
            {"ReasonCode": _REASON_CODES[e.status], "Description": _clip(e.reason, _REASON_MAX)}
        ],
    }
    if c.related_requirements:
        out["RelatedRequirements"] = list(c.related_requirements)
    if c.standards:
        out["AssociatedStandards"] = [{"StandardsId": s.id} for s in c.standards]
    params = []
    for name, value in e.parameters:
        param = c.parameter(name)
        if param is None or not param.security_hub:
            continue  # sagewarden's own parameters go to ProductFields only
        values = _param_strings(value)
        if values:
            params.append({"Name": param.name, "Value": values})
    if params:
        out["SecurityControlParameters"] = params
    return out


def _param_strings(value: Any) -> list[str]:
    """SecurityControlParameter.Value is a list of strings in the ASFF model."""
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v).strip()]
    text = str(value)
    return [text] if text.strip() else []


def _product_fields(e: Evaluation, placeholder: bool) -> dict[str, str]:
    r = e.resource
    fields: dict[str, str] = {
        "sagewarden/Version": __version__,
        "sagewarden/Status": e.status.value,
        "sagewarden/Reason": e.reason,
        "sagewarden/Source": r.provenance.kind,
        "sagewarden/ResourceType": r.type,
        "sagewarden/ResourceId": r.id,
    }
    if r.provenance.file:
        where = r.provenance.file
        if r.provenance.line:
            where = f"{where}:{r.provenance.line}"
        fields["sagewarden/File"] = where
    if r.provenance.captured_at:
        fields["sagewarden/CapturedAt"] = r.provenance.captured_at
    for name, value in e.parameters:
        shown = ",".join(_param_strings(value))
        if shown:
            fields[f"sagewarden/Parameters/{name}"] = shown
    if e.suppression is not None:
        fields["sagewarden/Suppression/Reason"] = e.suppression.reason
        fields["sagewarden/Suppression/Source"] = e.suppression.source
        if e.suppression.expires:
            fields["sagewarden/Suppression/Expires"] = e.suppression.expires
    if placeholder:
        fields["sagewarden/PlaceholderScope"] = "true"
    return _field_map(fields, _PRODUCT_FIELD_MAX)


def _resource(r: Resource, partition: str, region: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Id": r.arn or r.id,
        "Partition": partition,
        "Region": region,
    }
    if r.type == ResourceType.NOTEBOOK_INSTANCE:
        out["Type"] = "AwsSageMakerNotebookInstance"
        details = _notebook_details(r)
        if details:
            out["Details"] = {"AwsSageMakerNotebookInstance": details}
    else:
        out["Type"] = "Other"
        other = {"ResourceType": r.type, "Name": r.name, "Source": r.provenance.kind}
        if r.provenance.file:
            other["File"] = r.provenance.file
        out["Details"] = {"Other": _field_map(other, _OTHER_VALUE_MAX)}
    if r.tags:
        tags = {
            k: v
            for k, v in r.tags.items()
            if v.strip() and len(v) <= _TAG_VALUE_MAX and not _secret(k, v)
        }
        tags = _field_map(tags, _TAG_VALUE_MAX)
        if tags:
            out["Tags"] = tags
    return out


def _notebook_details(r: Resource) -> dict[str, Any]:
    """AwsSageMakerNotebookInstanceDetails from the CloudFormation-named properties.

    Only values of the model's type are copied: an IaC value known only at deploy time
    (an intrinsic function) is left out rather than misreported, and so is a value its
    source marks sensitive.
    """
    p = {k: v for k, v in r.properties.items() if not _secret(v)}
    out: dict[str, Any] = {}
    for name in _NOTEBOOK_STRINGS:
        value = p.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value
    if "NotebookInstanceName" not in out and not r.is_iac and r.name.strip():
        out["NotebookInstanceName"] = r.name
    for name in _NOTEBOOK_LISTS:
        items = p.get(name)
        if isinstance(items, list) and items and all(isinstance(i, str) for i in items):
            if _secret(*items):
                continue
            strings = [i for i in items if i.strip()]
            if strings:
                out[name] = strings
    size = p.get("VolumeSizeInGB")
    if isinstance(size, int) and not isinstance(size, bool):
        out["VolumeSizeInGB"] = size
    imds = p.get("InstanceMetadataServiceConfiguration")
    if isinstance(imds, dict):
        version = imds.get("MinimumInstanceMetadataServiceVersion")
        if isinstance(version, str) and version.strip() and not _secret(version):
            out["InstanceMetadataServiceConfiguration"] = {
                "MinimumInstanceMetadataServiceVersion": version
            }
    if r.arn:
        out["NotebookInstanceArn"] = r.arn
    elif r.id.startswith("arn:"):
        out["NotebookInstanceArn"] = r.id
    return out


def _secret(*values: Any) -> bool:
    return any(isinstance(v, Sensitive) for v in values)


def _identity(r: Resource) -> str:
    if r.is_iac:
        return f"{r.provenance.kind}:{r.provenance.file or ''}:{r.id}"
    return r.arn or r.id


def _partition(r: Resource, region: str) -> str:
    arn = r.arn or (r.id if r.id.startswith("arn:") else None)
    if arn is not None:
        parts = arn.split(":", 2)
        if len(parts) > 2 and parts[1] in _PARTITIONS:
            return parts[1]
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _field_map(fields: dict[str, str], value_max: int) -> dict[str, str]:
    """A FieldMap Security Hub accepts: non-blank strings, bounded keys, values and size."""
    out: dict[str, str] = {}
    for k, v in fields.items():
        if len(out) >= _FIELDS_MAX:
            break
        if k.strip() and v.strip() and len(k) <= _FIELD_KEY_MAX:
            out[k] = _clip(v, value_max)
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
