"""No credential reaches any output, through any failure of the calls that carry them.

Recognisable credentials go in twice: as the scanning identity (the environment) and as
what AssumeRole answers. Then each call that holds or quotes them fails every way the
emulator can make it fail (cut at several points, shorter than its Content-Length, HTML
with status 200, a member missing or of the wrong type, a server error with the body,
an AWS error message quoting the session token, as SignatureDoesNotMatch does), and
every place a scan or a fix writes to is searched for them: stdout and stderr in every
format, the history database and the fix journal. None may show a traceback either.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagewarden.cli import main
from sagewarden_demo.emulator import Emulator

ROLE = "arn:aws:iam::210987654321:role/Audit"
ORG_SCAN = ("--region", "eu-west-1", "--control", "SageMaker.5")
FORMATS = ("table", "json", "sarif", "junit", "asff", "ocsf", "csv", "html")

# The credentials, and a marker at the start of each that any part of it would show.
BASE = {
    "AWS_ACCESS_KEY_ID": "AKIABASELEAKKEY00001",
    "AWS_SECRET_ACCESS_KEY": "BaseLe4kedSecret/Never+Print/0123456789abc",
    "AWS_SESSION_TOKEN": "BaseLeakedToken//" + "IQoJb3JpZ2luX2VjEBase" * 8,
}
ASSUMED = {
    "AccessKeyId": "ASIALEAKKEY000000001",
    "SecretAccessKey": "Le4kedSecret/Never+Print/0123456789abcdefgh",
    "SessionToken": "LeakedToken//" + "IQoJb3JpZ2luX2VjELeak" * 8,
}
MARKERS = ("BASELEAKKEY", "BaseLe4ked", "BaseLeakedToken", "LEAKKEY", "Le4kedSecret", "LeakedToken")


@pytest.fixture
def leaky(aws: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Emulator:
    """The emulator, scanned with the recognisable base credentials."""
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    for var, value in BASE.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint_url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("SAGEWARDEN_DB", str(tmp_path / "history.sqlite3"))
    return aws


def assume_role_answer(expiration: str = "2031-01-01T00:00:00Z", **drop: bool) -> bytes:
    creds = {**ASSUMED, "Expiration": expiration}
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in creds.items() if not drop.get(k))
    return (
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<AssumeRoleResult><Credentials>{inner}</Credentials>"
        "<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:sagewarden</AssumedRoleId>"
        "<Arn>arn:aws:sts::210987654321:assumed-role/Audit/sagewarden</Arn></AssumedRoleUser>"
        "</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
        "</AssumeRoleResponse>"
    ).encode()


def query_error(code: str, message: str) -> bytes:
    return (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
    ).encode()


def quoting(token: str) -> str:
    """What SignatureDoesNotMatch says: the canonical request, signed headers and all."""
    return (
        "The request signature we calculated does not match the signature you provided. "
        f"The Canonical String for this request should have been 'POST / host:sts "
        f"x-amz-security-token:{token}'"
    )


XML = "text/xml"
JSON = "application/x-amz-json-1.1"
SECRET_PAGE = f"<html><body>{BASE['AWS_SECRET_ACCESS_KEY']} {ASSUMED['SessionToken']}</body></html>"

ASSUME_ROLE_FAULTS: dict[str, dict[str, Any]] = {
    "cut after the key id": {"body": assume_role_answer(), "cut": "</AccessKeyId>"},
    "cut inside the secret": {"body": assume_role_answer(), "cut": "Le4kedSecret/Nev"},
    "cut after the token, short": {
        "body": assume_role_answer(),
        "cut": "</SessionToken>",
        "short": True,
    },
    "cut before its end": {"body": assume_role_answer(), "cut": -3},
    "no session token": {"body": assume_role_answer(SessionToken=True), "content_type": XML},
    "an expiration that is no time": {
        "body": assume_role_answer("when it pleases"),
        "content_type": XML,
    },
    "a server error quoting the answer": {
        "body": b"upstream failed after: " + assume_role_answer(),
        "status": 500,
        "content_type": "text/plain",
    },
    "HTML with status 200": {"body": SECRET_PAGE.encode()},
    "an error quoting the session token": {
        "body": query_error("SignatureDoesNotMatch", quoting(BASE["AWS_SESSION_TOKEN"])),
        "status": 403,
        "content_type": XML,
    },
}


def every_output(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[set[int], str]:
    """Scan in every format; the exit codes and everything written."""
    codes, written = set(), []
    for fmt in FORMATS:
        codes.add(main(["scan", "--aws", "--quiet", "--format", fmt, *args]))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        written += [out, err]
    return codes, "\n".join(written)


def assert_nowhere(written: str, db: Path) -> None:
    stored = db.read_bytes() if db.exists() else b""
    for marker in MARKERS:
        assert marker not in written, marker
        assert marker.encode() not in stored, marker


@pytest.mark.parametrize("fault", list(ASSUME_ROLE_FAULTS.values()), ids=list(ASSUME_ROLE_FAULTS))
def test_a_failed_assume_role_shows_no_credential(
    leaky: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path, fault: dict[str, Any]
) -> None:
    """Fails on the old code: a cut AssumeRole answer was a traceback printing the
    assumed role's secret key and session token."""
    leaky.add_fault(operation="AssumeRole", **fault)
    codes, written = every_output(
        capsys, "--role-arn", ROLE, "--region", "eu-west-1", "--control", "SageMaker.5"
    )
    assert codes == {3}
    assert f"sagewarden: aws: cannot use the role {ROLE}: " in written
    assert_nowhere(written, tmp_path / "history.sqlite3")


def test_assumed_credentials_quoted_by_a_later_error_are_masked(
    leaky: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """AssumeRole works (with the recognisable credentials); the next call's error quotes
    the assumed session token, as SignatureDoesNotMatch would."""
    leaky.add_fault(operation="AssumeRole", body=assume_role_answer(), content_type=XML, times=1)
    message = quoting(ASSUMED["SessionToken"])
    leaky.add_fault(
        operation="GetCallerIdentity",
        body=query_error("SignatureDoesNotMatch", message),
        status=403,
        content_type=XML,
    )
    code = main(["scan", "--aws", "--quiet", "--role-arn", ROLE, "--region", "eu-west-1"])
    out, err = capsys.readouterr()
    assert code == 3
    assert "SignatureDoesNotMatch: The request signature we calculated" in err
    assert "x-amz-security-token:***" in err
    assert_nowhere(out + err, tmp_path / "history.sqlite3")


CALLER_FAULTS: dict[str, dict[str, Any]] = {
    "cut in half": {"cut": 0.5},
    "shorter than its Content-Length": {"cut": 0.5, "short": True},
    "HTML with status 200": {"body": SECRET_PAGE.encode()},
    "a server error with the secret": {
        "body": BASE["AWS_SECRET_ACCESS_KEY"].encode(),
        "status": 500,
        "content_type": XML,
    },
    "an error quoting the session token": {
        "body": query_error("SignatureDoesNotMatch", quoting(BASE["AWS_SESSION_TOKEN"])),
        "status": 403,
        "content_type": XML,
    },
    "an account that is a list": {
        "body": b"<GetCallerIdentityResponse><GetCallerIdentityResult><Account><member>1"
        b"</member></Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
        "content_type": XML,
    },
}


@pytest.mark.parametrize("fault", list(CALLER_FAULTS.values()), ids=list(CALLER_FAULTS))
def test_a_failed_caller_identity_shows_no_credential(
    leaky: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path, fault: dict[str, Any]
) -> None:
    """Fails on the old code: a cut or HTML answer was a traceback."""
    leaky.add_fault(operation="GetCallerIdentity", **fault)
    codes, written = every_output(capsys, "--region", "eu-west-1", "--control", "SageMaker.5")
    assert codes == {3}
    assert "sagewarden: aws: cannot use the credentials: " in written
    assert_nowhere(written, tmp_path / "history.sqlite3")


LIST_ACCOUNTS_FAULTS: dict[str, dict[str, Any]] = {
    "cut in half": {"cut": 0.5},
    "HTML with status 200": {"body": SECRET_PAGE.encode()},
    "a server error with the secret": {
        "body": f"upstream said: {BASE['AWS_SECRET_ACCESS_KEY']}".encode(),
        "status": 503,
        "content_type": "text/plain",
    },
    "an error quoting the session token": {
        "body": json.dumps(
            {"__type": "AccessDeniedException", "message": quoting(BASE["AWS_SESSION_TOKEN"])}
        ).encode(),
        "status": 400,
        "content_type": JSON,
    },
    "accounts as an object": {"edit": {"Accounts": {}}},
}


@pytest.mark.parametrize(
    "fault", list(LIST_ACCOUNTS_FAULTS.values()), ids=list(LIST_ACCOUNTS_FAULTS)
)
def test_a_failed_list_accounts_shows_no_credential(
    leaky: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path, fault: dict[str, Any]
) -> None:
    """Fails on the old code: a cut or HTML answer listed no account (an empty, green
    organization), an object for the list was a traceback."""
    org = leaky.client("organizations", "us-east-1")
    org.create_organization(FeatureSet="ALL")
    org.create_account(Email="a@example.com", AccountName="a")
    leaky.add_fault(operation="ListAccounts", **fault)
    codes, written = every_output(capsys, "--org", *ORG_SCAN)
    assert codes == {3}
    assert "organizations:ListAccounts failed: " in written
    assert_nowhere(written, tmp_path / "history.sqlite3")


def test_a_member_role_answer_cut_shows_no_credential(
    leaky: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    org = leaky.client("organizations", "us-east-1")
    org.create_organization(FeatureSet="ALL")
    account = org.create_account(Email="a@example.com", AccountName="a")
    member = account["CreateAccountStatus"]["AccountId"]
    leaky.add_fault(operation="AssumeRole", body=assume_role_answer(), cut="Le4kedSecret/N")
    codes, written = every_output(capsys, "--org", *ORG_SCAN)
    assert codes == {3}
    assert f"account {member}: sts:AssumeRole " in written
    assert_nowhere(written, tmp_path / "history.sqlite3")


def test_fix_and_its_journal_show_no_credential(
    leaky: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A fix whose planning cannot assume its role, then one whose change is refused with
    an error quoting the session token: the plan, the run's output and the journal hold
    none of the credentials. Fails on the old code (a traceback when planning)."""
    sm = leaky.client("sagemaker", "us-east-1")
    sm.create_notebook_instance(
        NotebookInstanceName="nb",
        InstanceType="ml.t3.medium",
        RoleArn="arn:aws:iam::123456789012:role/r",
        RootAccess="Enabled",
    )
    fast = ["--poll-interval", "0", "--timeout", "30", "-q"]
    live = ["--aws", "--region", "us-east-1", "--only", "SageMaker.3"]
    written = []
    cut = leaky.add_fault(operation="AssumeRole", body=assume_role_answer(), cut="Le4kedSecret/N")
    for fmt in ("text", "json", "script"):
        assert main(["fix", "plan", *live, "--role-arn", ROLE, "--format", fmt]) == 3
        written += capsys.readouterr()
    assert main(["fix", "apply", *live, "--role-arn", ROLE, "--yes", *fast]) == 3
    written += capsys.readouterr()
    leaky.clear_faults()
    assert cut.hits >= 4

    refused = {"__type": "SignatureDoesNotMatch", "message": quoting(BASE["AWS_SESSION_TOKEN"])}
    leaky.add_fault(
        operation="StopNotebookInstance",
        body=json.dumps(refused).encode(),
        status=403,
        content_type=JSON,
    )
    assert main(["fix", "apply", *live, "--yes", *fast]) != 0
    out, err = capsys.readouterr()
    written += [out, err]
    assert "SignatureDoesNotMatch" in out + err
    assert main(["fix", "runs", "--format", "json"]) == 0
    written += capsys.readouterr()
    text = "\n".join(written)
    assert "Traceback" not in text
    journal = tmp_path / "history.sqlite3"
    assert b"x-amz-security-token:***" in journal.read_bytes()  # the failure, journalled
    assert_nowhere(text, journal)
