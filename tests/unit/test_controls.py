"""Every rule of the spec, per control, as tables of (resource, parameters) -> verdict."""

from __future__ import annotations

from typing import Any

import pytest

from sagewarden.catalog import BY_ID
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.resources import ResourceType as RT
from sagewarden.verdicts import Status
from tests.helpers import one, resource, run_control

P, F, NA, U, E = (
    Status.PASSED,
    Status.FAILED,
    Status.NOT_APPLICABLE,
    Status.UNKNOWN,
    Status.ERROR,
)


# -- SageMaker.1 and .3: Enabled unless Disabled, absent means Enabled ----------------------

ON_OFF_CASES = [
    ({}, F, "Enabled (the default when unset)"),
    ({"X": None}, F, "Enabled (the default when unset)"),
    ({"X": "Enabled"}, F, "X is Enabled"),
    ({"X": "Disabled"}, P, "X is Disabled"),
    ({"X": "disabled"}, P, "X is Disabled"),
    ({"X": "Maybe"}, E, 'X is "Maybe", not Enabled or Disabled'),
    ({"X": True}, E, "not Enabled or Disabled"),
]


@pytest.mark.parametrize(
    ("control_id", "field"),
    [("SageMaker.1", "DirectInternetAccess"), ("SageMaker.3", "RootAccess")],
)
@pytest.mark.parametrize(("props", "status", "reason"), ON_OFF_CASES)
def test_notebook_enabled_disabled(
    control_id: str, field: str, props: dict[str, Any], status: Status, reason: str
) -> None:
    props = {field if k == "X" else k: v for k, v in props.items()}
    ev = one(control_id, resource(RT.NOTEBOOK_INSTANCE, props))
    assert ev.status is status
    assert reason.replace("X", field) in ev.reason


def test_direct_internet_access_is_not_read_from_root_access() -> None:
    """Prowler's bug: SageMaker.1 decided from RootAccess. Fields differ here on purpose."""
    a = resource(
        RT.NOTEBOOK_INSTANCE,
        {"DirectInternetAccess": "Disabled", "RootAccess": "Enabled", "SubnetId": "subnet-1"},
    )
    b = resource(
        RT.NOTEBOOK_INSTANCE,
        {"DirectInternetAccess": "Enabled", "RootAccess": "Disabled"},
        name="b",
    )
    assert one("SageMaker.1", a).status is P
    assert one("SageMaker.3", a).status is F
    assert one("SageMaker.1", b).status is F
    assert one("SageMaker.3", b).status is P


# -- SageMaker.2 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "params", "status", "reason"),
    [
        ({}, [], F, "SubnetId is not set"),
        ({"SubnetId": ""}, [], F, "SubnetId is not set"),
        ({"SubnetId": "   "}, [], F, "SubnetId is not set"),
        ({"SubnetId": None}, [], F, "SubnetId is not set"),
        ({"SubnetId": "subnet-0ab1"}, [], P, "SubnetId is subnet-0ab1"),
        ({"SubnetId": "subnet-0ab1"}, ["SageMaker.2.SubnetIds=subnet-0ab1,subnet-2"], P, ""),
        (
            {"SubnetId": "subnet-9"},
            ["SageMaker.2.SubnetIds=subnet-0ab1,subnet-2"],
            F,
            "subnet-9 is not in the allowed subnets",
        ),
        ({"SubnetId": 12}, [], E, "SubnetId is 12, not a string"),
    ],
)
def test_inside_vpc(props: dict[str, Any], params: list[str], status: Status, reason: str) -> None:
    ev = one("SageMaker.2", resource(RT.NOTEBOOK_INSTANCE, props), params)
    assert ev.status is status
    assert reason in ev.reason


# -- SageMaker.4 --------------------------------------------------------------------------


def variant(name: str = "AllTraffic", **kw: Any) -> dict[str, Any]:
    return {"VariantName": name, "ModelName": "m", **kw}


SERVERLESS = {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}


@pytest.mark.parametrize(
    ("props", "status", "reason"),
    [
        (
            {"ProductionVariants": [variant(InitialInstanceCount=1)]},
            F,
            "AllTraffic has InitialInstanceCount 1",
        ),
        (
            {"ProductionVariants": [variant(InitialInstanceCount=0)]},
            E,
            "InitialInstanceCount is 0, not a whole number of 1 or more",
        ),
        ({"ProductionVariants": [variant(InitialInstanceCount=2)]}, P, "2 or more"),
        ({"ProductionVariants": [variant(InitialInstanceCount="2")]}, P, ""),
        ({"ProductionVariants": [variant(InitialInstanceCount="1")]}, F, ""),
        ({"ProductionVariants": [variant(InitialInstanceCount=2.0)]}, P, ""),
        (
            {"ProductionVariants": [variant(InitialInstanceCount="two")]},
            E,
            'ProductionVariants[0].InitialInstanceCount is "two", not a whole number',
        ),
        # Serverless variants are out of scope, never read as a count of 0 (Prowler's bug).
        (
            {"ProductionVariants": [variant(**SERVERLESS)]},
            NA,
            "every production variant is serverless",
        ),
        ({"ProductionVariants": [variant("a", **SERVERLESS), variant("b", **SERVERLESS)]}, NA, ""),
        (
            {
                "ProductionVariants": [
                    variant("sl", **SERVERLESS),
                    variant("gpu", InitialInstanceCount=1),
                ]
            },
            F,
            "gpu has InitialInstanceCount 1",
        ),
        (
            {
                "ProductionVariants": [
                    variant("sl", **SERVERLESS),
                    variant("gpu", InitialInstanceCount=3),
                ]
            },
            P,
            "",
        ),
        (
            {
                "ProductionVariants": [
                    variant("a", InitialInstanceCount=2),
                    variant("b", InitialInstanceCount=1),
                ]
            },
            F,
            "b has InitialInstanceCount 1",
        ),
        # Shadow variants are not production variants.
        (
            {
                "ProductionVariants": [variant(InitialInstanceCount=2)],
                "ShadowProductionVariants": [variant("shadow", InitialInstanceCount=1)],
            },
            P,
            "",
        ),
        ({}, E, "ProductionVariants"),
        ({"ProductionVariants": []}, E, "ProductionVariants"),
        ({"ProductionVariants": "x"}, E, "ProductionVariants"),
        ({"ProductionVariants": [variant()]}, E, "InitialInstanceCount"),
    ],
)
def test_endpoint_config_instance_count(props: dict[str, Any], status: Status, reason: str) -> None:
    ev = one("SageMaker.4", resource(RT.ENDPOINT_CONFIG, props))
    assert ev.status is status, ev.reason
    assert reason in ev.reason


# -- SageMaker.5 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "status", "reason"),
    [
        ({}, F, "EnableNetworkIsolation is false (the default when unset)"),
        ({"EnableNetworkIsolation": None}, F, "(the default when unset)"),
        ({"EnableNetworkIsolation": False}, F, "EnableNetworkIsolation is false"),
        ({"EnableNetworkIsolation": "false"}, F, ""),
        ({"EnableNetworkIsolation": True}, P, "EnableNetworkIsolation is true"),
        ({"EnableNetworkIsolation": "true"}, P, ""),
        ({"EnableNetworkIsolation": "True"}, P, ""),
        ({"EnableNetworkIsolation": "yes"}, E, "not true or false"),
        ({"EnableNetworkIsolation": 1}, E, "not true or false"),
    ],
)
def test_model_isolation(props: dict[str, Any], status: Status, reason: str) -> None:
    ev = one("SageMaker.5", resource(RT.MODEL, props))
    assert ev.status is status
    assert reason in ev.reason


# -- SageMaker.6 and .7 -------------------------------------------------------------------

TAG_CASES = [
    ({}, [], F, "no tags"),
    ({"aws:cloudformation:stack-name": "s"}, [], F, "only system (aws:) tags"),
    ({"team": "ml"}, [], P, "1 user tag"),
    ({"team": ""}, [], P, ""),  # values are never checked
    ({"Owner": "a", "CostCenter": "b"}, ["requiredKeyTags=Owner,CostCenter"], P, ""),
    (
        {"Owner": "a"},
        ["requiredKeyTags=Owner,CostCenter"],
        F,
        "missing required tag key(s): CostCenter",
    ),
    ({"owner": "a"}, ["requiredKeyTags=Owner"], F, "'owner' differs in case"),
    ({"Owner": "a", "team": "x"}, ["requiredTagKeys=Owner"], P, ""),  # the alias
    ({"aws:createdBy": "x"}, ["requiredKeyTags=Owner"], F, "Owner"),
    ({"Owner": ""}, ["requiredKeyTags=Owner"], P, ""),
    ({}, ["requiredKeyTags="], F, "no tags"),  # empty list: the no-parameter behaviour
]


@pytest.mark.parametrize(
    ("control_id", "rtype"), [("SageMaker.6", RT.APP_IMAGE_CONFIG), ("SageMaker.7", RT.IMAGE)]
)
@pytest.mark.parametrize(("tags", "params", "status", "reason"), TAG_CASES)
def test_tagged(
    control_id: str,
    rtype: str,
    tags: dict[str, str],
    params: list[str],
    status: Status,
    reason: str,
) -> None:
    ev = one(control_id, resource(rtype, {}, tags=tags), [f"{control_id}.{p}" for p in params])
    assert ev.status is status
    assert reason in ev.reason


@pytest.mark.parametrize("control_id", ["SageMaker.6", "SageMaker.7"])
def test_tags_not_recorded_is_an_error_not_a_pass(control_id: str) -> None:
    rtype = BY_ID[control_id].resource_type
    ev = one(control_id, resource(rtype, {}, tags=None))
    assert ev.status is E
    assert "tags are not recorded" in ev.reason


# -- SageMaker.8 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "params", "kind", "status", "reason"),
    [
        ({"PlatformIdentifier": "notebook-al2023-v1"}, [], "aws-config", P, "supported"),
        (
            {"PlatformIdentifier": "notebook-al2-v3"},
            [],
            "aws-config",
            F,
            "notebook-al2-v3, not a supported platform (notebook-al2023-v1)",
        ),
        ({"PlatformIdentifier": "notebook-al1-v1"}, [], "aws-config", F, ""),
        # The seed's behaviour, by parameter.
        (
            {"PlatformIdentifier": "notebook-al2-v3"},
            ["SageMaker.8.supportedPlatformIdentifierVersions=notebook-al2-v3"],
            "aws-config",
            P,
            "",
        ),
        (
            {"PlatformIdentifier": "notebook-al2023-v1"},
            ["SageMaker.8.supportedPlatformIdentifierVersions=notebook-al2-v3"],
            "aws-config",
            F,
            "",
        ),
        (
            {"PlatformIdentifier": "notebook-al2-v3"},
            ["SageMaker.8.supportedPlatformIdentifierVersions=notebook-al2023-v1,notebook-al2-v3"],
            "aws-config",
            P,
            "",
        ),
        ({}, [], "aws-config", F, "PlatformIdentifier is not recorded"),
        ({}, [], "cloudformation", U, "the service picks the platform"),
        ({"PlatformIdentifier": 3}, [], "aws-config", E, "not a string"),
    ],
)
def test_platform(
    props: dict[str, Any], params: list[str], kind: str, status: Status, reason: str
) -> None:
    ev = one("SageMaker.8", resource(RT.NOTEBOOK_INSTANCE, props, kind=kind), params)
    assert ev.status is status
    assert reason in ev.reason


# -- SageMaker.9, .10, .13, .15: encryption in transit, scoped to 2+ instances -------------

ENCRYPT_CONTROLS = [
    ("SageMaker.9", RT.DATA_QUALITY_JOB_DEFINITION),
    ("SageMaker.10", RT.MODEL_EXPLAINABILITY_JOB_DEFINITION),
    ("SageMaker.13", RT.MODEL_QUALITY_JOB_DEFINITION),
    ("SageMaker.15", RT.MODEL_BIAS_JOB_DEFINITION),
]


def jobdef(count: Any = 2, network: Any = "absent") -> dict[str, Any]:
    props: dict[str, Any] = {"JobDefinitionName": "j"}
    if count != "absent":
        props["JobResources"] = {
            "ClusterConfig": {"InstanceCount": count, "InstanceType": "ml.m5.large"}
        }
    if network != "absent":
        props["NetworkConfig"] = network
    return props


@pytest.mark.parametrize(("control_id", "rtype"), ENCRYPT_CONTROLS)
@pytest.mark.parametrize(
    ("props", "status", "reason"),
    [
        (jobdef(1), NA, "InstanceCount is 1"),
        (jobdef("1", {"EnableInterContainerTrafficEncryption": False}), NA, ""),
        (
            jobdef(2),
            F,
            "EnableInterContainerTrafficEncryption is false (the default when unset) on 2",
        ),
        (jobdef(2, None), F, "(the default when unset)"),
        (jobdef(2, {}), F, "(the default when unset)"),
        (jobdef(2, {"EnableNetworkIsolation": True}), F, ""),
        (jobdef(2, {"EnableInterContainerTrafficEncryption": False}), F, "is false on 2"),
        (jobdef(2, {"EnableInterContainerTrafficEncryption": True}), P, "is true on 2"),
        (jobdef("3", {"EnableInterContainerTrafficEncryption": "true"}), P, "on 3 instances"),
        (
            jobdef("two", {"EnableInterContainerTrafficEncryption": True}),
            E,
            'InstanceCount is "two", not a whole number',
        ),
        (jobdef("absent"), E, "InstanceCount"),
        (jobdef(2, "yes"), E, 'NetworkConfig is "yes", not an object'),
        (jobdef(2, {"EnableInterContainerTrafficEncryption": "on"}), E, "not true or false"),
    ],
)
def test_encrypt_in_transit(
    control_id: str, rtype: str, props: dict[str, Any], status: Status, reason: str
) -> None:
    ev = one(control_id, resource(rtype, props))
    assert ev.status is status, ev.reason
    assert reason in ev.reason


# -- SageMaker.11 and .12: isolation, no instance-count condition ---------------------------


@pytest.mark.parametrize(
    ("control_id", "rtype"),
    [
        ("SageMaker.11", RT.DATA_QUALITY_JOB_DEFINITION),
        ("SageMaker.12", RT.MODEL_BIAS_JOB_DEFINITION),
    ],
)
@pytest.mark.parametrize(
    ("props", "status", "reason"),
    [
        (jobdef(1), F, "EnableNetworkIsolation is false (the default when unset)"),
        (jobdef(1, {"EnableNetworkIsolation": True}), P, "is true"),
        (jobdef(4, {"EnableNetworkIsolation": "true"}), P, ""),
        (jobdef(1, {"EnableNetworkIsolation": False}), F, "is false"),
        (jobdef(1, {"EnableInterContainerTrafficEncryption": True}), F, ""),
        (jobdef(1, {"EnableNetworkIsolation": "sometimes"}), E, ""),
    ],
)
def test_job_isolation(
    control_id: str, rtype: str, props: dict[str, Any], status: Status, reason: str
) -> None:
    ev = one(control_id, resource(rtype, props))
    assert ev.status is status
    assert reason in ev.reason


# -- SageMaker.14 ----------------------------------------------------------------------------


def inline(network: Any = "absent") -> dict[str, Any]:
    job: dict[str, Any] = {"MonitoringAppSpecification": {"ImageUri": "i"}}
    if network != "absent":
        job["NetworkConfig"] = network
    return {
        "MonitoringScheduleName": "s",
        "MonitoringScheduleConfig": {"MonitoringJobDefinition": job},
    }


def by_ref(name: str, mtype: str | None = None) -> dict[str, Any]:
    cfg: dict[str, Any] = {"MonitoringJobDefinitionName": name}
    if mtype:
        cfg["MonitoringType"] = mtype
    return {"MonitoringScheduleName": "s", "MonitoringScheduleConfig": cfg}


@pytest.mark.parametrize(
    ("props", "status", "reason"),
    [
        (inline({"EnableNetworkIsolation": True}), P, "EnableNetworkIsolation is true"),
        (inline({"EnableNetworkIsolation": False}), F, "is false"),
        (inline(), F, "(the default when unset)"),
        (inline({}), F, "(the default when unset)"),
        (inline({"EnableNetworkIsolation": "TRUE"}), P, ""),
        (
            by_ref("bias-def", "ModelBias"),
            F,
            "isolation lives on the referenced job definition bias-def (ModelBias)",
        ),
        ({"MonitoringScheduleName": "s"}, E, "MonitoringScheduleConfig"),
        ({"MonitoringScheduleName": "s", "MonitoringScheduleConfig": {}}, E, ""),
    ],
)
def test_schedule_isolation_literal(props: dict[str, Any], status: Status, reason: str) -> None:
    ev = one("SageMaker.14", resource(RT.MONITORING_SCHEDULE, props))
    assert ev.status is status, ev.reason
    assert reason in ev.reason


RESOLVE = ["SageMaker.14.resolveReferences=true"]


def _defs(isolated: bool, **kw: Any) -> list[Any]:
    """The same name as two job-definition types with opposite settings."""
    return [
        resource(
            RT.MODEL_BIAS_JOB_DEFINITION,
            {"JobDefinitionName": "shared", "NetworkConfig": {"EnableNetworkIsolation": isolated}},
            name="shared",
            **kw,
        ),
        resource(
            RT.DATA_QUALITY_JOB_DEFINITION,
            {
                "JobDefinitionName": "shared",
                "NetworkConfig": {"EnableNetworkIsolation": not isolated},
            },
            name="shared",
            **kw,
        ),
    ]


@pytest.mark.parametrize("isolated", [True, False])
def test_schedule_resolves_reference_by_type(isolated: bool) -> None:
    sched = resource(RT.MONITORING_SCHEDULE, by_ref("shared", "ModelBias"))
    evs = run_control("SageMaker.14", [sched, *_defs(isolated)], RESOLVE)
    assert evs[0].status is (P if isolated else F)
    assert "referenced job definition shared (ModelBias)" in evs[0].reason


def test_schedule_reference_without_type_searches_every_definition_type() -> None:
    sched = resource(RT.MONITORING_SCHEDULE, by_ref("only"))
    target = resource(
        RT.MODEL_QUALITY_JOB_DEFINITION,
        {"JobDefinitionName": "only", "NetworkConfig": {"EnableNetworkIsolation": True}},
        name="only",
    )
    assert run_control("SageMaker.14", [sched, target], RESOLVE)[0].status is P


def test_schedule_reference_missing_is_error_live_and_unknown_in_iac() -> None:
    live = resource(RT.MONITORING_SCHEDULE, by_ref("gone", "DataQuality"))
    ev = run_control("SageMaker.14", [live], RESOLVE)[0]
    assert ev.status is E
    assert "gone (DataQuality) is not in this scan" in ev.reason
    iac = resource(
        RT.MONITORING_SCHEDULE, by_ref("gone", "DataQuality"), kind="cloudformation", file="t.yaml"
    )
    assert run_control("SageMaker.14", [iac], RESOLVE)[0].status is U


def test_schedule_reference_is_looked_up_in_the_same_account_and_region_only() -> None:
    sched = resource(RT.MONITORING_SCHEDULE, by_ref("shared", "ModelBias"))
    elsewhere = _defs(True, account="444455556666") + _defs(True, region="us-east-1")
    ev = run_control("SageMaker.14", [sched, *elsewhere], RESOLVE)[0]
    assert ev.status is E


def test_schedule_reference_to_unreadable_definition_is_error() -> None:
    sched = resource(RT.MONITORING_SCHEDULE, by_ref("broken", "DataQuality"))
    target = resource(RT.DATA_QUALITY_JOB_DEFINITION, {}, name="broken")
    target.read_error = "configuration is null"
    ev = run_control("SageMaker.14", [sched, target], RESOLVE)[0]
    assert ev.status is E
    assert "could not be read" in ev.reason


def test_schedule_reference_with_literal_mode_ignores_the_definition() -> None:
    sched = resource(RT.MONITORING_SCHEDULE, by_ref("shared", "ModelBias"))
    ev = run_control(
        "SageMaker.14", [sched, *_defs(True)], ["SageMaker.14.resolveReferences=false"]
    )
    assert ev[0].status is F


# -- The engine ------------------------------------------------------------------------------


def test_each_control_evaluates_only_its_resource_type() -> None:
    everything = [
        resource(t, {}, name=t) for t in sorted({c.resource_type for c in BY_ID.values()})
    ]
    params, _ = parse_params([])
    result = evaluate(everything, list(BY_ID.values()), params)
    for ev in result.evaluations:
        assert ev.resource.type == ev.control.resource_type
    assert {ev.control.id for ev in result.evaluations} == set(BY_ID)


def test_invalid_value_is_an_error_with_one_diagnostic_line() -> None:
    bad = resource(
        RT.DATA_QUALITY_JOB_DEFINITION, jobdef("two", {"EnableNetworkIsolation": True}), name="bad"
    )
    params, _ = parse_params([])
    result = evaluate([bad], [BY_ID["SageMaker.9"], BY_ID["SageMaker.11"]], params)
    statuses = {ev.control.id: ev.status for ev in result.evaluations}
    assert statuses == {"SageMaker.9": E, "SageMaker.11": P}
    assert len(result.diagnostics) == 1
    assert "InstanceCount" in result.diagnostics[0].line()
    assert bad.id in result.diagnostics[0].line()


def test_unreadable_resource_is_error_for_every_control_never_a_pass() -> None:
    nb = resource(RT.NOTEBOOK_INSTANCE, {"DirectInternetAccess": "Disabled"})
    nb.read_error = "AccessDenied"
    params, _ = parse_params([])
    controls = [BY_ID[c] for c in ("SageMaker.1", "SageMaker.2", "SageMaker.3", "SageMaker.8")]
    result = evaluate([nb], controls, params)
    assert [ev.status for ev in result.evaluations] == [E, E, E, E]
