"""sagewarden verdicts as AWS Config evaluations, and putting them.

PASSED, FAILED and NOT_APPLICABLE map as the spec says (Status.config). A custom rule may
not put INSUFFICIENT_DATA, and putting nothing would leave Config showing the resource's
last evaluation (possibly COMPLIANT), so ERROR and UNKNOWN are NON_COMPLIANT with the
verdict named first in the annotation: never a silent pass (docs/decisions.md). Limits
(100 evaluations a call, 256 characters an annotation) come from botocore's model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sagewarden.verdict import Status

ELLIPSIS = "…"
_NOT_DECIDED = "NON_COMPLIANT"  # ERROR and UNKNOWN: see the module docstring


@dataclass(frozen=True)
class Outcome:
    """One resource's verdict for the rule, before it is put."""

    resource_type: str
    resource_id: str
    status: Status
    reason: str
    ordering: str | None  # ISO time: the item's capture time, or the notification's

    @property
    def compliance(self) -> str:
        return self.status.config or _NOT_DECIDED

    def annotation(self, limit: int) -> str:
        text = self.reason if self.status.config else f"{self.status.value}: {self.reason}"
        return cut(text, limit) or self.status.value


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: whole when it fits, else cut at a word
    boundary near the end (or mid-word when there is none) and marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:") + ELLIPSIS


def when(text: str | None) -> datetime:
    """An ordering timestamp from ISO text (Config's), or now when there is none."""
    if text:
        try:
            dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc)


def limits(config: Any) -> tuple[int, int]:
    """(evaluations per PutEvaluations call, characters per annotation), from the
    client's service model."""
    request = config.meta.service_model.operation_model("PutEvaluations").input_shape
    evaluations = request.members["Evaluations"]
    annotation = evaluations.member.members["Annotation"]
    return int(evaluations.metadata["max"]), int(annotation.metadata["max"])


def evaluation(outcome: Outcome, annotation_limit: int) -> dict[str, Any]:
    return {
        "ComplianceResourceType": outcome.resource_type,
        "ComplianceResourceId": outcome.resource_id,
        "ComplianceType": outcome.compliance,
        "Annotation": outcome.annotation(annotation_limit),
        "OrderingTimestamp": when(outcome.ordering),
    }


def batches(items: Sequence[dict[str, Any]], size: int) -> list[Sequence[dict[str, Any]]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
