"""Small builders shared by the tests: canonical resources and CLI runs."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from sagewarden.catalog import BY_ID, CONTROLS
from sagewarden.engine import evaluate
from sagewarden.params import ParamSet, parse_params
from sagewarden.resources import Provenance, Resource
from sagewarden.verdicts import Evaluation

ACCOUNT = "111122223333"
REGION = "eu-west-1"

# The controls the source tests' verdict tables were written for (SageMaker.1 to .15).
# Those tables stay as they were, evaluated over these controls: that proves every old
# verdict unchanged. The newer controls are judged over every source by their case files
# (tests/cases, tests/e2e/test_cases.py) and on real Terraform plans and `cdk synth` output
# by tests/sources/test_real_ai_security.py.
ORIGINAL_CONTROLS = tuple(c for c in CONTROLS if c.number <= 15)


def resource(
    rtype: str,
    props: dict[str, Any] | None = None,
    *,
    name: str = "res",
    tags: dict[str, str] | None = None,
    kind: str = "aws-config",
    account: str = ACCOUNT,
    region: str = REGION,
    file: str | None = None,
) -> Resource:
    short = rtype.rsplit("::", 1)[1].lower()
    return Resource(
        type=rtype,
        id=f"arn:aws:sagemaker:{region}:{account}:{short}/{name}",
        name=name,
        properties=dict(props or {}),
        tags=tags,
        provenance=Provenance(kind, file=file),
        account_id=account,
        region=region,
    )


def run_control(
    control_id: str, resources: list[Resource], params: list[str] | None = None
) -> list[Evaluation]:
    pset: ParamSet
    pset, diags = parse_params(params or [])
    assert not diags, [d.line() for d in diags]
    return evaluate(resources, [BY_ID[control_id]], pset).evaluations


def one(control_id: str, r: Resource, params: list[str] | None = None) -> Evaluation:
    evs = [e for e in run_control(control_id, [r], params) if e.resource is r]
    assert len(evs) == 1
    return evs[0]


REPORT_SCHEMA = Path(__file__).parents[1] / "docs" / "report.schema.json"


@functools.cache
def _report_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def is_scan_report(doc: Any) -> bool:
    """A `scan --format json` report (not a framework report, a plan or a history list)."""
    tool = doc.get("tool") if isinstance(doc, dict) else None
    return isinstance(tool, dict) and tool.get("name") == "sagewarden" and "evaluations" in doc


def check_report(doc: Any) -> Any:
    """`doc`, once it is valid against the published schema (docs/report.schema.json)."""
    errors = sorted(_report_validator().iter_errors(doc), key=lambda e: e.json_path)
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors[:5]]
    return doc


def scan_report(text: str | bytes) -> Any:
    """A JSON scan report's document, validated against the published schema."""
    return check_report(json.loads(text))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """stdout as JSON; a scan report is validated against its schema first."""
        doc = json.loads(self.stdout)
        return check_report(doc) if is_scan_report(doc) else doc


def _child_env(env: dict[str, str] | None, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """This environment for a child sagewarden, without the caller's colour settings (a
    test names its own) or `drop`, then `env`."""
    unset = ("NO_COLOR", "FORCE_COLOR", *drop)
    return {**{k: v for k, v in os.environ.items() if k not in unset}, **(env or {})}


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run the real command in a child process, as a user's script would."""
    proc = subprocess.run(
        [sys.executable, "-m", "sagewarden", *args],
        capture_output=True,
        text=True,
        env=_child_env(env),
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def in_pty(args: list[str], columns: int, env: dict[str, str] | None = None) -> str:
    """stdout and stderr of `sagewarden ARGS` on a terminal `columns` wide."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sagewarden", *args],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=_child_env({"TERM": "xterm", **(env or {})}, drop=("COLUMNS",)),
    )
    os.close(secondary)
    chunks = []
    while True:
        ready, _, _ = select.select([primary], [], [], 60)
        if not ready:
            break
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(primary)
    return b"".join(chunks).decode().replace("\r\n", "\n")


def hostile_notebook_file(folder: Path, name: str, configuration: dict[str, Any]) -> Path:
    """A Config file holding one notebook whose id and name are `name` (terminal escapes,
    bidi controls: what the table must show escaped), with `configuration` besides."""
    item = {
        "resourceType": "AWS::SageMaker::NotebookInstance",
        "resourceId": name,
        "resourceName": name,
        "awsAccountId": "1",
        "awsRegion": "us-east-1",
        "configurationItemStatus": "OK",
        "configuration": {"NotebookInstanceName": name, **configuration},
        "tags": {},
    }
    path = folder / "evil.json"
    path.write_text(json.dumps({"configurationItems": [item]}))
    return path
