"""Two botocore costs every scan pays, cut without changing what botocore returns.

- Its data files (SageMaker's model is 2.6 MB of JSON, endpoints.json 1.3 MB) are read
  with `json.loads(..., object_pairs_hook=OrderedDict)`; orjson reads the same documents
  into plain dicts (ordered too) three times faster. That time sits between the first
  call and the first List of a scan.
- Every timestamp in an answer (two or three per Describe) becomes a datetime in the
  machine's zone through dateutil's `tzlocal`, whose DST arithmetic costs more than the
  rest of the parse; an epoch number becomes a UTC datetime directly here. It is the same
  instant, and the resources hold it as an ISO string either way.

Both go through botocore's own extension points (the loader's `file_loader`, the
response parser factory's defaults); anything unusual falls back to botocore's code.
"""

from __future__ import annotations

import os
import threading
from datetime import datetime, timezone
from typing import Any

import orjson
from botocore.loaders import JSONFileLoader
from botocore.utils import parse_timestamp

_tuned_lock = threading.Lock()


class OrjsonFileLoader(JSONFileLoader):
    """botocore's JSON file loader, parsing with orjson (json for what orjson refuses,
    such as an integer wider than 64 bits)."""

    def _load_file(self, full_path: str, open_method: Any) -> Any:
        if not os.path.isfile(full_path):
            return None
        with open_method(full_path, "rb") as fp:
            payload = fp.read()
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError:
            return super()._load_file(full_path, open_method)  # type: ignore[misc]


def utc_timestamp(value: Any) -> datetime:
    """An epoch number as a UTC datetime; anything else as botocore parses it."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):
            pass
    return parse_timestamp(value)


def tune(core: Any) -> Any:
    """Apply both to a botocore session (before its first client); returns it."""
    with _tuned_lock:
        loader = core.get_component("data_loader")
        if not isinstance(loader.file_loader, OrjsonFileLoader):
            loader.file_loader = OrjsonFileLoader()
        core.get_component("response_parser_factory").set_parser_defaults(
            timestamp_parser=utc_timestamp
        )
    return core
