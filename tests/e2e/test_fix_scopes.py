"""The same names in two regions and in two accounts: a fix in one scope never moves or
deletes anything in another.

Three scopes carry identical names: the management account in us-east-1 and eu-west-1,
and an organization member in us-east-1. Each has a notebook (.3), a model without
isolation (.5) in a one-instance endpoint config (.4) behind a live endpoint, and a job
definition (.9, .11) that a monitoring schedule references: every dependency type
(models -> endpoint configs -> endpoints, job definitions -> schedules). Everything runs
through the real CLI on the emulator; AWS state is read back per scope with boto3.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden_demo.emulator import Emulator
from sagewarden_demo.estate import _job_kwargs
from tests.e2e.test_fix_apply import ACCOUNT, FAST, describe_all, last_run, live, run_state
from tests.e2e.test_live_scan import _org

__all__ = ["live"]  # the fixture, shared

REGIONS = ("us-east-1", "eu-west-1")
WHERE = ["--org", *(a for r in REGIONS for a in ("--region", r))]
ONLY = [a for n in (3, 4, 5, 9, 11) for a in ("--only", f"SageMaker.{n}")]
READS = ("Describe", "List", "Get")


def _build(live: Emulator, account: str, region: str) -> None:
    sm = live.client("sagemaker", region, account=account)
    role = f"arn:aws:iam::{account}:role/r"
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=role, RootAccess="Enabled"
    )
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn=role,
        PrimaryContainer={"Image": f"{account}.dkr.ecr.{region}.amazonaws.com/m:1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName="ec",
        ProductionVariants=[
            {"VariantName": "v", "ModelName": "m", "InitialInstanceCount": 1,
             "InstanceType": "ml.c5.xlarge"}
        ],
        Tags=[{"Key": "scope", "Value": f"{account}/{region}"}],
    )  # fmt: skip
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="ec")
    sm.create_data_quality_job_definition(
        **_job_kwargs("DataQuality", "jd", account, 2, None, False)
    )
    sm.create_monitoring_schedule(
        MonitoringScheduleName="sched",
        MonitoringScheduleConfig={
            "ScheduleConfig": {"ScheduleExpression": "cron(0 3 ? * * *)"},
            "MonitoringJobDefinitionName": "jd",
            "MonitoringType": "DataQuality",
        },
    )


def _state(live: Emulator, scopes: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    return {s: describe_all(live.client("sagemaker", s[1], account=s[0])) for s in scopes}


def _setup(live: Emulator) -> list[tuple[str, str]]:
    member = _org(live)[0]
    scopes = [(ACCOUNT, "us-east-1"), (ACCOUNT, "eu-west-1"), (member, "us-east-1")]
    for account, region in scopes:
        _build(live, account, region)
    return scopes


def test_same_names_in_two_regions_and_two_accounts_planned_applied_rolled_back(
    live: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code twice over: the planner keyed a model's endpoint configs by
    the model's name, so the model `m` of a scope whose configs the scan could not list
    was told `ec` (another scope's) would move and lost the step that finds its own
    configs at apply, and its deletion was then refused (exit 1); and rollback restored
    notebooks by name only, so the second `nb` stayed stopped."""
    scopes = _setup(live)
    west = scopes[1]
    # The plan is made while eu-west-1's endpoint configs cannot be listed: its model is
    # planned, its configs are found (in that scope only) at apply.
    live.add_fault(service="sagemaker", operation="ListEndpointConfigs", account=ACCOUNT,
                   region="eu-west-1")  # fmt: skip
    plan_file = tmp_path / "plan.json"
    code = main(["fix", "plan", "--aws", *WHERE, *ONLY, "--format", "json",
                 "--output", str(plan_file)])  # fmt: skip
    assert code == 3  # a scope was not fully read: never green
    live.clear_faults()
    doc = json.loads(plan_file.read_text())
    models = {(r["account_id"], r["region"]): r for r in doc["resources"] if r["name"] == "m"}
    assert set(models) == set(scopes)
    for scope, r in models.items():
        moves = [w for w in r.get("warnings", []) if "move to" in w]
        actions = [s["action"] for s in r["steps"]]
        if scope == west:  # its configs were not seen: apply finds them, there
            assert moves == [] and "ReplaceModelInEndpointConfigs" in actions, scope
        else:
            assert moves == ["endpoint configs ec move to m-sw1"], scope
    assert any("eu-west-1" in u and "ListEndpointConfigs" in u for u in doc["unread"])
    original = _state(live, scopes)

    # Apply, then every scope is fixed within itself.
    capsys.readouterr()
    code = main(["fix", "apply", str(plan_file), "--yes", "--org", "-q", *FAST])
    err = capsys.readouterr().err
    assert code == 3, err  # everything planned is done; the plan's unread scope is repeated
    assert err.splitlines() == [
        f"sagewarden: not read when planned, so not fixed: {u}" for u in doc["unread"]
    ]
    run_id = last_run()
    assert run_state(run_id) == "done"
    for account, region in scopes:
        sm = live.client("sagemaker", region, account=account)
        after = describe_all(sm)
        assert set(after) == {
            "notebook/nb", "model/m-sw1", "config/ec-sw1", "endpoint/ep",
            "data_quality/jd-sw1", "schedule/sched",
        }, (account, region)  # fmt: skip
        assert after["endpoint/ep"] == {"config": "ec-sw1"}
        config = after["config/ec-sw1"]
        assert config["describe"]["ProductionVariants"][0]["ModelName"] == "m-sw1"
        # .4 is fixed where the config was read; in eu-west-1 it was not (the plan said so)
        count = 1 if (account, region) == west else 2
        assert config["describe"]["ProductionVariants"][0]["InitialInstanceCount"] == count
        assert config["tags"] == [{"Key": "scope", "Value": f"{account}/{region}"}]
        nb = after["notebook/nb"]["describe"]
        assert (nb["RootAccess"], nb["NotebookInstanceStatus"]) == ("Disabled", "InService")
        sched = after["schedule/sched"]["describe"]["MonitoringScheduleConfig"]
        assert sched["MonitoringJobDefinitionName"] == "jd-sw1"

    # Rollback puts every scope back as it was, notebooks running again included.
    capsys.readouterr()
    code = main(["fix", "rollback", run_id, "--yes", "--org", *FAST])
    assert code == 0, capsys.readouterr().err
    assert run_state(run_id) == "rolled-back"
    assert _state(live, scopes) == original


def test_a_fix_in_some_scopes_leaves_the_same_names_elsewhere_alone(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The scan reads all three scopes; the home scope's resources and the member's
    notebook are chosen. Every change, and its rollback, stays where the chosen resources
    live; eu-west-1 and the member's other resources are never touched. Fails on the old
    code: its rollback restored the state of notebooks by name only, so of the two `nb`
    only the first was started again and the member's stayed stopped."""
    scopes = _setup(live)
    home, west, member = scopes
    original = _state(live, scopes)

    def arn(scope: tuple[str, str], what: str) -> str:
        return f"arn:aws:sagemaker:{scope[1]}:{scope[0]}:{what}"

    chosen = [
        arn(home, "notebook-instance/nb"), arn(home, "model/m"),
        arn(home, "endpoint-config/ec"), arn(home, "data-quality-job-definition/jd"),
        arn(member, "notebook-instance/nb"),
    ]  # fmt: skip
    live.clear_calls()
    code = main(["fix", "apply", "--aws", *WHERE, *ONLY,
                 *(a for r in chosen for a in ("--resource", r)), "--yes", *FAST])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    changes = _changes(live)
    assert {(c.account, c.region) for c in changes} == {home, member}
    assert {c.params.get("NotebookInstanceName") for c in changes if c.account == member[0]} == {
        "nb"
    }
    after = _state(live, scopes)
    assert set(after[home]) == {
        "notebook/nb", "model/m-sw1", "config/ec-sw1", "endpoint/ep",
        "data_quality/jd-sw1", "schedule/sched",
    }  # fmt: skip
    assert after[west] == original[west]
    member_nb = after[member].pop("notebook/nb")["describe"]
    assert member_nb["RootAccess"] == "Disabled"
    assert after[member] == {k: v for k, v in original[member].items() if k != "notebook/nb"}

    live.clear_calls()
    capsys.readouterr()
    assert main(["fix", "rollback", last_run(), "--yes", "--org", *FAST]) == 0
    assert {(c.account, c.region) for c in _changes(live)} == {home, member}
    assert _state(live, scopes) == original


def _changes(live: Emulator) -> list[Any]:
    return [c for c in live.calls if c.service == "sagemaker" and not c.operation.startswith(READS)]
