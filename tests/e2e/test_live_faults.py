"""Hostile answers and slow faults on live scans: every failure visible, bounded and named.

The real CLI against the emulator, whose faults damage answers the way networks and
proxies do (cut short, shorter than their Content-Length, an HTML page with status 200,
members of the wrong type or missing), page forever, throttle a whole region or never
answer. A damaged answer is never read as an empty one: it is an ERROR for the scope or
the resource it was for, exit 3, one line naming account, region, operation and what was
wrong, never a traceback. Nothing here sleeps: slow faults end because the test gives the
scan a short `--timeout`.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden_demo.emulator import REMOVE, Emulator
from tests.e2e.test_live_scan import ACCOUNT, live, scan
from tests.helpers import scan_report

__all__ = ["live"]  # the fixture, shared

EAST, WEST = "us-east-1", "eu-west-1"
BOTH = ("--region", EAST, "--region", WEST)
JSON_TYPE = "application/x-amz-json-1.1"
HTML = b"<html><head><title>502 Bad Gateway</title></head><body>proxy error</body></html>"


def model(live: Emulator, region: str, name: str = "m") -> None:
    """A model that passes SageMaker.5 (network isolation)."""
    live.client("sagemaker", region).create_model(
        ModelName=name,
        ExecutionRoleArn="arn:aws:iam::1:role/r",
        PrimaryContainer={"Image": "img"},
        EnableNetworkIsolation=True,
    )


def verdicts(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str]]:
    """(region, resource name) -> (status, reason)."""
    return {
        (e["source"].get("region", "*"), e["resource_name"]): (e["status"], e["reason"])
        for e in doc["evaluations"]
    }


def one_line_about(err: str, *parts: str) -> str:
    """The single stderr line that holds every part; no traceback anywhere."""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if all(p in line for p in parts)]
    assert len(lines) == 1, (parts, err)
    return lines[0]


# --- a damaged List answer ------------------------------------------------------------

# Members AWS may add after this botocore release: an extended answer is not a damaged one.
EXTENDED_LIST = {"Models[0].ShinyNewField": {"nested": [1, 2]}, "NewTopLevel": "x"}
EXTENDED_DESCRIBE = {"BrandNewMember": [{"a": True}], "PrimaryContainer.NewSetting": 3}

DAMAGED_LISTS = {
    "cut in half": {"cut": 0.5},
    "shorter than its Content-Length": {"cut": 0.5, "short": True},
    "HTML with status 200": {"body": HTML},
    "an empty body": {"body": b"", "content_type": JSON_TYPE},
    "JSON without the list": {"body": b'{"NextToken": null}', "content_type": JSON_TYPE},
    "the list removed": {"edit": {"Models": REMOVE}},
    "the list as an object": {"edit": {"Models": {}}},
    "the list as a string": {"edit": {"Models": ""}},
    "an item as a list": {"edit": {"Models[0]": []}},
    "a name as a number": {"edit": {"Models[0].ModelName": 7}},
    "an ARN missing": {"edit": {"Models[*].ModelArn": REMOVE}},
    "the NextToken as an object": {"edit": {"NextToken": {"page": 2}}},
    "the answer as a list": {"body": b"[]", "content_type": JSON_TYPE},
}


@pytest.mark.parametrize("damage", list(DAMAGED_LISTS.values()), ids=list(DAMAGED_LISTS))
def test_a_damaged_list_is_an_error_for_its_type_and_region_never_empty(
    live: Emulator, capsys: pytest.CaptureFixture[str], damage: dict[str, Any]
) -> None:
    """Fails on the old code: the cut, HTML, empty and object-for-list answers read as "no
    models" (exit 0 when alone), the others crashed into an unnamed internal error. An
    answer with members this botocore does not know (AWS extends its APIs) is not damaged."""
    model(live, EAST)
    model(live, WEST)
    live.add_fault(operation="ListModels", region=WEST, **damage)
    live.add_fault(operation="ListModels", region=EAST, edit=EXTENDED_LIST)
    code, doc, err = scan(capsys, *BOTH, "--control", "SageMaker.5")
    assert code == 3
    got = verdicts(doc)
    assert got[(EAST, "m")][0] == "PASSED"
    placeholder = got[(WEST, "* (every model in this scope)")]
    expected = "IncompleteAnswer" if damage.get("short") else "MalformedAnswer"
    assert placeholder == ("ERROR", f"could not be read: ListModels: {expected}")
    assert (WEST, "m") not in got
    line = one_line_about(err, f"account {ACCOUNT} region {WEST}", "sagemaker:ListModels")
    assert f"failed: {expected}: the ListModels answer " in line

    # Alone, the damaged region is still never green.
    code, doc, _ = scan(capsys, "--region", WEST, "--control", "SageMaker.5")
    assert code == 3
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"]


# --- a damaged Describe ---------------------------------------------------------------

DAMAGED_DESCRIBES = {
    "a boolean as a string": {"edit": {"EnableNetworkIsolation": "true"}},
    "a structure as a list": {"edit": {"PrimaryContainer": []}},
    "a list as an object": {"edit": {"Containers": {}}},
    "a timestamp as words": {"edit": {"CreationTime": "yesterday"}},
    "an empty object": {"body": b"{}", "content_type": JSON_TYPE},
    "the ARN missing": {"edit": {"ModelArn": REMOVE}},
    "the name missing": {"edit": {"ModelName": REMOVE}},
    "a required member missing": {"edit": {"CreationTime": REMOVE}},
    "cut in half": {"cut": 0.5},
    "shorter than its Content-Length": {"cut": -2, "short": True},
    "HTML with status 200": {"body": HTML},
}


@pytest.mark.parametrize("damage", list(DAMAGED_DESCRIBES.values()), ids=list(DAMAGED_DESCRIBES))
def test_a_damaged_describe_is_an_error_for_that_resource_never_defaults(
    live: Emulator, capsys: pytest.CaptureFixture[str], damage: dict[str, Any]
) -> None:
    """Fails on the old code: an empty or cut Describe evaluated defaults (FAILED), a
    string for a boolean was an input error (exit 2), a list for a structure vanished
    behind an unnamed internal error."""
    model(live, EAST)
    model(live, WEST)
    live.add_fault(operation="DescribeModel", region=WEST, **damage)
    live.add_fault(operation="DescribeModel", region=EAST, edit=EXTENDED_DESCRIBE)
    code, doc, err = scan(capsys, *BOTH, "--control", "SageMaker.5")
    assert code == 3
    got = verdicts(doc)
    assert got[(EAST, "m")][0] == "PASSED"
    expected = "IncompleteAnswer" if damage.get("short") else "MalformedAnswer"
    assert got[(WEST, "m")] == ("ERROR", f"could not be read: DescribeModel: {expected}")
    arn = f"arn:aws:sagemaker:{WEST}:{ACCOUNT}:model/m"
    line = one_line_about(err, f"account {ACCOUNT} region {WEST} {arn}")
    assert f"sagemaker:DescribeModel failed: {expected}: the DescribeModel answer " in line


def test_an_empty_notebook_describe_is_an_error_though_its_model_requires_nothing(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """DescribeNotebookInstance's output shape has no required member: an empty answer
    fits it, and used to evaluate every notebook control on defaults (FAILED)."""
    live.client("sagemaker", WEST).create_notebook_instance(
        NotebookInstanceName="nb",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::1:role/r",
        RootAccess="Disabled",
    )
    live.add_fault(operation="DescribeNotebookInstance", body=b"{}", content_type=JSON_TYPE)
    code, doc, err = scan(capsys, "--region", WEST, "--control", "SageMaker.3")
    assert code == 3
    assert verdicts(doc)[(WEST, "nb")][0] == "ERROR"
    assert "NotebookInstanceName is missing" in one_line_about(err, "DescribeNotebookInstance")


def test_a_damaged_list_tags_makes_its_resource_an_error(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code: tags given as an object read as "no tags"."""
    sm = live.client("sagemaker", WEST)
    tags = [{"Key": "a", "Value": "b"}]
    sm.create_image(ImageName="img", RoleArn="arn:aws:iam::1:role/r", Tags=tags)
    live.add_fault(operation="ListTags", edit={"Tags": {}})
    code, doc, err = scan(capsys, "--region", WEST, "--control", "SageMaker.7")
    assert code == 3
    assert verdicts(doc)[(WEST, "img")] == ("ERROR", "could not be read: ListTags: MalformedAnswer")
    assert "Tags is an object, not a list" in one_line_about(err, "sagemaker:ListTags")


ACROSS_TYPES = [
    ("ListNotebookInstances", {"NotebookInstances": ""}),
    ("DescribeNotebookInstance", {"RootAccess": True}),
    ("DescribeNotebookInstance", {"NotebookInstanceArn": REMOVE}),
    ("DescribeEndpointConfig", {"ProductionVariants[*].VariantName": REMOVE}),
    ("DescribeEndpointConfig", {"ProductionVariants": {}}),
    ("DescribeMonitoringSchedule", {"MonitoringScheduleConfig": REMOVE}),
    ("DescribeDataQualityJobDefinition", {"JobResources": []}),
    ("DescribeModelBiasJobDefinition", {"RoleArn": REMOVE}),
    ("ListAppImageConfigs", {"AppImageConfigs[*].AppImageConfigArn": REMOVE}),
    ("ListImages", {"Images[*].CreationTime": "today"}),
]


@pytest.mark.parametrize(
    ("operation", "edit"), ACROSS_TYPES, ids=[f"{o} {e}" for o, e in ACROSS_TYPES]
)
def test_damage_to_any_type_is_an_error_for_what_it_covers_and_nothing_else(
    live: Emulator, capsys: pytest.CaptureFixture[str], operation: str, edit: dict[str, Any]
) -> None:
    """A required member missing, a list given as an object, a scalar of the wrong type:
    whatever the type, what the damaged answer covered is ERROR, everything else is what
    the estate expects. Fails on the old code, which evaluated, dropped or crashed."""
    from sagewarden.sources.aws.readpath import READ_PATHS
    from sagewarden_demo import estate

    (damaged,) = [
        p.resource_type for p in READ_PATHS.values() if operation in (p.list_op, p.describe_op)
    ]
    expected = estate.build(live.client, ACCOUNT, [EAST, WEST])
    live.add_fault(operation=operation, region=WEST, edit=edit)
    code, doc, err = scan(capsys, *BOTH)
    assert code == 3
    assert "Traceback" not in err and "internal error" not in err
    errors, seen = 0, set()
    for e in doc["evaluations"]:
        region = e["source"]["region"]
        if region == WEST and e["resource_type"] == damaged:
            assert e["status"] == "ERROR", e
            assert e["reason"].endswith(": MalformedAnswer"), e
            errors += 1
        else:
            key = (e["control"], region, e["resource_name"])
            assert e["status"] == expected.verdicts[key], e
            seen.add(key)
    assert errors
    assert {k for k in expected.verdicts if k[1] == EAST} <= seen  # nothing else vanished
    assert f"sagemaker:{operation} failed: MalformedAnswer: the {operation} answer " in err


# --- a list that never ends -------------------------------------------------------------


def _fresh_tokens() -> Any:
    return (f"token-{i}" for i in itertools.count())


@pytest.mark.parametrize(
    ("tokens", "pages", "why"),
    [
        ("the-same-token", 2, "returned a NextToken it had already returned, after 2 pages"),
        (itertools.cycle(["a", "b", "c"]), 4, "already returned, after 4 pages"),
        (_fresh_tokens(), 5, "still had more after 5 pages"),
    ],
    ids=["same token forever", "tokens in a cycle", "new tokens forever"],
)
def test_a_list_that_never_ends_is_stopped_and_an_error(
    live: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tokens: Any,
    pages: int,
    why: str,
) -> None:
    """Fails on the old code, which followed the token as long as it came (6,933 calls in
    120 s); `times` only keeps the old code from running forever here."""
    from sagewarden.sources.aws import answers

    monkeypatch.setattr(answers, "PAGE_CEILING", 5)  # a generous 10,000 in production
    model(live, EAST)
    model(live, WEST)
    live.add_fault(operation="ListModels", region=WEST, next_token=tokens, times=50)
    live.clear_calls()
    code, doc, err = scan(capsys, *BOTH, "--control", "SageMaker.5")
    assert code == 3
    calls = Counter(c.region for c in live.calls if c.operation == "ListModels")
    assert calls == {EAST: 1, WEST: pages}
    got = verdicts(doc)
    assert got[(EAST, "m")][0] == "PASSED"
    assert got[(WEST, "* (every model in this scope)")] == (
        "ERROR",
        "could not be read: ListModels: EndlessPagination",
    )
    assert why in one_line_about(err, f"region {WEST}", "ListModels failed: EndlessPagination")


def test_endless_list_tags_and_list_accounts_are_stopped(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code: ListTags followed a repeated token forever; ListAccounts
    (botocore's paginator) raised an unnamed PaginationError."""
    live.client("sagemaker", WEST).create_image(ImageName="img", RoleArn="arn:aws:iam::1:role/r")
    live.add_fault(operation="ListTags", next_token="again", times=50)
    code, doc, err = scan(capsys, "--region", WEST, "--control", "SageMaker.7")
    assert code == 3
    assert verdicts(doc)[(WEST, "img")] == (
        "ERROR",
        "could not be read: ListTags: EndlessPagination",
    )
    one_line_about(err, "sagemaker:ListTags failed: EndlessPagination")

    live.client("organizations", EAST).create_organization(FeatureSet="ALL")
    live.add_fault(operation="ListAccounts", next_token="again", times=50)
    code, doc, err = scan(capsys, "--org", "--region", WEST, "--control", "SageMaker.5")
    assert code == 3
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"]
    one_line_about(err, "organizations:ListAccounts failed: EndlessPagination")


# --- slow faults: bounded by --timeout ---------------------------------------------------


def test_a_region_throttled_throughout_gives_up_at_the_deadline(
    live: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fails on the old code (no --timeout; it took 155 s to give up on such a region).
    With botocore's 8 attempts and backoff, only the deadline ends this quickly."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    model(live, EAST)
    for i in range(12):
        model(live, WEST, f"m{i}")
    live.add_fault(
        operation="DescribeModel", region=WEST, code="ThrottlingException", message="Rate exceeded"
    )
    code, doc, err = scan(capsys, *BOTH, "--control", "SageMaker.5", "--timeout", "2")
    assert code == 3
    got = verdicts(doc)
    assert got[(EAST, "m")][0] == "PASSED"
    west = {name: v for (region, name), v in got.items() if region == WEST}
    assert set(west) == {f"m{i}" for i in range(12)}
    assert set(west.values()) == {("ERROR", "could not be read: DescribeModel: TimedOut")}
    line = one_line_about(err, f"account {ACCOUNT} region {WEST}")  # once for the scope
    assert "could not read this account and region within --timeout 2 s" in line
    # whichever came first: a retry's backoff, or the rate limiter slowed down by throttling
    assert "retried after ThrottlingException" in line or "(AWS throttles it: at " in line
    assert "what it had not read by then is ERROR" in line


def test_throttling_of_everything_in_a_region_is_bounded_too(
    live: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every service in the region throttled, the credentials check included."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    model(live, WEST)
    live.add_fault(region=WEST, code="Throttling", message="Rate exceeded")
    code, doc, err = scan(capsys, "--region", WEST, "--control", "SageMaker.5", "--timeout", "1")
    assert code == 3
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"]
    line = one_line_about(err, "cannot use the credentials")
    assert "TimedOut: could not find the accounts within --timeout 1 s" in line


def test_a_hang_ends_at_the_read_timeout_and_is_an_error(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code (no --timeout; a 120 s hang took 245 s). The emulator holds
    the answer until the test releases it; the scan has long given up by then."""
    model(live, EAST)
    model(live, WEST)
    hang = live.add_fault(operation="ListModels", region=WEST, hang=True)
    try:
        code, doc, err = scan(capsys, *BOTH, "--control", "SageMaker.5", "--timeout", "1")
    finally:
        hang.release()
    assert code == 3
    got = verdicts(doc)
    assert got[(EAST, "m")][0] == "PASSED"
    assert got[(WEST, "* (every model in this scope)")] == (
        "ERROR",
        "could not be read: ListModels: TimedOut",
    )
    line = one_line_about(err, f"account {ACCOUNT} region {WEST}")
    assert "was to be retried after ReadTimeoutError" in line


@pytest.mark.parametrize(
    ("args", "operation", "expected"),
    [
        ((), "GetCallerIdentity", "sagewarden: aws: cannot use the credentials: TimedOut"),
        (
            ("--role-arn", "arn:aws:iam::210987654321:role/Audit"),
            "AssumeRole",
            "sagewarden: aws: cannot use the role arn:aws:iam::210987654321:role/Audit: TimedOut",
        ),
    ],
    ids=["credentials", "role"],
)
def test_a_hung_credentials_check_is_bounded(
    live: Emulator,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    operation: str,
    expected: str,
) -> None:
    hang = live.add_fault(operation=operation, hang=True)
    try:
        code, doc, err = scan(
            capsys, *args, "--region", WEST, "--control", "SageMaker.5", "--timeout", "1"
        )
    finally:
        hang.release()
    assert code == 3
    assert [e["status"] for e in doc["evaluations"]] == ["ERROR"]
    assert err.startswith(expected)
    assert len(err.strip().splitlines()) == 1


def test_a_member_account_whose_role_hangs_is_bounded(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    org = live.client("organizations", EAST)
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(Email="a@example.com", AccountName="a")
    account = member["CreateAccountStatus"]["AccountId"]
    hang = live.add_fault(operation="AssumeRole", hang=True)
    try:
        code, doc, err = scan(
            capsys, "--org", "--region", WEST, "--control", "SageMaker.5", "--timeout", "1"
        )
    finally:
        hang.release()
    assert code == 3
    status = {e["source"]["account_id"]: e["status"] for e in doc["evaluations"]}
    assert status[account] == "ERROR"
    assert "TimedOut" in one_line_about(err, f"account {account}: sts:AssumeRole")


def test_a_call_whose_answer_never_comes_is_tried_twice_not_eight_times(
    live: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore retries a read timeout like any transient error, 8 times: minutes against
    an endpoint that hangs, even before the deadline. Here the client is the one a scan,
    a fix or a push uses, with a half-second read timeout."""
    import boto3
    from botocore.exceptions import ReadTimeoutError

    from sagewarden.sources.aws.accounts import control_config
    from sagewarden.sources.aws.deadline import bound_timeouts

    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    config = control_config(read_timeout=0.5)
    client = bound_timeouts(boto3.Session().client("sagemaker", region_name=WEST, config=config))
    hang = live.add_fault(operation="ListModels", hang=True)
    try:
        with pytest.raises(ReadTimeoutError):
            client.list_models()
    finally:
        hang.release()
    assert hang.hits == 2


def test_timeout_is_a_positive_number_of_seconds(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    model(live, WEST)
    code, doc, err = scan(capsys, "--region", WEST, "--control", "SageMaker.5", "--timeout", "7.5")
    assert (code, err) == (0, "")
    assert [e["status"] for e in doc["evaluations"]] == ["PASSED"]
    for bad, why in (
        ("0", "must be more than 0"),
        ("-1", "must be more than 0"),
        ("soon", "is not a number"),
    ):
        with pytest.raises(SystemExit) as exit_:
            main(["scan", "--aws", "--region", WEST, "--timeout", bad])
        assert exit_.value.code == 2
        assert f"argument --timeout: '{bad}' {why}" in capsys.readouterr().err


# --- what fix reads fresh, and what a push is told ----------------------------------------


def _notebook_failing_3(live: Emulator) -> Any:
    sm = live.client("sagemaker", EAST)
    sm.create_notebook_instance(
        NotebookInstanceName="nb",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::1:role/r",
        RootAccess="Enabled",
    )
    return sm


@pytest.mark.parametrize(
    ("operation", "damage"),
    [
        ("DescribeNotebookInstance", {"body": b"{}", "content_type": JSON_TYPE}),
        ("DescribeNotebookInstance", {"edit": {"RootAccess": ["Disabled"]}}),
        ("DescribeNotebookInstance", {"cut": 0.5}),
    ],
    ids=["an empty describe", "a list for a string", "cut in half"],
)
def test_fix_never_acts_on_a_damaged_fresh_read(
    live: Emulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    operation: str,
    damage: dict[str, Any],
) -> None:
    """`fix apply` reads each resource again before it changes anything: a damaged answer
    refuses that resource, named, instead of planning from an empty or half-read one.
    Fails on the old code, which read the damaged answer as a notebook with no status."""
    monkeypatch.setenv("SAGEWARDEN_DB", str(tmp_path / "journal.sqlite3"))
    sm = _notebook_failing_3(live)
    plan = tmp_path / "plan.json"
    fix = ["fix", "plan", "--aws", "--region", EAST, "--only", "SageMaker.3"]
    assert main([*fix, "--format", "json", "--output", str(plan)]) == 0
    capsys.readouterr()
    live.add_fault(operation=operation, **damage)
    code = main(["fix", "apply", str(plan), "--yes", "-q", "--poll-interval", "0"])
    out, err = capsys.readouterr()
    assert code == 3, out + err
    assert "Traceback" not in err
    assert f"NotebookInstance nb ({ACCOUNT} {EAST}): cannot read it: MalformedAnswer" in err
    live.clear_faults()
    assert sm.describe_notebook_instance(NotebookInstanceName="nb")["RootAccess"] == "Enabled"
    stopped = [c for c in live.calls if c.operation == "StopNotebookInstance"]
    assert stopped == []


def test_a_damaged_security_hub_answer_is_not_an_empty_one_for_fix(
    live: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fails on the old code: findings given as an object read as "no failed findings"."""
    _notebook_failing_3(live)
    live.add_fault(operation="GetFindings", edit={"Findings": {}})
    code = main(["fix", "plan", "--aws", "--region", EAST, "--from-security-hub"])
    err = capsys.readouterr().err
    assert code == 3
    line = one_line_about(err, f"account {ACCOUNT} region {EAST}", "securityhub:GetFindings")
    assert "MalformedAnswer" in line


@pytest.mark.parametrize(
    "damage",
    [{"body": HTML}, {"edit": {"SuccessCount": 0}}, {"edit": {"FailedCount": REMOVE}}],
    ids=["HTML with status 200", "counts that do not add up", "a count missing"],
)
def test_a_damaged_import_answer_never_counts_as_imported(
    live: Emulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
    damage: dict[str, Any],
) -> None:
    """Fails on the old code, which counted every finding of an HTML answer as imported."""
    monkeypatch.setenv("SAGEWARDEN_DB", str(tmp_path / "history.sqlite3"))
    model(live, EAST)
    live.add_fault(operation="BatchImportFindings", **damage)
    code, _, err = scan(capsys, "--region", EAST, "--control", "SageMaker.5", "--push-security-hub")
    assert code == 3
    assert "0 findings imported, 0 archived, 1 not imported" in err
    one_line_about(err, f"account {ACCOUNT} region {EAST}", "securityhub:BatchImportFindings")


def test_emulator_faults_refuse_what_they_cannot_do(live: Emulator) -> None:
    """A fault that cannot damage the answer it meets is a bug of the test, said loudly
    (the emulator answers 500 and records it), never a silent pass-through."""
    from botocore.exceptions import ClientError

    with pytest.raises(ValueError, match="one way"):
        live.add_fault(cut=0.5, edit={"Models": []})
    with pytest.raises(ValueError, match="needs cut"):
        live.add_fault(short=True)
    sm = live.client("sagemaker", EAST)
    misuse = live.add_fault(operation="ListModels", edit={"Models[0].ModelName": "x"})
    with pytest.raises(ClientError, match="EmulatorFaultMisuse"):
        sm.list_models()  # no model: no Models[0] to edit
    assert set(live.errors) == {
        "fault on ListModels: edit Models[0].ModelName: Models is not a non-empty list"
    }
    live.errors.clear()
    misuse.times = 0
    live.add_fault(operation="ListModels", next_token=["a"])
    assert sm.list_models()["NextToken"] == "a"
    assert "NextToken" not in sm.list_models(NextToken="a")  # the tokens given are used up


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"])
def test_an_endpoint_url_botocore_refuses_is_one_line_not_a_traceback(
    live: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    """Fails on the old code: botocore's ValueError escaped as a traceback."""
    monkeypatch.setenv(variable, "not-a-url")
    code = main(["scan", "--aws", "--quiet", "--format", "json", "--region", WEST])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err
    line = one_line_about(err, "cannot make an AWS client")
    assert line.endswith("ValueError: Invalid endpoint: not-a-url")
    if variable == "AWS_ENDPOINT_URL_SAGEMAKER":  # STS answered: the scope stands unread
        statuses = {e["status"] for e in scan_report(out)["evaluations"]}
        assert statuses == {"ERROR"}


def test_a_security_hub_endpoint_botocore_refuses_is_a_push_failure_not_a_traceback(
    live: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
) -> None:
    monkeypatch.setenv("SAGEWARDEN_DB", str(tmp_path / "history.sqlite3"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECURITYHUB", "not-a-url")
    model(live, EAST)
    code, _, err = scan(capsys, "--region", EAST, "--control", "SageMaker.5", "--push-security-hub")
    assert code == 3
    line = one_line_about(err, "1 findings not pushed: cannot make an AWS client")
    assert line.endswith("ValueError: Invalid endpoint: not-a-url")
