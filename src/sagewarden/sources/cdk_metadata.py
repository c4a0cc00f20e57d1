"""The CDK app source line that created each resource of a synthesized template.

A cloud assembly (`cdk.out`: a folder with `manifest.json`) records construct metadata
per stack artifact, in the manifest's `metadata` or in the `*.metadata.json` file its
`additionalMetadataFile` names: under each construct path, an `aws:cdk:logicalId` entry
(the logical id in the template) and, unless the app turned them off (context
`aws:cdk:disable-creation-stack-traces`; `CDK_DEBUG=true` turns them back on), an
`aws:cdk:creationStack` entry: the stack where the construct was made, library and Node
frames already folded ("...aws-cdk-lib..."). Older releases put the raw stack in the
`trace` of an entry instead; both are read. The first frame with a file that is neither
under node_modules nor Node's own is the user's line.

That frame names a file on the synth machine (`/tmp/xyz/app.js`). It is mapped into the
scanned files by the longest suffix of its path that exists under the app's folder (the
nearest folder above cdk.out with `cdk.json`, else cdk.out's parent) or under a scanned
folder, and whose line exists. When none does, the construct path stays and the
provenance keeps the synth machine's location, marked as not in the scanned files: no
path is invented.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import orjson

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.resources import Resource
from sagewarden.sources.cdk_assembly import MANIFEST
from sagewarden.sources.inputfile import open_regular, read_regular, reason
from sagewarden.sources.limits import MAX_WHOLE_BYTES, too_large

_STACK = "aws:cloudformation:stack"
_LOGICAL_ID = "aws:cdk:logicalId"
_CREATION_STACK = "aws:cdk:creationStack"
# "fn (file:line:col)", "at fn (file:line:col)", "file:line:col", "at file:line:col"
_FRAME = re.compile(
    r"^\s*(?:at\s+)?(?:.*?\()?(?P<file>[^()]+?):(?P<line>\d+)(?::(?P<col>\d+))?\)?\s*$"
)
_MAX_UP = 6  # folders above cdk.out searched for cdk.json
BAD = Kind.INPUT  # a broken file among the inputs: exit 2, the verdicts stand


class Frame:
    """One creation-stack frame in the user's code, as the synth machine saw it."""

    __slots__ = ("column", "file", "line")

    def __init__(self, file: str, line: int, column: int | None) -> None:
        self.file, self.line, self.column = file, line, column

    def text(self) -> str:
        return f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")


def user_frame(stack: Iterable[Any]) -> Frame | None:
    """The first frame of a creation stack that is the user's code."""
    for raw in stack:
        if not isinstance(raw, str) or raw.lstrip().startswith(("...", "(")):
            continue
        m = _FRAME.match(raw)
        if m is None:
            continue
        file = m.group("file").strip()
        norm = file.replace("\\", "/")
        if "/node_modules/" in norm or norm.startswith(("node:", "internal/")) or not file:
            continue
        col = m.group("col")
        return Frame(file, int(m.group("line")), int(col) if col else None)
    return None


def _load(path: str, diags: list[Diagnostic]) -> Any:
    """A metadata file's JSON, or None with one line (exit 2): the templates are still read, only
    their construct paths and source lines are missing."""
    try:
        size = os.stat(path).st_size
        if size > MAX_WHOLE_BYTES:
            diags.append(Diagnostic(path, f"CDK metadata not read: {too_large(size)}", BAD))
            return None
        return orjson.loads(read_regular(path))
    except OSError as exc:
        diags.append(Diagnostic(path, f"CDK metadata not read: {reason(exc)}", BAD))
    except orjson.JSONDecodeError as exc:
        diags.append(Diagnostic(path, f"CDK metadata not read: invalid JSON: {exc.msg}", BAD))
    return None


class _Assembly:
    """One cloud assembly folder: construct path and creation frame by logical id, per
    template file, and the folders its app's files are looked up in."""

    def __init__(self, folder: str, diags: list[Diagnostic]) -> None:
        self.folder = folder
        self.diags = diags
        self.by_template: dict[str, dict[str, tuple[str, Frame | None]]] = {}
        self.by_path: dict[str, Frame | None] = {}
        self.app_dirs = _app_dirs(folder)
        # What is wrong with the manifest itself is said by the cloud assembly reader (or
        # the file walk): here it only costs the source lines, and is not said twice.
        manifest = _load(os.path.join(folder, MANIFEST), [])
        artifacts = manifest.get("artifacts") if isinstance(manifest, Mapping) else None
        for artifact in (artifacts or {}).values() if isinstance(artifacts, Mapping) else ():
            if isinstance(artifact, Mapping) and artifact.get("type") == _STACK:
                self._read_stack(artifact)

    def _read_stack(self, artifact: Mapping[str, Any]) -> None:
        entries: dict[str, Any] = {}
        inline = artifact.get("metadata")
        if isinstance(inline, Mapping):
            entries.update(inline)
        extra = artifact.get("additionalMetadataFile")
        if isinstance(extra, str) and os.path.basename(extra) == extra:
            more = _load(os.path.join(self.folder, extra), self.diags)
            if isinstance(more, Mapping):
                entries.update(more)
        props = artifact.get("properties")
        template = props.get("templateFile") if isinstance(props, Mapping) else None
        ids: dict[str, tuple[str, Frame | None]] = {}
        for path, items in entries.items():
            if not isinstance(path, str) or not isinstance(items, list):
                continue
            construct = path.lstrip("/")
            lid: str | None = None
            frame: Frame | None = None
            for item in items:
                if not isinstance(item, Mapping):
                    continue
                kind, data = item.get("type"), item.get("data")
                if kind == _LOGICAL_ID and isinstance(data, str):
                    lid = data
                elif kind == _CREATION_STACK and isinstance(data, list) and frame is None:
                    frame = user_frame(data)
                trace = item.get("trace")
                if frame is None and isinstance(trace, list):
                    frame = user_frame(trace)
            self.by_path.setdefault(construct, frame)
            if lid is not None:
                ids[lid] = (construct, frame)
        if isinstance(template, str):
            self.by_template[template] = ids


def _app_dirs(folder: str) -> list[str]:
    """Folders the app's sources may sit in: each one above cdk.out with cdk.json, nearest
    first, then cdk.out's parent."""
    out: list[str] = []
    here = os.path.dirname(os.path.abspath(folder))
    parent = here
    for _ in range(_MAX_UP):
        if os.path.isfile(os.path.join(here, "cdk.json")):
            out.append(here)
        up = os.path.dirname(here)
        if up == here:
            break
        here = up
    if parent not in out:
        out.append(parent)
    return out


class CdkLocator:
    """Adds construct path and app source location to resources read from a cloud
    assembly; each assembly is read once, each source file counted once."""

    def __init__(self) -> None:
        self.roots: list[str] = []  # folders named for the scan
        self.diagnostics: list[Diagnostic] = []  # metadata that could not be read
        self._assemblies: dict[str, _Assembly | None] = {}
        self._line_counts: dict[str, int] = {}

    def locate(self, template: str, resources: list[Resource]) -> None:
        folder = os.path.dirname(template) or "."
        assembly = self._assembly(folder)
        if assembly is None:
            return
        ids = assembly.by_template.get(os.path.basename(template), {})
        for i, r in enumerate(resources):
            construct, frame = ids.get(r.id, (None, None))
            cdk_path = _template_path(r)
            if construct is None and cdk_path is not None:  # a nested stack's template
                construct, frame = cdk_path, assembly.by_path.get(cdk_path)
            if construct is None:
                continue
            prov = replace(r.provenance, construct_path=construct)
            if frame is not None:
                found = self._map(frame, assembly.app_dirs, template)
                if found is not None:
                    prov = replace(prov, app_file=found, app_line=frame.line)
                    prov = replace(prov, app_column=frame.column)
                else:
                    prov = replace(prov, app_origin=frame.text())
            resources[i].provenance = prov

    def take_diagnostics(self) -> list[Diagnostic]:
        out, self.diagnostics[:] = list(self.diagnostics), []
        return out

    def _assembly(self, folder: str) -> _Assembly | None:
        if folder not in self._assemblies:
            is_assembly = os.path.isfile(os.path.join(folder, MANIFEST))
            assembly = _Assembly(folder, self.diagnostics) if is_assembly else None
            self._assemblies[folder] = assembly
        return self._assemblies[folder]

    def _map(self, frame: Frame, app_dirs: list[str], template: str) -> str | None:
        """The scanned file the frame names: the longest suffix of its path found under
        the app's folders or a scanned folder, with the frame's line in it."""
        parts = [p for p in re.split(r"[\\/]+", frame.file) if p and p not in (".", "..")]
        if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
            parts = parts[1:]  # a Windows drive
        bases = [*app_dirs, *self.roots]
        relative = not os.path.isabs(template)
        for n in range(len(parts)):
            suffix = parts[n:]
            if "node_modules" in suffix or "cdk.out" in suffix[:-1]:
                continue
            for base in bases:
                candidate = os.path.join(base, *suffix)
                if self._has_line(candidate, frame.line):
                    return os.path.relpath(candidate) if relative else candidate
        return None

    def _has_line(self, path: str, line: int) -> bool:
        if path not in self._line_counts:
            self._line_counts[path] = _count_lines(path)
        return 1 <= line <= self._line_counts[path]


def _count_lines(path: str) -> int:
    """Lines in a regular file (0 when it is none or unreadable), read in chunks: a huge
    file is counted, never held."""
    try:
        with open_regular(path) as fh:
            count = 1
            while chunk := fh.read(1 << 20):
                count += chunk.count(b"\n")
            return count
    except OSError:
        return 0


def _template_path(r: Resource) -> str | None:
    """The construct path the template itself records (Metadata aws:cdk:path)."""
    from sagewarden.sources.cloudformation import CDK_PATH

    name = r.extra.get(CDK_PATH)
    return name if isinstance(name, str) else None
