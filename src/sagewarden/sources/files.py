"""Files and directories: each file is recognised by its content, then read by its source.

AWS Config data (snapshots, history, query results; .json or .json.gz), CloudFormation
templates (YAML or JSON, SAM, CDK's cdk.out), and Terraform plans (`terraform show -json`)
can be mixed on one command line or in one directory. A file named explicitly that is none
of these is an input error; in a directory it is skipped (said with --verbose). A
directory in which nothing was recognised is an input error too: a scan of it would be an
empty, green report. Terraform configuration (`.tf`) is not evaluated (only a plan says
what will be deployed), so such a file or directory gets the commands that make a plan.

Only regular files are opened (a FIFO would block the scan for ever): anything else named
on the command line is an input error, and in a directory it is skipped with a warning.
Whatever goes wrong inside one file (bounds in `limits`, memory, a shape no reader
anticipated) is one line about that file; the other files are still read.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.resources import Resource
from sagewarden.sources import cloudformation as cfn
from sagewarden.sources import jsonscan, terraform
from sagewarden.sources.cdk_metadata import CdkLocator
from sagewarden.sources.config import ConfigReader
from sagewarden.sources.config_file import FULL_PARSE_LIMIT, ConfigFileReader
from sagewarden.sources.inputfile import (
    NotRegularFile,
    bom_length,
    open_regular,
    reason,
    strip_bom,
)
from sagewarden.sources.limits import MAX_WHOLE_BYTES, too_large

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".template")
DATA_SUFFIXES = (".json", ".json.gz", *TEMPLATE_SUFFIXES)
SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__", ".tox"})
_HEAD = 1 << 20  # read to recognise a file (and find a snapshot's configurationItems)
TERRAFORM_SOURCE_SUFFIXES = (".tf", ".tf.json")
NOT_RECOGNISED = (
    "not AWS Config data, a CloudFormation template (no Resources with a Type) or a Terraform plan"
)
UNEXPECTED = "could not be read: sagewarden met a shape it does not handle, please report it"
NOTHING_IN_DIR = (
    "nothing to evaluate: no AWS Config data, CloudFormation template or Terraform plan "
    "in this directory"
)


def terraform_hint(directory: str) -> str:
    """The exact commands that turn Terraform configuration into a plan sagewarden reads."""
    chdir = f"-chdir={shlex.quote(directory)} " if directory not in ("", ".") else ""
    return (
        "Terraform configuration (.tf) is not evaluated, its plan is: run "
        f"`terraform {chdir}plan -out=tfplan` and "
        f"`terraform {chdir}show -json tfplan > tfplan.json`, then scan tfplan.json"
    )


@dataclass
class ReadResult:
    resources: list[Resource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    config_items: int = 0
    config_files: int = 0
    templates: int = 0
    plans: int = 0

    @property
    def recognised(self) -> int:
        """Files read as Config data, templates or plans (with or without SageMaker)."""
        return self.config_files + self.templates + self.plans


class FileReader:
    def __init__(
        self,
        cfn_params: Mapping[str, str] | None = None,
        full_parse_limit: int = FULL_PARSE_LIMIT,
        skip_other: bool = False,
    ) -> None:
        self.cfn_params = dict(cfn_params or {})
        self.skip_other = skip_other  # pre-commit passes every changed YAML/JSON file
        self.config = ConfigReader()
        self.config_files = ConfigFileReader(self.config, full_parse_limit)
        self.full_parse_limit = full_parse_limit
        self.result = ReadResult()
        self.cdk = CdkLocator()  # construct paths and app source lines for cdk.out

    def read(self, paths: Iterable[str]) -> ReadResult:
        for path in paths:
            if not os.path.exists(path):
                self._diag(path, "no such file or directory")
            elif os.path.isdir(path):
                self.cdk.roots.append(path)
                self._read_dir(path)
            elif path.endswith(TERRAFORM_SOURCE_SUFFIXES):
                kind = Kind.INFO if self.skip_other else Kind.INPUT
                self._diag(path, terraform_hint(os.path.dirname(path)), kind)
            else:
                self._read_file(path, explicit=not self.skip_other, named=True)
        self.result.resources += self.config.resources()
        self.result.diagnostics += self.config.diagnostics
        self.result.config_items = self.config.items_seen
        return self.result

    def _read_dir(self, root: str) -> None:
        before = self.result.recognised
        said = len(self.result.diagnostics)
        terraform_dirs: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                if name.endswith(TERRAFORM_SOURCE_SUFFIXES):
                    if dirpath not in terraform_dirs:
                        terraform_dirs.append(dirpath)
                elif name.endswith(DATA_SUFFIXES):
                    self._read_file(os.path.join(dirpath, name), explicit=False, named=False)
        if self.result.recognised > before:
            return
        if any(d.kind is Kind.INPUT for d in self.result.diagnostics[said:]):
            return  # a file in it is broken: its own line already says why nothing was read
        if terraform_dirs:  # the root module is the shallowest directory with .tf files
            module = min(terraform_dirs, key=lambda d: (d.count(os.sep), d))
            self._diag(root, f"nothing to evaluate: {terraform_hint(module)}")
        else:
            self._diag(root, NOTHING_IN_DIR)

    def _read_file(self, path: str, explicit: bool, named: bool) -> None:
        """One file, whatever it holds: anything that goes wrong is one line about it."""
        try:
            fh = open_regular(path)
        except NotRegularFile as exc:
            if named:
                self._diag(path, f"cannot read: {exc}")
            else:  # a FIFO or a socket in a folder is no input, but say it was passed by
                self._diag(path, f"skipped: {exc.kind}, not a regular file", Kind.WARNING)
            return
        except OSError as exc:
            self._diag(path, f"cannot read: {reason(exc)}")
            return
        with fh:
            try:
                self._read_open(path, fh, explicit)
            except MemoryError:
                self._diag(path, "not enough memory to read it: not evaluated")
            except RecursionError:
                self._diag(path, "nested too deeply to read: not evaluated")
            except OSError as exc:
                self._diag(path, f"cannot read: {reason(exc)}")
            except Exception as exc:  # a shape no reader anticipated: one line, never a traceback
                detail = " ".join(str(exc).split())[:200]
                self._diag(path, f"{UNEXPECTED} ({type(exc).__name__}: {detail}): not evaluated")

    def _read_open(self, path: str, fh: BinaryIO, explicit: bool) -> None:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(_HEAD)
        if head[:2] == b"\x1f\x8b":
            self._config_file(path, fh)  # gzip: only AWS Config delivers that
            return
        body = head[bom_length(head) :]
        if not body.strip():
            self._diag(path, "empty file")
            return
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            self._diag(path, "UTF-16 text: save it as UTF-8 (JSON and YAML files are UTF-8)")
            return
        if b"\x00" in body[:8192]:
            self._diag(path, "binary file: not AWS Config data, a template or a plan")
            return
        first = body.lstrip()[:1]
        if first in (b"{", b"[") and not path.endswith(TEMPLATE_SUFFIXES):
            self._read_json(path, fh, head, size, explicit)
        else:
            self._read_yaml(path, fh, size, explicit)

    def _read_json(self, path: str, fh: BinaryIO, head: bytes, size: int, explicit: bool) -> None:
        snapshot = jsonscan.find_array(head, b"configurationItems") is not None
        if snapshot and size > self.full_parse_limit:
            self._config_file(path, fh)  # the large-snapshot scanner
            return
        if size > MAX_WHOLE_BYTES:
            self._diag(path, too_large(size))
            return
        fh.seek(0)
        data = strip_bom(fh.read())
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            if b'"configurationItems"' in head:
                self._config_file(path, fh)  # reports the damage, keeps what precedes it
                return
            self._diag(path, jsonscan.parse_error(data, exc))
            return
        self._dispatch(path, doc, data, explicit)

    def _read_yaml(self, path: str, fh: BinaryIO, size: int, explicit: bool) -> None:
        if size > MAX_WHOLE_BYTES:
            self._diag(path, too_large(size))
            return
        fh.seek(0)
        try:
            text = strip_bom(fh.read()).decode("utf-8")
        except UnicodeDecodeError as exc:
            self._diag(path, f"not UTF-8 text (byte {exc.start}): not a template")
            return
        try:
            loaded = cfn.load_yaml(text)
        except cfn.TemplateLoadError as exc:
            where = f"{path}:{exc.line}" if exc.line else path
            self._diag(where, str(exc))
            return
        if loaded is None or not cfn.looks_like_template(loaded.doc):
            if explicit:
                self._diag(path, NOT_RECOGNISED)
            else:
                self._diag(path, "skipped: not a CloudFormation template", Kind.INFO)
            return
        self._template(path, loaded)

    def _dispatch(self, path: str, doc: Any, data: bytes, explicit: bool) -> None:
        if terraform.is_plan(doc):
            resources, diags = terraform.read_plan(doc, path)
            self.result.plans += 1
            self.result.resources += resources
            self.result.diagnostics += diags
        elif cfn.looks_like_template(doc) or (
            isinstance(doc, dict) and "AWSTemplateFormatVersion" in doc
        ):
            assert isinstance(doc, dict)
            self._template(path, cfn.load_json(doc, data.decode("utf-8", "replace")))
        elif _looks_like_config(doc):
            self.result.config_files += 1
            self.config.read_document(doc, path)
        elif explicit:
            self._diag(path, NOT_RECOGNISED)
        else:
            self._diag(path, "skipped: not AWS Config data, a template or a plan", Kind.INFO)

    def _config_file(self, path: str, fh: BinaryIO) -> None:
        self.result.config_files += 1
        self.config_files.read_open(fh, path)

    def _template(self, path: str, loaded: cfn.LoadedTemplate) -> None:
        resources, diags = cfn.read_template(loaded, path, self.cfn_params)
        self.cdk.locate(path, resources)
        self.result.diagnostics += self.cdk.take_diagnostics()
        self.result.templates += 1
        self.result.resources += resources
        self.result.diagnostics += diags

    def _diag(self, where: str, message: str, kind: Kind = Kind.INPUT) -> None:
        self.result.diagnostics.append(Diagnostic(where, message, kind))


def _looks_like_config(doc: Any) -> bool:
    if isinstance(doc, list):
        return all(isinstance(i, dict) for i in doc[:1])
    return isinstance(doc, dict) and bool(
        {
            "configurationItems",
            "Results",
            "baseConfigurationItems",
            "configurationItem",
            "resourceType",
        }
        & set(doc)
    )


def read_files(
    paths: Iterable[str],
    cfn_params: Mapping[str, str] | None = None,
    full_parse_limit: int = FULL_PARSE_LIMIT,
    skip_other: bool = False,
) -> ReadResult:
    return FileReader(cfn_params, full_parse_limit, skip_other).read(paths)


def read_config(
    paths: Iterable[str], full_parse_limit: int = FULL_PARSE_LIMIT
) -> tuple[list[Resource], list[Diagnostic], int]:
    """Resources, diagnostics, and how many Config items were seen (all types)."""
    read = read_files(paths, full_parse_limit=full_parse_limit)
    return read.resources, read.diagnostics, read.config_items
