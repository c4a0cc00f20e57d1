"""Terraform plans (`terraform show -json`) through the real engine, good and bad."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import CONTROLS
from sagewarden.diagnostics import Kind
from sagewarden.engine import evaluate
from sagewarden.kinds import ALL_TYPES, name_property
from sagewarden.params import parse_params
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.sources.terraform import AFTER_APPLY, is_plan, parse_address, read_plan
from sagewarden.sources.terraform.mapping import AWS_TYPES, AWSCC_TYPES, TYPES, pascal
from sagewarden.unknowns import UnresolvedValue
from sagewarden.verdicts import Status
from tests.helpers import ORIGINAL_CONTROLS

DATA = Path(__file__).resolve().parents[1] / "data" / "terraform"
P, F, NA, U, E = (
    Status.PASSED,
    Status.FAILED,
    Status.NOT_APPLICABLE,
    Status.UNKNOWN,
    Status.ERROR,
)
RESOLVE = ["SageMaker.14.resolveReferences=true"]

Verdicts = dict[tuple[str, str], Status]


@cache
def _text(name: str) -> str:
    return (DATA / name).read_text()


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(_text(name))
    return doc


def read(name: str) -> tuple[list[Resource], list[Any]]:
    return read_plan(load(name), str(DATA / name))


def run(resources: list[Resource], params: list[str] | None = None) -> Verdicts:
    pset, diags = parse_params(params or [])
    assert not diags
    result = evaluate(resources, list(ORIGINAL_CONTROLS), pset)
    return {(e.control.id, e.resource.id): e.status for e in result.evaluations}


def verdicts(name: str, params: list[str] | None = None) -> Verdicts:
    return run(read(name)[0], params)


def by_id(resources: list[Resource], address: str) -> Resource:
    found = [r for r in resources if r.id == address]
    assert len(found) == 1, address
    return found[0]


def table(rows: str) -> Verdicts:
    """'SageMaker.N address STATUS' per line -> expectations."""
    names = {"P": P, "F": F, "NA": NA, "U": U, "E": E}
    out: Verdicts = {}
    for line in rows.strip().splitlines():
        control, address, status = line.split()
        out[(f"SageMaker.{control}", address)] = names[status]
    return out


# -- recognising a plan ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"format_version": "1.2", "planned_values": {}}, True),
        ({"format_version": "1.0", "resource_changes": []}, True),
        ({"format_version": "1.0", "values": {"root_module": {}}}, False),  # a state
        ({"planned_values": {}}, False),
        ({"configurationItems": []}, False),
        ([{"format_version": "1.2"}], False),
        (None, False),
    ],
)
def test_is_plan(doc: object, expected: bool) -> None:
    assert is_plan(doc) is expected


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.json")))
def test_every_fixture_is_a_plan_read_without_input_diagnostics(name: str) -> None:
    assert is_plan(load(name))
    resources, diags = read(name)
    assert resources
    assert [d for d in diags if d.kind is not Kind.INFO] == []


# -- aws provider: every type, passing and failing ------------------------------------------------

AWS_ALL = table(
    """
    1 aws_sagemaker_notebook_instance.locked P
    2 aws_sagemaker_notebook_instance.locked P
    3 aws_sagemaker_notebook_instance.locked P
    8 aws_sagemaker_notebook_instance.locked P
    1 aws_sagemaker_notebook_instance.open F
    2 aws_sagemaker_notebook_instance.open F
    3 aws_sagemaker_notebook_instance.open F
    8 aws_sagemaker_notebook_instance.open F
    1 aws_sagemaker_notebook_instance.legacy P
    2 aws_sagemaker_notebook_instance.legacy P
    3 aws_sagemaker_notebook_instance.legacy F
    8 aws_sagemaker_notebook_instance.legacy F
    4 aws_sagemaker_endpoint_configuration.ha P
    4 aws_sagemaker_endpoint_configuration.single F
    4 aws_sagemaker_endpoint_configuration.shadowed P
    4 aws_sagemaker_endpoint_configuration.serverless NA
    5 aws_sagemaker_model.isolated P
    5 aws_sagemaker_model.pipeline F
    5 aws_sagemaker_model.defaults F
    6 aws_sagemaker_app_image_config.tagged P
    6 aws_sagemaker_app_image_config.untagged F
    7 aws_sagemaker_image.tagged P
    7 aws_sagemaker_image.untagged F
    9 aws_sagemaker_data_quality_job_definition.secure P
    9 aws_sagemaker_data_quality_job_definition.weak F
    9 aws_sagemaker_data_quality_job_definition.single NA
    11 aws_sagemaker_data_quality_job_definition.secure P
    11 aws_sagemaker_data_quality_job_definition.weak F
    11 aws_sagemaker_data_quality_job_definition.single P
    14 aws_sagemaker_monitoring_schedule.secure F
    14 aws_sagemaker_monitoring_schedule.weak F
    14 aws_sagemaker_monitoring_schedule.inline P
    """
)


def test_aws_types_verdicts() -> None:
    assert verdicts("aws-all-types.json") == AWS_ALL


def test_aws_schedule_resolves_a_known_name() -> None:
    expected = {**AWS_ALL, ("SageMaker.14", "aws_sagemaker_monitoring_schedule.secure"): P}
    assert verdicts("aws-all-types.json", RESOLVE) == expected


def test_aws_attributes_become_cloudformation_properties() -> None:
    resources, _ = read("aws-all-types.json")
    nb = by_id(resources, "aws_sagemaker_notebook_instance.locked").properties
    assert nb["SecurityGroupIds"] == ["sg-0a1b2c3d4e5f60718"]
    assert nb["VolumeSizeInGB"] == 20
    assert nb["NotebookInstanceName"] == "fraud-analysis"
    assert nb["InstanceMetadataServiceConfiguration"] == {
        "MinimumInstanceMetadataServiceVersion": "2"
    }
    assert "LifecycleConfigName" not in nb  # null: absent
    ec = by_id(resources, "aws_sagemaker_endpoint_configuration.serverless").properties
    assert ec["ProductionVariants"][0]["ServerlessConfig"] == {
        "MaxConcurrency": 5,
        "MemorySizeInMB": 2048,
    }
    assert "InitialInstanceCount" not in ec["ProductionVariants"][0]
    model = by_id(resources, "aws_sagemaker_model.pipeline").properties
    assert [c["ContainerHostname"] for c in model["Containers"]] == ["preprocess", "predict"]
    assert model["Containers"][0]["Environment"] == {"SAGEMAKER_PROGRAM": "prep.py"}
    assert model["InferenceExecutionConfig"] == {"Mode": "Serial"}
    assert "PrimaryContainer" not in model  # an empty block list is no block
    isolated = by_id(resources, "aws_sagemaker_model.isolated").properties
    assert isolated["VpcConfig"]["Subnets"] == ["subnet-0123456789abcdef0"]
    image = by_id(resources, "aws_sagemaker_image.untagged").properties
    assert image["ImageRoleArn"].endswith(":role/sagemaker-execution")
    assert image["ImageDisplayName"] == "Scratch"
    aic = by_id(resources, "aws_sagemaker_app_image_config.tagged").properties
    assert aic["KernelGatewayImageConfig"]["KernelSpecs"] == [
        {"DisplayName": "Python 3 (fraud)", "Name": "python3"}
    ]
    job = by_id(resources, "aws_sagemaker_data_quality_job_definition.secure").properties
    assert job["JobDefinitionName"] == "dq-secure"
    assert job["JobResources"]["ClusterConfig"]["InstanceCount"] == 2
    assert job["NetworkConfig"] == {
        "EnableInterContainerTrafficEncryption": True,
        "EnableNetworkIsolation": True,
    }
    outputs = job["DataQualityJobOutputConfig"]["MonitoringOutputs"]
    assert outputs[0]["S3Output"]["S3Uri"].startswith("s3://")
    schedule = by_id(resources, "aws_sagemaker_monitoring_schedule.inline").properties
    inline = schedule["MonitoringScheduleConfig"]["MonitoringJobDefinition"]
    assert inline["NetworkConfig"] == {"EnableNetworkIsolation": True}
    assert isinstance(inline["MonitoringInputs"], list)
    assert inline["MonitoringResources"]["ClusterConfig"]["InstanceCount"] == 1
    assert inline["Environment"] == {"dataset_format": '{"sagemakerCaptureJson": {}}'}
    by_ref = by_id(resources, "aws_sagemaker_monitoring_schedule.secure").properties
    assert by_ref["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] == "dq-secure"
    assert "MonitoringJobDefinition" not in by_ref["MonitoringScheduleConfig"]


def test_resource_identity() -> None:
    file = str(DATA / "aws-all-types.json")
    resources, _ = read("aws-all-types.json")
    for r in resources:
        assert r.type in ALL_TYPES
        assert r.provenance.kind == "terraform"
        assert r.provenance.file == file
        assert r.provenance.line is None
        assert r.is_iac
        assert (r.account_id, r.region) == (None, None)
        assert r.read_error is None
    legacy = by_id(resources, "aws_sagemaker_notebook_instance.legacy")
    assert legacy.name == "legacy-etl"
    assert legacy.arn == "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/legacy-etl"
    assert legacy.extra["terraform_actions"] == ["no-op"]
    locked = by_id(resources, "aws_sagemaker_notebook_instance.locked")
    assert locked.arn is None  # known only after apply
    assert locked.tags == {"team": "risk"}


# -- awscc provider -------------------------------------------------------------------------------

AWSCC = table(
    """
    1 awscc_sagemaker_notebook_instance.locked P
    2 awscc_sagemaker_notebook_instance.locked P
    3 awscc_sagemaker_notebook_instance.locked P
    8 awscc_sagemaker_notebook_instance.locked P
    1 awscc_sagemaker_notebook_instance.defaults F
    2 awscc_sagemaker_notebook_instance.defaults F
    3 awscc_sagemaker_notebook_instance.defaults F
    8 awscc_sagemaker_notebook_instance.defaults U
    4 awscc_sagemaker_endpoint_config.single F
    5 awscc_sagemaker_model.isolated P
    6 awscc_sagemaker_app_image_config.untagged F
    7 awscc_sagemaker_image.tagged P
    9 awscc_sagemaker_data_quality_job_definition.dq P
    11 awscc_sagemaker_data_quality_job_definition.dq P
    10 awscc_sagemaker_model_explainability_job_definition.mx P
    12 awscc_sagemaker_model_bias_job_definition.bias_ok P
    15 awscc_sagemaker_model_bias_job_definition.bias_ok P
    12 awscc_sagemaker_model_bias_job_definition.bias_bad F
    15 awscc_sagemaker_model_bias_job_definition.bias_bad F
    13 awscc_sagemaker_model_quality_job_definition.mq F
    14 awscc_sagemaker_monitoring_schedule.inline_ok P
    14 awscc_sagemaker_monitoring_schedule.inline_bad F
    14 awscc_sagemaker_monitoring_schedule.by_name F
    14 awscc_sagemaker_monitoring_schedule.by_unknown_name F
    """
)


def test_awscc_verdicts() -> None:
    assert verdicts("awscc-monitoring.json") == AWSCC


def test_awscc_schedules_follow_references_by_name_and_by_target() -> None:
    expected = {
        **AWSCC,
        ("SageMaker.14", "awscc_sagemaker_monitoring_schedule.by_name"): P,
        ("SageMaker.14", "awscc_sagemaker_monitoring_schedule.by_unknown_name"): P,
    }
    assert verdicts("awscc-monitoring.json", RESOLVE) == expected


def test_awscc_covers_every_type() -> None:
    resources, _ = read("awscc-monitoring.json")
    assert {r.type for r in resources} == ALL_TYPES
    assert {TYPES[r.extra["terraform_type"]].provider for r in resources} == {"awscc"}


def test_awscc_unset_optional_attributes_are_absent_not_unknown() -> None:
    # awscc marks every optional attribute computed: unknown in the plan when not set.
    resources, _ = read("awscc-monitoring.json")
    bias_bad = by_id(resources, "awscc_sagemaker_model_bias_job_definition.bias_bad")
    assert "NetworkConfig" not in bias_bad.properties
    mx = by_id(resources, "awscc_sagemaker_model_explainability_job_definition.mx")
    assert mx.properties["NetworkConfig"] == {"EnableInterContainerTrafficEncryption": True}
    defaults = by_id(resources, "awscc_sagemaker_notebook_instance.defaults")
    assert set(defaults.properties) == {"InstanceType", "NotebookInstanceName", "RoleArn"}
    assert defaults.tags == {}
    image = by_id(resources, "awscc_sagemaker_image.tagged")
    assert image.tags == {"team": "risk", "cost-center": "4711"}
    schedule = by_id(resources, "awscc_sagemaker_monitoring_schedule.by_unknown_name")
    config = schedule.properties["MonitoringScheduleConfig"]
    assert "MonitoringJobDefinition" not in config  # not set: the reference feeds the name
    name = config["MonitoringJobDefinitionName"]
    assert isinstance(name, UnresolvedValue)
    assert name.target == "awscc_sagemaker_model_quality_job_definition.mq"
    assert "mq.job_definition_name" in name.why
    mq = by_id(resources, "awscc_sagemaker_model_quality_job_definition.mq")
    assert mq.name == mq.id  # its name is generated at apply


def test_awscc_feature_group_and_inference_experiment() -> None:
    resources, _ = read("awscc-monitoring.json")
    group = by_id(resources, "awscc_sagemaker_feature_group.online")
    assert group.name == "cc-fraud-features"
    assert group.arn is None  # AWS::SageMaker::FeatureGroup's schema has no ARN
    assert "OfflineStoreConfig" not in group.properties  # not configured: no offline store
    assert group.properties["OnlineStoreConfig"] == {"EnableOnlineStore": True}
    assert [f["FeatureName"] for f in group.properties["FeatureDefinitions"]] == [
        "transaction-id",
        "event-time",
        "amount",
    ]
    shadow = by_id(resources, "awscc_sagemaker_inference_experiment.shadow")
    assert shadow.name == "cc-fraud-shadow"
    assert shadow.arn is None  # known only after apply
    key = shadow.properties["KmsKey"]
    assert isinstance(key, UnresolvedValue)
    assert key.target == "awscc_kms_key.shadow"
    assert shadow.properties["DataStorageConfig"] == {
        "Destination": "s3://fraud-monitoring-111122223333/shadow-capture"
    }
    variants = shadow.properties["ModelVariants"]
    assert variants[1]["InfrastructureConfig"]["RealTimeInferenceConfig"]["InstanceCount"] == 1
    pset, _ = parse_params([])
    new = [c for c in CONTROLS if c.resource_type in (RT.FEATURE_GROUP, RT.INFERENCE_EXPERIMENT)]
    evs = evaluate([group, shadow], new, pset).evaluations
    assert {(e.control.id, e.status) for e in evs} == {
        ("SageMaker.17", NA),  # no offline store (unset, not unknown)
        ("SageMaker.18", F),  # Standard by default, no key
        ("SageMaker.23", P),  # a key known only after apply is a key all the same
        ("SageMaker.24", F),  # data capture without a key
    }


# -- modules, count and for_each ------------------------------------------------------------------

MON = "module.ml.module.monitoring"
MODULES = table(
    f"""
    1 module.ml.aws_sagemaker_notebook_instance.team["fraud"] P
    2 module.ml.aws_sagemaker_notebook_instance.team["fraud"] P
    3 module.ml.aws_sagemaker_notebook_instance.team["fraud"] P
    8 module.ml.aws_sagemaker_notebook_instance.team["fraud"] P
    1 module.ml.aws_sagemaker_notebook_instance.team["risk"] F
    2 module.ml.aws_sagemaker_notebook_instance.team["risk"] F
    3 module.ml.aws_sagemaker_notebook_instance.team["risk"] F
    8 module.ml.aws_sagemaker_notebook_instance.team["risk"] P
    5 {MON}.aws_sagemaker_model.this[0] P
    5 {MON}.aws_sagemaker_model.this[1] F
    9 {MON}.aws_sagemaker_data_quality_job_definition.dq[0] P
    9 {MON}.aws_sagemaker_data_quality_job_definition.dq[1] P
    11 {MON}.aws_sagemaker_data_quality_job_definition.dq[0] P
    11 {MON}.aws_sagemaker_data_quality_job_definition.dq[1] F
    14 {MON}.aws_sagemaker_monitoring_schedule.dq[0] F
    14 {MON}.aws_sagemaker_monitoring_schedule.dq[1] F
    14 aws_sagemaker_monitoring_schedule.central F
    6 module.regional["eu-west-1"].aws_sagemaker_app_image_config.base P
    6 module.regional["us-east-1"].aws_sagemaker_app_image_config.base F
    7 module.regional["eu-west-1"].aws_sagemaker_image.base P
    7 module.regional["us-east-1"].aws_sagemaker_image.base F
    """
)


def test_modules_verdicts() -> None:
    assert verdicts("modules.json") == MODULES


def test_modules_references_follow_count_index_and_module_outputs() -> None:
    expected = {
        **MODULES,
        ("SageMaker.14", f"{MON}.aws_sagemaker_monitoring_schedule.dq[0]"): P,
        # the root schedule uses module.ml.dq_job_name -> monitoring's dq[0].name
        ("SageMaker.14", "aws_sagemaker_monitoring_schedule.central"): P,
    }
    assert verdicts("modules.json", RESOLVE) == expected
    resources, _ = read("modules.json")
    for i in (0, 1):
        schedule = by_id(resources, f"{MON}.aws_sagemaker_monitoring_schedule.dq[{i}]")
        ref = schedule.properties["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
        assert ref.target == f"{MON}.aws_sagemaker_data_quality_job_definition.dq[{i}]"


# -- unknowns, default tags and every kind of change ----------------------------------------------

LIFECYCLE = table(
    """
    1 aws_sagemaker_notebook_instance.private U
    2 aws_sagemaker_notebook_instance.private P
    3 aws_sagemaker_notebook_instance.private P
    8 aws_sagemaker_notebook_instance.private U
    4 aws_sagemaker_endpoint_configuration.prefixed P
    4 aws_sagemaker_endpoint_configuration.live P
    5 aws_sagemaker_model.replaced P
    5 aws_sagemaker_model.blue_green F
    6 aws_sagemaker_app_image_config.owned P
    7 aws_sagemaker_image.defaults_only P
    7 aws_sagemaker_image.computed_tags P
    9 aws_sagemaker_data_quality_job_definition.generated P
    11 aws_sagemaker_data_quality_job_definition.generated P
    14 aws_sagemaker_monitoring_schedule.generated F
    """
)


def test_lifecycle_verdicts() -> None:
    # Destroyed (retired), forgotten and deposed objects and data sources are not evaluated.
    assert verdicts("lifecycle.json") == LIFECYCLE


def test_schedule_follows_a_job_definition_whose_name_is_known_only_after_apply() -> None:
    expected = {**LIFECYCLE, ("SageMaker.14", "aws_sagemaker_monitoring_schedule.generated"): P}
    assert verdicts("lifecycle.json", RESOLVE) == expected


def test_values_known_only_after_apply() -> None:
    resources, _ = read("lifecycle.json")
    nb = by_id(resources, "aws_sagemaker_notebook_instance.private").properties
    subnet = nb["SubnetId"]
    assert subnet == UnresolvedValue(
        "comes from aws_subnet.private.id, known only after apply", target="aws_subnet.private"
    )
    access = nb["DirectInternetAccess"]
    assert isinstance(access, UnresolvedValue)
    assert access.target is None  # a data source, not a resource of the plan
    assert "data.aws_ssm_parameter.notebook_access.value" in access.why
    assert "PlatformIdentifier" not in nb  # not configured: the service picks it
    ec = by_id(resources, "aws_sagemaker_endpoint_configuration.prefixed")
    assert ec.name == ec.id == "aws_sagemaker_endpoint_configuration.prefixed"
    assert "EndpointConfigName" not in ec.properties


def test_unknown_subnet_cannot_be_checked_against_an_allow_list() -> None:
    got = verdicts("lifecycle.json", ["SageMaker.2.SubnetIds=subnet-0123456789abcdef0"])
    assert got[("SageMaker.2", "aws_sagemaker_notebook_instance.private")] is U


def test_changes_of_every_kind() -> None:
    resources, _ = read("lifecycle.json")
    ids = [r.id for r in resources]
    assert "aws_sagemaker_notebook_instance.retired" not in ids  # delete
    assert "aws_sagemaker_image.forgotten" not in ids  # forget
    assert ids.count("aws_sagemaker_model.blue_green") == 1  # the deposed object is dropped
    assert not any(i.startswith("data.") or "aws_subnet" in i for i in ids)
    replaced = by_id(resources, "aws_sagemaker_model.replaced")
    assert replaced.extra["terraform_actions"] == ["delete", "create"]
    assert replaced.properties["EnableNetworkIsolation"] is True  # the planned value
    live = by_id(resources, "aws_sagemaker_endpoint_configuration.live")
    assert live.properties["ProductionVariants"][0]["InitialInstanceCount"] == 2


@pytest.mark.parametrize(
    ("address", "tags", "unresolved"),
    [
        # tags_all holds the provider's default_tags
        ("aws_sagemaker_image.defaults_only", {"CostCenter", "ManagedBy"}, False),
        # tags_all unknown (a tag value from a new resource): tags + default_tags keys
        (
            "aws_sagemaker_app_image_config.owned",
            {"CostCenter", "ManagedBy", "Owner", "team"},
            False,
        ),
        # tags from an expression not in the plan: only the default_tags keys are known
        ("aws_sagemaker_image.computed_tags", {"CostCenter", "ManagedBy"}, True),
        ("aws_sagemaker_endpoint_configuration.live", {"CostCenter", "ManagedBy", "team"}, False),
    ],
)
def test_tags_with_provider_default_tags(address: str, tags: set[str], unresolved: bool) -> None:
    resources, diags = read("lifecycle.json")
    r = by_id(resources, address)
    assert r.tags is not None
    assert set(r.tags) == tags
    assert ("tags_unresolved" in r.extra) is unresolved
    info = [d for d in diags if d.where.endswith(address)]
    assert [d.kind for d in info] == ([Kind.INFO] if unresolved else [])


@pytest.mark.parametrize(
    ("param", "address", "status"),
    [
        ("SageMaker.7.requiredKeyTags=CostCenter", "aws_sagemaker_image.defaults_only", P),
        ("SageMaker.7.requiredKeyTags=Owner", "aws_sagemaker_image.defaults_only", F),
        ("SageMaker.6.requiredKeyTags=Owner,CostCenter", "aws_sagemaker_app_image_config.owned", P),
    ],
)
def test_required_tag_keys_see_default_tags(param: str, address: str, status: Status) -> None:
    control = param.rsplit(".", 1)[0]
    assert verdicts("lifecycle.json", [param])[(control, address)] is status


def test_default_tags_from_a_root_variable() -> None:
    doc = load("lifecycle.json")
    provider = doc["configuration"]["provider_config"]["aws"]["expressions"]
    provider["default_tags"] = [{"tags": {"references": ["var.default_tags"]}}]
    doc["variables"]["default_tags"] = {"value": {"Team": "ml"}}
    resources, _ = read_plan(doc, "plan.json")
    assert set(by_id(resources, "aws_sagemaker_app_image_config.owned").tags or {}) == {
        "Owner",
        "Team",
        "team",
    }


def test_default_tags_that_cannot_be_read_are_said() -> None:
    doc = load("lifecycle.json")
    provider = doc["configuration"]["provider_config"]["aws"]["expressions"]
    provider["default_tags"] = [{"tags": {"references": ["local.tags"]}}]
    resources, diags = read_plan(doc, "plan.json")
    owned = by_id(resources, "aws_sagemaker_app_image_config.owned")
    assert set(owned.tags or {}) == {"Owner", "team"}
    assert "default_tags" in owned.extra["tags_unresolved"]
    assert any(d.kind is Kind.INFO and d.where.endswith(owned.id) for d in diags)


# -- older plans: planned_values only -------------------------------------------------------------


def test_planned_values_alone_are_read() -> None:
    doc = load("aws-all-types.json")
    del doc["resource_changes"]
    resources, diags = read_plan(doc, "old.json")
    assert diags == []
    assert run(resources) == AWS_ALL
    assert all("terraform_actions" not in r.extra for r in resources)


# -- malformed input: one diagnostic each, never an exception -------------------------------------


NB = "aws_sagemaker_notebook_instance.locked"
JOB = "aws_sagemaker_data_quality_job_definition.secure"
SCHEDULE = "aws_sagemaker_monitoring_schedule.secure"


def _small_plan() -> dict[str, Any]:
    doc = load("aws-all-types.json")
    keep = {NB, JOB, SCHEDULE}
    doc["resource_changes"] = [c for c in doc["resource_changes"] if c["address"] in keep]
    root = doc["planned_values"]["root_module"]
    root["resources"] = [r for r in root["resources"] if r["address"] in keep]
    config = doc["configuration"]["root_module"]
    config["resources"] = [r for r in config["resources"] if r["address"] in keep]
    return doc


def _change(doc: dict[str, Any], address: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(c for c in doc["resource_changes"] if c["address"] == address)
    return entry


def _set(path: list[Any], value: Any) -> Any:
    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for step in path[:-1]:
            node = _change(node, step) if isinstance(step, str) and "." in step else node[step]
        node[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    ("mutate", "where", "message", "errored"),
    [
        (_set(["resource_changes"], "none"), "", "resource_changes is a string, not a list", None),
        (_set(["resource_changes", 0], 7), "resource_changes[0]", "is a number", None),
        (_set(["resource_changes", 0], {"change": {}}), "resource_changes[0]", "address", None),
        (_set(["resource_changes", 0, "address"], "no such thing!"), "no such thing!", "", None),
        (_set([NB, "change"], None), NB, "change is null, not an object", NB),
        (_set([NB, "change", "actions"], "create"), NB, "actions is", NB),
        (_set([NB, "change", "after"], "fraud-analysis"), NB, "change.after is a string", NB),
        (_set([NB, "change", "after_unknown"], [True]), NB, "after_unknown is a list", NB),
        (_set([NB, "change", "actions"], ["create", "explode"]), NB, "unknown action", None),
        (_set(["planned_values", "root_module"], []), "", "root_module is a list", None),
    ],
)
def test_malformed_input(mutate: Any, where: str, message: str, errored: str | None) -> None:
    doc = _small_plan()
    mutate(doc)
    resources, diags = read_plan(doc, "bad.json")
    assert len(diags) == 1, [d.line() for d in diags]
    assert diags[0].kind is Kind.INPUT
    assert diags[0].where.startswith("bad.json")
    assert where in diags[0].where
    assert message in diags[0].message
    if errored is not None:
        r = by_id(resources, errored)
        assert r.read_error is not None
        got = run(resources)
        assert {got[(c, errored)] for c in ("SageMaker.1", "SageMaker.2", "SageMaker.3")} == {E}


def test_not_a_plan_document() -> None:
    resources, diags = read_plan([1, 2], "list.json")  # type: ignore[arg-type]
    assert resources == []
    assert [d.line() for d in diags] == ["list.json: not a Terraform plan: the document is a list"]


def test_duplicate_address_is_said_once() -> None:
    doc = _small_plan()
    doc["resource_changes"].append(copy.deepcopy(_change(doc, NB)))
    resources, diags = read_plan(doc, "dup.json")
    assert [r.id for r in resources].count(NB) == 1
    assert [d.message for d in diags] == ["appears twice in resource_changes"]


def test_two_blocks_where_one_is_allowed() -> None:
    doc = _small_plan()
    after = _change(doc, JOB)["change"]["after"]
    after["network_config"] = after["network_config"] * 2
    resources, diags = read_plan(doc, "two.json")
    assert [d.message for d in diags] == ["network_config has 2 blocks where one is allowed"]
    got = run(resources)
    assert got[("SageMaker.11", JOB)] is E  # a list where an object belongs: never a pass


def test_tags_all_of_the_wrong_type() -> None:
    doc = load("aws-all-types.json")
    entry = _change(doc, "aws_sagemaker_image.tagged")
    entry["change"]["after"]["tags_all"] = "team=risk"
    resources, diags = read_plan(doc, "tags.json")
    assert [d.message for d in diags] == ["tags_all is a string, not a map"]
    assert run(resources)[("SageMaker.7", "aws_sagemaker_image.tagged")] is E


def test_data_sources_are_never_resources() -> None:
    doc = _small_plan()
    entry = copy.deepcopy(_change(doc, NB))
    entry.update(address=f"data.{NB}", mode="data")
    entry["change"]["actions"] = ["read"]
    doc["resource_changes"].append(entry)
    resources, diags = read_plan(doc, "data.json")
    assert diags == []
    assert all(not r.id.startswith("data.") for r in resources)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def test_any_value_of_the_wrong_type_never_raises() -> None:
    doc = _small_plan()
    pristine = json.dumps(doc, sort_keys=True)
    targets: list[tuple[str | int, ...]] = [
        ("resource_changes", i) for i in range(len(doc["resource_changes"]))
    ]
    configured = doc["configuration"]["root_module"]["resources"]
    at = next(i for i, r in enumerate(configured) if r["address"] == SCHEDULE)
    targets.append(("configuration", "root_module", "resources", at))
    for target in targets:
        node: Any = doc
        for step in target:
            node = node[step]
        for sub in _paths(node)[1:]:
            full = (*target, *sub)
            holder: Any = doc
            for step in full[:-1]:
                holder = holder[step]
            original = holder[full[-1]]
            junks: tuple[Any, ...] = (None, 7, "x", [], {}, True)
            for junk in junks:
                holder[full[-1]] = junk
                resources, _ = read_plan(doc, "fuzz.json")
                run(resources, RESOLVE)
            holder[full[-1]] = original
    assert json.dumps(doc, sort_keys=True) == pristine  # read_plan never changes its input


# -- addresses and the mapping table --------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "modules", "rtype", "name", "key"),
    [
        ("aws_sagemaker_model.m", (), "aws_sagemaker_model", "m", None),
        ("aws_sagemaker_model.m[3]", (), "aws_sagemaker_model", "m", 3),
        (
            'module.a["x.y"].module.b[0].aws_sagemaker_model.this["k"]',
            (("a", "x.y"), ("b", 0)),
            "aws_sagemaker_model",
            "this",
            "k",
        ),
    ],
)
def test_parse_address(
    address: str, modules: tuple[Any, ...], rtype: str, name: str, key: Any
) -> None:
    a = parse_address(address)
    assert a is not None
    assert (a.modules, a.type, a.name, a.key, a.data) == (modules, rtype, name, key, False)


def test_parse_address_rejects_non_addresses() -> None:
    assert parse_address("module.a") is None
    assert parse_address("aws_sagemaker_model") is None
    assert parse_address("") is None


def test_mapping_table() -> None:
    assert {m.cfn_type for m in AWSCC_TYPES.values()} == ALL_TYPES
    assert {m.cfn_type for m in AWS_TYPES.values()} == {
        RT.NOTEBOOK_INSTANCE,
        RT.MODEL,
        RT.ENDPOINT_CONFIG,
        RT.IMAGE,
        RT.APP_IMAGE_CONFIG,
        RT.DATA_QUALITY_JOB_DEFINITION,
        RT.MONITORING_SCHEDULE,
        RT.FEATURE_GROUP,
    }
    for tmap in TYPES.values():
        # the name attribute lands on the name property the engine matches by
        assert tmap.property_name(tmap.name_attr, tmap.name_attr) == name_property(tmap.cfn_type)
        assert all(not p.startswith(".") and not p.endswith(".") for p in tmap.objects)
    assert pascal("volume_size_in_gb") == "VolumeSizeInGB"
    assert pascal("memory_size_in_mb") == "MemorySizeInMB"
    assert pascal("enable_ssm_access") == "EnableSSMAccess"
    assert pascal("data_captured_destination_s3_uri") == "DataCapturedDestinationS3Uri"
    assert AFTER_APPLY == "is known only after apply"
