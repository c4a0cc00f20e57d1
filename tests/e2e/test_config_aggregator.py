"""`scan --config-aggregator` / `--config-recorder` end to end: the real CLI reads AWS
Config through boto3 over HTTP from the emulator's recorder (config_service.py), exactly
as from AWS. Every control's cases, recorded as Config items across many accounts and
two Regions, give the verdicts the same items give as a snapshot file; what cannot be
read is ERROR, never a pass."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden.kinds import name_property
from sagewarden_demo.emulator import Emulator
from sagewarden_demo.emulator.config_service import delivered_item
from tests.casekit.model import CONFIG, all_cases
from tests.casekit.render import ACCOUNT, REGION, config_snapshot
from tests.helpers import scan_report

WEST = "eu-west-1"
OUTSIDER = "999999999999"  # recorded, but no source of the aggregator
AGGREGATOR = "org"


@pytest.fixture
def cfg(aws: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The emulator, with the environment a user would set to point the CLI at it."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    return aws


def aggregate(aws: Emulator, accounts: list[str], name: str = AGGREGATOR) -> None:
    config: Any = aws.client("config")
    config.put_configuration_aggregator(
        ConfigurationAggregatorName=name,
        AccountAggregationSources=[{"AccountIds": accounts, "AllAwsRegions": True}],
    )


def moved(item: dict[str, Any], account: str, region: str) -> dict[str, Any]:
    """The item as recorded in another account and Region (its ARN too)."""
    out = copy.deepcopy(item)
    out["ARN"] = out["ARN"].replace(f":{REGION}:{ACCOUNT}:", f":{region}:{account}:")
    out["awsAccountId"], out["awsRegion"] = account, region
    return out


def item(
    name: str,
    rtype: str = "AWS::SageMaker::Model",
    account: str = ACCOUNT,
    region: str = REGION,
    **over: Any,
) -> dict[str, Any]:
    """A configuration item as Config delivers it (a model with network isolation on)."""
    out = delivered_item(
        rtype,
        name,
        {name_property(rtype): name, "EnableNetworkIsolation": True},
        account=account,
        region=region,
        tags={"team": "ml"},
    )
    out.update(over)
    return out


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["scan", "--format", "json", "--quiet", "--no-history", *args])
    out, err = capsys.readouterr()
    return code, scan_report(out), err


def seen(doc: dict[str, Any]) -> Counter[tuple[str, ...]]:
    """Every verdict, with what makes it one: control, account, Region, resource, status,
    reason (the source's name aside: a file or the aggregator)."""
    return Counter(
        (
            e["control"],
            e["source"].get("account_id", ""),
            e["source"].get("region", ""),
            e["resource_id"],
            e["status"],
            e["reason"],
        )
        for e in doc["evaluations"]
    )


def calls(aws: Emulator, service: str = "config") -> Counter[str]:
    return Counter(c.operation for c in aws.calls if c.service == service)


# -- the same verdicts as a snapshot ----------------------------------------------------------


def test_every_case_through_an_aggregator_gives_the_snapshot_verdicts(
    cfg: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Each case in an account of its own, the Regions alternating: one aggregator over
    all of them, scanned once per distinct set of options, against the same items in one
    snapshot file. Also the case's own expected verdict, and nothing from an account
    outside the aggregator."""
    cases = all_cases()
    accounts = [f"{100000000000 + i}" for i in range(len(cases))]
    items: list[dict[str, Any]] = []
    where: dict[str, tuple[str, str]] = {}
    for i, case in enumerate(cases):
        account, region = accounts[i], (REGION if i % 2 else WEST)
        where[case.label] = (account, region)
        items += [moved(it, account, region) for it in config_snapshot(case)["configurationItems"]]
    cfg.config.record_many(items)
    for it in config_snapshot(cases[0])["configurationItems"]:
        cfg.config.record(moved(it, OUTSIDER, REGION))
    aggregate(cfg, accounts)
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps({"configurationItems": items}), encoding="utf-8")
    groups: dict[tuple[str, ...], list[Any]] = {}
    for case in cases:
        groups.setdefault(tuple(case.scan_args), []).append(case)
    assert len(groups) > 40
    checked = 0
    for args, group in groups.items():
        _, from_api, err = scan(capsys, "--config-aggregator", AGGREGATOR, *args)
        assert "Traceback" not in err
        _, from_file, _ = scan(capsys, str(snapshot), *args)
        assert seen(from_api) == seen(from_file), args
        assert not any(e["source"].get("account_id") == OUTSIDER for e in from_api["evaluations"])
        for case in group:
            want = case.expected(CONFIG)
            if case.on(CONFIG).xfail:
                continue
            account, region = where[case.label]
            got = [
                e
                for e in from_api["evaluations"]
                if e["control"] == case.control
                and e["resource_name"] == case.resource.name
                and e["source"]["account_id"] == account
            ]
            assert len(got) == 1, case.label
            assert got[0]["source"]["region"] == region
            assert (got[0]["status"], want.reason in got[0]["reason"]) == (
                want.status.value,
                True,
            ), case.label
            checked += 1
    assert checked > 300
    assert cfg.errors == []


def test_pages_of_100_and_one_batch_read_per_page(
    cfg: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """250 models in three accounts and two Regions: three query pages, three batch
    reads; a model type advanced query indexes is never listed."""
    members = [ACCOUNT, "210987654321", "333333333333"]
    for n in range(250):
        account, region = members[n % 3], (REGION, WEST)[n % 2]
        cfg.config.record(item(f"m{n}", account=account, region=region))
    aggregate(cfg, members)
    cfg.clear_calls()
    code, doc, err = scan(capsys, "--config-aggregator", AGGREGATOR, "--control", "SageMaker.5")
    assert (code, err) == (0, "")
    assert len(doc["evaluations"]) == 250
    assert {e["status"] for e in doc["evaluations"]} == {"PASSED"}
    assert {(e["source"]["account_id"], e["source"]["region"]) for e in doc["evaluations"]} == {
        (a, r) for a in members for r in (REGION, WEST)
    }
    assert calls(cfg) == Counter(
        {
            "DescribeConfigurationAggregatorSourcesStatus": 1,
            "SelectAggregateResourceConfig": 3,
            "BatchGetAggregateResourceConfig": 3,
        }
    )
    batches = [c.params for c in cfg.calls if c.operation == "BatchGetAggregateResourceConfig"]
    assert sorted(len(b["ResourceIdentifiers"]) for b in batches) == [50, 100, 100]


def test_a_type_advanced_query_does_not_index_is_listed_and_its_tags_are_error(
    cfg: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The discovered-resource list names what the query does not hold; it carries no
    tags, so the tag control is ERROR (never "no tags", never a pass), while a control
    that reads the configuration alone still decides."""
    cfg.config.query_indexed_types -= {"AWS::SageMaker::AppImageConfig", "AWS::SageMaker::Model"}
    cfg.config.record(item("aic", "AWS::SageMaker::AppImageConfig"))
    cfg.config.record(item("m", account="210987654321", region=WEST))
    aggregate(cfg, [ACCOUNT, "210987654321"])
    code, doc, _ = scan(
        capsys,
        "--config-aggregator",
        AGGREGATOR,
        "--control",
        "SageMaker.6",
        "--control",
        "SageMaker.5",
    )
    got = {
        (e["control"], e["resource_name"]): (e["status"], e["reason"]) for e in doc["evaluations"]
    }
    assert got[("SageMaker.6", "aic")] == (
        "ERROR",
        "tags are not recorded, so the tag keys cannot be checked",
    )
    assert got[("SageMaker.5", "m")][0] == "PASSED"
    assert code == 3
    assert calls(cfg)["ListAggregateDiscoveredResources"] >= 2


# -- what cannot be read ----------------------------------------------------------------------


def test_a_missing_aggregator_is_one_line_and_exit_3(
    cfg: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg.config.record(item("m"))
    code, doc, err = scan(capsys, "--config-aggregator", "nope", "--control", "SageMaker.5")
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "no configuration aggregator named nope" in lines[0]
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"]  # every model: unread


def test_an_unrecorded_or_unfetchable_resource_is_error_never_a_pass(
    cfg: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails without the checks: an item Config did not record has no configuration to
    judge, and one the batch read does not return was listed but not read."""
    unrecorded = item("unrecorded", configurationItemStatus="ResourceNotRecorded")
    del unrecorded["configuration"]
    cfg.config.record(unrecorded)
    cfg.config.record(item("fine"))
    cfg.config.record(item("vanishing"))
    aggregate(cfg, [ACCOUNT])
    cfg.add_fault(
        operation="BatchGetAggregateResourceConfig",
        edit={
            "BaseConfigurationItems[2]": {
                "accountId": ACCOUNT,
                "resourceId": "other",
                "resourceType": "AWS::SageMaker::Model",
                "awsRegion": REGION,
            }
        },
    )
    code, doc, err = scan(capsys, "--config-aggregator", AGGREGATOR, "--control", "SageMaker.5")
    got = {e["resource_name"]: (e["status"], e["reason"]) for e in doc["evaluations"]}
    assert got["fine"][0] == "PASSED"
    assert got["unrecorded"] == (
        "ERROR",
        "could not be read: AWS Config did not record its configuration "
        "(configurationItemStatus ResourceNotRecorded)",
    )
    assert got["vanishing"][0] == "ERROR"
    assert "returned no configuration item for it" in got["vanishing"][1]
    assert "other" not in got
    assert code == 3
    assert "vanishing" in err and "unrecorded" in err


def test_throttling_is_retried(cfg: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(3):
        cfg.config.record(item(f"m{n}"))
    aggregate(cfg, [ACCOUNT])
    for op in ("SelectAggregateResourceConfig", "BatchGetAggregateResourceConfig"):
        cfg.add_fault(operation=op, code="ThrottlingException", message="Rate exceeded", times=2)
    cfg.clear_calls()
    code, doc, err = scan(capsys, "--config-aggregator", AGGREGATOR, "--control", "SageMaker.5")
    assert (code, err) == (0, "")
    assert sorted(e["resource_name"] for e in doc["evaluations"]) == ["m0", "m1", "m2"]
    assert calls(cfg) == Counter(
        {
            "DescribeConfigurationAggregatorSourcesStatus": 1,
            "SelectAggregateResourceConfig": 3,
            "BatchGetAggregateResourceConfig": 3,
        }
    )


def test_a_batch_read_that_keeps_failing_is_error_for_its_resources(
    cfg: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg.config.record(item("m"))
    aggregate(cfg, [ACCOUNT])
    cfg.add_fault(operation="BatchGetAggregateResourceConfig", code="AccessDeniedException")
    code, doc, err = scan(capsys, "--config-aggregator", AGGREGATOR, "--control", "SageMaker.5")
    assert code == 3
    assert [(e["status"], e["reason"]) for e in doc["evaluations"]] == [
        ("ERROR", "could not be read: BatchGetAggregateResourceConfig: AccessDeniedException")
    ]
    assert "BatchGetAggregateResourceConfig failed: AccessDeniedException" in err


def test_a_source_the_aggregator_failed_to_collect_is_never_green(
    cfg: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails without the status check: every model read passes, and the report was green
    while one source's resources may be missing. FAILED: exit 3, one line; OUTDATED: a
    warning."""
    member, other = "210987654321", "333333333333"
    for account in (ACCOUNT, member, other):
        cfg.config.record(item(f"m-{account}", account=account))
    aggregate(cfg, [ACCOUNT, member, other])
    code, _, err = scan(capsys, "--config-aggregator", AGGREGATOR, "--control", "SageMaker.5")
    assert (code, err) == (0, "")
    cfg.config.source_status[(member, REGION)] = ("FAILED", "AccessDeniedException")
    cfg.config.source_status[(other, REGION)] = ("OUTDATED", None)
    code, doc, err = scan(capsys, "--config-aggregator", AGGREGATOR, "--control", "SageMaker.5")
    assert code == 3
    assert {e["status"] for e in doc["evaluations"]} == {"PASSED"}
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    failed = next(line for line in lines if member in line)
    assert "failed to collect its data (AccessDeniedException)" in failed
    assert "may be missing or out of date" in failed
    outdated = next(line for line in lines if other in line)
    assert "not the most recent (OUTDATED)" in outdated
    kinds = {d["message"].split(":")[0]: d["kind"] for d in doc["diagnostics"]}
    assert kinds == {f"source {member} {REGION}": "scope", f"source {other} {REGION}": "warning"}


# -- one account's recorder -------------------------------------------------------------------


def test_the_account_recorder_in_each_region(
    cfg: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its own account only (another account's items are not its), every --region; a
    type the recorder does not record is said once and ERROR, never "none"."""
    for region in (REGION, WEST):
        config: Any = cfg.client("config", region)
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "default",
                "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
                "recordingGroup": {
                    "allSupported": region == REGION,
                    "resourceTypes": (
                        [] if region == REGION else ["AWS::SageMaker::AppImageConfig"]
                    ),
                },
            }
        )
        cfg.config.record(item(f"m-{region}", region=region))
    cfg.config.record(item("elsewhere", account="210987654321"))
    code, doc, err = scan(
        capsys,
        "--config-recorder",
        "--region",
        REGION,
        "--region",
        WEST,
        "--control",
        "SageMaker.5",
    )
    got = {(e["source"].get("region"), e["resource_name"]): e["status"] for e in doc["evaluations"]}
    assert got[(REGION, f"m-{REGION}")] == "PASSED"
    assert f"m-{WEST}" not in {name for _, name in got}  # not recorded: never read as "fine"
    errors = [e for e in doc["evaluations"] if e["status"] == "ERROR"]
    assert len(errors) == 1
    assert "AWS Config does not record it" in errors[0]["reason"]
    assert "elsewhere" not in {name for _, name in got}
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1 and WEST in lines[0] and "AWS::SageMaker::Model" in lines[0]
    assert calls(cfg)["SelectResourceConfig"] == 1
    # who read it: the caller identity GetCallerIdentity gave
    assert doc["run"]["caller"] == cfg.client("sts", REGION).get_caller_identity()["Arn"]


# -- usage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--config-aggregator", "org", "--org"],
            "--config-aggregator and --org cannot be combined",
        ),
        (["--config-recorder", "--aws"], "--config-recorder and --aws cannot be combined"),
        (["--config-recorder", "--role-arn", "arn:aws:iam::1:role/x"], "cannot be combined"),
        (["--config-recorder", "--config-aggregator", "org"], "not allowed with argument"),
        (
            ["--config-aggregator", "org", "--push-security-hub"],
            "imports a finding only from its own account",
        ),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    cfg: Emulator, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code: Any
    try:
        code = main(["scan", *args])
    except SystemExit as done:  # argparse's own checks end the process
        code = done.code
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


# -- the IAM policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["--config-aggregator", "--config-recorder"])
def test_iam_policy_allows_every_call_the_scan_makes_and_no_more(
    cfg: Emulator, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    """Every operation a full scan calls (queries, lists of unindexed types, batch reads,
    the recorder's settings, the caller's identity) is in `iam-policy MODE`, and every
    action there is called."""
    cfg.config.record(item("m"))
    cfg.config.record(item("aic", "AWS::SageMaker::AppImageConfig"))
    aggregate(cfg, [ACCOUNT])
    config: Any = cfg.client("config")
    config.put_configuration_recorder(
        ConfigurationRecorder={"name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/c"}
    )
    cfg.clear_calls()
    args = [mode, AGGREGATOR] if mode == "--config-aggregator" else [mode]
    code, doc, _ = scan(capsys, *args)
    assert code in (0, 1, 3) and doc["evaluations"]
    called = {f"{c.service}:{c.operation}" for c in cfg.calls}
    assert main(["iam-policy", mode]) == 0
    policy = json.loads(capsys.readouterr().out)
    allowed = {a for s in policy["Statement"] for a in s["Action"]}
    assert called == allowed


def test_a_configuration_that_is_not_json_is_error_for_that_resource(
    cfg: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The converter leaves text that is not JSON as it is, and the same reader as for
    files says what is wrong: ERROR, exit 3 (AWS's data, not the user's file)."""
    cfg.config.record(item("m0"))
    cfg.config.record(item("m1"))
    aggregate(cfg, [ACCOUNT])
    cfg.add_fault(
        operation="BatchGetAggregateResourceConfig",
        edit={"BaseConfigurationItems[1].configuration": '{"ModelName": "m1", '},
    )
    code, doc, err = scan(capsys, "--config-aggregator", AGGREGATOR, "--control", "SageMaker.5")
    got = {e["resource_name"]: (e["status"], e["reason"]) for e in doc["evaluations"]}
    assert got["m0"][0] == "PASSED"
    assert got["m1"][0] == "ERROR"
    assert "configuration is not valid JSON" in got["m1"][1]
    assert code == 3
    assert len(err.strip().splitlines()) == 1 and "m1" in err


def test_the_history_names_the_aggregator_as_the_scope(
    cfg: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A scan of an aggregator is its own scope (not "aws", not a file): diff and a push
    compare it only with scans of the same aggregator, account and Regions."""
    cfg.config.record(item("m"))
    aggregate(cfg, [ACCOUNT])
    db = str(tmp_path / "history.sqlite3")
    args = ["--config-aggregator", AGGREGATOR, "--control", "SageMaker.5", "--quiet"]
    assert main(["scan", *args, "--db", db]) == 0
    capsys.readouterr()
    assert main(["history", "--db", db]) == 0
    shown = capsys.readouterr().out
    assert f"config aggregator {AGGREGATOR} {ACCOUNT} {REGION}" in shown


# -- Security Hub ----------------------------------------------------------------------------


def test_the_recorder_s_findings_are_pushed_to_the_caller_s_own_security_hub(
    cfg: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The recorder is the caller's own account, so its findings can be imported there
    (the aggregator's members' cannot: see the usage error above)."""
    config: Any = cfg.client("config", REGION)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": {"allSupported": True},
        }
    )
    cfg.config.record(item("isolated"))
    open_ = item("open")
    open_["configuration"]["EnableNetworkIsolation"] = False
    cfg.config.record(open_)
    code = main(
        [
            "scan",
            "--config-recorder",
            "--region",
            REGION,
            "--control",
            "SageMaker.5",
            "--push-security-hub",
            "--db",
            str(tmp_path / "h.sqlite3"),
            "--quiet",
            "--format",
            "json",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1, err  # "open" fails
    hub: Any = cfg.client("securityhub", REGION)
    found = {
        f["Resources"][0]["Id"].rsplit("/", 1)[1]: f["Compliance"]["Status"]
        for page in hub.get_paginator("get_findings").paginate()
        for f in page["Findings"]
    }
    assert found == {"isolated": "PASSED", "open": "FAILED"}
