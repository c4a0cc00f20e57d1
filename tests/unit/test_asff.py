"""ASFF findings, from evaluations made by the real engine, validated against botocore.

Every finding is checked with botocore's ParamValidator against the BatchImportFindings
input shape, plus what that validator leaves out: string patterns and enums of the model.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator

from sagewarden.catalog import BY_ID, CONTROLS
from sagewarden.engine import evaluate
from sagewarden.outputs import asff
from sagewarden.params import parse_params
from sagewarden.resources import Provenance, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.unknowns import UnresolvedValue
from sagewarden.verdicts import Evaluation, Status, Suppression

ACCOUNT = "111122223333"
REGION = "eu-west-1"
TEMPLATE = "templates/app.yaml"
NOW = datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=timezone.utc)
PARAMS = ["SageMaker.6.requiredKeyTags=Owner", "SageMaker.14.resolveReferences=false"]
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

GOOD_NOTEBOOK: dict[str, Any] = {
    "NotebookInstanceName": "good",
    "DirectInternetAccess": "Disabled",
    "RootAccess": "Disabled",
    "SubnetId": "subnet-1",
    "SecurityGroups": ["sg-1", "sg-2"],
    "PlatformIdentifier": "notebook-al2023-v1",
    "InstanceType": "ml.t3.medium",
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution",
    "VolumeSizeInGB": 20,
    "KmsKeyId": "alias/notebooks",
    "NotebookInstanceLifecycleConfigName": "lc",
    "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
    "Url": "good.notebook.eu-west-1.sagemaker.aws",
}
_NETWORK = {
    "EnableNetworkIsolation": True,
    "EnableInterContainerTrafficEncryption": True,
    "VpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
}
_JOB = {"NetworkConfig": _NETWORK, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/r"}


# --- building evaluations through the real engine -----------------------------------


def _aws(
    rtype: str,
    name: str,
    props: dict[str, Any],
    tags: dict[str, str] | None = None,
    read_error: str | None = None,
) -> Resource:
    short = rtype.rsplit("::", 1)[1].lower()
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{short}/{name}"
    return Resource(
        type=rtype,
        id=arn,
        name=name,
        properties=props,
        tags=tags if tags is not None else {"Owner": "ml-team"},
        provenance=Provenance("aws", captured_at="2026-01-01T00:00:00Z"),
        account_id=ACCOUNT,
        region=REGION,
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


_ECR = {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"}


def _resources() -> list[Resource]:
    return [
        _aws(RT.NOTEBOOK_INSTANCE, "good", dict(GOOD_NOTEBOOK)),
        _aws(
            RT.NOTEBOOK_INSTANCE,
            "open",
            {"NotebookInstanceName": "open", "DirectInternetAccess": "Enabled"},
        ),
        _aws(RT.NOTEBOOK_INSTANCE, "unreadable", {}, read_error="AccessDenied on Describe"),
        _aws(
            RT.ENDPOINT_CONFIG,
            "ec",
            {"ProductionVariants": [{"VariantName": "v", "InitialInstanceCount": 2}]},
        ),
        _aws(RT.MODEL, "model", {"EnableNetworkIsolation": False, "PrimaryContainer": _ECR}),
        _aws(RT.MODEL, "pipeline", {"Containers": [_ECR, _ECR]}),
        _aws(
            RT.FEATURE_GROUP,
            "fg",
            {
                "OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": "s3://b/fg"}},
                "OnlineStoreConfig": {"EnableOnlineStore": True},
            },
        ),
        _aws(RT.INFERENCE_EXPERIMENT, "ie", {"KmsKey": "alias/ml", "DataStorageConfig": {}}),
        _aws(RT.APP_IMAGE_CONFIG, "aic", {}, tags={"Team": "x"}),
        _aws(RT.IMAGE, "image", {}, tags={"Owner": "ml-team"}),
        _aws(RT.DATA_QUALITY_JOB_DEFINITION, "dq", dict(_JOB)),
        _aws(RT.MODEL_BIAS_JOB_DEFINITION, "bias", dict(_JOB)),
        _aws(RT.MODEL_EXPLAINABILITY_JOB_DEFINITION, "expl", {}),
        _aws(RT.MODEL_QUALITY_JOB_DEFINITION, "mq", dict(_JOB)),
        _aws(
            RT.MONITORING_SCHEDULE,
            "sched",
            {
                "MonitoringScheduleConfig": {
                    "MonitoringType": "DataQuality",
                    "MonitoringJobDefinitionName": "dq",
                }
            },
        ),
        _cfn(
            RT.NOTEBOOK_INSTANCE,
            "TemplateNotebook",
            {
                **GOOD_NOTEBOOK,
                "DirectInternetAccess": UnresolvedValue("is !Ref Access, known only at deploy"),
                "NotebookInstanceName": {"Ref": "Name"},
            },
            12,
        ),
        _cfn(
            RT.MODEL,
            "TemplateModel",
            {"EnableNetworkIsolation": True, "PrimaryContainer": _ECR},
            40,
        ),
    ]


def _evaluate(resources: list[Resource] | None = None) -> list[Evaluation]:
    pset, diags = parse_params(PARAMS)
    assert not diags, [d.line() for d in diags]
    return evaluate(resources or _resources(), CONTROLS, pset).evaluations


def _pick(evs: Sequence[Evaluation], control: str, rid: str) -> Evaluation:
    hits = [e for e in evs if e.control.id == control and e.resource.id == rid]
    assert len(hits) == 1, (control, rid)
    return hits[0]


def _arn(rtype: str, name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{rtype.rsplit('::', 1)[1].lower()}/{name}"


# --- validation against botocore's model ----------------------------------------------


@cache
def _input_shape() -> StructureShape:
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    assert isinstance(shape, StructureShape)
    return shape


def _model_errors(value: Any, shape: Shape, path: str) -> list[str]:
    """Patterns and enums: the constraints botocore's ParamValidator does not check."""
    errors: list[str] = []
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for k, v in value.items():
            errors += _model_errors(v, shape.members[k], f"{path}.{k}")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for i, v in enumerate(value):
            errors += _model_errors(v, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for k, v in value.items():
            errors += _model_errors(k, shape.key, f"{path} key {k!r}")
            errors += _model_errors(v, shape.value, f"{path}[{k!r}]")
    elif shape.type_name == "string" and isinstance(value, str):
        pattern = shape.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value, re.DOTALL):
            errors.append(f"{path}: {value!r} does not match {pattern}")
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            errors.append(f"{path}: {value!r} not in {enum}")
    return errors


def _limit_errors(f: dict[str, Any]) -> list[str]:
    """ASFF limits from the Security Hub user guide (not in the model)."""
    errors = []
    for name, limit in (("Id", 512), ("GeneratorId", 512), ("Title", 256), ("Description", 1024)):
        if len(f[name]) > limit:
            errors.append(f"{name} longer than {limit}")
    if len(f["Remediation"]["Recommendation"]["Text"]) > 512:
        errors.append("Recommendation.Text longer than 512")
    maps = [f.get("ProductFields", {})] + [
        r.get("Details", {}).get("Other", {}) for r in f["Resources"]
    ]
    for m in maps:
        if len(m) > 50:
            errors.append("map with more than 50 entries")
        for k, v in m.items():
            if not isinstance(v, str) or len(k) >= 128 or len(v) > 2048:
                errors.append(f"map entry {k!r} out of bounds")
    for ts in ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt"):
        if not ISO.match(f[ts]):
            errors.append(f"{ts} is not ISO 8601: {f[ts]!r}")
    return errors


def assert_valid(findings: list[dict[str, Any]]) -> None:
    assert findings
    shape = _input_shape()
    for i in range(0, len(findings), asff.BATCH_LIMIT):
        batch = {"Findings": findings[i : i + asff.BATCH_LIMIT]}
        report = ParamValidator().validate(batch, shape)
        assert not report.has_errors(), report.generate_report()
        errors = _model_errors(batch, shape, "input")
        assert not errors, errors
    for f in findings:
        assert not _limit_errors(f), (f["Id"], _limit_errors(f))


# --- tests --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evs() -> list[Evaluation]:
    return _evaluate()


@pytest.fixture(scope="module")
def found(evs: list[Evaluation]) -> list[dict[str, Any]]:
    return asff.findings(evs, now=NOW)


def test_every_control_has_a_valid_finding(
    evs: list[Evaluation], found: list[dict[str, Any]]
) -> None:
    assert len(found) == len(evs)
    assert {f["Compliance"]["SecurityControlId"] for f in found} == {c.id for c in CONTROLS}
    assert_valid(found)


def test_validator_catches_bad_findings(found: list[dict[str, Any]]) -> None:
    bad = json.loads(json.dumps(found[0]))
    bad["Severity"]["Label"] = "SEVERE"
    bad["Resources"][0]["Details"]["AwsSageMakerNotebookInstance"]["VolumeSizeInGB"] = "20"
    report = ParamValidator().validate({"Findings": [bad]}, _input_shape())
    assert report.has_errors()
    assert _model_errors({"Findings": [bad]}, _input_shape(), "input")


def test_common_fields(found: list[dict[str, Any]]) -> None:
    for f in found:
        cid = f["Compliance"]["SecurityControlId"]
        c = BY_ID[cid]
        assert f["SchemaVersion"] == "2018-10-08"
        assert f["GeneratorId"] == f"security-control/{cid}"
        assert f["Types"] == ["Software and Configuration Checks/Industry and Regulatory Standards"]
        assert f["FindingProviderFields"]["Types"] == f["Types"]
        assert f["Title"] == f"{cid} {c.title}"
        assert f["Description"] == c.description
        assert f["Remediation"]["Recommendation"]["Url"] == c.doc_url
        assert f["Severity"] == {
            "Label": c.severity.value,
            "Normalized": c.severity.normalized,
            "Original": c.severity.value,
        }
        assert f["FindingProviderFields"]["Severity"]["Label"] == c.severity.value
        assert f["Compliance"].get("RelatedRequirements", []) == list(c.related_requirements)
        assert f["Compliance"]["AssociatedStandards"] == [
            {"StandardsId": s.id} for s in c.standards
        ]
        assert f["RecordState"] == "ACTIVE"
        assert f["UpdatedAt"] == "2026-03-04T05:06:07.891Z"
        assert f["CreatedAt"] == f["FirstObservedAt"] == f["LastObservedAt"] == f["UpdatedAt"]
        acct, region = f["AwsAccountId"], f["Region"]
        assert f["ProductArn"] == f"arn:aws:securityhub:{region}:{acct}:product/{acct}/default"
        assert f["Id"].startswith(f"arn:aws:securityhub:{region}:{acct}:sagewarden/")
    normalized = {f["Severity"]["Label"]: f["Severity"]["Normalized"] for f in found}
    assert normalized == {"LOW": 1, "MEDIUM": 40, "HIGH": 70}


def test_aws_resource_scope(evs: list[Evaluation], found: list[dict[str, Any]]) -> None:
    i = evs.index(_pick(evs, "SageMaker.5", _arn(RT.MODEL, "model")))
    f = found[i]
    assert f["AwsAccountId"] == ACCOUNT and f["Region"] == REGION
    [res] = f["Resources"]
    assert res["Id"] == _arn(RT.MODEL, "model")
    assert res["Type"] == "Other"
    assert res["Partition"] == "aws" and res["Region"] == REGION
    assert res["Details"]["Other"] == {
        "ResourceType": RT.MODEL,
        "Name": "model",
        "Source": "aws",
    }
    assert res["Tags"] == {"Owner": "ml-team"}
    assert f["Compliance"]["Status"] == "FAILED"
    assert f["Workflow"] == {"Status": "NEW"}
    assert f["ProductFields"]["sagewarden/Status"] == "FAILED"
    assert "EnableNetworkIsolation" in f["Compliance"]["StatusReasons"][0]["Description"]


def test_ids_deterministic_and_distinct(evs: list[Evaluation], found: list[dict[str, Any]]) -> None:
    ids = [f["Id"] for f in found]
    assert len(set(ids)) == len(ids)
    later = datetime(2027, 1, 1, tzinfo=timezone.utc)
    again = asff.findings(_evaluate(), now=later)
    assert [f["Id"] for f in again] == ids
    # The Id depends on control and resource, not on the verdict or its reason.
    e = evs[0]
    flipped = dataclasses.replace(e, status=Status.PASSED, reason="other")
    assert asff.findings([flipped], now=later)[0]["Id"] == ids[0]


def test_status_mapping(evs: list[Evaluation], found: list[dict[str, Any]]) -> None:
    seen = set()
    for e, f in zip(evs, found, strict=True):
        assert f["Compliance"]["Status"] == e.status.security_hub
        assert f["ProductFields"]["sagewarden/Status"] == e.status.value
        [reason] = f["Compliance"]["StatusReasons"]
        assert reason["Description"] == e.reason
        seen.add(e.status)
    assert {Status.PASSED, Status.FAILED, Status.UNKNOWN, Status.ERROR} <= seen
    by = {(e.control.id, e.resource.id): f for e, f in zip(evs, found, strict=True)}
    good = _arn(RT.NOTEBOOK_INSTANCE, "good")
    assert by[("SageMaker.1", good)]["Compliance"]["Status"] == "PASSED"
    assert by[("SageMaker.1", good)]["Workflow"]["Status"] == "RESOLVED"
    assert by[("SageMaker.1", _arn(RT.NOTEBOOK_INSTANCE, "open"))]["Compliance"]["Status"] == (
        "FAILED"
    )
    err = by[("SageMaker.1", _arn(RT.NOTEBOOK_INSTANCE, "unreadable"))]["Compliance"]
    assert err["Status"] == "NOT_AVAILABLE"
    assert err["StatusReasons"][0]["ReasonCode"] == "CONFIG_RULE_EVALUATION_ERROR"
    assert by[("SageMaker.1", "TemplateNotebook")]["Compliance"]["Status"] == "WARNING"


def test_not_applicable_maps_to_not_available() -> None:
    e = _evaluate()[0]
    na = dataclasses.replace(e, status=Status.NOT_APPLICABLE, reason="out of scope")
    [f] = asff.findings([na], now=NOW)
    assert f["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert f["Compliance"]["StatusReasons"][0]["ReasonCode"] == "CONFIG_RETURNS_NOT_APPLICABLE"
    assert_valid([f])


def test_notebook_details(evs: list[Evaluation], found: list[dict[str, Any]]) -> None:
    arn = _arn(RT.NOTEBOOK_INSTANCE, "good")
    f = found[evs.index(_pick(evs, "SageMaker.1", arn))]
    [res] = f["Resources"]
    assert res["Type"] == "AwsSageMakerNotebookInstance"
    assert res["Id"] == arn
    assert res["Details"] == {
        "AwsSageMakerNotebookInstance": {
            "DirectInternetAccess": "Disabled",
            "InstanceType": "ml.t3.medium",
            "KmsKeyId": "alias/notebooks",
            "NotebookInstanceLifecycleConfigName": "lc",
            "NotebookInstanceName": "good",
            "PlatformIdentifier": "notebook-al2023-v1",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution",
            "RootAccess": "Disabled",
            "SubnetId": "subnet-1",
            "Url": "good.notebook.eu-west-1.sagemaker.aws",
            "SecurityGroups": ["sg-1", "sg-2"],
            "VolumeSizeInGB": 20,
            "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
            "NotebookInstanceArn": arn,
        }
    }


def test_template_resources_use_defaults_or_placeholders(evs: list[Evaluation]) -> None:
    e = _pick(evs, "SageMaker.1", "TemplateNotebook")
    [f] = asff.findings([e], now=NOW)
    assert (f["AwsAccountId"], f["Region"]) == ("000000000000", "us-east-1")
    assert f["ProductFields"]["sagewarden/PlaceholderScope"] == "true"
    assert f["ProductFields"]["sagewarden/File"] == f"{TEMPLATE}:12"
    [res] = f["Resources"]
    assert res["Id"] == "TemplateNotebook"
    details = res["Details"]["AwsSageMakerNotebookInstance"]
    # Deploy-time values are left out, never misreported.
    assert "DirectInternetAccess" not in details
    assert "NotebookInstanceName" not in details
    assert "NotebookInstanceArn" not in details
    assert details["RootAccess"] == "Disabled"
    [g] = asff.findings([e], now=NOW, default_account="444455556666", default_region="cn-north-1")
    assert (g["AwsAccountId"], g["Region"]) == ("444455556666", "cn-north-1")
    assert g["Resources"][0]["Partition"] == "aws-cn"
    assert g["ProductArn"] == (
        "arn:aws-cn:securityhub:cn-north-1:444455556666:product/444455556666/default"
    )
    assert "sagewarden/PlaceholderScope" not in g["ProductFields"]
    assert g["Id"] != f["Id"]
    assert_valid([f, g])


def test_same_logical_id_in_two_templates_gets_two_ids() -> None:
    a = _cfn(RT.MODEL, "M", {"EnableNetworkIsolation": True, "PrimaryContainer": _ECR}, 1)
    b = dataclasses.replace(a, provenance=Provenance("cloudformation", file="other.yaml"))
    out = asff.findings(_evaluate([a, b]), now=NOW)
    out = [f for f in out if f["Compliance"]["SecurityControlId"] == "SageMaker.5"]
    assert len(out) == 2 and out[0]["Id"] != out[1]["Id"]


def test_security_control_parameters_only_when_set(
    evs: list[Evaluation], found: list[dict[str, Any]]
) -> None:
    aic = found[evs.index(_pick(evs, "SageMaker.6", _arn(RT.APP_IMAGE_CONFIG, "aic")))]
    assert aic["Compliance"]["SecurityControlParameters"] == [
        {"Name": "requiredKeyTags", "Value": ["Owner"]}
    ]
    assert aic["Compliance"]["Status"] == "FAILED"  # carries Team, not Owner
    assert aic["ProductFields"]["sagewarden/Parameters/requiredKeyTags"] == "Owner"
    image = found[evs.index(_pick(evs, "SageMaker.7", _arn(RT.IMAGE, "image")))]
    assert "SecurityControlParameters" not in image["Compliance"]
    # sagewarden's own parameters are reported, but not as Security Hub parameters.
    sched = found[evs.index(_pick(evs, "SageMaker.14", _arn(RT.MONITORING_SCHEDULE, "sched")))]
    assert "SecurityControlParameters" not in sched["Compliance"]
    assert sched["ProductFields"]["sagewarden/Parameters/resolveReferences"] == "false"


def test_suppressed_finding(evs: list[Evaluation]) -> None:
    e = _pick(evs, "SageMaker.1", _arn(RT.NOTEBOOK_INSTANCE, "open"))
    s = Suppression("SageMaker.1", "lab notebook", ".sagewarden.yaml:3", expires="2026-12-31")
    [f] = asff.findings([dataclasses.replace(e, suppression=s)], now=NOW)
    assert f["Workflow"] == {"Status": "SUPPRESSED"}
    assert f["Compliance"]["Status"] == "FAILED"
    assert f["Note"] == {
        "Text": "Suppressed (.sagewarden.yaml:3): lab notebook (expires 2026-12-31)",
        "UpdatedBy": "sagewarden",
        "UpdatedAt": "2026-03-04T05:06:07.891Z",
    }
    assert f["ProductFields"]["sagewarden/Suppression/Reason"] == "lab notebook"
    assert_valid([f])


def test_observed_timestamps(evs: list[Evaluation]) -> None:
    calls: list[str] = []

    def observed(fid: str) -> tuple[str, str, str] | None:
        calls.append(fid)
        if len(calls) == 1:
            return ("2025-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2025-01-01T00:00:01Z")
        return None

    out = asff.findings(evs[:2], now=NOW, observed=observed)
    assert calls == [f["Id"] for f in out]
    assert out[0]["FirstObservedAt"] == "2025-01-01T00:00:00.000Z"
    assert out[0]["LastObservedAt"] == "2026-02-01T00:00:00.000Z"
    assert out[0]["CreatedAt"] == "2025-01-01T00:00:01Z"
    assert out[0]["UpdatedAt"] == "2026-03-04T05:06:07.891Z"
    assert out[1]["FirstObservedAt"] == out[1]["CreatedAt"] == "2026-03-04T05:06:07.891Z"
    assert_valid(out)


def test_long_and_hostile_text_stays_in_bounds() -> None:
    long_name = "n" * 3000
    r = _aws(RT.MODEL, "x", {"EnableNetworkIsolation": False}, tags={"k": "", "Owner": "o"})
    r = dataclasses.replace(r, name=long_name)
    [e] = [e for e in _evaluate([r]) if e.control.id == "SageMaker.5"]
    e = dataclasses.replace(e, reason="r\x00" * 2000)
    [f] = asff.findings([e], now=NOW)
    assert_valid([f])
    assert len(f["Resources"][0]["Details"]["Other"]["Name"]) < 1024
    assert f["Resources"][0]["Tags"] == {"Owner": "o"}  # blank values are not accepted


def test_naive_now_is_utc() -> None:
    assert asff.timestamp(datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02T03:04:05.000Z"


def test_render(evs: list[Evaluation]) -> None:
    buf = io.BytesIO()
    asff.render(buf, evs, {}, [])
    doc = json.loads(buf.getvalue())
    assert list(doc) == ["Findings"]
    assert len(doc["Findings"]) == len(evs)
    assert_valid(doc["Findings"])


def test_newer_controls_carry_the_ai_security_standard(
    evs: list[Evaluation], found: list[dict[str, Any]]
) -> None:
    fg = found[evs.index(_pick(evs, "SageMaker.17", _arn(RT.FEATURE_GROUP, "fg")))]
    assert fg["Compliance"]["Status"] == "FAILED"
    assert fg["Compliance"]["AssociatedStandards"] == [
        {"StandardsId": "standards/aws-ai-security-best-practices/v/1.0.0"}
    ]
    online = found[evs.index(_pick(evs, "SageMaker.18", _arn(RT.FEATURE_GROUP, "fg")))]
    assert "NIST.800-53.r5 SC-28" in online["Compliance"]["RelatedRequirements"]
    assert online["Severity"]["Label"] == "MEDIUM"
    ie = found[evs.index(_pick(evs, "SageMaker.24", _arn(RT.INFERENCE_EXPERIMENT, "ie")))]
    assert ie["Compliance"]["Status"] == "FAILED"
    assert ie["Resources"][0]["Type"] == "Other"
