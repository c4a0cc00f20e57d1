"""AWS Config data as a source, whatever shape the user exported it in.

Recognised by content, not by name:
- snapshots delivered to S3 (`configurationItems`, configuration as an object, tags a map),
  plain or gzip-compressed;
- `get-resource-config-history` output (`configurationItems`, configuration a JSON string);
- `select-resource-config` / `select-aggregate-resource-config` output (`Results`, each a
  JSON string; tags a list of {key, value});
- `batch-get-resource-config` output (`baseConfigurationItems`; no tags recorded).

When the same resource appears more than once (history, several snapshots), the latest
capture wins; a resource whose latest item says it was deleted is not evaluated. This
module reads documents and items; config_file gets them out of files (gzip, large
snapshots streamed), and files recognises which files hold Config data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.kinds import ALL_TYPES, name_property
from sagewarden.resources import NOT_RECORDED as RECORDED_NOTHING
from sagewarden.resources import (
    TAGS_INVALID,
    Provenance,
    Resource,
    normalise_properties,
)
from sagewarden.sources import jsonscan
from sagewarden.sources.limits import MAX_DEPTH, depth_message, too_deep
from sagewarden.tags import read_tags
from sagewarden.valuetext import InvalidValue, a_kind

DELETED = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded"})
NOT_RECORDED = "ResourceNotRecorded"


@dataclass
class _Entry:
    order: tuple[float, int]
    resource: Resource | None  # None: deleted at this capture


class ConfigReader:
    """Reads Config documents and items into canonical resources, collecting diagnostics
    (config_file reads them out of files)."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.items_seen = 0
        self._latest: dict[tuple[Any, ...], _Entry] = {}
        self._seq = 0
        self._unidentified = 0

    # -- public -----------------------------------------------------------------------

    def resources(self) -> list[Resource]:
        return [e.resource for e in self._latest.values() if e.resource is not None]

    def read_document(self, doc: Any, shown: str) -> None:
        numbered = True  # "result 3"; items of configurationItems are not numbered, as the
        # streaming scanner of large files cannot count the items it skips unread
        if isinstance(doc, dict):
            if isinstance(doc.get("configurationItems"), list):
                items: Iterable[Any] = doc["configurationItems"]
                numbered = False
            elif isinstance(doc.get("Results"), list):
                items = doc["Results"]
            elif isinstance(doc.get("baseConfigurationItems"), list):
                items = doc["baseConfigurationItems"]
            elif isinstance(doc.get("configurationItem"), dict):
                items = [doc["configurationItem"]]  # a Config rule's invoking event
            elif "resourceType" in doc:
                items = [doc]
            else:
                self.diag(
                    shown,
                    "not AWS Config data: expected configurationItems, Results or "
                    "baseConfigurationItems",
                )
                return
        elif isinstance(doc, list):
            items = doc
        else:
            self.diag(shown, f"not AWS Config data: the document is {a_kind(doc)}")
            return
        for n, item in enumerate(items, 1):
            self.read_value(item, shown, n if numbered else None)

    def read_value(self, value: Any, shown: str, n: int | None) -> None:
        """One element of the items list: an item, or (select-resource-config) its JSON."""
        if isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                what = f"result {n}" if n else "an item"
                self.diag(shown, f"{what} is not valid JSON: {jsonscan.orjson_message(exc)}")
                return
        if not isinstance(value, dict):
            what = f"item {n}" if n else "an item"
            self.diag(shown, f"{what} is {a_kind(value)}, not a configuration item")
            return
        self._item(value, shown, n)

    # -- items --------------------------------------------------------------------------

    def _item(self, item: dict[str, Any], shown: str, n: int | None = None) -> None:
        self.items_seen += 1
        rtype = item.get("resourceType")
        if not isinstance(rtype, str):
            self.diag(shown, f"an item has resourceType {_show(rtype)}, not a string")
            return
        if rtype not in ALL_TYPES:
            return  # another service's resource: not ours to judge
        account = _str(item.get("awsAccountId", item.get("accountId")))
        region = _str(item.get("awsRegion"))
        arn = _str(item.get("ARN", item.get("arn")))
        rid = _str(item.get("resourceId")) or arn
        status = item.get("configurationItemStatus")
        captured = item.get("configurationItemCaptureTime")
        ident = rid or _str(item.get("resourceName"))
        if ident is None:
            # Nothing says which resource this is: never merged with another row that says
            # nothing either (three notebooks would be judged as one).
            self._unidentified += 1
            key: tuple[Any, ...] = ("unidentified", self._unidentified)
        else:
            key = (account, region, rtype, ident)
        self._seq += 1
        order = (_timestamp(captured), self._seq)
        prior = self._latest.get(key)
        if prior is not None and prior.order > order:
            return  # an older capture of something we already have
        if isinstance(status, str) and status in DELETED:
            self._latest[key] = _Entry(order, None)
            return
        if ident is None:
            label = f"(unidentified {rtype} {self._unidentified})"
            resource = _bare(item, rtype, account, region, None, label, shown)
            self._unreadable(
                resource,
                f"{shown}: result {n}" if n else shown,
                f"a {rtype} item has no resourceId, ARN or resourceName, so it cannot be told "
                "apart from other resources: not evaluated (select resourceId, arn, accountId "
                "and awsRegion in the query)",
            )
        else:
            resource = self._to_resource(item, rtype, account, region, arn, rid, status, shown)
            if status is not None and not isinstance(status, str):
                self._unreadable(
                    resource,
                    f"{shown}: {resource.id}",
                    f"configurationItemStatus is {_show(status)}, not a string",
                )
        self._latest[key] = _Entry(order, resource)

    def _to_resource(
        self,
        item: dict[str, Any],
        rtype: str,
        account: str | None,
        region: str | None,
        arn: str | None,
        rid: str | None,
        status: Any,
        shown: str,
    ) -> Resource:
        name = _str(item.get("resourceName")) or rid or arn or "?"
        resource = _bare(item, rtype, account, region, arn, name, shown)
        resource.id = arn or rid or name
        where = f"{shown}: {resource.id}"
        deep = too_deep(item)
        if deep is not None:
            return self._unreadable(resource, where, depth_message(deep))
        config = item.get("configuration")
        if isinstance(config, str):
            try:
                config = orjson.loads(config)
            except orjson.JSONDecodeError as exc:
                return self._unreadable(
                    resource,
                    where,
                    f"configuration is not valid JSON: {jsonscan.orjson_message(exc)}",
                )
            deep = too_deep(config, MAX_DEPTH - 1)
            if deep is not None:
                return self._unreadable(resource, where, depth_message(f"configuration.{deep}"))
        if config is None:
            if status == NOT_RECORDED:
                resource.extra[RECORDED_NOTHING] = True  # not the file's fault: exit 3
                return self._unreadable(
                    resource,
                    where,
                    "AWS Config did not record its configuration "
                    "(configurationItemStatus ResourceNotRecorded)",
                    Kind.SCOPE,
                )
            if "configuration" not in item:
                return self._unreadable(
                    resource, where, "the item has no configuration (select it in the query)"
                )
            return self._unreadable(resource, where, "configuration is null")
        if not isinstance(config, dict):
            return self._unreadable(
                resource, where, f"configuration is {a_kind(config)}, not an object"
            )
        resource.properties = normalise_properties(rtype, config)
        if not resource.name or resource.name == rid:
            own = resource.properties.get(name_property(rtype))
            if isinstance(own, str) and own:
                resource.name = own
        resource.tags = self._tags(resource, item, where)
        return resource

    def _tags(self, resource: Resource, item: dict[str, Any], where: str) -> dict[str, str] | None:
        """The tags the item records (None when it records none), or None with
        `extra[TAGS_INVALID]` and one line saying what is wrong with them."""
        if "tags" in item:
            raw, path = item["tags"] if item["tags"] is not None else {}, "tags"
        elif "Tags" in resource.properties:  # some recorders keep them in the configuration
            raw, path = resource.properties["Tags"], "configuration Tags"
            raw = raw if raw is not None else []
        else:
            return None  # batch-get-resource-config and queries without tags do not record them
        try:
            return read_tags(raw, path)
        except InvalidValue as exc:
            resource.extra[TAGS_INVALID] = str(exc)
            self.diag(where, f"{exc}")
            return None

    def _unreadable(
        self, resource: Resource, where: str, why: str, kind: Kind = Kind.INPUT
    ) -> Resource:
        resource.read_error = why
        self.diag(where, why, kind)
        return resource

    def diag(self, where: str, message: str, kind: Kind = Kind.INPUT) -> None:
        self.diagnostics.append(Diagnostic(where, message, kind))


def _bare(
    item: dict[str, Any],
    rtype: str,
    account: str | None,
    region: str | None,
    arn: str | None,
    name: str,
    shown: str,
) -> Resource:
    """The resource an item is about, before its configuration is read."""
    captured = _str(item.get("configurationItemCaptureTime"))
    return Resource(
        type=rtype,
        id=name,
        name=name,
        properties={},
        tags=None,
        provenance=Provenance("aws-config", file=shown, captured_at=captured),
        account_id=account,
        region=region,
        arn=arn,
    )


def _str(v: Any) -> str | None:
    """An identifying field as text: None when absent, or a list or map (no identity)."""
    if v is None or isinstance(v, (dict, list)):
        return None
    return v if isinstance(v, str) else str(v)


def _timestamp(v: Any) -> float:
    """Capture times come as ISO strings (CLI, snapshots) or epoch numbers (some SDKs)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v) / 1000 if v > 1e11 else float(v)
    if isinstance(v, str) and v:
        text = v.strip().replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(text)
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
            return dt.timestamp()
        except (ValueError, OverflowError):
            return 0.0
    return 0.0


def _show(v: Any) -> str:
    try:
        text = orjson.dumps(v, default=str).decode()
    except TypeError:  # nested past orjson's limit
        text = a_kind(v)
    return text if len(text) <= 40 else text[:37] + "..."
