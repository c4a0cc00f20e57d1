"""The configuration item a change notification is about, as a canonical resource.

A ConfigurationItemChangeNotification carries the item inline in the notification shape
(S3 delivery's: `awsAccountId`, `ARN`, `configuration` an object, `tags` a map); the item
GetResourceConfigHistory returns for an oversized one is the API shape (`accountId`,
`arn`, `configuration` a JSON string, capture time a datetime). Both go through the same
Config source as files (sources.config.ConfigReader), which already reads both shapes;
`api_item` is the one place the API's datetimes become the text Config delivers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sagewarden.diagnostics import Diagnostic
from sagewarden.resources import Resource
from sagewarden.sources.config import DELETED, ConfigReader


@dataclass(frozen=True)
class ItemKey:
    """What Config knows the resource by: where its evaluation goes."""

    resource_type: str
    resource_id: str
    captured: str | None  # configurationItemCaptureTime, ISO text
    status: str | None

    @property
    def deleted(self) -> bool:
        return self.status in DELETED


def item_key(item: dict[str, Any]) -> ItemKey | None:
    """The item's type and id, or None when it lacks them (nothing to put an evaluation on)."""
    rtype, rid = item.get("resourceType"), item.get("resourceId")
    if not isinstance(rtype, str) or not rtype or not isinstance(rid, str) or not rid:
        return None
    captured = item.get("configurationItemCaptureTime")
    status = item.get("configurationItemStatus")
    return ItemKey(
        rtype,
        rid,
        captured if isinstance(captured, str) else None,
        status if isinstance(status, str) else None,
    )


def api_item(item: dict[str, Any]) -> dict[str, Any]:
    """A GetResourceConfigHistory item with its datetimes as ISO text (as Config delivers
    them), so capture times order and show the same as the notification's."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in item.items()}


def item_resource(item: dict[str, Any], shown: str) -> tuple[Resource | None, list[Diagnostic]]:
    """The resource the item describes (None: not a SageMaker type sagewarden judges, or
    deleted), with the lines the Config source said about it; a resource it could not read
    carries `read_error`, which the engine turns into ERROR."""
    reader = ConfigReader()
    reader.read_value(item, shown, None)
    found = reader.resources()
    return (found[0] if found else None), reader.diagnostics
