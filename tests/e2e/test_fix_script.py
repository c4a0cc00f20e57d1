"""`fix plan --format script`: the bash script runs against a stub `aws` that records its
argv and plays a small fake account, so order, re-runs, guards and quoting are checked
without AWS (and without sleeping)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sagewarden.remediation import Phase, Plan, ResourcePlan, Step, new_name, plan
from sagewarden.remediation.script import SCRIPTABLE, render_script
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from tests.unit.test_remediation_plan import (
    ACCOUNT,
    REGION,
    ROLE,
    arn,
    inline_job,
    notebook,
    res,
    run,
)
from tests.unit.test_remediation_plan import job_def as plan_job_def

HOSTILE = "a'b\"c $(touch PWNED) `touch PWNED2` d\ne;touch PWNED3"


def model(name: str = "m") -> Resource:
    return res(
        RT.MODEL,
        name,
        {
            "ExecutionRoleArn": ROLE,
            "PrimaryContainer": {"Image": "img"},
            "EnableNetworkIsolation": False,
            "DeploymentRecommendation": {"RecommendationStatus": "COMPLETED"},  # describe-only
        },
    )


def endpoint_config(name: str, model_name: str, count: int = 1) -> Resource:
    variant = {"VariantName": "v1", "ModelName": model_name, "InitialInstanceCount": count}
    return res(RT.ENDPOINT_CONFIG, name, {"ProductionVariants": [variant]})


def job_def(rtype: str, name: str) -> Resource:
    return plan_job_def(rtype, name, count=1)


# --- the stub `aws` ------------------------------------------------------------------------

STUB = r"""
import json, os, sys
import jmespath

STATE = os.environ["SW_STATE"]
with open(os.environ["SW_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\n")
with open(STATE) as f:
    st = json.load(f)

args = sys.argv[1:]
service, op, rest = args[0], args[1], args[2:]
if op == "wait":
    op, rest = "wait " + rest[0], rest[1:]
opts = {}
i = 0
while i < len(rest):
    opts[rest[i]] = rest[i + 1]
    i += 2
query = opts.pop("--query", None)
output = opts.pop("--output", "json")
assert opts.pop("--region") == "eu-west-1", rest
profile = os.environ.get("SW_PROFILE")
if profile:
    assert opts.pop("--profile") == profile
if "--cli-input-json" in opts:
    opts.update({"@" + k: v for k, v in json.loads(opts.pop("--cli-input-json")).items()})
for k in ("--tags", "--monitoring-schedule-config"):
    if k in opts:
        opts[k] = json.loads(opts[k])


def fail(msg, code=254):
    sys.stderr.write("An error occurred: " + msg + "\n")
    sys.exit(code)


def save():
    with open(STATE, "w") as f:
        json.dump(st, f)


def get(kind, name):
    table = st.setdefault(kind, {})
    if name not in table:
        fail(f"ResourceNotFound {kind} {name}")
    return table[name]


def tag(resource_arn, tags):
    if tags:
        mine = st.setdefault("tags", {}).setdefault(resource_arn, [])
        keys = {t["Key"] for t in tags}
        mine[:] = [t for t in mine if t["Key"] not in keys] + list(tags)


def create(kind, name, doc, resource_arn):
    table = st.setdefault(kind, {})
    if name in table:
        fail(f"ValidationException {kind} {name} exists")
    doc = {k[1:] if k.startswith("@") else k: v for k, v in doc.items()}
    tag(resource_arn, doc.pop("Tags", None))
    tag(resource_arn, opts.get("--tags"))
    table[name] = doc
    return doc


out = None
jd_kinds = ("data-quality", "model-quality", "model-bias", "model-explainability")
if service == "sts":
    out = {"Account": st["account"]}
elif op == "describe-notebook-instance":
    out = get("notebooks", opts["--notebook-instance-name"])
elif op in ("stop-notebook-instance", "start-notebook-instance", "delete-notebook-instance"):
    nb = get("notebooks", opts["--notebook-instance-name"])
    need = {"stop": ["InService"], "start": ["Stopped"], "delete": ["Stopped", "Failed"]}
    if nb["NotebookInstanceStatus"] not in need[op.split("-")[0]]:
        fail(f"ValidationException cannot {op} in {nb['NotebookInstanceStatus']}")
    if op.startswith("delete"):
        del st["notebooks"][nb["NotebookInstanceName"]]
    else:
        nb["NotebookInstanceStatus"] = "Stopped" if op.startswith("stop") else "InService"
elif op == "update-notebook-instance":
    nb = get("notebooks", opts["@NotebookInstanceName"])
    if nb["NotebookInstanceStatus"] != "Stopped":
        fail("ValidationException not stopped")
    for k, v in opts.items():
        k = k[1:]
        if k == "LifecycleConfigName":
            nb["NotebookInstanceLifecycleConfigName"] = v
        elif k == "DisassociateLifecycleConfig":
            nb.pop("NotebookInstanceLifecycleConfigName", None)
        elif k.startswith("Disassociate"):
            nb.pop(k[len("Disassociate"):], None)
        else:
            nb[k] = v
elif op == "create-notebook-instance":
    name = opts["@NotebookInstanceName"]
    nb = create("notebooks", name, opts, "arn:nb/" + name)
    nb["NotebookInstanceStatus"] = "InService"
    if "LifecycleConfigName" in nb:
        nb["NotebookInstanceLifecycleConfigName"] = nb.pop("LifecycleConfigName")
elif op == "wait notebook-instance-stopped":
    if get("notebooks", opts["--notebook-instance-name"])["NotebookInstanceStatus"] != "Stopped":
        fail("Waiter NotebookInstanceStopped failed", 255)
elif op == "wait notebook-instance-in-service":
    nb = get("notebooks", opts["--notebook-instance-name"])
    if nb["NotebookInstanceStatus"] != "InService":
        fail("Waiter NotebookInstanceInService failed", 255)
elif op == "wait notebook-instance-deleted":
    if opts["--notebook-instance-name"] in st.get("notebooks", {}):
        fail("Waiter NotebookInstanceDeleted failed", 255)
elif op == "add-tags":
    tag(opts["--resource-arn"], opts["--tags"])
elif op == "list-tags":
    out = {"Tags": st.get("tags", {}).get(opts["--resource-arn"], [])}
elif op == "describe-monitoring-schedule":
    name = opts["--monitoring-schedule-name"]
    s = get("schedules", name)
    status = "Scheduled"
    if s.get("pending", 0) > 0:
        s["pending"] -= 1
        status = "Pending"
    out = {
        "MonitoringScheduleName": name,
        "MonitoringScheduleConfig": s["MonitoringScheduleConfig"],
        "MonitoringScheduleStatus": s.get("status", status),
    }
elif op == "update-monitoring-schedule":
    name = opts.get("--monitoring-schedule-name") or opts["@MonitoringScheduleName"]
    s = get("schedules", name)
    s["MonitoringScheduleConfig"] = (
        opts.get("--monitoring-schedule-config") or opts["@MonitoringScheduleConfig"]
    )
    s["pending"] = st.get("pending_polls", 2)
elif op == "list-monitoring-schedules":
    ref = opts.get("--monitoring-job-definition-name")
    out = {
        "MonitoringScheduleSummaries": [
            {"MonitoringScheduleName": n}
            for n, s in sorted(st.get("schedules", {}).items())
            if ref in (None, s["MonitoringScheduleConfig"].get("MonitoringJobDefinitionName"))
        ]
    }
elif any(op == f"describe-{k}-job-definition" for k in jd_kinds):
    out = get("job_definitions", opts["--job-definition-name"])
elif any(op == f"create-{k}-job-definition" for k in jd_kinds):
    name = opts["@JobDefinitionName"]
    create("job_definitions", name, opts, "arn:jd/" + name)
elif any(op == f"delete-{k}-job-definition" for k in jd_kinds):
    get("job_definitions", opts["--job-definition-name"])
    del st["job_definitions"][opts["--job-definition-name"]]
elif op == "describe-model":
    out = get("models", opts["--model-name"])
elif op == "create-model":
    create("models", opts["@ModelName"], opts, "arn:model/" + opts["@ModelName"])
elif op == "delete-model":
    get("models", opts["--model-name"])
    del st["models"][opts["--model-name"]]
elif op == "list-endpoint-configs":
    out = {"EndpointConfigs": [{"EndpointConfigName": n} for n in sorted(st.get("configs", {}))]}
elif op == "describe-endpoint-config":
    name = opts["--endpoint-config-name"]
    out = dict(get("configs", name), EndpointConfigName=name, EndpointConfigArn="arn:ec/" + name)
elif op == "create-endpoint-config":
    name = opts["@EndpointConfigName"]
    create("configs", name, opts, "arn:ec/" + name)
elif op == "delete-endpoint-config":
    get("configs", opts["--endpoint-config-name"])
    del st["configs"][opts["--endpoint-config-name"]]
elif op == "list-endpoints":
    out = {"Endpoints": [{"EndpointName": n} for n in sorted(st.get("endpoints", {}))]}
elif op == "describe-endpoint":
    name = opts["--endpoint-name"]
    out = {"EndpointName": name, "EndpointConfigName": get("endpoints", name)}
elif op == "update-endpoint":
    name = opts["--endpoint-name"]
    get("endpoints", name)
    get("configs", opts["--endpoint-config-name"])
    if name not in st.get("sticky_endpoints", []):
        st["endpoints"][name] = opts["--endpoint-config-name"]
elif op == "wait endpoint-in-service":
    get("endpoints", opts["--endpoint-name"])
elif op == "describe-notebook-instance-lifecycle-config":
    out = get("lccs", opts["--notebook-instance-lifecycle-config-name"])
elif op == "create-notebook-instance-lifecycle-config":
    create("lccs", opts["@NotebookInstanceLifecycleConfigName"], opts, "arn:lcc")
elif op == "delete-notebook-instance-lifecycle-config":
    get("lccs", opts["--notebook-instance-lifecycle-config-name"])
    del st["lccs"][opts["--notebook-instance-lifecycle-config-name"]]
elif op == "head-object":
    obj = st.get("s3", {}).get(opts["--bucket"], {}).get(opts["--key"])
    if obj is None:
        fail("(404) Not Found")
    out = {"ContentLength": obj["Size"], "Metadata": obj.get("Metadata", {})}
elif op == "list-objects-v2":
    objs = st.get("s3", {}).get(opts["--bucket"], {})
    rows = [{"Key": k, "Size": o["Size"]} for k, o in sorted(objs.items())
            if k.startswith(opts.get("--prefix", ""))]
    out = {"Contents": rows} if rows else {}
else:
    fail("stub: unknown call " + " ".join(args), 2)
save()
if out is not None:
    if query:
        out = jmespath.search(query, out)
    if output == "text":
        if isinstance(out, list):
            print("\t".join("None" if v is None else str(v) for v in out))
        else:
            print("None" if out is None else out)
    else:
        print(json.dumps(out, indent=4))
"""

MUTATING = ("create-", "update-", "delete-", "stop-", "start-", "add-tags")


class Account:
    """A fake account: the state file, the call log, and a way to run a script."""

    def __init__(self, tmp: Path, state: dict[str, Any]) -> None:
        self.dir = tmp
        bindir = tmp / "bin"
        bindir.mkdir(exist_ok=True)
        stub = bindir / "aws"
        stub.write_text(f"#!{sys.executable}\n{STUB}")
        stub.chmod(0o755)
        # the script's python3 (JSON edits): this interpreter, not a slow version shim
        (bindir / "python3").symlink_to(sys.executable)
        self.state_path = tmp / "state.json"
        self.log = tmp / "calls.jsonl"
        self.state_path.write_text(json.dumps({"account": ACCOUNT, **state}))

    @property
    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_path.read_text())
        return data

    def run(
        self, script: str, *, profile: str | None = None, env: dict[str, str] | None = None
    ) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
        path = self.dir / "fix.sh"
        path.write_text(script)
        syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert syntax.returncode == 0, syntax.stderr
        self.log.write_text("")
        environ = {
            "PATH": f"{self.dir / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.dir),
            "SW_STATE": str(self.state_path),
            "SW_LOG": str(self.log),
            "SAGEWARDEN_POLL_SECONDS": "0",
            **({"SW_PROFILE": profile} if profile else {}),
            **(env or {}),
        }
        proc = subprocess.run(
            ["bash", str(path)], cwd=self.dir, env=environ, capture_output=True, text=True
        )
        calls = [json.loads(line) for line in self.log.read_text().splitlines()]
        return proc, calls


def mutations(calls: list[list[str]]) -> list[tuple[str, str]]:
    """(operation, the resource it changes) of every mutating call, in order."""
    out: list[tuple[str, str]] = []
    for argv in calls:
        op = argv[1]
        if not op.startswith(MUTATING):
            continue
        flags = dict(zip(argv[2::2], argv[3::2], strict=False))
        if "--cli-input-json" in flags:
            doc = json.loads(flags["--cli-input-json"])
            target = next(
                str(doc[k])
                for k in (
                    "NotebookInstanceName",
                    "ModelName",
                    "EndpointConfigName",
                    "JobDefinitionName",
                    "MonitoringScheduleName",
                    "NotebookInstanceLifecycleConfigName",
                )
                if k in doc
            )
        else:
            target = next(
                flags[k]
                for k in (
                    "--notebook-instance-name",
                    "--model-name",
                    "--endpoint-name",
                    "--endpoint-config-name",
                    "--job-definition-name",
                    "--monitoring-schedule-name",
                    "--resource-arn",
                    "--notebook-instance-lifecycle-config-name",
                )
                if k in flags
            )
        out.append((op, target))
    return out


def expected(p: Plan, expand: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """Each step of `p.ordered_steps()` -> the mutating calls it must make against the
    test's fake account; composite steps (resolved at run time) come from `expand`."""
    out: list[tuple[str, str]] = []
    for rp, s in p.ordered_steps():
        if s.blocked or rp.blocked:
            continue
        prm = s.params
        key = f"{s.action}:{rp.name}"
        if key in expand or s.action in expand:
            out += expand[key] if key in expand else expand[s.action]
        elif s.action.startswith(("Wait", "Verify", "Confirm")):
            continue
        elif s.action in ("CreateJobDefinition", "DeleteJobDefinition"):
            assert s.operation
            kebab = "-".join(w.lower() for w in re.findall(r"[A-Z][a-z]*", s.operation))
            out.append((kebab, prm["JobDefinitionName"]))
        else:
            kebab = "-".join(w.lower() for w in re.findall(r"[A-Z][a-z]*", s.action))
            if s.action == "CreateRestoreLifecycleConfig":
                kebab = "create-notebook-instance-lifecycle-config"
            name = next(
                str(prm[k])
                for k in (
                    "NotebookInstanceName",
                    "ModelName",
                    "EndpointConfigName",
                    "MonitoringScheduleName",
                    "ResourceArn",
                    "NotebookInstanceLifecycleConfigName",
                )
                if k in prm
            )
            out.append((kebab, name))
    return out


def nb_state(name: str, **fields: Any) -> dict[str, Any]:
    base = {
        "NotebookInstanceName": name,
        "NotebookInstanceStatus": "InService",
        "InstanceType": "ml.t3.medium",
        "RootAccess": "Disabled",
        "PlatformIdentifier": "notebook-al2023-v1",
    }
    return {**base, **fields}


# --- the tests -------------------------------------------------------------------------------


def big_plan() -> tuple[Plan, dict[str, Any]]:
    """Every strategy at once: in-place notebook, tags, inline schedule, job definition with
    a referencing schedule, a model with a config in the scan, a model without, an endpoint
    config on its own, and a rebuild (user backup)."""
    inline = {
        "MonitoringJobDefinition": inline_job(),
        "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
    }
    resources = [
        notebook("nb", RootAccess="Enabled", PlatformIdentifier="notebook-al2-v3"),
        notebook("rb", DirectInternetAccess="Enabled"),
        res(RT.IMAGE, "img", tags={}),
        res(RT.APP_IMAGE_CONFIG, "aic", tags={}),
        res(RT.MONITORING_SCHEDULE, "inline", {"MonitoringScheduleConfig": inline}),
        job_def(RT.DATA_QUALITY_JOB_DEFINITION, "dq"),
        res(
            RT.MONITORING_SCHEDULE,
            "bydq",
            {
                "MonitoringScheduleConfig": {
                    "MonitoringJobDefinitionName": "dq",
                    "MonitoringType": "DataQuality",
                }
            },
        ),
        job_def(RT.MODEL_BIAS_JOB_DEFINITION, "mb"),
        model("m"),
        endpoint_config("ec", "m"),
        model("lone"),
        endpoint_config("solo", "other", count=1),
    ]
    p = plan(
        run(resources, ["SageMaker.14.resolveReferences=true"]),
        tags={"team": "ml"},
        allow_rebuild=True,
        backup="user",
        subnet="subnet-9",
    )
    state: dict[str, Any] = {
        "notebooks": {
            "nb": nb_state("nb", RootAccess="Enabled", PlatformIdentifier="notebook-al2-v3"),
            "rb": nb_state("rb", DirectInternetAccess="Enabled"),
        },
        "schedules": {
            "inline": {"MonitoringScheduleConfig": inline},
            "bydq": {
                "MonitoringScheduleConfig": {
                    "MonitoringJobDefinitionName": "dq",
                    "MonitoringType": "DataQuality",
                }
            },
            "bymb": {"MonitoringScheduleConfig": {"MonitoringJobDefinitionName": "mb"}},
        },
        "job_definitions": {"dq": {}, "mb": {}},
        "models": {"m": {}, "lone": {}, "other": {}},
        "configs": {
            "ec": {"ProductionVariants": [{"VariantName": "v1", "ModelName": "m"}]},
            "solo": {"ProductionVariants": [{"VariantName": "v1", "ModelName": "other"}]},
            "uses-lone": {
                "ProductionVariants": [{"VariantName": "v1", "ModelName": "other"}],
                "ShadowProductionVariants": [{"VariantName": "s1", "ModelName": "lone"}],
                "KmsKeyId": "kms-1",
            },
        },
        "endpoints": {"e1": "ec", "e2": "solo", "e3": "uses-lone", "e4": "solo"},
        "tags": {
            "arn:ec/uses-lone": [{"Key": "team", "Value": "x"}, {"Key": "aws:y", "Value": "z"}]
        },
    }
    return p, state


def test_every_action_is_scriptable() -> None:
    p, _ = big_plan()
    assert {s.action for _, s in p.ordered_steps()} <= SCRIPTABLE
    assert not p.blocked


def test_calls_follow_the_plan_order_and_rerun_is_a_no_op(tmp_path: Path) -> None:
    p, state = big_plan()
    script = render_script(p)
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in script and "safe to re-run" in script.lower()
    acct = Account(tmp_path, state)
    proc, calls = acct.run(script)
    assert proc.returncode == 0, proc.stderr
    assert all("--region" in c and c[c.index("--region") + 1] == REGION for c in calls)
    want = expected(
        p,
        {
            "RepointSchedules:dq": [("update-monitoring-schedule", "bydq")],
            "RepointSchedules:mb": [("update-monitoring-schedule", "bymb")],
            "ReplaceModelInEndpointConfigs": [
                ("create-endpoint-config", "uses-lone-sw1"),
                ("update-endpoint", "e3"),
                ("delete-endpoint-config", "uses-lone"),
            ],
            "UpdateEndpoints:ec": [("update-endpoint", "e1")],
            "UpdateEndpoints:solo": [("update-endpoint", "e2"), ("update-endpoint", "e4")],
        },
    )
    assert mutations(calls) == want
    st = acct.state
    # the fake account ends fixed
    assert st["notebooks"]["nb"]["RootAccess"] == "Disabled"
    assert st["notebooks"]["nb"]["NotebookInstanceStatus"] == "InService"
    assert set(st["notebooks"]) == {"nb", "rb-sw1"}
    assert st["notebooks"]["rb-sw1"]["DirectInternetAccess"] == "Disabled"
    assert st["notebooks"]["rb-sw1"]["SubnetId"] == "subnet-1"
    assert st["endpoints"] == {
        "e1": "ec-sw1",
        "e2": "solo-sw1",
        "e3": "uses-lone-sw1",
        "e4": "solo-sw1",
    }
    assert set(st["configs"]) == {"ec-sw1", "solo-sw1", "uses-lone-sw1"}
    assert st["configs"]["uses-lone-sw1"]["ShadowProductionVariants"][0]["ModelName"] == "lone-sw1"
    assert st["configs"]["uses-lone-sw1"]["KmsKeyId"] == "kms-1"
    assert st["configs"]["ec-sw1"]["ProductionVariants"][0]["ModelName"] == "m-sw1"
    assert set(st["models"]) == {"m-sw1", "lone-sw1", "other"}
    assert "DeploymentRecommendation" not in st["models"]["m-sw1"]  # not CreateModel input
    assert set(st["job_definitions"]) == {"dq-sw1", "mb-sw1"}
    assert (
        st["schedules"]["bydq"]["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
        == "dq-sw1"
    )
    assert (
        st["schedules"]["bymb"]["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"]
        == "mb-sw1"
    )
    inline_cfg = st["schedules"]["inline"]["MonitoringScheduleConfig"]
    assert inline_cfg["MonitoringJobDefinition"]["NetworkConfig"]["EnableNetworkIsolation"] is True
    # tags copied at run time, aws: keys left out
    assert st["tags"]["arn:ec/uses-lone-sw1"] == [{"Key": "team", "Value": "x"}]
    assert {"Key": "team", "Value": "ml"} in st["tags"][arn(RT.IMAGE, "img")]
    # every schedule poll loop ran (Pending twice, then Scheduled) without sleeping
    polls = [c for c in calls if c[1] == "describe-monitoring-schedule" and "--query" in c]
    assert len(polls) >= 3 * 3

    again, calls2 = acct.run(script)
    assert again.returncode == 0, again.stderr
    assert [m for m in mutations(calls2) if m[0] != "add-tags"] == []  # AddTags is idempotent
    assert acct.state == {**st, "schedules": acct.state["schedules"]}


def test_profile_is_passed_on_every_call(tmp_path: Path) -> None:
    p = plan(run([notebook(RootAccess="Enabled")]))
    acct = Account(tmp_path, {"notebooks": {"nb": nb_state("nb", RootAccess="Enabled")}})
    proc, calls = acct.run(render_script(p, profile="my prof"), profile="my prof")
    assert proc.returncode == 0, proc.stderr
    assert calls and all(c[c.index("--profile") + 1] == "my prof" for c in calls)
    assert mutations(calls) == [
        ("stop-notebook-instance", "nb"),
        ("update-notebook-instance", "nb"),
        ("start-notebook-instance", "nb"),
    ]


@pytest.mark.parametrize(
    ("planned", "actual", "calls"),
    [
        ("Stopped", "Stopped", [("update-notebook-instance", "nb")]),
        # unknown status at plan time: stop and start only if it is running at apply
        (None, "Stopped", [("update-notebook-instance", "nb")]),
        (
            None,
            "InService",
            [
                ("stop-notebook-instance", "nb"),
                ("update-notebook-instance", "nb"),
                ("start-notebook-instance", "nb"),
            ],
        ),
    ],
)
def test_notebook_restart_follows_the_status(
    tmp_path: Path, planned: str | None, actual: str, calls: list[tuple[str, str]]
) -> None:
    p = plan(run([notebook(RootAccess="Enabled", NotebookInstanceStatus=planned)]))
    acct = Account(tmp_path, {"notebooks": {"nb": nb_state("nb", RootAccess="Enabled")}})
    acct.state_path.write_text(
        json.dumps(
            {
                "account": ACCOUNT,
                "notebooks": {
                    "nb": nb_state("nb", RootAccess="Enabled", NotebookInstanceStatus=actual)
                },
            }
        )
    )
    proc, log = acct.run(render_script(p))
    assert proc.returncode == 0, proc.stderr
    assert mutations(log) == calls
    assert acct.state["notebooks"]["nb"]["NotebookInstanceStatus"] == actual


def test_blocked_steps_are_comments_only(tmp_path: Path) -> None:
    p = plan(run([notebook("rb", DirectInternetAccess="Enabled"), res(RT.IMAGE, "img", tags={})]))
    assert len(p.blocked) == 2
    script = render_script(p)
    assert script.count("# BLOCKED: ") == len(p.ordered_steps())
    acct = Account(tmp_path, {"notebooks": {"rb": nb_state("rb")}})
    proc, calls = acct.run(script)
    assert proc.returncode == 0, proc.stderr
    assert calls == []


def test_wrong_account_stops_before_any_change(tmp_path: Path) -> None:
    p = plan(run([notebook(RootAccess="Enabled")]))
    acct = Account(tmp_path, {"notebooks": {"nb": nb_state("nb", RootAccess="Enabled")}})
    acct.state_path.write_text(json.dumps({**acct.state, "account": "999999999999"}))
    proc, calls = acct.run(render_script(p))
    assert proc.returncode == 1
    assert "not for account 111122223333" in proc.stderr
    assert mutations(calls) == []


def _single(step: Step, name: str = "x", rtype: str = RT.MODEL) -> Plan:
    rp = ResourcePlan(rtype, arn(rtype, name), name, ACCOUNT, REGION, ("SageMaker.5",), "x")
    rp.steps.append(step)
    return Plan([rp])


@pytest.mark.parametrize(
    ("step", "state", "message"),
    [
        (
            Step("DeleteEndpointConfig", {"EndpointConfigName": "ec"}, (), Phase.DELETE),
            {"configs": {"ec": {}}, "endpoints": {"e1": "ec"}},
            "still used by endpoint e1",
        ),
        (
            Step("DeleteModel", {"ModelName": "m"}, (), Phase.DELETE_DEPENDENCY),
            {"models": {"m": {}}, "configs": {"ec": {"ProductionVariants": [{"ModelName": "m"}]}}},
            "still used by endpoint config ec",
        ),
        (
            Step(
                "DeleteJobDefinition",
                {"JobDefinitionName": "dq"},
                (),
                Phase.DELETE,
                operation="DeleteDataQualityJobDefinition",
            ),
            {
                "job_definitions": {"dq": {}},
                "schedules": {
                    "s": {"MonitoringScheduleConfig": {"MonitoringJobDefinitionName": "dq"}}
                },
            },
            "still referenced by a monitoring schedule",
        ),
        (
            Step("UpdateEndpoints", {"From": "ec", "To": "ec2"}, (), Phase.REPOINT),
            {
                "configs": {"ec": {}, "ec2": {}},
                "endpoints": {"e1": "ec"},
                "sticky_endpoints": ["e1"],
            },
            "rolled back",
        ),
        (
            Step("Frobnicate", {"X": 1}, (), Phase.IN_PLACE),
            {},
            "not scriptable: Frobnicate",
        ),
        (
            Step(
                "WaitMonitoringScheduleNotPending",
                {"MonitoringScheduleName": "s"},
                (),
                Phase.IN_PLACE,
            ),
            {"schedules": {"s": {"MonitoringScheduleConfig": {}, "pending": 99}}},
            "still Pending",
        ),
        (
            Step(
                "WaitMonitoringScheduleNotPending",
                {"MonitoringScheduleName": "s"},
                (),
                Phase.IN_PLACE,
            ),
            {"schedules": {"s": {"MonitoringScheduleConfig": {}, "status": "Failed"}}},
            "is Failed",
        ),
    ],
    ids=[
        "config-in-use",
        "model-in-use",
        "jobdef-referenced",
        "rollback",
        "unknown",
        "pending",
        "failed",
    ],
)
def test_unsafe_steps_fail_loudly(
    tmp_path: Path, step: Step, state: dict[str, Any], message: str
) -> None:
    script = render_script(_single(step))
    if step.action == "Frobnicate":
        assert "# not scriptable: Frobnicate" in script
    acct = Account(tmp_path, state)
    proc, calls = acct.run(script, env={"SAGEWARDEN_POLL_TRIES": "3"})
    assert proc.returncode == 1, proc.stdout
    assert message in proc.stderr
    assert [m for m in mutations(calls) if m[0].startswith("delete-")] == []
    assert "sagewarden: done" not in proc.stdout


def test_hostile_names_and_tags_are_data(tmp_path: Path) -> None:
    """Quotes, spaces, $(...), backticks and newlines in names and tag values reach the
    AWS CLI byte for byte and run nothing; comments do not break out either."""
    bad_model = model(HOSTILE)
    bad_model.tags = {"owner": HOSTILE}
    jd = job_def(RT.DATA_QUALITY_JOB_DEFINITION, HOSTILE)
    evs = run(
        [
            notebook(HOSTILE, RootAccess="Enabled"),
            bad_model,
            jd,
            res(RT.IMAGE, "img", tags={}),
        ]
    )
    p = plan(evs, tags={HOSTILE: HOSTILE})
    assert not p.blocked
    script = render_script(p, profile=HOSTILE)
    acct = Account(
        tmp_path,
        {
            "notebooks": {HOSTILE: nb_state(HOSTILE, RootAccess="Enabled")},
            "models": {HOSTILE: {}},
            "job_definitions": {HOSTILE: {}},
            "schedules": {
                "s1": {"MonitoringScheduleConfig": {"MonitoringJobDefinitionName": HOSTILE}}
            },
            "configs": {"c1": {"ProductionVariants": [{"ModelName": HOSTILE}]}},
            "endpoints": {"e1": "c1"},
        },
    )
    proc, calls = acct.run(script, profile=HOSTILE)
    assert proc.returncode == 0, proc.stderr
    assert not list(tmp_path.glob("PWNED*"))
    assert ("delete-model", HOSTILE) in mutations(calls)
    assert ("stop-notebook-instance", HOSTILE) in mutations(calls)
    assert ("delete-data-quality-job-definition", HOSTILE) in mutations(calls)
    create = next(c for c in calls if c[1] == "create-model")
    doc = json.loads(create[create.index("--cli-input-json") + 1])
    assert doc["ModelName"] == new_name(HOSTILE)
    assert doc["Tags"] == [{"Key": "owner", "Value": HOSTILE}]
    add = next(c for c in calls if c[1] == "add-tags")
    assert json.loads(add[add.index("--tags") + 1]) == [{"Key": HOSTILE, "Value": HOSTILE}]
    st = acct.state
    assert st["endpoints"]["e1"] == "c1-sw1"
    assert st["configs"]["c1-sw1"]["ProductionVariants"][0]["ModelName"] == new_name(HOSTILE)
    sched = st["schedules"]["s1"]["MonitoringScheduleConfig"]
    assert sched["MonitoringJobDefinitionName"] == new_name(HOSTILE)


def test_comments_cannot_break_out() -> None:
    step = Step(
        "AddTags",
        {"ResourceArn": "a", "Tags": []},
        ("SageMaker.6\ntouch PWNED",),
        Phase.IN_PLACE,
        detail="x\ntouch PWNED",
        condition="y\r\ntouch PWNED",
        blocked="z\ntouch PWNED",
    )
    script = render_script(_single(step, name="n\ntouch PWNED"))
    assert not any(line.startswith("touch") for line in script.splitlines())
    assert "# BLOCKED: z\\ntouch PWNED" in script


def test_s3_backup_rebuild(tmp_path: Path) -> None:
    nb = notebook("rb", DirectInternetAccess="Enabled", LifecycleConfigName="orig")
    p = plan(run([nb]), allow_rebuild=True, backup="s3://bk/notebooks", subnet="subnet-9")
    rp = p.resources[0]
    if "VerifyVolumeBackup" not in {s.action for s in rp.steps}:
        pytest.skip("the planner has no S3 backup steps yet")
    prefix = "notebooks/rb/"
    meta = {"files": "2", "bytes": "30"}
    state: dict[str, Any] = {
        "notebooks": {
            "rb": nb_state(
                "rb", DirectInternetAccess="Enabled", NotebookInstanceLifecycleConfigName="orig"
            )
        },
        "lccs": {"orig": {"OnStart": [{"Content": "b3JpZw=="}]}},
        "s3": {
            "bk": {
                prefix + "a.txt": {"Size": 10},
                prefix + "d/b.bin": {"Size": 20},
                prefix + "_sagewarden/backup-manifest.json": {"Size": 5, "Metadata": meta},
                prefix + "_sagewarden/restore-rb-sw1.json": {"Size": 5, "Metadata": meta},
                "notebooks/other/c": {"Size": 99},
            }
        },
    }
    acct = Account(tmp_path, state)
    script = render_script(p)
    proc, calls = acct.run(script)
    assert proc.returncode == 0, proc.stderr
    assert mutations(calls) == expected(p, {})
    st = acct.state
    assert set(st["notebooks"]) == {"rb-sw1"}
    assert st["notebooks"]["rb-sw1"]["NotebookInstanceLifecycleConfigName"] == "orig"
    assert set(st["lccs"]) == {"orig"}
    restore = next(
        c
        for c in calls
        if c[1] == "create-notebook-instance-lifecycle-config" and "OnCreate" in c[3]
    )
    assert json.loads(restore[3])["OnStart"] == [{"Content": "b3JpZw=="}]  # copied at run time

    again, calls2 = acct.run(script)
    assert again.returncode == 0, again.stderr
    assert mutations(calls2) == []

    # a backup that does not match its manifest stops the rebuild before anything changes
    state["s3"]["bk"].pop(prefix + "d/b.bin")
    (tmp_path / "mismatch").mkdir()
    acct = Account(tmp_path / "mismatch", state)
    proc, calls = acct.run(script)
    assert proc.returncode == 1
    assert "incomplete" in proc.stderr
    assert not any(
        op.startswith("delete-") or op == "create-notebook-instance" for op, _ in mutations(calls)
    )
