"""The scope of a scan: what was scanned and how it was judged, so `diff` compares like
with like and a push archives only what the same scope no longer finds."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from sagewarden.catalog import BY_ID, CONTROLS, Control
from sagewarden.params import ParamSet
from sagewarden.pipeline.options import ScanOptions

if TYPE_CHECKING:
    from sagewarden.sources.aws.collector import CollectResult
    from sagewarden.sources.aws_config.reader import ConfigApiResult

SCOPE_VERSION = 2  # version 1 (before 0.2): profile and region options, no account


def scope_document(
    opts: ScanOptions,
    controls: Sequence[Control],
    params: ParamSet,
    live: CollectResult | None,
    config_api: ConfigApiResult | None = None,
) -> str:
    """The scope as canonical JSON.

    Live: the accounts actually scanned (not the profile that reached them), their regions
    ("all" for --all-regions, which follows opt-ins), and an endpoint that replaces AWS's;
    files: their absolute paths. Then the controls that ran (one skipped for an invalid
    parameter did not) and every parameter value in effect, defaults included.
    """
    aws: dict[str, Any] | None = None
    if live is not None:
        every = opts.live is not None and opts.live.all_regions
        aws = {
            "accounts": {a: ["all"] if every else r for a, r in live.accounts.items()},
            "endpoint": opts.scope_endpoint or live.endpoint,
        }
    ran = [c for c in controls if c.id not in params.invalid_controls]
    doc = {
        "v": SCOPE_VERSION,
        "aws": aws,
        "paths": sorted(os.path.abspath(p) for p in opts.paths),
        "controls": [c.id for c in ran],
        "params": {c.id: params.for_control(c) for c in ran if c.parameters},
    }
    if config_api is not None and opts.config_api is not None:  # only then: other scopes
        doc["config"] = {  # keep their recorded text
            "aggregator": opts.config_api.aggregator,
            "account": config_api.account,
            "regions": sorted(config_api.regions),
        }
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS).decode()


def scope_text(scope: str) -> str:
    """A recorded scope in a few words: its accounts and regions, or its files."""
    try:
        doc = orjson.loads(scope)
    except orjson.JSONDecodeError:
        return "?"
    parts: list[str] = []
    aws = doc.get("aws")
    if isinstance(aws, dict) and isinstance(aws.get("accounts"), dict):
        for account, regions in sorted(aws["accounts"].items()):
            parts.append(f"{account} {','.join(regions)}")
        if not aws["accounts"]:
            parts.append("aws (no account could be reached)")
        if aws.get("endpoint"):
            parts.append(f"at {aws['endpoint']}")
    elif aws:
        parts.append("aws")  # a scope recorded before accounts were part of it
    config = doc.get("config")
    if isinstance(config, dict):
        name = config.get("aggregator")
        what = f"config aggregator {name}" if name else "config recorder"
        parts.append(f"{what} {config.get('account')} {','.join(config.get('regions') or [])}")
    parts += doc.get("paths", [])
    controls = doc.get("controls") or []
    if controls and len(controls) < len(CONTROLS):
        parts.append(f"controls {','.join(controls)}")
    for cid, values in sorted((doc.get("params") or {}).items()):
        for name, value in sorted(values.items()):
            param = BY_ID[cid].parameter(name) if cid in BY_ID else None
            default = param.default if param else None
            if value != (list(default) if isinstance(default, tuple) else default):
                shown = ",".join(value) if isinstance(value, list) else str(value).lower()
                parts.append(f"{cid}.{name}={shown}")
    return " ".join(parts)
