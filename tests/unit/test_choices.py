"""UNKNOWN only when the verdict depends on the unknown: every control, both template languages.

A value that is one of a few known values (Fn::If on a condition known only at deploy,
Fn::FindInMap with such a key, a parameter with AllowedValues and no value) is evaluated
option by option, and a verdict every option agrees on is the verdict. A value that can be
anything (a parameter with no default, a Terraform value known only after apply) decides
nothing where a known part already decides (one variant at 1 instance fails SageMaker.4
whatever the others are). The CloudFormation tables run as YAML and as JSON templates;
the Terraform table reads a real `terraform show -json` plan (tests/data/terraform/real).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagewarden.catalog import BY_ID, CONTROLS
from sagewarden.engine import MAX_ASSUMPTIONS, evaluate
from sagewarden.params import parse_params
from sagewarden.sources.files import read_files
from sagewarden.sources.terraform import read_plan
from sagewarden.verdicts import Evaluation, Status

P, F, NA, U, E = (
    Status.PASSED,
    Status.FAILED,
    Status.NOT_APPLICABLE,
    Status.UNKNOWN,
    Status.ERROR,
)

NB = "AWS::SageMaker::NotebookInstance"
EC = "AWS::SageMaker::EndpointConfig"
MODEL = "AWS::SageMaker::Model"
AIC = "AWS::SageMaker::AppImageConfig"
IMAGE = "AWS::SageMaker::Image"
SCHEDULE = "AWS::SageMaker::MonitoringSchedule"
JOB_TYPES = {
    "SageMaker.9": "AWS::SageMaker::DataQualityJobDefinition",
    "SageMaker.10": "AWS::SageMaker::ModelExplainabilityJobDefinition",
    "SageMaker.11": "AWS::SageMaker::DataQualityJobDefinition",
    "SageMaker.12": "AWS::SageMaker::ModelBiasJobDefinition",
    "SageMaker.13": "AWS::SageMaker::ModelQualityJobDefinition",
    "SageMaker.15": "AWS::SageMaker::ModelBiasJobDefinition",
    "SageMaker.20": "AWS::SageMaker::ModelExplainabilityJobDefinition",
    "SageMaker.25": "AWS::SageMaker::ModelQualityJobDefinition",
}
FG = "AWS::SageMaker::FeatureGroup"
IE = "AWS::SageMaker::InferenceExperiment"

NO_VALUE = {"Ref": "AWS::NoValue"}


def when(then: Any, otherwise: Any) -> dict[str, Any]:
    """Fn::If on a condition CloudFormation decides only at deploy (the stack's Region)."""
    return {"Fn::If": ["InEurope", then, otherwise]}


def by_env(key: str) -> dict[str, Any]:
    """Fn::FindInMap keyed by a parameter with AllowedValues and no value."""
    return {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, key]}


ISOLATION_OFF = {"EnableNetworkIsolation": False}
FREE = {"Ref": "Free"}  # a parameter with no default and no AllowedValues: anything
FREE_NUMBER = {"Ref": "FreeNumber"}

HEADER: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {
        "Env": {"Type": "String", "AllowedValues": ["dev", "prod"]},
        "Access": {"Type": "String", "AllowedValues": ["Enabled", "Disabled"]},
        "OnlyDisabled": {"Type": "String", "AllowedValues": ["Disabled"]},
        "Free": {"Type": "String"},
        "FreeNumber": {"Type": "Number"},
    },
    "Conditions": {"InEurope": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}},
    "Mappings": {
        "Sizes": {
            "dev": {
                "Count": 1,
                "Big": 2,
                "Isolate": "false",
                "Access": "Enabled",
                "Platform": "notebook-al2-v3",
            },
            "prod": {
                "Count": 3,
                "Big": 4,
                "Isolate": "true",
                "Access": "Disabled",
                "Platform": "notebook-al2023-v1",
            },
        }
    },
}


def variant(count: Any = 2, name: str = "v", **kw: Any) -> dict[str, Any]:
    out = {"VariantName": name, "ModelName": "m", "InstanceType": "ml.m5.large", **kw}
    if count is not None:
        out["InitialInstanceCount"] = count
    return out


SERVERLESS = {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}


def tags(*keys: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": "v"} for k in keys]


def job(count: Any = 2, network: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": count,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 20,
            }
        }
    }
    if network is not None:
        out["NetworkConfig"] = network
    return out


def inline(isolate: Any, flag: str = "EnableNetworkIsolation") -> dict[str, Any]:
    return {
        "MonitoringScheduleConfig": {
            "MonitoringJobDefinition": {"NetworkConfig": {flag: isolate}},
        }
    }


def container(mode: Any = None) -> dict[str, Any]:
    """A model container; `mode` its ImageConfig.RepositoryAccessMode (None: no ImageConfig)."""
    out: dict[str, Any] = {"Image": "registry.example:5000/m:1"}
    if mode is not None:
        out["ImageConfig"] = {"RepositoryAccessMode": mode}
    return out


def offline(key: Any) -> dict[str, Any]:
    return {"OfflineStoreConfig": {"S3StorageConfig": {"S3Uri": "s3://b/fg", "KmsKeyId": key}}}


def online(enabled: Any, storage: Any = NO_VALUE, key: Any = NO_VALUE) -> dict[str, Any]:
    return {
        "OnlineStoreConfig": {
            "EnableOnlineStore": enabled,
            "StorageType": storage,
            "SecurityConfig": {"KmsKeyId": key},
        }
    }


def capture(key: Any) -> dict[str, Any]:
    return {"DataStorageConfig": {"Destination": "s3://b/capture", "KmsKey": key}}


# (control, type, properties, parameters, verdict, part of the reason)
Case = tuple[str, str, dict[str, Any], list[str], Status, str]
REQUIRE_OWNER = ["SageMaker.6.requiredKeyTags=Owner", "SageMaker.7.requiredKeyTags=Owner"]

CASES: list[Case] = [
    # SageMaker.1 and .3: Disabled passes, absent means Enabled.
    *[
        case
        for cid, field in (("SageMaker.1", "DirectInternetAccess"), ("SageMaker.3", "RootAccess"))
        for case in (
            (cid, NB, {field: when("Disabled", "disabled")}, [], P, "whether condition InEurope"),
            (cid, NB, {field: when("Enabled", NO_VALUE)}, [], F, "whether condition InEurope"),
            (cid, NB, {field: when("Disabled", NO_VALUE)}, [], U, "FAILED if condition InEurope"),
            (cid, NB, {field: by_env("Access")}, [], U, "PASSED if parameter Env is prod"),
            (cid, NB, {field: {"Ref": "Access"}}, [], U, "FAILED if parameter Access is Enabled"),
            (cid, NB, {field: {"Ref": "OnlyDisabled"}}, [], P, "allowed value of parameter"),
            (cid, NB, {field: FREE}, [], U, "is parameter Free, which has no default"),
        )
    ],
    # SageMaker.2: a subnet, and one of the allowed subnets when they are given.
    ("SageMaker.2", NB, {"SubnetId": when("subnet-a", "subnet-b")}, [], P, "InEurope"),
    ("SageMaker.2", NB, {"SubnetId": when("subnet-a", NO_VALUE)}, [], U, "PASSED if"),
    ("SageMaker.2", NB, {"SubnetId": when("", NO_VALUE)}, [], F, "InEurope"),
    (
        "SageMaker.2",
        NB,
        {"SubnetId": when("subnet-a", "subnet-b")},
        ["SageMaker.2.SubnetIds=subnet-a"],
        U,
        "FAILED if condition InEurope is false",
    ),
    (
        "SageMaker.2",
        NB,
        {"SubnetId": when("subnet-c", "subnet-d")},
        ["SageMaker.2.SubnetIds=subnet-a"],
        F,
        "not in the allowed subnets",
    ),
    # SageMaker.4: every instance-based production variant at 2 or more.
    ("SageMaker.4", EC, {"ProductionVariants": [variant(when(3, 2))]}, [], P, "InEurope"),
    ("SageMaker.4", EC, {"ProductionVariants": [variant(when(1, 1))]}, [], F, "Count 1 (needs"),
    # 0 instances is no count AWS takes: the option that gives it cannot deploy.
    ("SageMaker.4", EC, {"ProductionVariants": [variant(when(2, 0))]}, [], E, "InEurope is f"),
    ("SageMaker.4", EC, {"ProductionVariants": [variant(when(3, 1))]}, [], U, "FAILED if"),
    ("SageMaker.4", EC, {"ProductionVariants": [variant(by_env("Count"))]}, [], U, "Env is dev"),
    ("SageMaker.4", EC, {"ProductionVariants": [variant(by_env("Big"))]}, [], P, "Env (dev"),
    (
        "SageMaker.4",
        EC,
        {"ProductionVariants": [variant(1, "low"), variant(FREE_NUMBER, "later")]},
        [],
        F,
        "low has InitialInstanceCount 1 (needs 2 or more), whatever ProductionVariants[1]",
    ),
    (
        "SageMaker.4",
        EC,
        {"ProductionVariants": [variant(2, "ok"), variant(FREE_NUMBER, "later")]},
        [],
        U,
        "ProductionVariants[1].InitialInstanceCount is parameter FreeNumber",
    ),
    (
        "SageMaker.4",
        EC,
        {"ProductionVariants": [variant(2), when(variant(1, "extra"), NO_VALUE)]},
        [],
        U,
        "ProductionVariants[1] depends on condition InEurope",
    ),
    (
        "SageMaker.4",
        EC,
        {"ProductionVariants": [variant(None, **SERVERLESS), when(variant(1), NO_VALUE)]},
        [],
        U,
        "NOT_APPLICABLE if condition InEurope is false",
    ),
    (
        "SageMaker.4",
        EC,
        {"ProductionVariants": when([variant(None, **SERVERLESS)], [variant(None, **SERVERLESS)])},
        [],
        NA,
        "every production variant is serverless",
    ),
    # SageMaker.5: isolation on.
    ("SageMaker.5", MODEL, {"EnableNetworkIsolation": when(True, "true")}, [], P, "InEurope"),
    ("SageMaker.5", MODEL, {"EnableNetworkIsolation": when(False, NO_VALUE)}, [], F, "InEurope"),
    ("SageMaker.5", MODEL, {"EnableNetworkIsolation": when(True, False)}, [], U, "PASSED if"),
    ("SageMaker.5", MODEL, {"EnableNetworkIsolation": by_env("Isolate")}, [], U, "Env is dev"),
    # SageMaker.6 and .7: tag keys per option.
    *[
        case
        for cid, rtype in (("SageMaker.6", AIC), ("SageMaker.7", IMAGE))
        for case in (
            (cid, rtype, {"Tags": when(tags("Owner"), tags("Owner", "X"))}, REQUIRE_OWNER, P, ""),
            (cid, rtype, {"Tags": when(tags("Owner"), NO_VALUE)}, REQUIRE_OWNER, U, "FAILED if"),
            (cid, rtype, {"Tags": when(tags("Team"), NO_VALUE)}, REQUIRE_OWNER, F, "Owner"),
            (cid, rtype, {"Tags": [*tags("Owner"), when(*tags("Team"), NO_VALUE)]}, [], P, ""),
            (cid, rtype, {"Tags": [when(*tags("Team"), NO_VALUE)]}, [], U, "InEurope"),
        )
    ],
    # SageMaker.8: a supported platform.
    (
        "SageMaker.8",
        NB,
        {"PlatformIdentifier": when("notebook-al2-v3", "notebook-al2-v2")},
        [],
        F,
        "InEurope",
    ),
    ("SageMaker.8", NB, {"PlatformIdentifier": by_env("Platform")}, [], U, "FAILED if parameter"),
    (
        "SageMaker.8",
        NB,
        {"PlatformIdentifier": when("notebook-al2023-v1", "notebook-al2-v3")},
        ["SageMaker.8.supportedPlatformIdentifierVersions=notebook-al2023-v1,notebook-al2-v3"],
        P,
        "InEurope",
    ),
    # SageMaker.9, .10, .13, .15: encryption in transit on 2 or more instances.
    *[
        case
        for cid in ("SageMaker.9", "SageMaker.10", "SageMaker.13", "SageMaker.15")
        for case in (
            (cid, JOB_TYPES[cid], job(when(4, 2)), [], F, "whether condition InEurope"),
            (
                cid,
                JOB_TYPES[cid],
                job(when(4, 2), {"EnableInterContainerTrafficEncryption": True}),
                [],
                P,
                "InEurope",
            ),
            (cid, JOB_TYPES[cid], job(when(1, 3)), [], U, "NOT_APPLICABLE if condition"),
            (
                cid,
                JOB_TYPES[cid],
                job(FREE_NUMBER, {"EnableInterContainerTrafficEncryption": True}),
                [],
                U,
                "InstanceCount is parameter FreeNumber",
            ),
            (
                cid,
                JOB_TYPES[cid],
                job(1, {"EnableInterContainerTrafficEncryption": FREE}),
                [],
                NA,
                "a single instance",
            ),
            (
                cid,
                JOB_TYPES[cid],
                job(by_env("Big"), {"EnableInterContainerTrafficEncryption": by_env("Isolate")}),
                [],
                U,
                "PASSED if parameter Env is prod",
            ),
        )
    ],
    # SageMaker.11 and .12: isolation on.
    *[
        case
        for cid in ("SageMaker.11", "SageMaker.12", "SageMaker.20", "SageMaker.25")
        for case in (
            (
                cid,
                JOB_TYPES[cid],
                job(2, when({"EnableNetworkIsolation": True}, {"EnableNetworkIsolation": "true"})),
                [],
                P,
                "InEurope",
            ),
            (cid, JOB_TYPES[cid], job(2, when(ISOLATION_OFF, NO_VALUE)), [], F, ""),
            (cid, JOB_TYPES[cid], job(2, {"EnableNetworkIsolation": when(True, False)}), [], U, ""),
            (cid, JOB_TYPES[cid], job(2, {"EnableNetworkIsolation": FREE}), [], U, "Free"),
        )
    ],
    # SageMaker.14: the inline job's isolation (or the referenced definition's when resolved).
    ("SageMaker.14", SCHEDULE, inline(when(True, "true")), [], P, "InEurope"),
    ("SageMaker.14", SCHEDULE, inline(when(False, NO_VALUE)), [], F, "InEurope"),
    ("SageMaker.14", SCHEDULE, inline(when(True, False)), [], U, "FAILED if condition InEurope"),
    # SageMaker.16 and .19: every judged container pulls from a private registry (Vpc).
    ("SageMaker.16", MODEL, {"PrimaryContainer": container(when("Vpc", "vpc"))}, [], P, ""),
    ("SageMaker.16", MODEL, {"PrimaryContainer": container(when("Vpc", "Platform"))}, [], U, "PA"),
    ("SageMaker.16", MODEL, {"PrimaryContainer": container(FREE)}, [], U, "Free"),
    ("SageMaker.16", MODEL, {"PrimaryContainer": container(when("Platform", NO_VALUE))}, [], F, ""),
    ("SageMaker.16", MODEL, {"Containers": [container(when("Vpc", "Platform"))]}, [], NA, ""),
    ("SageMaker.19", MODEL, {"Containers": [container("Vpc"), container(FREE)]}, [], U, "Free"),
    ("SageMaker.19", MODEL, {"Containers": [container("Platform"), container(FREE)]}, [], F, ""),
    (
        "SageMaker.19",
        MODEL,
        {"Containers": [container("Vpc"), when(container(), NO_VALUE)]},
        [],
        U,
        "FAILED if condition InEurope is true",
    ),
    ("SageMaker.19", MODEL, {"PrimaryContainer": container(FREE)}, [], NA, "single-container"),
    # SageMaker.17, .18, .21, .23, .24: a KMS key is named (any key; one known only at
    # deploy is a key all the same).
    ("SageMaker.17", FG, offline(when("alias/a", "alias/b")), [], P, "InEurope"),
    ("SageMaker.17", FG, offline(when("alias/a", NO_VALUE)), [], U, "FAILED if condition"),
    ("SageMaker.17", FG, offline(when("", NO_VALUE)), [], F, "InEurope"),
    ("SageMaker.17", FG, offline(FREE), [], P, "KmsKeyId is set"),
    (
        "SageMaker.17",
        FG,
        {"OfflineStoreConfig": when(offline("alias/a")["OfflineStoreConfig"], NO_VALUE)},
        [],
        U,
        "NOT_APPLICABLE if condition InEurope is false",
    ),
    ("SageMaker.18", FG, online(when(True, False)), [], U, "NOT_APPLICABLE if"),
    ("SageMaker.18", FG, online(True, FREE, "alias/a"), [], U, "StorageType is parameter Free"),
    ("SageMaker.18", FG, online(True, FREE), [], U, "StorageType"),
    ("SageMaker.18", FG, online(FREE, "InMemory"), [], NA, "whatever"),
    ("SageMaker.18", FG, online(True, when("Standard", NO_VALUE), FREE), [], P, "is set"),
    ("SageMaker.21", NB, {"KmsKeyId": when("alias/a", NO_VALUE)}, [], U, "PASSED if"),
    ("SageMaker.21", NB, {"KmsKeyId": FREE}, [], P, "KmsKeyId is set"),
    ("SageMaker.21", NB, {"KmsKeyId": when("", NO_VALUE)}, [], F, ""),
    ("SageMaker.23", IE, {"KmsKey": when("alias/a", NO_VALUE)}, [], U, "PASSED if"),
    ("SageMaker.23", IE, {"KmsKey": by_env("Platform")}, [], P, "Env"),
    ("SageMaker.24", IE, capture(when("alias/a", "")), [], U, "FAILED if condition InEurope"),
    (
        "SageMaker.24",
        IE,
        {"DataStorageConfig": when(capture("k")["DataStorageConfig"], NO_VALUE)},
        [],
        U,
        "NOT_APPLICABLE",
    ),
    ("SageMaker.24", IE, {"DataStorageConfig": when(NO_VALUE, NO_VALUE)}, [], NA, "no DataStorage"),
    ("SageMaker.24", IE, capture(FREE), [], P, "is set"),
    # SageMaker.22: the inline job's traffic encryption; a referencing schedule is out of
    # scope whatever its reference is.
    *[
        ("SageMaker.22", SCHEDULE, inline(v, "EnableInterContainerTrafficEncryption"), [], st, r)
        for v, st, r in (
            (when(True, "true"), P, "InEurope"),
            (when(False, NO_VALUE), F, "InEurope"),
            (when(True, False), U, "FAILED if condition InEurope"),
            (FREE, U, "Free"),
        )
    ],
    (
        "SageMaker.22",
        SCHEDULE,
        {
            "MonitoringScheduleConfig": {
                "MonitoringType": "ModelQuality",
                "MonitoringJobDefinitionName": when("a", "b"),
            }
        },
        [],
        NA,
        "does not judge",
    ),
]


def _template(rtype: str, props: dict[str, Any]) -> dict[str, Any]:
    return {**HEADER, "Resources": {"Subject": {"Type": rtype, "Properties": props}}}


def _evaluate(path: Path, control_id: str, params: list[str]) -> Evaluation:
    read = read_files([str(path)], None)
    assert not [d for d in read.diagnostics if d.kind.value == "input"], read.diagnostics
    pset, diags = parse_params(params)
    assert not diags
    (ev,) = [
        e
        for e in evaluate(read.resources, [BY_ID[control_id]], pset).evaluations
        if e.resource.id == "Subject"
    ]
    return ev


def _write(tmp_path: Path, doc: dict[str, Any], language: str) -> Path:
    if language == "yaml":
        path = tmp_path / "template.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    else:
        path = tmp_path / "template.json"
        path.write_text(json.dumps(doc, indent=1))
    return path


@pytest.mark.parametrize("language", ["yaml", "json"])
@pytest.mark.parametrize(
    ("control_id", "rtype", "props", "params", "status", "reason"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_cloudformation_choices(
    tmp_path: Path,
    language: str,
    control_id: str,
    rtype: str,
    props: dict[str, Any],
    params: list[str],
    status: Status,
    reason: str,
) -> None:
    path = _write(tmp_path, _template(rtype, props), language)
    ev = _evaluate(path, control_id, params)
    assert ev.status is status, ev.reason
    assert reason in ev.reason


def test_every_control_has_choice_cases() -> None:
    covered = {c[0] for c in CASES}
    assert covered == {c.id for c in CONTROLS}


def test_schedule_reference_that_is_one_of_two_definitions_is_resolved_per_option(
    tmp_path: Path,
) -> None:
    def definition(isolated: bool) -> dict[str, Any]:
        return {
            "Type": "AWS::SageMaker::DataQualityJobDefinition",
            "Properties": {
                "JobDefinitionName": "iso" if isolated else "open",
                **job(1, {"EnableNetworkIsolation": isolated}),
            },
        }

    def schedule(name: Any) -> dict[str, Any]:
        return {
            "Type": SCHEDULE,
            "Properties": {
                "MonitoringScheduleConfig": {
                    "MonitoringJobDefinitionName": name,
                    "MonitoringType": "DataQuality",
                }
            },
        }

    doc = {
        **HEADER,
        "Resources": {
            "Iso": definition(True),
            "Open": definition(False),
            "Subject": schedule(when("iso", "open")),
        },
    }
    path = _write(tmp_path, doc, "yaml")
    ev = _evaluate(path, "SageMaker.14", ["SageMaker.14.resolveReferences=true"])
    assert ev.status is U
    assert "PASSED if condition InEurope is true; FAILED if condition InEurope is false" in (
        ev.reason
    )
    named_by_stack = {"Fn::GetAtt": ["Iso", "JobDefinitionName"]}
    doc["Resources"]["Subject"] = schedule(when("iso", named_by_stack))
    path = _write(tmp_path, doc, "yaml")
    ev = _evaluate(path, "SageMaker.14", ["SageMaker.14.resolveReferences=true"])
    assert ev.status is P, ev.reason
    # The literal rule fails every referencing schedule, whichever definition it names.
    assert _evaluate(path, "SageMaker.14", []).status is F


def test_short_forms_in_yaml(tmp_path: Path) -> None:
    """The issue's cases, as a person writes them."""
    path = tmp_path / "t.yaml"
    path.write_text(
        """\
Conditions:
  Big: !Equals [!Ref AWS::AccountId, "111122223333"]
Resources:
  Subject:
    Type: AWS::SageMaker::DataQualityJobDefinition
    Properties:
      JobResources:
        ClusterConfig: {InstanceCount: !If [Big, 4, 2], InstanceType: ml.m5.large}
"""
    )
    ev = _evaluate(path, "SageMaker.9", [])
    assert ev.status is F
    assert ev.reason == (
        "NetworkConfig.EnableInterContainerTrafficEncryption is false (the default when unset) "
        "on 4 instances, whether condition Big is true or false"
    )


def test_conditions_shared_by_two_values_are_assumed_together(tmp_path: Path) -> None:
    """Both fields follow one condition: the two mixed combinations cannot happen."""
    props = {
        "DirectInternetAccess": when("Disabled", "Enabled"),
        "RootAccess": when("Disabled", "Enabled"),
    }
    doc = _template(NB, props)
    path = _write(tmp_path, doc, "yaml")
    ev = _evaluate(path, "SageMaker.1", [])
    assert ev.reason.count(" if ") == 2  # true and false, not four combinations


def test_a_mapping_without_the_assumed_key_is_a_combination_no_deploy_makes(
    tmp_path: Path,
) -> None:
    doc = _template(EC, {"ProductionVariants": [variant(by_env("Big"))]})
    del doc["Mappings"]["Sizes"]["dev"]["Big"]
    path = _write(tmp_path, doc, "yaml")
    ev = _evaluate(path, "SageMaker.4", [])
    assert ev.status is P  # dev has no Big: only prod (4) can deploy
    assert "parameter Env" in ev.reason


def test_too_many_combinations_stay_unknown(tmp_path: Path) -> None:
    conditions = {f"C{i}": {"Fn::Equals": [{"Ref": "AWS::Region"}, f"r{i}"]} for i in range(8)}
    variants = [variant({"Fn::If": [f"C{i}", 3, 2]}, f"v{i}") for i in range(8)]
    doc = {
        "Conditions": conditions,
        "Resources": {"Subject": {"Type": EC, "Properties": {"ProductionVariants": variants}}},
    }
    path = _write(tmp_path, doc, "json")
    ev = _evaluate(path, "SageMaker.4", [])
    assert ev.status is U
    assert f"more than {MAX_ASSUMPTIONS}" in ev.reason


# -- Terraform: a real plan (tests/data/terraform/real/unknowns) ------------------------------

PLAN = (
    Path(__file__).resolve().parents[1] / "data" / "terraform" / "real" / "unknowns" / "plan.json"
)

TERRAFORM: dict[tuple[str, str], tuple[Status, str]] = {
    ("SageMaker.1", "aws_sagemaker_notebook_instance.later"): (U, "known only after apply"),
    ("SageMaker.2", "aws_sagemaker_notebook_instance.later"): (P, "SubnetId is set"),
    ("SageMaker.3", "aws_sagemaker_notebook_instance.later"): (U, "known only after apply"),
    ("SageMaker.4", "aws_sagemaker_endpoint_configuration.one_low_one_later"): (
        F,
        "production variant low has InitialInstanceCount 1 (needs 2 or more), whatever "
        "ProductionVariants[1].InitialInstanceCount is (it comes from local.later_count, "
        "known only after apply)",
    ),
    ("SageMaker.4", "aws_sagemaker_endpoint_configuration.one_ok_one_later"): (
        U,
        "ProductionVariants[1].InitialInstanceCount comes from local.later_count",
    ),
    ("SageMaker.5", "aws_sagemaker_model.later"): (U, "comes from local.later_bool"),
    ("SageMaker.9", "aws_sagemaker_data_quality_job_definition.single_later_flags"): (
        NA,
        "InstanceCount is 1",
    ),
    ("SageMaker.9", "aws_sagemaker_data_quality_job_definition.later_count_plain"): (
        U,
        "InstanceCount comes from local.later_count",
    ),
    ("SageMaker.11", "aws_sagemaker_data_quality_job_definition.single_later_flags"): (
        U,
        "EnableNetworkIsolation comes from local.later_bool",
    ),
    ("SageMaker.11", "aws_sagemaker_data_quality_job_definition.later_count_plain"): (
        F,
        "EnableNetworkIsolation is false (the default when unset)",
    ),
}


def test_terraform_unknowns_decide_only_where_the_verdict_depends_on_them() -> None:
    resources, diags = read_plan(json.loads(PLAN.read_text()), str(PLAN))
    assert not [d for d in diags if d.kind.value == "input"]
    pset, _ = parse_params([])
    got = {
        (e.control.id, e.resource.id): e for e in evaluate(resources, CONTROLS, pset).evaluations
    }
    for key, (status, reason) in TERRAFORM.items():
        assert got[key].status is status, (key, got[key].reason)
        assert reason in got[key].reason, key
