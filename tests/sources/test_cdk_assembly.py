"""A CDK cloud assembly read as a whole, on the `cdk synth` output of a real app.

tests/data/cdk/nested-app/cdk.out is what `cdk synth` (aws-cdk-lib, its regenerate.sh)
made of app.js beside it: PlatformStack (aws://111122223333/eu-west-1) with a NestedStack
fed by the parent's parameters and key, and a monitoring schedule naming its job
definition by Fn::Select/Fn::Split of its Arn; ServingStack importing PlatformStack's
exports; the environment-agnostic SandboxStack; and the Stage Prod (assembly-Prod/, in
us-east-1). Each test scans it through the real `sagewarden scan` command. Read template
by template (as sagewarden did before it read assemblies), every verdict marked "graph"
below was UNKNOWN: test_each_template_alone_leaves_them_unknown shows it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from tests.helpers import cli
from tests.sources.test_real_ai_security import check, table

DATA = Path(__file__).resolve().parents[1] / "data"
CDK_OUT = DATA / "cdk" / "nested-app" / "cdk.out"
NESTED = "NotebooksNestedStackNotebooksNestedStackResource4B9291E3/"
NESTED_FILE = CDK_OUT / "PlatformStackNotebooks09CEE39F.nested.template.json"
ALL = {f"SageMaker.{n}" for n in range(1, 26)}
KEY_PASSED = "it is parameter referencetoPlatformStackPlatformKey637E3787Arn, passed by"
KEY_EXPORTED = "it is !ImportValue PlatformStack:ExportsOutputFnGetAttPlatformKeyArnD821368E"

# Every verdict of a scan of cdk.out (no parameters given).
VERDICTS = table(
    f"""
4 RegionalConfig PASSED InitialInstanceCount of 2 or more
4 {NESTED}NestedConfig PASSED InitialInstanceCount of 2 or more
1 {NESTED}Notebook PASSED DirectInternetAccess is Disabled
2 {NESTED}Notebook PASSED SubnetId is subnet-0123456789abcdef0
3 {NESTED}Notebook PASSED RootAccess is Disabled
8 {NESTED}Notebook PASSED notebook-al2023-v1
21 {NESTED}Notebook PASSED {KEY_PASSED} PlatformStack where it is !GetAtt PlatformKey.Arn
9 QualityJob FAILED EnableInterContainerTrafficEncryption is false
11 QualityJob PASSED EnableNetworkIsolation is true
14 QualitySchedule FAILED referenced job definition QualityJob (DataQuality)
22 QualitySchedule NOT_APPLICABLE names job definition QualityJob (DataQuality)
4 ServingConfig PASSED InitialInstanceCount of 2 or more
1 ServingNotebook PASSED DirectInternetAccess is Disabled
2 ServingNotebook PASSED SubnetId is subnet-0123456789abcdef0
3 ServingNotebook PASSED RootAccess is Disabled
8 ServingNotebook PASSED notebook-al2023-v1
21 ServingNotebook PASSED {KEY_EXPORTED}, exported by PlatformStack where it is !GetAtt
4 SandboxConfig UNKNOWN with a key that is AWS::Region, known only at deploy
4 ProdConfig FAILED production variant main has InitialInstanceCount 1
5 ProdModel PASSED EnableNetworkIsolation is true
16 ProdModel FAILED PrimaryContainer.ImageConfig is not set
19 ProdModel NOT_APPLICABLE no Containers
"""
)
# The verdicts that only reading the assembly as a whole decides (UNKNOWN template by template).
GRAPH = {
    ("SageMaker.4", "RegionalConfig"),  # AWS::Region from the manifest
    ("SageMaker.4", "ProdConfig"),  # AWS::Region from the nested assembly's manifest
    ("SageMaker.4", f"{NESTED}NestedConfig"),  # the parent's parameter
    ("SageMaker.1", f"{NESTED}Notebook"),
    ("SageMaker.3", f"{NESTED}Notebook"),
    ("SageMaker.4", "ServingConfig"),  # PlatformStack's export
    ("SageMaker.3", "ServingNotebook"),
}


def scan(*args: str, clean: bool = True) -> dict[str, Any]:
    run = cli("scan", *args, "--format", "json", "--fail-on", "never", "--no-history", "-q")
    assert run.code == 0, run.stderr
    doc: dict[str, Any] = run.json()
    if clean:
        assert not [d for d in doc["diagnostics"] if d["kind"] not in ("info", "warning")]
    return doc


@cache
def verdicts(*args: str) -> dict[tuple[str, str], tuple[str, str]]:
    doc = scan(*args)
    got: dict[tuple[str, str], tuple[str, str]] = {}
    for e in doc["evaluations"]:
        key = (e["control"], e["resource_id"])
        assert key not in got, f"{key} evaluated twice"
        got[key] = (e["status"], e["reason"])
    return got


def test_assembly_verdicts() -> None:
    """Every stack once (the nested template only as the nested stack, the Stage's stack
    from its own manifest), each verdict as app.js says."""
    check(verdicts(str(CDK_OUT)), VERDICTS, ALL)


def test_cfn_param_reaches_the_nested_stack_and_the_importer() -> None:
    """--cfn-param for PlatformStack's parameters reaches its nested stack (through the
    stack resource's Parameters) and ServingStack (through the export)."""
    got = verdicts(
        str(CDK_OUT), "--cfn-param", "DirectInternet=Enabled", "--cfn-param", "VariantInstances=1"
    )
    changed = table(
        f"""
1 {NESTED}Notebook FAILED DirectInternetAccess is Enabled
4 {NESTED}NestedConfig FAILED production variant main has InitialInstanceCount 1
4 ServingConfig FAILED production variant main has InitialInstanceCount 1
"""
    )
    check(got, {**VERDICTS, **changed}, ALL)


def test_schedule_names_its_job_definition_through_its_arn() -> None:
    """Fn::Select 1 of Fn::Split "/" of Fn::GetAtt QualityJob.JobDefinitionArn is
    QualityJob's name: with resolveReferences both controls judge that definition."""
    got = verdicts(
        str(CDK_OUT),
        "--param",
        "SageMaker.14.resolveReferences=true",
        "--param",
        "SageMaker.22.resolveReferences=true",
    )
    changed = table(
        """
14 QualitySchedule PASSED referenced job definition QualityJob (DataQuality): NetworkConfig.EnableNetworkIsolation is true
22 QualitySchedule FAILED referenced job definition QualityJob (DataQuality): NetworkConfig.EnableInterContainerTrafficEncryption is false
"""  # noqa: E501
    )
    check(got, {**VERDICTS, **changed}, ALL)


def test_manifest_environments_place_the_resources() -> None:
    """Each resource carries its stack's account and Region (the nested stack its
    parent's, the Stage's stack the Stage's); the environment-agnostic stack neither."""
    doc = scan(str(CDK_OUT), "--control", "SageMaker.4")
    placed = {
        e["resource_id"]: (e["source"].get("account_id"), e["source"].get("region"))
        for e in doc["evaluations"]
    }
    assert placed == {
        "RegionalConfig": ("111122223333", "eu-west-1"),
        f"{NESTED}NestedConfig": ("111122223333", "eu-west-1"),
        "ServingConfig": ("111122223333", "eu-west-1"),
        "SandboxConfig": (None, None),
        "ProdConfig": ("444455556666", "us-east-1"),
    }
    files = {e["resource_id"]: Path(e["source"]["file"]).name for e in doc["evaluations"]}
    assert files[f"{NESTED}NestedConfig"] == NESTED_FILE.name
    names = {e["resource_id"]: e["resource_name"] for e in doc["evaluations"]}
    assert names[f"{NESTED}NestedConfig"] == "PlatformStack/Notebooks/NestedConfig"


def test_nested_assembly_named_again_is_read_once() -> None:
    """cdk.out and its Stage's directory on one command line: the Stage's stack once."""
    doc = scan(str(CDK_OUT), str(CDK_OUT / "assembly-Prod"), "--control", "SageMaker.4")
    ids = [e["resource_id"] for e in doc["evaluations"]]
    assert sorted(ids) == sorted(k[1] for k in VERDICTS if k[0] == "SageMaker.4")
    said = [d["message"] for d in doc["diagnostics"]]
    assert said == [
        "read as a CDK cloud assembly "
        "(stacks: Prod/ModelStack, PlatformStack, ServingStack, SandboxStack)",
        "read already, as part of a cloud assembly",
    ]


def test_each_template_alone_leaves_them_unknown() -> None:
    """Without the assembly (each template on its own, with no environment, parent or
    exporter), every verdict in GRAPH is UNKNOWN: what the graph decides."""
    alone: dict[tuple[str, str], str] = {}
    for template in sorted(CDK_OUT.rglob("*.template.json")):
        doc = scan(str(template), clean=False)
        prefix = NESTED if template == NESTED_FILE else ""
        for e in doc["evaluations"]:
            alone[(e["control"], prefix + e["resource_id"])] = e["status"]
    assert {k: alone[k] for k in GRAPH} == dict.fromkeys(GRAPH, "UNKNOWN")
    assert all(VERDICTS[k][0] != "UNKNOWN" for k in GRAPH)


def test_region_given_reaches_only_the_environment_agnostic_stack() -> None:
    """--cfn-param AWS::Region=us-east-1: SandboxStack (unknown-region) deploys there,
    the stacks whose manifest names a Region keep theirs."""
    got = verdicts(str(CDK_OUT), "--cfn-param", "AWS::Region=us-east-1")
    changed = table("4 SandboxConfig FAILED production variant main has InitialInstanceCount 1")
    check(got, {**VERDICTS, **changed}, ALL)
