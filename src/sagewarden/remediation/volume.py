"""Backing up and restoring a notebook's ML storage volume through S3, and checking it.

Deleting a notebook instance destroys its ML storage volume (/home/ec2-user/SageMaker).
Before a fix deletes and recreates a notebook, the volume is copied to S3 by an OnStart
lifecycle configuration (LCC) script running inside the old notebook, and copied back by
an OnCreate script on the new one. Each script, once its copy is done, counts the files
and bytes of the volume and uploads a manifest under the prefix's control directory
(`_sagewarden/`, never part of the volume data); `check_backup` and `check_restore`
compare those manifests with S3 and with each other.

LCC scripts must finish within 5 minutes, so the copy runs in the background (nohup) and
the manifest is the only sign it finished. Every value put into a script is shell-quoted,
and the scripts carry a marker comment (`parse_marker`) so the local emulator can play
what they would do. Nothing here calls AWS except the checks, with the clients given.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from .programs import source

VOLUME = "/home/ec2-user/SageMaker"
CONTROL_DIR = "_sagewarden/"  # under the prefix; never counted as volume data

MARKER = "# sagewarden-volume: "
LIFECYCLE_NAME_MAX = 63
_LIFECYCLE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
_NOTEBOOK_NAME = _LIFECYCLE_NAME  # NotebookInstanceName has the same pattern and limit
# Lenient on purpose (legacy names, short test names): refuses only what cannot be a
# bucket in a URI (empty, spaces, slashes, quotes...); S3 itself says NoSuchBucket.
_BUCKET = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,253}[A-Za-z0-9])?$")
_KINDS = ("backup", "restore")
_MISSING = ("NoSuchKey", "404", "NotFound", "NoSuchBucket")


def locate(uri: str, notebook: str) -> tuple[str, str]:
    """s3://bucket/some/prefix + notebook -> ("bucket", "some/prefix/<notebook>/").

    ValueError on a bad URI (not s3://, no or invalid bucket) or notebook name."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    if not _BUCKET.match(bucket):
        raise ValueError(f"invalid S3 bucket name in {uri!r}")
    if not notebook or len(notebook) > LIFECYCLE_NAME_MAX or not _NOTEBOOK_NAME.match(notebook):
        raise ValueError(f"invalid notebook instance name: {notebook!r}")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/{notebook}/" if prefix else f"{notebook}/"


def control_prefix(prefix: str) -> str:
    """Where sagewarden's manifests live under a backup prefix (never volume data)."""
    return f"{prefix}{CONTROL_DIR}"


def backup_manifest_key(prefix: str) -> str:
    return f"{prefix}{CONTROL_DIR}backup-manifest.json"


def restore_manifest_key(prefix: str, new_notebook: str) -> str:
    return f"{prefix}{CONTROL_DIR}restore-{new_notebook}.json"


def lifecycle_name(kind: str, notebook: str) -> str:
    """ "sw-<kind>-<notebook>", cut to 63 characters with a hash of the notebook name
    when too long, so distinct notebooks get distinct names."""
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, not {kind!r}")
    name = f"sw-{kind}-{notebook}"
    if len(name) > LIFECYCLE_NAME_MAX or not _LIFECYCLE_NAME.match(name):
        digest = hashlib.sha256(notebook.encode()).hexdigest()[:8]
        kept = re.sub(r"[^a-zA-Z0-9-]", "", notebook)
        room = LIFECYCLE_NAME_MAX - len(f"sw-{kind}-") - len(digest) - 1
        stem = f"sw-{kind}-{kept[:room]}".rstrip("-")
        name = f"{stem}-{digest}"
    return name


# The background worker (programs/volume_worker.sh): no single quote in it (it is quoted
# whole) and no interpolation; it reads BUCKET, PREFIX, VOLUME, MANIFEST and ACTION from
# the environment.
_WORKER = source("volume_worker.sh")


def _script(marker: dict[str, str], hook: str, bucket: str, prefix: str, manifest: str) -> str:
    action = marker["action"]
    log = f"/var/log/sagewarden-{action}.log"  # outside the volume: never counted
    return "\n".join(
        [
            "#!/bin/bash",
            MARKER + json.dumps(marker, sort_keys=True),
            f"# {hook} script written by sagewarden: {action} {VOLUME} in the background",
            "# (lifecycle scripts must finish within 5 minutes), then upload a manifest.",
            "set -eu",
            f"export ACTION={shlex.quote(action)}",
            f"export BUCKET={shlex.quote(bucket)}",
            f"export PREFIX={shlex.quote(prefix)}",
            f"export VOLUME={shlex.quote(VOLUME)}",
            f"export MANIFEST={shlex.quote(manifest)}",
            "# A manifest from an earlier run must not be taken for this one's: remove it first.",
            'aws s3 rm "s3://$BUCKET/$MANIFEST" >/dev/null 2>&1 || true',
            f"nohup bash -c {shlex.quote(_WORKER)} >> {shlex.quote(log)} 2>&1 &",
            "exit 0",
            "",
        ]
    )


def backup_script(bucket: str, prefix: str) -> str:
    """The OnStart script (plain text; base64-encode it for the API) that copies the
    volume to s3://bucket/prefix (mirroring it, except `_sagewarden/`) and then uploads
    the backup manifest {"files": N, "bytes": B} with metadata files=N, bytes=B."""
    marker = {"action": "backup", "bucket": bucket, "prefix": prefix}
    return _script(marker, "OnStart", bucket, prefix, backup_manifest_key(prefix))


def restore_script(bucket: str, prefix: str, new_notebook: str) -> str:
    """The OnCreate script that copies s3://bucket/prefix (except `_sagewarden/`) into the
    new notebook's volume, gives it to ec2-user, then uploads the restore manifest."""
    marker = {"action": "restore", "bucket": bucket, "prefix": prefix, "notebook": new_notebook}
    manifest = restore_manifest_key(prefix, new_notebook)
    return _script(marker, "OnCreate", bucket, prefix, manifest)


def parse_marker(script: str) -> dict[str, str] | None:
    """The marker of a sagewarden volume script (second line), None for any other."""
    lines = script.splitlines()
    if len(lines) < 2 or not lines[1].startswith(MARKER):
        return None
    try:
        found = json.loads(lines[1][len(MARKER) :])
    except ValueError:
        return None
    if not isinstance(found, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in found.items()
    ):
        return None
    needed = {"action", "bucket", "prefix"} | (
        {"notebook"} if found.get("action") == "restore" else set()
    )
    if found.get("action") not in _KINDS or not needed <= found.keys():
        return None
    return dict(found)


@dataclass(frozen=True)
class VolumeCheck:
    state: str  # "pending" (manifest not there yet), "ok", "mismatch"
    files: int | None
    bytes: int | None
    detail: str  # one line, human readable


def _error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def _read_manifest(s3: Any, bucket: str, key: str) -> tuple[int, int] | str | None:
    """(files, bytes); None when the manifest is missing; a reason when it is unreadable."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:
        if _error_code(exc) in _MISSING:
            return None
        raise
    try:
        data = json.loads(body)
        files, size = data["files"], data["bytes"]
    except (ValueError, TypeError, KeyError):
        return f"s3://{bucket}/{key} is not a manifest"
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (files, size)):
        return f"s3://{bucket}/{key} is not a manifest"
    return files, size


def _listing(s3: Any, bucket: str, prefix: str) -> tuple[int, int]:
    control = prefix + CONTROL_DIR
    files = size = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if not str(item["Key"]).startswith(control):
                files += 1
                size += int(item["Size"])
    return files, size


def check_backup(s3: Any, bucket: str, prefix: str) -> VolumeCheck:
    """pending until the backup manifest exists; then ok when the objects under the
    prefix (except `_sagewarden/`) match its file count and byte total, else mismatch."""
    key = backup_manifest_key(prefix)
    manifest = _read_manifest(s3, bucket, key)
    if manifest is None:
        return VolumeCheck("pending", None, None, f"no backup manifest at s3://{bucket}/{key} yet")
    if isinstance(manifest, str):
        return VolumeCheck("mismatch", None, None, manifest)
    files, size = manifest
    seen_files, seen_bytes = _listing(s3, bucket, prefix)
    where = f"s3://{bucket}/{prefix}"
    if (seen_files, seen_bytes) == (files, size):
        return VolumeCheck("ok", files, size, f"backup at {where}: {files} files, {size} bytes")
    return VolumeCheck(
        "mismatch",
        files,
        size,
        f"backup at {where} holds {seen_files} files, {seen_bytes} bytes; "
        f"the notebook's volume had {files} files, {size} bytes",
    )


def check_restore(s3: Any, bucket: str, prefix: str, new_notebook: str) -> VolumeCheck:
    """pending until the restore manifest exists; then ok when it matches the backup
    manifest (files and bytes), else mismatch."""
    key = restore_manifest_key(prefix, new_notebook)
    restored = _read_manifest(s3, bucket, key)
    if restored is None:
        return VolumeCheck("pending", None, None, f"no restore manifest at s3://{bucket}/{key} yet")
    if isinstance(restored, str):
        return VolumeCheck("mismatch", None, None, restored)
    files, size = restored
    backup_key = backup_manifest_key(prefix)
    backed_up = _read_manifest(s3, bucket, backup_key)
    if backed_up is None:
        return VolumeCheck(
            "mismatch", files, size, f"no backup manifest at s3://{bucket}/{backup_key}"
        )
    if isinstance(backed_up, str):
        return VolumeCheck("mismatch", files, size, backed_up)
    if backed_up == restored:
        return VolumeCheck(
            "ok", files, size, f"{new_notebook} restored {files} files, {size} bytes"
        )
    return VolumeCheck(
        "mismatch",
        files,
        size,
        f"{new_notebook} restored {files} files, {size} bytes; "
        f"the backup had {backed_up[0]} files, {backed_up[1]} bytes",
    )
