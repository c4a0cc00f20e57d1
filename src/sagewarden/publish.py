"""Pushing findings into AWS Security Hub, per account and region, never dropping one.

`BatchImportFindings` takes at most 100 findings a call; every finding it refuses
(`FailedFindings`) and every call that fails outright is reported with its error code.
A finding's Id is deterministic, so importing again updates it: a resource that now
passes gets its finding updated to PASSED (Security Hub resolves it). Findings of the
previous push of the same scope whose resource has gone are imported once more with
RecordState ARCHIVED; never those of a control whose resources could not be listed in their
account and region this time (absent proves nothing there). Once a finding exists, Security
Hub ignores the Workflow and Note an import carries (they are the customer's), so a finding
that is suppressed now, or no longer, gets its Workflow set by `BatchUpdateFindings`: a
muted finding never stays NEW in Security Hub. An answer that does not add up
(no counts, counts that are not the batch's, an HTML page with status 200) counts the whole
batch as not imported: a damaged answer never reads as a success.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.finding_keys import finding_key
from sagewarden.history import Observed
from sagewarden.outputs import asff
from sagewarden.sources.aws.accounts import CLIENT_CONFIG, caller_identity, control_config
from sagewarden.sources.aws.answers import call, error_text
from sagewarden.sources.aws.deadline import bound_timeouts
from sagewarden.verdicts import Evaluation, Status

BATCH = asff.BATCH_LIMIT
IMPORT_READS = ("SuccessCount", "FailedCount")


@dataclass
class PushReport:
    imported: int = 0
    archived: int = 0
    failed: int = 0
    calls: int = 0
    workflow_set: int = 0  # findings whose Workflow BatchUpdateFindings set (muted or not)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    pushed: dict[str, dict[str, Any]] = field(default_factory=dict)  # Id -> finding


def push(
    evaluations: Sequence[Evaluation],
    sessions: Mapping[str, Any],
    previous: Mapping[str, dict[str, Any]],
    observed: Mapping[str, Observed] | None = None,
    now: datetime | None = None,
) -> PushReport:
    """Import the findings of `evaluations`; archive those of `previous` (Id -> finding)
    that this scan no longer produced. `sessions` maps account id -> boto3 Session;
    `observed` (history key -> first/last seen) gives FirstObservedAt and CreatedAt."""
    now = now or datetime.now(timezone.utc)
    stamp = asff.timestamp(now)
    report = PushReport()
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    unplaced = 0
    for e in evaluations:
        r = e.resource
        if r.is_iac or not r.account_id or not r.region:  # a CDK stack's env is no deploy
            unplaced += 1
            continue
        seen = (observed or {}).get(finding_key(e))
        times = (seen.first_seen, seen.last_seen, seen.first_seen) if seen else None
        finding = asff.findings([e], now=now, observed=asff.fixed_times(times))[0]
        groups[(r.account_id, r.region)].append(finding)
        report.pushed[finding["Id"]] = finding
    if unplaced:
        report.diagnostics.append(
            Diagnostic(
                "--push-security-hub",
                f"{unplaced} findings not pushed: templates and plans are not deployed resources",
                Kind.WARNING,
            )
        )
    blind = _unlisted(evaluations)
    for old_id, old in previous.items():
        if old_id in report.pushed or _in(blind, old):
            continue
        gone = {**old, "RecordState": "ARCHIVED", "UpdatedAt": stamp}
        groups[(str(old["AwsAccountId"]), str(old["Region"]))].append(gone)
    for (account, region), findings in sorted(groups.items()):
        session = sessions.get(account)
        if session is None:
            report.failed += len(findings)
            report.diagnostics.append(
                Diagnostic(
                    f"account {account} region {region}",
                    f"{len(findings)} findings not pushed: no credentials for this account",
                    Kind.SCOPE,
                )
            )
            continue
        try:
            client = bound_timeouts(
                session.client("securityhub", region_name=region, config=control_config())
            )
        except (ValueError, BotoCoreError) as exc:  # botocore refuses the endpoint URL
            report.failed += len(findings)
            report.diagnostics.append(
                Diagnostic(
                    f"account {account} region {region}",
                    f"{len(findings)} findings not pushed: {CLIENT_CONFIG}: {error_text(exc)}",
                    Kind.SCOPE,
                )
            )
            continue
        refused: set[str] = set()
        for start in range(0, len(findings), BATCH):
            refused |= _import(client, account, region, findings[start : start + BATCH], report)
        changed = [f for f in findings if f["Id"] not in refused and _workflow_changed(f, previous)]
        _set_workflow(client, account, region, changed, report)
    return report


def _workflow_changed(finding: Mapping[str, Any], previous: Mapping[str, Any]) -> bool:
    """Whether the import leaves Security Hub's Workflow wrong: a suppressed finding (which
    may exist already, as NEW), or one whose suppression this tool set and no longer holds."""
    if finding.get("RecordState") == "ARCHIVED":
        return False
    now = finding.get("Workflow", {}).get("Status")
    was = (previous.get(finding["Id"]) or {}).get("Workflow", {}).get("Status")
    return bool(now == "SUPPRESSED" or (was == "SUPPRESSED" and now != was))


def _set_workflow(
    client: Any, account: str, region: str, findings: list[dict[str, Any]], report: PushReport
) -> None:
    """BatchUpdateFindings, at most 100 findings a call, grouped by Workflow and Note."""
    where = f"account {account} region {region}"
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for f in findings:
        status = f["Workflow"]["Status"]
        note = (f.get("Note") or {}).get("Text") or "sagewarden: no suppression applies any more"
        groups[(status, note)].append({"Id": f["Id"], "ProductArn": f["ProductArn"]})
    for (status, note), idents in sorted(groups.items()):
        for start in range(0, len(idents), BATCH):
            batch = idents[start : start + BATCH]
            try:
                answer = call(
                    client,
                    "BatchUpdateFindings",
                    ("ProcessedFindings", "UnprocessedFindings"),
                    FindingIdentifiers=batch,
                    Workflow={"Status": status},
                    Note={"Text": note, "UpdatedBy": "sagewarden"},
                )
            except (ClientError, BotoCoreError) as exc:
                report.diagnostics.append(
                    Diagnostic(
                        where,
                        f"securityhub:BatchUpdateFindings failed for {len(batch)} findings: "
                        f"{error_text(exc)}; their Workflow is not set to {status}",
                        Kind.SCOPE,
                    )
                )
                continue
            for u in answer["UnprocessedFindings"]:
                ident = u.get("FindingIdentifier") or {}
                report.diagnostics.append(
                    Diagnostic(
                        where,
                        f"finding {ident.get('Id')} Workflow not set to {status}: "
                        f"{u.get('ErrorCode')} {u.get('ErrorMessage', '')}".rstrip(),
                        Kind.SCOPE,
                    )
                )
            report.workflow_set += len(answer["ProcessedFindings"])


def own_session(profile: str | None) -> tuple[dict[str, Any], str | None]:
    """{account: session} of the caller's own credentials (findings from AWS Config data
    go to the account that runs the scan), or why there is none, in one line."""
    import boto3

    try:
        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
        account, _ = caller_identity(session, session.region_name)
    except (ClientError, BotoCoreError, ValueError) as exc:  # ValueError: a bad endpoint URL
        return {}, error_text(exc)
    return {account: session}, None


def _unlisted(evaluations: Sequence[Evaluation]) -> set[tuple[str, str | None, str | None]]:
    """(control, account, region) where a type could not be listed: the collector's
    placeholder stands for every resource of it (account None when even that is unknown)."""
    return {
        (e.control.id, e.resource.account_id, e.resource.region)
        for e in evaluations
        if e.status is Status.ERROR and e.resource.id.endswith("/*")
    }


def _in(blind: set[tuple[str, str | None, str | None]], finding: Mapping[str, Any]) -> bool:
    control = finding.get("Compliance", {}).get("SecurityControlId")
    account, region = finding.get("AwsAccountId"), finding.get("Region")
    return any(c == control and a in (None, account) and r in (None, region) for c, a, r in blind)


def _import(
    client: Any, account: str, region: str, batch: list[dict[str, Any]], report: PushReport
) -> set[str]:
    """Import one batch; the Ids Security Hub refused (every Id when the call failed)."""
    where = f"account {account} region {region}"
    report.calls += 1
    try:
        answer = call(client, "BatchImportFindings", IMPORT_READS, Findings=batch)
    except (ClientError, BotoCoreError) as exc:
        report.failed += len(batch)
        report.diagnostics.append(
            Diagnostic(
                where,
                f"securityhub:BatchImportFindings failed for {len(batch)} findings: "
                f"{error_text(exc)}",
                Kind.SCOPE,
            )
        )
        return {f["Id"] for f in batch}
    failed = answer.get("FailedFindings") or []
    done, not_done = answer["SuccessCount"], answer["FailedCount"]
    if not_done != len(failed) or done + not_done != len(batch):
        report.failed += len(batch)
        report.diagnostics.append(
            Diagnostic(
                where,
                f"securityhub:BatchImportFindings answer does not add up for {len(batch)} "
                f"findings (SuccessCount {done}, FailedCount {not_done}, {len(failed)} "
                "FailedFindings): none counted as imported",
                Kind.SCOPE,
            )
        )
        return {f["Id"] for f in batch}
    refused = {f.get("Id"): f for f in failed}
    for f in refused.values():
        report.diagnostics.append(
            Diagnostic(
                where,
                f"finding {f.get('Id')} not imported: {f.get('ErrorCode')} "
                f"{f.get('ErrorMessage', '')}".rstrip(),
                Kind.SCOPE,
            )
        )
    report.failed += len(refused)
    for finding in batch:
        if finding["Id"] in refused:
            continue
        if finding.get("RecordState") == "ARCHIVED":
            report.archived += 1
        else:
            report.imported += 1
    return {str(i) for i in refused}


def dumps(findings: Mapping[str, dict[str, Any]]) -> bytes:
    return orjson.dumps(findings)


def loads(data: bytes | str | None) -> dict[str, dict[str, Any]]:
    if not data:
        return {}
    value = orjson.loads(data)
    return value if isinstance(value, dict) else {}
