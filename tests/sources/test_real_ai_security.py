"""SageMaker.16-25 on files the real tools wrote, through the real `sagewarden scan` command.

- tests/data/terraform/real/ai_security/plan.json: `terraform plan` + `show -json` (1.11,
  hashicorp/aws 5.100.0) of main.tf beside it (../regenerate.sh ai_security remakes it);
- tests/data/cdk/ai-security-app/cdk.out: `cdk synth` (aws-cdk-lib) of app.js beside it
  (its regenerate.sh remakes it);
- tests/data/config-ai-security-*.json: FeatureGroup and InferenceExperiment items in each
  shape the AWS Config source reads (snapshot, get-resource-config-history,
  select-resource-config, batch-get-resource-config).

The regeneration scripts need terraform, node and npm; these tests need only the files.
Every verdict of the ten controls is listed: status, and a fragment of the reason. A key
known only at deploy (aws_kms_key.store.arn, !GetAtt StoreKey.Arn) is a key all the same
(PASSED); UNKNOWN only where the verdict turns on a value known after apply.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli

DATA = Path(__file__).resolve().parents[1] / "data"
PLAN = DATA / "terraform" / "real" / "ai_security" / "plan.json"
CDK_OUT = DATA / "cdk" / "ai-security-app" / "cdk.out"
ACCOUNT_ARN = "arn:aws:sagemaker:eu-west-1:111122223333"
NEW = {f"SageMaker.{n}" for n in range(16, 26)}

Expected = dict[tuple[str, str], tuple[str, str]]
Got = dict[tuple[str, str], tuple[str, str]]

# Fragments of the reasons, named once.
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OFFLINE_KEY = "OfflineStoreConfig.S3StorageConfig.KmsKeyId"
ONLINE_KEY = "OnlineStoreConfig.SecurityConfig.KmsKeyId"
OFFLINE_UNSET = f"{OFFLINE_KEY} is not set"
ONLINE_UNSET = f"{ONLINE_KEY} is not set"
NO_OFFLINE = "no OfflineStoreConfig"
ONLINE_OFF = "OnlineStoreConfig.EnableOnlineStore is false"
IN_MEMORY = "OnlineStoreConfig.StorageType is InMemory, not Standard storage"
AFTER_APPLY = "is set (it comes from aws_kms_key.store.arn, known only after apply)"
AT_DEPLOY = "is set (it is !GetAtt StoreKey.Arn, known only at deploy)"
MODE = "ImageConfig.RepositoryAccessMode"
PULLED_FROM_ECR = "ImageConfig is not set (the image is pulled from Amazon ECR)"
WHY_VPC = "Vpc mode is only for a private Docker registry other than Amazon ECR"
SINGLE = "no Containers: a single-container model (SageMaker.16)"
MULTI = "no PrimaryContainer: a multi-container model (SageMaker.19)"
NC = "NetworkConfig"
ENCRYPT = "EnableInterContainerTrafficEncryption"
INLINE = f"MonitoringScheduleConfig.MonitoringJobDefinition.{NC}"
BY_NAME_22 = "which the AWS rule does not judge (set SageMaker.22.resolveReferences=true"
BY_NAME_14 = "isolation lives on the referenced job definition"


def scan(*args: str) -> dict[str, Any]:
    """`sagewarden scan ARGS --format json`: the document, after checking the run was clean."""
    run = cli("scan", *args, "--format", "json", "--fail-on", "never", "--no-history", "-q")
    assert run.code == 0, run.stderr
    doc: dict[str, Any] = run.json()
    problems = [d for d in doc["diagnostics"] if d["kind"] != "info"]
    assert not problems, problems
    return doc


@cache
def verdicts(*args: str) -> Got:
    """(control, resource id) -> (status, reason) of one scan."""
    doc = scan(*args)
    return {
        (e["control"], e["resource_id"]): (e["status"], e["reason"]) for e in doc["evaluations"]
    }


def check(got: Got, expected: Expected, controls: set[str] = NEW) -> None:
    """Exactly the expected verdicts of `controls`: no more, none missing, each status
    the one given and each reason holding its fragment."""
    mine = {k: v for k, v in got.items() if k[0] in controls}
    assert sorted(mine) == sorted(expected)
    wrong = {
        k: mine[k]
        for k, (status, fragment) in expected.items()
        if mine[k][0] != status or fragment not in mine[k][1]
    }
    assert not wrong, wrong


def table(rows: str, prefix: str = "") -> Expected:
    """'N resource STATUS fragment...' per line -> expectations; `prefix` goes before each
    resource (an ARN's start)."""
    out: Expected = {}
    for line in rows.strip().splitlines():
        number, resource, status, fragment = line.split(maxsplit=3)
        out[(f"SageMaker.{number}", prefix + resource)] = (status, fragment)
    return out


# -- Terraform: a real plan (hashicorp/aws 5.100.0) -------------------------------------------

FG = "aws_sagemaker_feature_group."
MODEL = "aws_sagemaker_model."
NB = "aws_sagemaker_notebook_instance."
SCHEDULE = "aws_sagemaker_monitoring_schedule.by_reference"

TF_MODELS = table(
    f"""
16 {MODEL}primary_vpc PASSED PrimaryContainer.{MODE} is Vpc
16 {MODEL}primary_platform FAILED PrimaryContainer.{MODE} is Platform: {WHY_VPC}
16 {MODEL}primary_ecr FAILED PrimaryContainer.{PULLED_FROM_ECR}: {WHY_VPC}
16 {MODEL}primary_later UNKNOWN comes from local.later_mode, known only after apply
16 {MODEL}pipeline_mixed NOT_APPLICABLE {MULTI}
16 {MODEL}pipeline_vpc NOT_APPLICABLE {MULTI}
19 {MODEL}primary_vpc NOT_APPLICABLE {SINGLE}
19 {MODEL}primary_platform NOT_APPLICABLE {SINGLE}
19 {MODEL}primary_ecr NOT_APPLICABLE {SINGLE}
19 {MODEL}primary_later NOT_APPLICABLE {SINGLE}
19 {MODEL}pipeline_mixed FAILED Containers[1].{MODE} is Platform; Containers[2].{PULLED_FROM_ECR}
19 {MODEL}pipeline_vpc PASSED every container (2) pulls from a private registry in a VPC
"""
)
TF_NOTEBOOKS = table(
    f"""
21 {NB}named_key PASSED KmsKeyId is {KEY}
21 {NB}no_key FAILED KmsKeyId is not set
21 {NB}key_after_apply PASSED KmsKeyId {AFTER_APPLY}
"""
)
TF_SCHEDULES = table(f"22 {SCHEDULE} NOT_APPLICABLE {BY_NAME_22}")
TF_FEATURE_GROUPS = table(
    f"""
17 {FG}offline_key PASSED {OFFLINE_KEY} is {KEY}
17 {FG}offline_plain_online_key FAILED {OFFLINE_UNSET}
17 {FG}online_standard_plain NOT_APPLICABLE {NO_OFFLINE}
17 {FG}keys_after_apply PASSED {AFTER_APPLY}
17 {FG}in_memory NOT_APPLICABLE {NO_OFFLINE}
17 {FG}online_disabled FAILED {OFFLINE_UNSET}
17 {FG}online_later NOT_APPLICABLE {NO_OFFLINE}
18 {FG}offline_key NOT_APPLICABLE {ONLINE_OFF} (the default when unset)
18 {FG}offline_plain_online_key PASSED {ONLINE_KEY} is {KEY}
18 {FG}online_standard_plain FAILED {ONLINE_UNSET}
18 {FG}keys_after_apply PASSED {AFTER_APPLY}
18 {FG}in_memory NOT_APPLICABLE {IN_MEMORY}
18 {FG}online_disabled NOT_APPLICABLE {ONLINE_OFF}: no online store
18 {FG}online_later UNKNOWN local.later_bool
"""
)


def test_terraform_plan_verdicts_of_the_new_controls() -> None:
    check(
        verdicts(str(PLAN)),
        {**TF_MODELS, **TF_NOTEBOOKS, **TF_SCHEDULES, **TF_FEATURE_GROUPS},
    )


def test_terraform_plan_unknown_only_where_a_value_comes_after_apply() -> None:
    unknown = {k for k, (status, _) in verdicts(str(PLAN)).items() if status == "UNKNOWN"}
    assert {k for k in unknown if k[0] in NEW} == {
        ("SageMaker.16", f"{MODEL}primary_later"),
        ("SageMaker.18", f"{FG}online_later"),
    }
    # The old controls' only UNKNOWN here: a notebook whose platform the service picks
    # (hashicorp/aws 5.100.0 does not accept notebook-al2023-v1, so none names one).
    assert {k for k in unknown if k[0] not in NEW} == {
        ("SageMaker.8", f"{NB}{name}") for name in ("named_key", "no_key", "key_after_apply")
    }


def test_terraform_schedule_by_reference_resolved_for_22_only() -> None:
    """The two parameters are independent: .22 follows the reference to a definition that
    encrypts its traffic (PASSED) while .14, not told to, still fails the schedule."""
    got = verdicts(str(PLAN), "--param", "SageMaker.22.resolveReferences=true")
    check(
        got,
        table(
            f"""
22 {SCHEDULE} PASSED referenced job definition encrypted (DataQuality): {NC}.{ENCRYPT} is true
14 {SCHEDULE} FAILED {BY_NAME_14} encrypted (DataQuality)
"""
        ),
        {"SageMaker.14", "SageMaker.22"},
    )


# -- CDK: `cdk synth` output (aws-cdk-lib L1 constructs) --------------------------------------

CDK = table(
    f"""
16 PrimaryVpc PASSED PrimaryContainer.{MODE} is Vpc
16 PrimaryPlatform FAILED PrimaryContainer.{MODE} is Platform: {WHY_VPC}
16 PrimaryEcr FAILED PrimaryContainer.{PULLED_FROM_ECR}
16 PipelineMixed NOT_APPLICABLE {MULTI}
16 PipelineVpc NOT_APPLICABLE {MULTI}
19 PrimaryVpc NOT_APPLICABLE {SINGLE}
19 PrimaryPlatform NOT_APPLICABLE {SINGLE}
19 PrimaryEcr NOT_APPLICABLE {SINGLE}
19 PipelineMixed FAILED Containers[1].{MODE} is Platform; Containers[2].{PULLED_FROM_ECR}
19 PipelineVpc PASSED every container (2) pulls from a private registry in a VPC
17 OfflineKey PASSED {OFFLINE_KEY} is {KEY}
17 OfflinePlainOnlineKey FAILED {OFFLINE_UNSET}
17 OnlineStandardPlain NOT_APPLICABLE {NO_OFFLINE}
17 KeysFromStack PASSED {AT_DEPLOY}
17 InMemory NOT_APPLICABLE {NO_OFFLINE}
17 OnlineDisabled FAILED {OFFLINE_UNSET}
18 OfflineKey NOT_APPLICABLE {ONLINE_OFF} (the default when unset)
18 OfflinePlainOnlineKey PASSED {ONLINE_KEY} is {KEY}
18 OnlineStandardPlain FAILED {ONLINE_UNSET}
18 KeysFromStack PASSED {AT_DEPLOY}
18 InMemory NOT_APPLICABLE {IN_MEMORY}
18 OnlineDisabled NOT_APPLICABLE {ONLINE_OFF}: no online store
20 ExplainabilityIsolated PASSED NetworkConfig.EnableNetworkIsolation is true
20 ExplainabilityOpen FAILED NetworkConfig.EnableNetworkIsolation is false (the default when unset)
21 KeyFromStack PASSED KmsKeyId {AT_DEPLOY}
21 NoKey FAILED KmsKeyId is not set
22 InlineEncrypted PASSED {INLINE}.{ENCRYPT} is true
22 InlinePlain FAILED {INLINE}.{ENCRYPT} is false
22 InlineNoNetwork FAILED {INLINE}.{ENCRYPT} is false (the default when unset)
22 ReferencesIsolated NOT_APPLICABLE job definition quality-isolated (ModelQuality), {BY_NAME_22}
22 ReferencesOpen NOT_APPLICABLE job definition quality-open (ModelQuality), {BY_NAME_22}
23 ExperimentKeys PASSED KmsKey is {KEY}
23 ExperimentPlain FAILED KmsKey is not set
23 ExperimentNoCapture PASSED KmsKey {AT_DEPLOY}
24 ExperimentKeys PASSED DataStorageConfig.KmsKey is {KEY}
24 ExperimentPlain FAILED DataStorageConfig.KmsKey is not set
24 ExperimentNoCapture NOT_APPLICABLE no DataStorageConfig: the experiment captures no data
25 QualityIsolated PASSED NetworkConfig.EnableNetworkIsolation is true
25 QualityOpen FAILED NetworkConfig.EnableNetworkIsolation is false
"""
)


def test_cdk_out_verdicts_of_the_new_controls() -> None:
    got = verdicts(str(CDK_OUT))
    check(got, CDK)
    assert not [k for k, (status, _) in got.items() if k[0] in NEW and status == "UNKNOWN"]


def test_cdk_out_is_read_as_cdk_writes_it() -> None:
    """The cloud assembly is read through its manifest (said, not an error; its other files
    are not read on their own), and each resource is named by its construct path."""
    doc = scan(str(CDK_OUT), "--control", "SageMaker.21")
    said = {(Path(d["where"]).name, d["message"]) for d in doc["diagnostics"]}
    assert said == {("cdk.out", "read as a CDK cloud assembly (stacks: AiSecurityStack)")}
    names = {e["resource_id"]: e["resource_name"] for e in doc["evaluations"]}
    assert names == {
        "KeyFromStack": "AiSecurityStack/KeyFromStack",
        "NoKey": "AiSecurityStack/NoKey",
    }


def test_cdk_schedules_by_reference_resolved_for_22_only() -> None:
    """Resolved, .22 judges the referenced quality definitions by their own flag; .14 is
    not told to and fails both schedules as before; the inline schedules do not change."""
    got = verdicts(str(CDK_OUT), "--param", "SageMaker.22.resolveReferences=true")
    check(
        got,
        {
            **{k: v for k, v in CDK.items() if k[0] == "SageMaker.22" and "References" not in k[1]},
            **table(
                f"""
22 ReferencesIsolated PASSED job definition quality-isolated (ModelQuality): {NC}.{ENCRYPT} is true
22 ReferencesOpen FAILED job definition quality-open (ModelQuality): {NC}.{ENCRYPT} is false
14 ReferencesIsolated FAILED {BY_NAME_14} quality-isolated (ModelQuality)
14 ReferencesOpen FAILED {BY_NAME_14} quality-open (ModelQuality)
14 InlineEncrypted PASSED EnableNetworkIsolation is true
14 InlinePlain PASSED EnableNetworkIsolation is true
14 InlineNoNetwork FAILED EnableNetworkIsolation is false (the default when unset)
"""
            ),
        },
        {"SageMaker.14", "SageMaker.22"},
    )


# -- AWS Config data: the two new types in every shape the Config source reads ---------------

FGA = f"{ACCOUNT_ARN}:feature-group/"
IEA = f"{ACCOUNT_ARN}:inference-experiment/"
ALIAS = "arn:aws:kms:eu-west-1:111122223333:alias/feature-store"

CONFIG: dict[str, Expected] = {
    # A snapshot delivered to S3: configuration an object, tags a map; a KMS key item beside.
    "config-ai-security-snapshot.json": {
        **table(
            f"""
17 fg-offline-key PASSED KmsKeyId is {KEY}
17 fg-online-standard-plain PASSED KmsKeyId is {ALIAS}
17 fg-in-memory FAILED {OFFLINE_UNSET}
17 fg-online-default-type NOT_APPLICABLE {NO_OFFLINE}
17 fg-online-off FAILED OfflineStoreConfig.S3StorageConfig.KmsKeyId is empty
18 fg-offline-key NOT_APPLICABLE {ONLINE_OFF} (the default when unset)
18 fg-online-standard-plain FAILED {ONLINE_UNSET}
18 fg-in-memory NOT_APPLICABLE {IN_MEMORY}
18 fg-online-default-type PASSED {ONLINE_KEY} is {KEY}
18 fg-online-off NOT_APPLICABLE {ONLINE_OFF}: no online store
""",
            FGA,
        ),
        **table(
            f"""
23 ie-keys PASSED KmsKey is {KEY}
23 ie-no-capture PASSED KmsKey is {KEY}
23 ie-plain FAILED KmsKey is not set
24 ie-keys PASSED DataStorageConfig.KmsKey is {KEY}
24 ie-no-capture NOT_APPLICABLE no DataStorageConfig
24 ie-plain FAILED DataStorageConfig.KmsKey is not set
""",
            IEA,
        ),
    },
    # get-resource-config-history: configuration a JSON string; the latest capture wins in
    # any order (hist-fg lost its key); a deleted feature group is not evaluated; "true".
    "config-ai-security-history.json": {
        **table(
            f"""
17 hist-fg FAILED {OFFLINE_UNSET}
18 hist-fg NOT_APPLICABLE {ONLINE_OFF} (the default when unset)
17 hist-fg-online-string NOT_APPLICABLE {NO_OFFLINE}
18 hist-fg-online-string PASSED {ONLINE_KEY} is {KEY}
""",
            FGA,
        ),
        **table(
            """
23 hist-ie-empty-key FAILED KmsKey is empty
24 hist-ie-empty-key FAILED DataStorageConfig.KmsKey is empty
""",
            IEA,
        ),
    },
    # select-resource-config (advanced query): each result a JSON string, tags a key/value list.
    "config-ai-security-select.json": {
        **table(
            f"""
17 sel-fg-both-keys PASSED KmsKeyId is {KEY}
18 sel-fg-both-keys PASSED KmsKeyId is {KEY}
17 sel-fg-online-plain NOT_APPLICABLE {NO_OFFLINE}
18 sel-fg-online-plain FAILED {ONLINE_UNSET}
""",
            FGA,
        ),
        **table(
            """
23 sel-ie-capture-plain PASSED KmsKey is arn:aws:kms
24 sel-ie-capture-plain FAILED DataStorageConfig.KmsKey is not set
23 sel-ie-no-key FAILED KmsKey is not set
24 sel-ie-no-key NOT_APPLICABLE no DataStorageConfig
""",
            IEA,
        ),
    },
    # batch-get-resource-config: baseConfigurationItems, configuration a string, no tags.
    "config-ai-security-batch-get.json": {
        **table(
            f"""
17 batch-fg-offline-plain FAILED {OFFLINE_UNSET}
18 batch-fg-offline-plain NOT_APPLICABLE {ONLINE_OFF}: no online store
""",
            FGA,
        ),
        **table(
            f"""
23 batch-ie-keys PASSED KmsKey is {KEY}
24 batch-ie-keys PASSED DataStorageConfig.KmsKey is {KEY}
""",
            IEA,
        ),
    },
}


@pytest.mark.parametrize("name", sorted(CONFIG))
def test_config_data_verdicts_of_the_new_types(name: str) -> None:
    check(verdicts(str(DATA / name)), CONFIG[name])


def test_config_tags_of_the_new_types_reach_the_findings() -> None:
    """Tags as a map (snapshot) and as a key/value list (query) arrive in the ASFF findings
    alike; batch-get-resource-config records none, and none are made up."""
    run = cli(
        "scan",
        *(str(DATA / name) for name in sorted(CONFIG)),
        "--format",
        "asff",
        "--fail-on",
        "never",
        "--no-history",
        "-q",
        "--control",
        "SageMaker.23",
    )
    assert run.code == 0, run.stderr
    tags = {
        r["Id"].removeprefix(IEA): r.get("Tags")
        for finding in run.json()["Findings"]
        for r in finding["Resources"]
    }
    assert tags == {
        "ie-keys": {"team": "ml"},
        "ie-no-capture": None,
        "ie-plain": None,
        "hist-ie-empty-key": None,
        "sel-ie-capture-plain": None,
        "sel-ie-no-key": {"team": "ml"},
        "batch-ie-keys": None,
    }
