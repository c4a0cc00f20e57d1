"""What `fix plan --report` and `--from-security-hub` point at: (control, ARN) pairs that
the live read then confirms. Neither is trusted alone: the fix plans from a fresh read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from sagewarden.cli.errors import CliError
from sagewarden.diagnostics import Diagnostic, Kind

Focus = set[tuple[str, str]]


def read_json(path: str) -> Any:
    try:
        with open(path, "rb") as fh:
            return orjson.loads(fh.read())
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise CliError(f"{path}: not JSON ({exc})") from None


def report_focus(path: str) -> tuple[Focus, set[str], dict[tuple[str, str], dict[str, Any]]]:
    """The report's failing (control, ARN) pairs, its regions, and the failing ones it
    shows as suppressed (with the suppression), which are fixed only when asked."""
    doc = read_json(path)
    evaluations = doc.get("evaluations") if isinstance(doc, dict) else None
    if not isinstance(evaluations, list):
        raise CliError(f"{path}: not a sagewarden JSON report (no evaluations list)")
    focus: Focus = set()
    regions: set[str] = set()
    suppressed: dict[tuple[str, str], dict[str, Any]] = {}
    for n, e in enumerate(evaluations):
        if not isinstance(e, dict) or not isinstance(e.get("source"), dict):
            raise CliError(f"{path}: evaluation {n} is not an object with a source")
        if e.get("status") != "FAILED":
            continue
        src = e["source"]
        if src.get("kind") not in ("aws", "aws-config"):
            continue
        arn = src.get("arn") or e.get("resource_id")
        if isinstance(arn, str) and isinstance(e.get("control"), str):
            sup = e.get("suppressed")
            if sup:
                suppressed[(e["control"], arn)] = sup if isinstance(sup, dict) else {}
            else:
                focus.add((e["control"], arn))
        if isinstance(src.get("region"), str):
            regions.add(src["region"])
    return focus, regions, suppressed


def security_hub_focus(
    scopes: Sequence[tuple[str, str]], sessions: dict[str, Any], diags: list[Diagnostic]
) -> Focus:
    """Failed, active SageMaker control findings, in each account and region where the
    scan found SageMaker resources (elsewhere there is nothing to fix)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from sagewarden.remediation import live
    from sagewarden.sources.aws.accounts import control_config, error_code

    filters = {
        "ComplianceSecurityControlId": [{"Value": "SageMaker.", "Comparison": "PREFIX"}],
        "ComplianceStatus": [{"Value": "FAILED", "Comparison": "EQUALS"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    focus: Focus = set()
    for account, region in scopes:
        session = sessions.get(account)
        if session is None:
            continue
        client = session.client("securityhub", region_name=region, config=control_config())
        try:
            for f in live.findings(client, filters):
                control = (f.get("Compliance") or {}).get("SecurityControlId")
                status = (f.get("Compliance") or {}).get("Status")
                workflow = (f.get("Workflow") or {}).get("Status")
                if (
                    not isinstance(control, str)
                    or not control.startswith("SageMaker.")
                    or status != "FAILED"
                    or f.get("RecordState") != "ACTIVE"
                    or workflow == "SUPPRESSED"
                ):
                    continue
                for r in f.get("Resources", []):
                    if isinstance(r.get("Id"), str):
                        focus.add((control, r["Id"]))
        except (ClientError, BotoCoreError) as exc:
            diags.append(
                Diagnostic(
                    f"account {account} region {region}",
                    f"securityhub:GetFindings failed: {error_code(exc)}",
                    Kind.SCOPE,
                )
            )
    return focus
