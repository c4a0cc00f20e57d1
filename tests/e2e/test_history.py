"""Scan history: first seen, last seen, resolved; diff between scans; concurrent writers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json"


def snapshot(tmp_path: Path, mutate: Any = None) -> str:
    doc = json.loads(EXAMPLE.read_text())
    if mutate:
        mutate(doc["configurationItems"])
    path = tmp_path / "snapshot.json"  # the same path: the same scope
    path.write_text(json.dumps(doc))
    return str(path)


def item(items: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(i for i in items if i.get("resourceName") == name)


def scan(db: Path, path: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["scan", path, "--db", str(db), "--format", "json", "--fail-on", "never"])
    capsys.readouterr()


def diff(db: Path, capsys: pytest.CaptureFixture[str], *ids: str) -> dict[str, Any]:
    assert main(["diff", "--db", str(db), "--format", "json", *ids]) == 0
    return json.loads(capsys.readouterr()[0])


def names(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["control"], r["resource_name"]) for r in rows}


def test_resources_added_fixed_and_deleted_across_scans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "history.sqlite3"
    scan(db, snapshot(tmp_path), capsys)

    def change(items: list[dict[str, Any]]) -> None:
        item(items, "research-sandbox")["configuration"]["RootAccess"] = "Disabled"  # fixed
        items.remove(item(items, "summarizer"))  # deleted
        new = json.loads(json.dumps(item(items, "untagged-image")))
        new.update(
            resourceName="another-image",
            resourceId="another-image",
            ARN=new["ARN"].replace("untagged-image", "another-image"),
        )
        new["configuration"]["ImageName"] = "another-image"
        items.append(new)  # added, failing

    scan(db, snapshot(tmp_path, change), capsys)
    changes = diff(db, capsys)
    assert names(changes["new"]) == {("SageMaker.7", "another-image")}
    assert names(changes["resolved"]) == {
        ("SageMaker.3", "research-sandbox"),
        ("SageMaker.5", "summarizer"),
        ("SageMaker.16", "summarizer"),  # its ECR image failed .16 too
    }
    now = {r["resource_name"]: r["now"] for r in changes["resolved"]}
    assert now == {"research-sandbox": "passing", "summarizer": "gone"}
    assert ("SageMaker.1", "research-sandbox") in names(changes["still_failing"])
    still = next(r for r in changes["still_failing"] if r["control"] == "SageMaker.1")
    assert still["first_seen"] == still["failing_since"]

    assert main(["history", "--db", str(db), "--format", "json"]) == 0
    scans = json.loads(capsys.readouterr()[0])["scans"]
    assert [s["id"] for s in scans] == [2, 1]
    # one fixed (.3), one deleted (failing .5 and .16), one added
    assert scans[0]["failed"] == scans[1]["failed"] - 2
    assert diff(db, capsys, "1", "2") == changes | {"from": 1, "to": 2}


def test_diff_needs_two_scans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite3"
    assert main(["diff", "--db", str(db)]) == 2
    assert "diff needs two scans" in capsys.readouterr()[1]
    scan(db, snapshot(tmp_path), capsys)
    assert main(["diff", "--db", str(db), "1", "9"]) == 2
    assert "no scan 9" in capsys.readouterr()[1]


def test_two_scans_writing_at_once_both_land(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    path = snapshot(tmp_path)
    cmd = [
        sys.executable,
        "-m",
        "sagewarden",
        "scan",
        path,
        "--db",
        str(db),
        "--format",
        "json",
        "--output",
        str(tmp_path / "out.json"),
        "--fail-on",
        "never",
    ]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    import sqlite3

    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM scans").fetchone()[0] == 4
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    per_scan = con.execute("SELECT COUNT(*) FROM results GROUP BY scan_id").fetchall()
    assert [n for (n,) in per_scan] == [50, 50, 50, 50]  # 37 by SageMaker.1-15, 13 by .16-.25


def test_no_history_and_unwritable_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    main(["scan", str(EXAMPLE), "--db", str(db), "--no-history", "--format", "json"])
    capsys.readouterr()
    assert not db.exists()
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main(
        [
            "scan",
            str(EXAMPLE),
            "--db",
            str(blocker / "h.sqlite3"),
            "--format",
            "json",
            "--fail-on",
            "never",
        ]
    )
    err = capsys.readouterr()[1]
    assert code == 0  # a history that cannot be written is a warning, not a failed scan
    assert "scan not recorded in the history" in err


def test_asff_observed_times_come_from_the_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    path = snapshot(tmp_path)
    scan(db, path, capsys)
    main(["scan", path, "--db", str(db), "--format", "asff", "--control", "SageMaker.1"])
    findings = json.loads(capsys.readouterr()[0])["Findings"]
    assert findings
    for f in findings:
        assert f["FirstObservedAt"] == f["CreatedAt"]
        assert f["FirstObservedAt"] < f["UpdatedAt"]  # first seen by the earlier scan


@pytest.mark.parametrize("command", [["history"], ["diff"]])
def test_unopenable_history_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = main([*command, "--db", str(blocker / "h.sqlite3")])
    err = capsys.readouterr()[1]
    assert code == 2
    assert err.startswith("sagewarden: ") and "cannot open the history database" in err
    assert len(err.strip().splitlines()) == 1


# --- history compares like with like ----------------------------------------------------

from sagewarden_demo.emulator import Emulator  # noqa: E402
from tests.e2e.test_live_scan import ACCOUNT, live  # noqa: E402, F401


def scopes(db: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["history", "--db", str(db), "--format", "json"]) == 0
    return [json.loads(s["scope"]) for s in json.loads(capsys.readouterr()[0])["scans"]]


def test_a_control_skipped_for_an_invalid_parameter_is_not_called_resolved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    path = snapshot(tmp_path)
    scan(db, path, capsys)
    bad = ["--param", "SageMaker.6.requiredKeyTags=aws:owner"]  # reserved: SageMaker.6 skipped
    assert main(["scan", path, "--db", str(db), "--format", "json", *bad]) == 2
    capsys.readouterr()
    assert main(["diff", "--db", str(db)]) == 2  # the two scans did not judge the same things
    assert "diff needs two scans of the same scope" in capsys.readouterr()[1]
    newer = scopes(db, capsys)[0]
    assert "SageMaker.6" not in newer["controls"] and "SageMaker.7" in newer["controls"]

    assert main(["diff", "--db", str(db), "--format", "json", "1", "2"]) == 0
    out, err = capsys.readouterr()
    assert "scans 1 and 2 have different scopes" in err
    assert {r["control"] for r in json.loads(out)["resolved"]} == {"SageMaker.6"}  # said why


def test_parameters_in_effect_are_part_of_the_scope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    path = snapshot(tmp_path)
    scan(db, path, capsys)
    scan(db, path, capsys)
    main(["scan", path, "--db", str(db), "--param", "SageMaker.6.requiredKeyTags=Owner"])
    capsys.readouterr()
    newest, second, _ = scopes(db, capsys)
    assert newest["params"]["SageMaker.6"] == {"requiredKeyTags": ["Owner"]}
    assert second["params"]["SageMaker.6"] == {"requiredKeyTags": None}  # the default, stated
    assert second["params"]["SageMaker.8"] == {
        "supportedPlatformIdentifierVersions": ["notebook-al2023-v1"]
    }
    assert main(["diff", "--db", str(db)]) == 2  # the newest scan has no twin yet
    capsys.readouterr()
    assert main(["history", "--db", str(db)]) == 0
    listed = capsys.readouterr()[0].splitlines()
    assert listed[0].endswith("snapshot.json SageMaker.6.requiredKeyTags=Owner")
    assert listed[1].endswith("snapshot.json")  # defaults are not spelled out


def test_diff_rows_show_account_and_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.sqlite3"
    scan(db, snapshot(tmp_path), capsys)

    def fix(items: list[dict[str, Any]]) -> None:
        item(items, "research-sandbox")["configuration"]["RootAccess"] = "Disabled"

    scan(db, snapshot(tmp_path, fix), capsys)
    changes = diff(db, capsys)
    fixed = next(r for r in changes["resolved"] if r["resource_name"] == "research-sandbox")
    assert (fixed["account_id"], fixed["region"]) == ("111122223333", "eu-west-1")
    assert all(r["account_id"] and r["region"] for r in changes["still_failing"])
    assert main(["diff", "--db", str(db)]) == 0
    table = capsys.readouterr()[0]
    assert any(
        line.split()[:3] == ["SageMaker.3", "research-sandbox", "111122223333/eu-west-1"]
        for line in table.splitlines()
    ), table


def test_live_scopes_are_keyed_by_the_account_reached_and_the_endpoint(
    live: Emulator,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = "210987654321"
    for account in (ACCOUNT, other):
        live.client("sagemaker", "us-east-1", account=account).create_model(
            ModelName=f"open-{account}",
            ExecutionRoleArn="arn:aws:iam::1:role/r",
            PrimaryContainer={"Image": "img"},
        )
    db = tmp_path / "h.sqlite3"
    options = ["scan", "--aws", "--region", "us-east-1", "--control", "SageMaker.5"]
    main([*options, "--db", str(db), "--quiet"])
    # The same options, other credentials: they reach another account.
    creds = live.client("sts", "us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{other}:role/Audit", RoleSessionName="audit"
    )["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    main([*options, "--db", str(db), "--quiet"])
    capsys.readouterr()
    newer, older = scopes(db, capsys)
    assert older["aws"] == {"accounts": {ACCOUNT: ["us-east-1"]}, "endpoint": live.endpoint_url}
    assert newer["aws"] == {"accounts": {other: ["us-east-1"]}, "endpoint": live.endpoint_url}
    assert main(["diff", "--db", str(db)]) == 2  # never "open-123456789012 resolved"
    capsys.readouterr()


def test_a_scope_that_could_not_be_read_is_not_resolved(
    live: Emulator,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sagewarden_demo import estate

    estate.build(live.client, ACCOUNT, ["us-east-1", "eu-west-1"])
    db = tmp_path / "h.sqlite3"
    options = ["scan", "--aws", "--region", "us-east-1", "--region", "eu-west-1", "--quiet"]
    main([*options, "--db", str(db), "--control", "SageMaker.5"])
    live.add_fault(service="sagemaker", region="eu-west-1", operation="ListModels")
    main([*options, "--db", str(db), "--control", "SageMaker.5"])
    capsys.readouterr()
    changes = diff(db, capsys)
    assert changes["resolved"] == []
    assert changes["not_read"]
    assert {r["region"] for r in changes["not_read"]} == {"eu-west-1"}
    assert {r["now"] for r in changes["not_read"]} == {
        "its type could not be listed in its account and region"
    }
    assert {r["region"] for r in changes["still_failing"]} == {"us-east-1"}


def test_the_demo_keeps_its_own_history(tmp_path: Path) -> None:
    from tests.helpers import cli

    real = tmp_path / "history.sqlite3"
    run = cli(
        "demo", "--format", "json", "--control", "SageMaker.5", env={"SAGEWARDEN_DB": str(real)}
    )
    assert run.code == 0, run.stderr
    assert not real.exists()  # the user's own history never sees the demo account
    demo_db = tmp_path / "demo-history.sqlite3"
    assert f"history in {demo_db}" in run.stderr
    listed = cli("history", "--db", str(demo_db), "--format", "json").json()["scans"]
    assert len(listed) == 1
    scope = json.loads(listed[0]["scope"])
    assert scope["aws"]["endpoint"] == "sagewarden demo emulator"
    assert set(scope["aws"]["accounts"]) == {"123456789012"}


OLD_SCHEMA = """
CREATE TABLE scans (id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL, scope TEXT NOT NULL, evaluations INTEGER NOT NULL,
    failed INTEGER NOT NULL);
CREATE TABLE findings (key TEXT PRIMARY KEY, control TEXT NOT NULL,
    resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, resource_name TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, last_status TEXT NOT NULL,
    failing_since TEXT, resolved_at TEXT);
CREATE TABLE results (scan_id INTEGER NOT NULL REFERENCES scans(id),
    finding_key TEXT NOT NULL REFERENCES findings(key), status TEXT NOT NULL,
    reason TEXT NOT NULL, PRIMARY KEY (scan_id, finding_key));
CREATE INDEX scans_by_scope ON scans(scope, id);
CREATE TABLE pushes (scope TEXT PRIMARY KEY, pushed_at TEXT NOT NULL, findings BLOB NOT NULL);
"""


def test_a_database_from_before_accounts_were_recorded_keeps_working(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    db = tmp_path / "old.sqlite3"
    con = sqlite3.connect(db)
    con.executescript(OLD_SCHEMA)
    arn = "arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/research-sandbox"
    findings = [
        (f"SageMaker.3|AWS::SageMaker::NotebookInstance|{arn}", arn, "research-sandbox"),
        ("SageMaker.5|AWS::SageMaker::Model|t.yaml|||Summarizer", "Summarizer", "Summarizer"),
    ]
    old_scope = '{"aws":null,"paths":["/x/snapshot.json"],"controls":[]}'
    for scan_id in (1, 2):
        con.execute(
            "INSERT INTO scans VALUES (?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', ?, 2, 2)",
            (scan_id, old_scope),
        )
        for key, rid, name in findings:
            con.execute(
                "INSERT OR IGNORE INTO findings VALUES (?, ?, ?, ?, ?, '2026-01-01T00:00:00Z', "
                "'2026-01-01T00:00:00Z', 'FAILED', '2026-01-01T00:00:00Z', NULL)",
                (key, key.split("|")[0], key.split("|")[1], rid, name),
            )
            con.execute("INSERT INTO results VALUES (?, ?, 'FAILED', 'old reason')", (scan_id, key))
    con.commit()
    con.close()

    old = diff(db, capsys, "1", "2")
    rows = {r["resource_name"]: (r["account_id"], r["region"]) for r in old["still_failing"]}
    assert rows == {"research-sandbox": ("111122223333", "eu-west-1"), "Summarizer": (None, None)}
    scan(db, snapshot(tmp_path), capsys)  # a new scan lands beside the old ones
    assert main(["history", "--db", str(db)]) == 0
    listed = capsys.readouterr()[0]
    assert len(listed.strip().splitlines()) == 3 and "/x/snapshot.json" in listed
    assert main(["diff", "--db", str(db)]) == 2  # the old scope never pairs with a new one
    capsys.readouterr()
