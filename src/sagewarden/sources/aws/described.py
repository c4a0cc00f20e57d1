"""What a Describe answer gives the rest of sagewarden: plain values and its resource's ARN
(used by the collector and by `fix`, which reads resources fresh before changing them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def plain(value: Any) -> Any:
    """Describe output with datetimes as ISO strings, so it serialises like Config data."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def find_arn(described: dict[str, Any]) -> str | None:
    for key, value in described.items():
        if (
            key.endswith("Arn")
            and isinstance(value, str)
            and ":sagemaker:" in value
            and (key not in ("RoleArn", "ExecutionRoleArn", "ImageRoleArn"))
        ):
            return value
    return None
