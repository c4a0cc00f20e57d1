"""The Guard rules for AWS Config (`export guard --target config`), run by AWS's Guard
engine over configuration items, agree with sagewarden's engine over the same items.

The rule text judged is the `PolicyText` of the exported conformance pack, the text AWS
Config runs. Two sets of items:

- every case of every control (tests/cases) rendered as the Config item AWS records
  (tests/casekit/render.py `config_snapshot`), beside `sagewarden scan` of that snapshot;
- every SageMaker item of the Config data files in tests/data and the peer cases
  (snapshots, history, advanced-query and batch-get output), as the configuration item a
  custom policy rule receives (`configuration` an object, `tags` a map), beside `sagewarden
  scan` of the file;
- every SageMaker resource of the peer cases' CloudFormation templates (which hold no
  Config data today) as the item Config would record once deployed, beside `sagewarden
  scan` of those items.

The verdicts correspond as for the hook (tests/casekit/guardrun.py GUARD_OF): Config
reports Guard PASS as COMPLIANT, FAIL as NON_COMPLIANT, SKIP as NOT_APPLICABLE. A control
the export leaves out (SageMaker.8, and .14/.22 following references) is left to the
engine; the test says which, and fails if another one is.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagewarden.catalog import BY_ID, CONTROLS
from sagewarden.guard.conformance_pack import logical_id
from sagewarden.guard.export import build
from sagewarden.guard.render import CONFIG
from sagewarden.kinds import ALL_TYPES, name_property
from sagewarden.params import parse_params
from sagewarden.sources.cloudformation import load_yaml, looks_like_template
from sagewarden.sources.config import DELETED
from sagewarden.sources.yamlsafe import YamlLoadError
from tests.casekit.guardrun import GUARD_OF, guard_verdict, own_params
from tests.casekit.model import CONFIG as CONFIG_SOURCE
from tests.casekit.model import Case, all_cases
from tests.casekit.render import config_snapshot
from tests.casekit.scan import scan, verdicts

guardpycfn = pytest.importorskip(
    "guardpycfn", reason="guardpycfn (the Guard engine's Python bindings) is not installed"
)

ROOT = Path(__file__).resolve().parents[2]
# ../shared/peer-cases beside the checkout (or beside a worktree's parent folder)
_PLACES = [base / "shared" / "peer-cases" for base in (ROOT.parent, ROOT.parent.parent)]
PEER_CASES = next((p for p in _PLACES if p.is_dir()), _PLACES[0])
DATA_DIRS = [ROOT / "tests" / "data", PEER_CASES]
LEFT_TO_THE_ENGINE = {"SageMaker.8"}  # periodic: its verdict changes while the item does not
# Cases and items where the Guard verdict differs from GUARD_OF, with why.
DIFFERENCES: dict[str, str] = {}


@cache
def policies(params: tuple[str, ...] = ()) -> dict[str, str]:
    """Each exported control's PolicyText, as the conformance pack holds it."""
    paramset, diags = parse_params(params)
    assert not diags, diags
    export = build(CONFIG, CONTROLS, paramset, "WARN")
    pack = export.pack()["Resources"]
    return {
        r.control.id: pack[logical_id(r)]["Properties"]["Source"]["CustomPolicyDetails"][
            "PolicyText"
        ]
        for r in export.rules
    }


def rule_name(control: str) -> str:
    return control.lower().replace(".", "_")


def judged_by_guard(case: Case) -> bool:
    return case.control in policies(tuple(own_params(case)))


CASES = [c for c in all_cases() if not c.on(CONFIG_SOURCE).impossible]
EXPORTED = [c for c in CASES if judged_by_guard(c)]
NOT_EXPORTED = [c for c in CASES if not judged_by_guard(c)]


def test_only_periodic_and_referencing_cases_are_left_to_the_engine() -> None:
    assert NOT_EXPORTED and EXPORTED
    for case in NOT_EXPORTED:
        follows = f"{case.control}.resolveReferences=true" in own_params(case)
        assert case.control in LEFT_TO_THE_ENGINE or follows, case.label
    assert set(policies()) == {c.id for c in CONTROLS} - LEFT_TO_THE_ENGINE


def _check(label: str, engine: str, status: str, messages: list[str], control: str) -> None:
    if label in DIFFERENCES:
        assert status not in GUARD_OF[engine], f"{label} no longer differs: drop it"
        return
    assert status in GUARD_OF[engine], f"{label}: engine {engine}, Guard {status} {messages}"
    c = BY_ID[control]
    if status == "FAIL":
        assert messages and all(m.startswith(f"{c.id} [{c.severity.value}] ") for m in messages), (
            messages
        )


@pytest.mark.parametrize("case", [pytest.param(c, id=c.label) for c in EXPORTED])
def test_guard_agrees_with_the_engine_on_every_case(case: Case, tmp_path: Path) -> None:
    snapshot = config_snapshot(case)
    item = snapshot["configurationItems"][-1]  # the judged resource comes last
    assert item["resourceId"] == case.resource.name
    text = policies(tuple(own_params(case)))[case.control]
    status, messages = guard_verdict(guardpycfn, text, item, rule_name(case.control))

    path = tmp_path / "config-snapshot.json"
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    args = ["--control", case.control]
    for p in own_params(case):
        args += ["--param", p]
    _, doc = scan(tmp_path / "report.json", str(path), *args)
    seen = verdicts(doc, case.control)
    assert case.resource.name in seen, (case.label, doc.get("diagnostics"))
    _check(case.label, seen[case.resource.name].status, status, messages, case.control)


# -- the Config data files ------------------------------------------------------------------


def _items(doc: Any) -> list[Any]:
    if isinstance(doc, dict):
        for key in ("configurationItems", "Results", "baseConfigurationItems"):
            if isinstance(doc.get(key), list):
                return list(doc[key])
    return []


def config_files() -> list[Path]:
    """Every JSON file under the data folders that holds AWS Config items."""
    out = []
    for folder in DATA_DIRS:
        for path in sorted(folder.rglob("*.json")) if folder.is_dir() else ():
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            if any(_sagemaker(i) for i in _items(doc)):
                out.append(path)
    return out


def _parsed(raw: Any) -> Any:
    return json.loads(raw) if isinstance(raw, str) else raw


def _sagemaker(raw: Any) -> bool:
    item = _parsed(raw)
    return isinstance(item, dict) and str(item.get("resourceType", "")).startswith(
        "AWS::SageMaker::"
    )


def rule_inputs(doc: Any) -> dict[tuple[str, ...], dict[str, Any]]:
    """The latest item of each SageMaker resource as a custom policy rule receives it
    (configuration an object, tags a map), keyed as the engine's report names it. A
    resource whose latest item is a deletion is not evaluated (Config sends no rule
    evaluation for it); an item without a configuration is a query that did not select
    it, not an item Config hands to a rule."""
    latest: dict[tuple[str, ...], tuple[tuple[str, int], dict[str, Any]]] = {}
    for n, raw in enumerate(_items(doc)):
        if not _sagemaker(raw):
            continue
        item = dict(_parsed(raw))
        rid = item.get("ARN") or item.get("arn") or item.get("resourceId")
        key: tuple[str, ...] = (
            str(item["resourceType"]),
            str(item.get("awsAccountId", item.get("accountId"))),
            str(item.get("awsRegion")),
            str(rid or item.get("resourceName")),
        )
        order = (str(item.get("configurationItemCaptureTime", "")), n)
        if key not in latest or latest[key][0] < order:
            latest[key] = (order, item)
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for key, (_, item) in latest.items():
        if item.get("configurationItemStatus") in DELETED:
            continue
        config = _parsed(item.get("configuration"))
        if not isinstance(config, dict):
            continue
        item["configuration"] = config
        if isinstance(item.get("tags"), list):
            item["tags"] = {t["key"]: t["value"] for t in item["tags"]}
        out[key] = item
    return out


def test_the_data_files_hold_config_items() -> None:
    files = config_files()
    assert any(p.is_relative_to(ROOT / "tests" / "data") for p in files), files


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.relative_to(p.parents[1]).as_posix()) for p in config_files()]
)
def test_guard_agrees_with_the_engine_on_config_data(path: Path, tmp_path: Path) -> None:
    _agree(path, json.loads(path.read_text(encoding="utf-8")), tmp_path)


def _agree(path: Path, doc: Any, tmp_path: Path) -> None:
    """Guard over each latest item of `doc` (the content of `path`) gives the verdict
    `sagewarden scan PATH` gives, for every exported control of the item's type."""
    _, report = scan(tmp_path / "report.json", str(path))
    engine: dict[tuple[str, ...], str] = {
        (
            e["resource_type"],
            str(e["source"].get("account_id")),
            str(e["source"].get("region")),
            e["resource_id"],
            e["control"],
        ): e["status"]
        for e in report["evaluations"]
    }
    texts = policies()
    compared = 0
    for key, item in rule_inputs(doc).items():
        for control in CONTROLS:
            if control.resource_type != item["resourceType"] or control.id not in texts:
                continue
            verdict = engine.get((*key, control.id))
            assert verdict is not None, (key, control.id, report["diagnostics"])
            status, messages = guard_verdict(
                guardpycfn, texts[control.id], item, rule_name(control.id)
            )
            _check(f"{path.name}:{key[3]}:{control.id}", verdict, status, messages, control.id)
            compared += 1
    # Only deleted resources: Config evaluates nothing, and neither does the engine.
    assert compared or not engine, f"{path}: the engine judged what no Guard rule did"


# -- the peer cases' templates, as the items AWS Config would record -----------------------


DEPLOYED = "deployed-value"  # what a Ref or GetAtt (a name, an id, an ARN) resolves to


def _deployed(value: Any) -> Any:
    """The properties as a recorded item holds them: a value only a deploy resolves (Ref,
    Fn::GetAtt, Fn::Sub...) is a string there, here a stand-in for it."""
    if isinstance(value, dict):
        if len(value) == 1 and any(k == "Ref" or k.startswith("Fn::") for k in value):
            return DEPLOYED
        return {k: _deployed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deployed(v) for v in value]
    return value


def recorded(path: Path) -> dict[str, Any] | None:
    """A template's SageMaker resources as the items of a Config snapshot (configuration
    the properties, deployed values a stand-in string, tags a map), or None if it has
    none."""
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            template = json.loads(text)
        else:
            loaded = load_yaml(text)
            template = loaded.doc if loaded is not None else None
    except (ValueError, YamlLoadError):
        return None
    if not isinstance(template, dict) or not looks_like_template(template):
        return None
    items = []
    for lid, res in (template.get("Resources") or {}).items():
        if not isinstance(res, dict) or res.get("Type") not in ALL_TYPES:
            continue
        props = _deployed(res.get("Properties") or {})
        if not isinstance(props, dict):
            continue
        name = props.get(name_property(res["Type"])) or lid
        tags = props.get("Tags") or []
        items.append(
            {
                "configurationItemCaptureTime": "2026-11-20T06:12:41.379Z",
                "configurationItemStatus": "OK",
                "awsAccountId": "123456789012",
                "awsRegion": "us-east-1",
                "resourceType": res["Type"],
                "resourceId": str(name),
                "resourceName": str(name),
                "configuration": props,
                "supplementaryConfiguration": {},
                "tags": {t["Key"]: t["Value"] for t in tags if isinstance(t, dict)},
            }
        )
    return {"fileVersion": "1.0", "configurationItems": items} if items else None


def peer_templates() -> list[Path]:
    if not PEER_CASES.is_dir():
        return []
    found = [*PEER_CASES.rglob("*.yaml"), *PEER_CASES.rglob("*.yml"), *PEER_CASES.rglob("*.json")]
    return [p for p in sorted(found) if recorded(p) is not None]


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.relative_to(PEER_CASES).as_posix()) for p in peer_templates()]
)
def test_guard_agrees_with_the_engine_on_peer_templates_as_config_items(
    path: Path, tmp_path: Path
) -> None:
    snapshot = recorded(path)
    assert snapshot is not None
    data = tmp_path / "config-snapshot.json"
    data.write_text(json.dumps(snapshot), encoding="utf-8")
    _agree(data, snapshot, tmp_path)


# -- the files the export writes ------------------------------------------------------------


def test_the_pack_rules_are_change_triggered_custom_policies_within_limits(
    tmp_path: Path,
) -> None:
    from tests.helpers import cli

    out = tmp_path / "out"
    run = cli("export", "guard", "--target", "config", "--output-dir", str(out))
    assert run.code == 0, run.stderr
    assert "SageMaker.8: not exported: periodic" in run.stderr
    pack_text = (out / "conformance-pack.yaml").read_text(encoding="utf-8")
    pack = yaml.safe_load(pack_text)
    rules = pack["Resources"]
    assert {r["Properties"]["Description"].split()[0] for r in rules.values()} == {
        c.id for c in CONTROLS
    } - LEFT_TO_THE_ENGINE
    for rule in rules.values():
        assert rule["Type"] == "AWS::Config::ConfigRule"
        props = rule["Properties"]
        control = BY_ID[props["Description"].split()[0]]
        assert props["Scope"] == {"ComplianceResourceTypes": [control.resource_type]}
        source = props["Source"]
        assert source["Owner"] == "CUSTOM_POLICY"
        assert "MaximumExecutionFrequency" not in props
        assert {d["MessageType"] for d in source["SourceDetails"]} == {
            "ConfigurationItemChangeNotification",
            "OversizedConfigurationItemChangeNotification",
        }
        details = source["CustomPolicyDetails"]
        assert details["PolicyRuntime"] == "guard-2.x.x"
        assert details["EnableDebugLogDelivery"] is False
        assert 0 < len(details["PolicyText"]) <= 10_000
        assert f"rule {rule_name(control.id)} when resourceType ==" in details["PolicyText"]
    org = yaml.safe_load((out / "organization-conformance-pack.yaml").read_text())
    (resource,) = org["Resources"].values()
    assert resource["Type"] == "AWS::Config::OrganizationConformancePack"
    assert resource["Properties"]["TemplateBody"] == pack_text
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "- SageMaker.8: periodic:" in readme
    cfnlint = pytest.importorskip("cfnlint.api", reason="cfn-lint is not installed")
    for name in ("conformance-pack.yaml", "organization-conformance-pack.yaml"):
        text = (out / name).read_text(encoding="utf-8")
        assert [str(m) for m in cfnlint.lint(text, regions=["us-east-1"])] == [], name


def _export(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    from tests.helpers import cli

    out = tmp_path / "out"
    run = cli("export", "guard", "--target", "config", "--output-dir", str(out), *args)
    return run.code, run.stderr, out


def _pack_rule(out: Path, control: str) -> dict[str, Any]:
    pack = yaml.safe_load((out / "conformance-pack.yaml").read_text(encoding="utf-8"))
    props: dict[str, Any] = pack["Resources"][control.replace(".", "")]["Properties"]
    return props


def test_parameters_are_written_into_the_policy_text(tmp_path: Path) -> None:
    code, err, out = _export(
        tmp_path,
        "--controls",
        "SageMaker.2,SageMaker.6",
        "--param",
        "SageMaker.6.requiredKeyTags=team,cost center",
        "--param",
        "SageMaker.2.SubnetIds=subnet-1,subnet-2",
        "--debug-log-delivery",
    )
    assert code == 0, err
    tags = _pack_rule(out, "SageMaker.6")["Source"]["CustomPolicyDetails"]
    assert 'tags[ keys == "team" ] !empty' in tags["PolicyText"]
    assert 'tags[ keys == "cost center" ] !empty' in tags["PolicyText"]
    assert tags["EnableDebugLogDelivery"] is True
    subnet = _pack_rule(out, "SageMaker.2")["Source"]["CustomPolicyDetails"]["PolicyText"]
    assert 'let sagemaker_2_SubnetIds = ["subnet-1", "subnet-2"]' in subnet
    assert "configuration.SubnetId in %sagemaker_2_SubnetIds" in subnet


def test_a_rule_over_config_s_size_limit_is_left_out_with_why(tmp_path: Path) -> None:
    subnets = ",".join(f"subnet-{n:017x}" for n in range(400))  # 400 x 27 characters
    code, err, out = _export(tmp_path, "--param", f"SageMaker.2.SubnetIds={subnets}")
    assert code == 0, err
    assert "SageMaker.2: not exported: its Guard text is " in err
    assert "over AWS Config's 10000 per custom policy rule" in err
    pack = yaml.safe_load((out / "conformance-pack.yaml").read_text(encoding="utf-8"))
    assert "SageMaker2" not in pack["Resources"] and "SageMaker3" in pack["Resources"]


def test_a_control_following_references_is_left_out_with_why(tmp_path: Path) -> None:
    code, err, _ = _export(tmp_path, "--param", "SageMaker.22.resolveReferences=true")
    assert code == 0, err
    assert (
        "SageMaker.22: not exported: resolveReferences=true judges the schedule by the job "
        "definition it names, another resource, which an AWS Config custom policy rule "
        "(one configuration item) does not see"
    ) in err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--target", "config", "--mode", "FAIL"], "--mode is the Guard hook's FailureMode"),
        (
            ["--target", "cloudformation-hook", "--debug-log-delivery"],
            "--debug-log-delivery is for AWS Config rules",
        ),
    ],
)
def test_an_option_of_the_other_target_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], says: str
) -> None:
    from tests.helpers import cli

    run = cli("export", "guard", "--output-dir", str(tmp_path / "out"), *args)
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], run.stderr
    assert not (tmp_path / "out").exists()


def test_a_pack_over_the_template_body_limit_is_read_from_s3() -> None:
    from sagewarden.guard.conformance_pack import TEMPLATE_BODY_MAX, organization_template

    small = organization_template("Resources: {}\n")
    props = small["Resources"]["SageMakerConformancePack"]["Properties"]
    assert props["TemplateBody"] == "Resources: {}\n" and "TemplateS3Uri" not in props
    big = organization_template("#" * (TEMPLATE_BODY_MAX + 1))
    props = big["Resources"]["SageMakerConformancePack"]["Properties"]
    assert "TemplateBody" not in props
    assert props["TemplateS3Uri"] == {"Ref": "TemplateS3Uri"}
    assert "TemplateS3Uri" in big["Parameters"]
    cfnlint = pytest.importorskip("cfnlint.api", reason="cfn-lint is not installed")
    text = yaml.safe_dump(big, sort_keys=False)
    assert [str(m) for m in cfnlint.lint(text, regions=["us-east-1"])] == []


def test_the_policy_texts_use_no_guard_3_function() -> None:
    """AWS Config's runtime is guard-2.x.x, the engine here Guard 3: the rules must not
    call a function (count, json_parse, regex_replace...), which Guard 2 does not have."""
    import re

    for control, text in policies(("SageMaker.6.requiredKeyTags=a,b",)).items():
        code = re.sub(r"<<.*?>>", "", text)  # messages are free text
        assert not re.search(r"[A-Za-z_]\(", code), (control, code)


def test_the_pack_is_what_aws_config_s_api_accepts(tmp_path: Path) -> None:
    """Each rule as PutConfigRule's ConfigRule, the pack as PutConformancePack's and
    PutOrganizationConformancePack's TemplateBody, checked against botocore's model of
    AWS Config (types, enums, and the maximums botocore leaves to the server)."""
    from sagewarden.guard.conformance_pack import PACK_NAME
    from sagewarden_demo.emulator.validation import input_errors, operation_model

    def refused(operation: str, params: dict[str, Any]) -> str | None:
        model = operation_model("config", operation)
        assert model is not None, operation
        return input_errors(model, params)

    code, err, out = _export(tmp_path, "--param", "SageMaker.6.requiredKeyTags=team")
    assert code == 0, err
    body = (out / "conformance-pack.yaml").read_text(encoding="utf-8")
    for rule in yaml.safe_load(body)["Resources"].values():
        assert refused("PutConfigRule", {"ConfigRule": rule["Properties"]}) is None
    too_long = dict(rule["Properties"])
    too_long["Source"] = {
        **too_long["Source"],
        "CustomPolicyDetails": {
            **too_long["Source"]["CustomPolicyDetails"],
            "PolicyText": "#" * 10_001,
        },
    }
    assert refused("PutConfigRule", {"ConfigRule": too_long})  # the check has teeth
    assert (
        refused("PutConformancePack", {"ConformancePackName": PACK_NAME, "TemplateBody": body})
        is None
    )
    org = {"OrganizationConformancePackName": PACK_NAME, "TemplateBody": body}
    assert refused("PutOrganizationConformancePack", org) is None
