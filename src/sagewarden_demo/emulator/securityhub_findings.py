"""Security Hub's split between finding providers and customers, which moto 5 lacks.

In AWS, `BatchImportFindings` (the provider's call) creates a finding and updates it
later, but once the finding exists it can no longer change the fields customers use for
their investigation: Note, UserDefinedFields, VerificationState and Workflow. Those change
only through `BatchUpdateFindings` (at most 100 findings a call, each named by Id and
ProductArn). moto overwrites every field on re-import and has no BatchUpdateFindings, so
a tool that muted a finding by re-importing it with Workflow SUPPRESSED would pass here
and fail in AWS. This module keeps the customer's fields on re-import and answers
BatchUpdateFindings on moto's own findings (so GetFindings shows the result), both
checked against botocore's model.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

from sagewarden_demo.emulator.calls import Incoming
from sagewarden_demo.emulator.replies import Reply, error_reply, json_reply
from sagewarden_demo.emulator.validation import check_output, input_errors, operation_model
from sagewarden_demo.emulator.wsgi import Environ, WSGIApp, call_app

CUSTOMER_FIELDS = ("Note", "UserDefinedFields", "VerificationState", "Workflow")


def handle(incoming: Incoming, environ: Environ, moto_app: WSGIApp) -> Reply | None:
    """The reply to a Security Hub call this module changes, else None (moto answers)."""
    call = incoming.call
    if call.service != "securityhub" or call.operation not in (
        "BatchImportFindings",
        "BatchUpdateFindings",
    ):
        return None
    operation = operation_model("securityhub", call.operation)
    if operation is None:
        return None
    report = input_errors(operation, call.params)
    if report:
        return error_reply("rest", "InvalidInputException", report)
    findings = _findings(call.account, call.region)
    if call.operation == "BatchImportFindings":
        kept = {
            f.id: {k: copy.deepcopy(f.data[k]) for k in CUSTOMER_FIELDS if k in f.data}
            for f in findings
        }
        status, headers, body = call_app(moto_app, environ)
        for f in _findings(call.account, call.region):
            if f.id in kept:  # existed before this import: the customer's fields stand
                for k in CUSTOMER_FIELDS:
                    f.data.pop(k, None)
                f.data.update(kept[f.id])
        return Reply(status, body, headers)
    payload = _update(findings, call.params)
    check_output(operation, payload)
    return json_reply(payload)


def _findings(account: str, region: str) -> list[Any]:
    from moto.securityhub.models import securityhub_backends

    found: list[Any] = securityhub_backends[account][region].findings
    return found


def _update(findings: list[Any], params: dict[str, Any]) -> dict[str, Any]:
    by_key = {(f.id, f.data.get("ProductArn")): f for f in findings}
    processed: list[dict[str, str]] = []
    unprocessed: list[dict[str, Any]] = []
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    for ident in params["FindingIdentifiers"]:
        f = by_key.get((ident["Id"], ident["ProductArn"]))
        if f is None:
            unprocessed.append(
                {
                    "FindingIdentifier": ident,
                    "ErrorCode": "FindingNotFound",
                    "ErrorMessage": "Finding Not Found",
                }
            )
            continue
        if "Workflow" in params:
            f.data["Workflow"] = {**f.data.get("Workflow", {}), **params["Workflow"]}
        if "Note" in params:
            f.data["Note"] = {**params["Note"], "UpdatedAt": now}
        for k in ("UserDefinedFields", "VerificationState"):
            if k in params:
                f.data[k] = copy.deepcopy(params[k])
        processed.append(ident)
    return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}
