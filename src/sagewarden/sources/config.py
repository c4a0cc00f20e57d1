"""AWS Config data as a source, whatever shape the user exported it in.

Recognised by content, not by name:
- snapshots delivered to S3 (`configurationItems`, configuration as an object, tags a map),
  plain or gzip-compressed;
- `get-resource-config-history` output (`configurationItems`, configuration a JSON string);
- `select-resource-config` / `select-aggregate-resource-config` output (`Results`, each a
  JSON string; tags a list of {key, value});
- `batch-get-resource-config` output (`baseConfigurationItems`; no tags recorded).

When the same resource appears more than once (history, several snapshots), the latest
capture wins; a resource whose latest item says it was deleted is not evaluated.
"""

from __future__ import annotations

import gzip
import mmap
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.resources import (
    ALL_TYPES,
    NAME_PROPERTY,
    Provenance,
    Resource,
    normalise_properties,
    tags_from_any,
)
from sagewarden.sources import jsonscan

DELETED = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded"})
NOT_RECORDED = "ResourceNotRecorded"
# Files above this size are scanned for SageMaker items instead of parsed whole.
FULL_PARSE_LIMIT = 32 << 20
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class _Entry:
    order: tuple[float, int]
    resource: Resource | None  # None: deleted at this capture


class ConfigReader:
    """Reads Config files into canonical resources, collecting diagnostics."""

    def __init__(self, full_parse_limit: int = FULL_PARSE_LIMIT) -> None:
        self.full_parse_limit = full_parse_limit
        self.diagnostics: list[Diagnostic] = []
        self.items_seen = 0
        self._latest: dict[tuple[Any, ...], _Entry] = {}
        self._seq = 0

    # -- public -----------------------------------------------------------------------

    def read_file(self, path: str) -> None:
        try:
            with open(path, "rb") as fh:
                head = fh.read(2)
            if head == _GZIP_MAGIC:
                self._read_gzip(path)
            else:
                self._read_plain(path, path)
        except OSError as exc:
            self._diag(path, f"cannot read: {exc.strerror or exc}")

    def resources(self) -> list[Resource]:
        return [e.resource for e in self._latest.values() if e.resource is not None]

    # -- files --------------------------------------------------------------------------

    def _read_gzip(self, path: str) -> None:
        with tempfile.TemporaryFile() as tmp:
            try:
                with gzip.open(path, "rb") as gz:
                    shutil.copyfileobj(gz, tmp, 1 << 20)
            except (OSError, EOFError) as exc:
                self._diag(path, f"damaged gzip file: {exc}")
                return
            tmp.flush()
            self._read_handle(tmp, path)

    def _read_plain(self, path: str, shown: str) -> None:
        with open(path, "rb") as fh:
            self._read_handle(fh, shown)

    def _read_handle(self, fh: Any, shown: str) -> None:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            self._diag(shown, "empty file")
            return
        if size <= self.full_parse_limit:
            fh.seek(0)
            data = fh.read()
            self._read_small(data, shown)
            return
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            start = jsonscan.find_array(buf, b"configurationItems")
            if start is None:
                self._read_small(buf[:], shown)
                return
            self._scan(buf, start, shown)

    def _read_small(self, data: bytes, shown: str) -> None:
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            line, col = jsonscan.line_col(data, exc.pos)
            self._diag(shown, f"invalid JSON at line {line}, column {col}: {_msg(exc)}")
            # Keep what can be kept: the items before the damage.
            start = jsonscan.find_array(data, b"configurationItems")
            if start is not None:
                self._scan(data, start, shown, report=False)
            return
        self.read_document(doc, shown)

    def _scan(self, buf: jsonscan.Buffer, start: int, shown: str, report: bool = True) -> None:
        def on_error(pos: int, message: str) -> None:
            if report:
                line, col = jsonscan.line_col(buf, pos)
                self._diag(shown, f"invalid JSON at line {line}, column {col}: {message}")

        for item in jsonscan.iter_items(buf, start, on_error):
            self._item(item, shown)

    def read_document(self, doc: Any, shown: str) -> None:
        if isinstance(doc, dict):
            if isinstance(doc.get("configurationItems"), list):
                items: Iterable[Any] = doc["configurationItems"]
            elif isinstance(doc.get("Results"), list):
                items = doc["Results"]
            elif isinstance(doc.get("baseConfigurationItems"), list):
                items = doc["baseConfigurationItems"]
            elif isinstance(doc.get("configurationItem"), dict):
                items = [doc["configurationItem"]]  # a Config rule's invoking event
            elif "resourceType" in doc:
                items = [doc]
            else:
                self._diag(
                    shown,
                    "not AWS Config data: expected configurationItems, Results or "
                    "baseConfigurationItems",
                )
                return
        elif isinstance(doc, list):
            items = doc
        else:
            self._diag(shown, f"not AWS Config data: the document is a {_kind(doc)}")
            return
        for n, item in enumerate(items, 1):
            if isinstance(item, str):  # select-resource-config: each result is JSON text
                try:
                    item = orjson.loads(item)
                except orjson.JSONDecodeError as exc:
                    self._diag(shown, f"result {n} is not valid JSON: {_msg(exc)}")
                    continue
            if not isinstance(item, dict):
                self._diag(shown, f"item {n} is a {_kind(item)}, not a configuration item")
                continue
            self._item(item, shown)

    # -- items --------------------------------------------------------------------------

    def _item(self, item: dict[str, Any], shown: str) -> None:
        self.items_seen += 1
        rtype = item.get("resourceType")
        if not isinstance(rtype, str):
            self._diag(shown, f"an item has resourceType {_show(rtype)}, not a string")
            return
        if rtype not in ALL_TYPES:
            return  # another service's resource: not ours to judge
        account = _str(item.get("awsAccountId", item.get("accountId")))
        region = _str(item.get("awsRegion"))
        arn = _str(item.get("ARN", item.get("arn")))
        rid = _str(item.get("resourceId")) or arn
        status = item.get("configurationItemStatus")
        captured = item.get("configurationItemCaptureTime")
        key = (account, region, rtype, rid or arn or _str(item.get("resourceName")))
        self._seq += 1
        order = (_timestamp(captured), self._seq)
        prior = self._latest.get(key)
        if prior is not None and prior.order > order:
            return  # an older capture of something we already have
        if isinstance(status, str) and status in DELETED:
            self._latest[key] = _Entry(order, None)
            return
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
        provenance = Provenance(
            "aws-config", file=shown, captured_at=_str(item.get("configurationItemCaptureTime"))
        )
        resource = Resource(
            type=rtype,
            id=arn or rid or name,
            name=name,
            properties={},
            tags=None,
            provenance=provenance,
            account_id=account,
            region=region,
            arn=arn,
        )
        where = f"{shown}: {resource.id}"
        config = item.get("configuration")
        if isinstance(config, str):
            try:
                config = orjson.loads(config)
            except orjson.JSONDecodeError as exc:
                return self._unreadable(
                    resource, where, f"configuration is not valid JSON: {_msg(exc)}"
                )
        if config is None:
            if status == NOT_RECORDED:
                return self._unreadable(
                    resource,
                    where,
                    "AWS Config did not record its configuration "
                    "(configurationItemStatus ResourceNotRecorded)",
                )
            if "configuration" not in item:
                return self._unreadable(
                    resource, where, "the item has no configuration (select it in the query)"
                )
            return self._unreadable(resource, where, "configuration is null")
        if not isinstance(config, dict):
            return self._unreadable(
                resource, where, f"configuration is a {_kind(config)}, not an object"
            )
        resource.properties = normalise_properties(rtype, config)
        if not resource.name or resource.name == rid:
            own = resource.properties.get(NAME_PROPERTY[rtype])
            if isinstance(own, str) and own:
                resource.name = own
        resource.tags = self._tags(item, resource.properties, where)
        return resource

    def _tags(
        self, item: dict[str, Any], props: dict[str, Any], where: str
    ) -> dict[str, str] | None:
        if "tags" in item:
            tags = tags_from_any(item["tags"] if item["tags"] is not None else {})
            if tags is None:
                self._diag(where, "tags is neither a map nor a list of {key, value}")
            return tags
        if "Tags" in props:  # some recorders keep them in the configuration
            tags = tags_from_any(props["Tags"] if props["Tags"] is not None else [])
            if tags is None:
                self._diag(where, "configuration Tags is neither a map nor a list of {Key, Value}")
            return tags
        return None  # batch-get-resource-config and queries without tags do not record them

    def _unreadable(self, resource: Resource, where: str, why: str) -> Resource:
        resource.read_error = why
        self._diag(where, why)
        return resource

    def _diag(self, where: str, message: str, kind: Kind = Kind.INPUT) -> None:
        self.diagnostics.append(Diagnostic(where, message, kind))


def read_config(
    paths: Iterable[str], full_parse_limit: int = FULL_PARSE_LIMIT
) -> tuple[list[Resource], list[Diagnostic], int]:
    """Resources, diagnostics, and how many Config items were seen (all types)."""
    from sagewarden.sources.files import read_files  # files dispatches to this module

    read = read_files(paths, full_parse_limit=full_parse_limit)
    return read.resources, read.diagnostics, read.config_items


def _str(v: Any) -> str | None:
    if v is None:
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
        except ValueError:
            return 0.0
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        return dt.timestamp()
    return 0.0


def _show(v: Any) -> str:
    text = orjson.dumps(v, default=str).decode()
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(v: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}.get(
        type(v), "number"
    )


def _msg(exc: orjson.JSONDecodeError) -> str:
    text = exc.msg or "invalid JSON"
    return text[0].lower() + text[1:]
