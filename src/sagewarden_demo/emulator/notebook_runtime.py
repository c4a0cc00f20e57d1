"""What runs inside an emulated notebook instance: its ML storage volume and LCC scripts.

Each moto notebook gets a volume, a dict of relative path -> bytes standing for
/home/ec2-user/SageMaker, kept on the moto object itself: it survives Stop/Start and
vanishes with the notebook on DeleteNotebookInstance (as AWS destroys the volume) or on
reset. Lifecycle configuration scripts are not executed; a script sagewarden wrote
carries a marker (`sagewarden.remediation.volume.parse_marker`) saying what it would do,
and this module does exactly that against moto's in-process S3 (so boto3 S3 clients of
the notebook's account see it): OnCreate restore scripts copy the prefix into the new
volume, OnStart backup scripts copy the volume to the prefix, and both then upload their
manifest (JSON body plus files/bytes metadata). Scripts without a marker do nothing. A
missing bucket makes the real script fail in the background: nothing is written.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

from sagewarden.remediation.volume import (
    CONTROL_DIR,
    backup_manifest_key,
    parse_marker,
    restore_manifest_key,
)
from sagewarden_demo.emulator.moto_state import extras

log = logging.getLogger(__name__)

_VOLUME = "Volume"


def volume(notebook: Any) -> dict[str, bytes]:
    """The live volume of a moto notebook object (created empty on first use)."""
    found: dict[str, bytes] = extras(notebook).setdefault(_VOLUME, {})
    return found


def _script(backend: Any, config_name: str | None, hook: str) -> dict[str, str] | None:
    """The marker of the notebook's LCC `hook` ("on_create"/"on_start") script, if any."""
    if not config_name:
        return None
    config = backend.notebook_instance_lifecycle_configurations.get(config_name)
    if config is None:
        return None
    for entry in getattr(config, hook, None) or []:
        content = entry.get("Content") if isinstance(entry, dict) else None
        if not isinstance(content, str):
            continue
        try:
            text = base64.b64decode(content, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            continue
        marker = parse_marker(text)
        if marker is not None:
            return marker
    return None


def _s3(account: str, region: str) -> Any:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    return s3_backends[account][get_partition(region)]


def _bucket(s3: Any, name: str) -> Any:
    from moto.s3.exceptions import S3ClientError

    try:
        return s3.get_bucket(name)
    except S3ClientError:  # NoSuchBucket, or another account's bucket refused
        return None


def _objects(bucket: Any, prefix: str) -> dict[str, Any]:
    """Current (non-deleted) keys under prefix -> moto FakeKey."""
    found: dict[str, Any] = {}
    for name in list(bucket.keys.keys()):
        if not name.startswith(prefix):
            continue
        key = bucket.keys.get(name)
        if key is not None and hasattr(key, "value"):  # skip delete markers
            found[name] = key
    return found


def _counts(files: dict[str, bytes]) -> tuple[int, int]:
    kept = [data for path, data in files.items() if not path.startswith(CONTROL_DIR)]
    return len(kept), sum(len(data) for data in kept)


def _put_manifest(s3: Any, bucket: str, key: str, files: int, size: int) -> None:
    body = json.dumps({"files": files, "bytes": size}).encode()
    stored = s3.put_object(bucket, key, body)
    stored.set_metadata(
        {
            "Content-Type": "application/json",
            "x-amz-meta-files": str(files),
            "x-amz-meta-bytes": str(size),
        }
    )


def on_create(account: str, region: str, backend: Any, notebook: Any) -> None:
    """Run a new notebook's OnCreate script (a restore), then its OnStart script."""
    marker = _script(backend, notebook.lifecycle_config_name, "on_create")
    if marker is not None and marker["action"] == "restore":
        _restore(account, region, notebook, marker)
    on_start(account, region, backend, notebook)


def on_start(account: str, region: str, backend: Any, notebook: Any) -> None:
    """Run the OnStart script of a notebook that just started (a backup)."""
    marker = _script(backend, notebook.lifecycle_config_name, "on_start")
    if marker is not None and marker["action"] == "backup":
        _backup(account, region, notebook, marker)


def _restore(account: str, region: str, notebook: Any, marker: dict[str, str]) -> None:
    s3 = _s3(account, region)
    bucket = _bucket(s3, marker["bucket"])
    if bucket is None:
        log.info("restore into %s: no bucket %s", notebook.notebook_instance_name, marker["bucket"])
        return
    prefix = marker["prefix"]
    files = volume(notebook)
    for name, key in _objects(bucket, prefix).items():
        relative = name[len(prefix) :]
        if not relative or relative.endswith("/") or relative.startswith(CONTROL_DIR):
            continue  # `aws s3 sync` makes no file of a folder marker; control dir excluded
        files[relative] = bytes(key.value)
    count, size = _counts(files)
    manifest = restore_manifest_key(prefix, marker["notebook"])
    _put_manifest(s3, bucket.name, manifest, count, size)


def _backup(account: str, region: str, notebook: Any, marker: dict[str, str]) -> None:
    s3 = _s3(account, region)
    bucket = _bucket(s3, marker["bucket"])
    if bucket is None:
        log.info("backup of %s: no bucket %s", notebook.notebook_instance_name, marker["bucket"])
        return
    prefix = marker["prefix"]
    files = {p: d for p, d in volume(notebook).items() if not p.startswith(CONTROL_DIR)}
    # `aws s3 sync --delete`: the prefix mirrors the volume, the control dir untouched
    for name in _objects(bucket, prefix):
        relative = name[len(prefix) :]
        if relative not in files and not relative.startswith(CONTROL_DIR):
            s3.delete_object(bucket.name, name)
    for relative, data in files.items():
        s3.put_object(bucket.name, prefix + relative, bytes(data))
    count, size = _counts(files)
    _put_manifest(s3, bucket.name, backup_manifest_key(prefix), count, size)
