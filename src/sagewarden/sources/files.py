"""Files and directories: each file is recognised by its content, then read by its source.

AWS Config data (snapshots, history, query results; .json or .json.gz), CloudFormation
templates (YAML or JSON, SAM, CDK's cdk.out), and Terraform plans (`terraform show -json`)
can be mixed on one command line or in one directory. A file named explicitly that is none
of these is an input error; in a directory it is skipped (said with --verbose). A
directory in which nothing was recognised is an input error too: a scan of it would be an
empty, green report. Terraform configuration (`.tf`, `.tf.json`) is read as its root
modules (tfconfig: what it states is evaluated, the rest is UNKNOWN with the commands that
make a plan); a directory holding a plan read in the same scan is left to the plan (said
with --verbose), so nothing is counted twice.

Only regular files are opened (a FIFO would block the scan for ever): anything else named
on the command line is an input error, and in a directory it is skipped with a warning.
Whatever goes wrong inside one file (bounds in `limits`, memory, a shape no reader
anticipated) is one line about that file; the other files are still read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import orjson

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.resources import Resource
from sagewarden.sources import cdk_assembly, jsonscan, terraform
from sagewarden.sources import cloudformation as cfn
from sagewarden.sources.cdk_metadata import CdkLocator
from sagewarden.sources.cfn_graph import AssetFinder, Env, Graph, TextHas
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
    from sagewarden.sources.tfconfig import plan_commands  # the HCL parser: only for .tf

    return f"its plan gives exact answers: run {plan_commands(directory)}"


@dataclass
class ReadResult:
    resources: list[Resource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    config_items: int = 0
    config_files: int = 0
    templates: int = 0
    plans: int = 0
    tf_files: int = 0  # Terraform configuration files read (tfconfig)

    @property
    def recognised(self) -> int:
        """Files read as Config data, templates, plans or Terraform configuration (with
        or without SageMaker)."""
        return self.config_files + self.templates + self.plans + self.tf_files


class FileReader:
    def __init__(
        self,
        cfn_params: Mapping[str, str] | None = None,
        full_parse_limit: int = FULL_PARSE_LIMIT,
        skip_other: bool = False,
        tf_var_files: list[str] | None = None,
        tf_vars: Mapping[str, str] | None = None,
    ) -> None:
        self.cfn_params = dict(cfn_params or {})
        self.tf_var_files = list(tf_var_files or [])
        self.tf_vars = dict(tf_vars or {})
        self._tf_roots: list[str] = []  # root modules to read, after every plan
        self._plan_dirs: set[str] = set()
        self.skip_other = skip_other  # pre-commit passes every changed YAML/JSON file
        self.config = ConfigReader()
        self.config_files = ConfigFileReader(self.config, full_parse_limit)
        self.full_parse_limit = full_parse_limit
        self.result = ReadResult()
        self.graph = Graph(self.cfn_params, self._load_template)  # nested stacks, exports
        self._loading: list[tuple[cfn.LoadedTemplate, TextHas]] | None = None
        self._assemblies: set[str] = set()  # cloud assemblies read (real paths)
        self.cdk = CdkLocator()  # construct paths and app source lines for cdk.out

    def read(self, paths: Iterable[str]) -> ReadResult:
        for path in paths:
            if not os.path.exists(path):
                self._diag(path, "no such file or directory")
            elif os.path.isdir(path):
                self.cdk.roots.append(path)
                self._read_dir(path)
            elif path.endswith(TERRAFORM_SOURCE_SUFFIXES):
                self._tf_root(os.path.dirname(path) or ".")
            else:
                self._read_file(path, explicit=not self.skip_other, named=True)
        for directory in self._tf_roots:
            self._read_configuration(directory)
        self._read_waiting_templates()
        self.result.resources += self.config.resources()
        self.result.diagnostics += self.config.diagnostics
        self.result.config_items = self.config.items_seen
        return self.result

    def _read_dir(self, root: str) -> None:
        before = self.result.recognised
        said = len(self.result.diagnostics)
        terraform_dirs: list[str] = []
        assembly = False  # a cloud assembly (perhaps one read already, as a nested one)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            judged = cdk_assembly.looks_like_assembly(filenames)
            if judged and self._read_assembly(dirpath):
                dirnames[:] = []  # the assembly's own: read through its manifest
                assembly = True
                continue
            for name in sorted(filenames):
                if judged and name == cdk_assembly.MANIFEST:
                    continue  # not an assembly after all: the line about it is said once
                if name.endswith(TERRAFORM_SOURCE_SUFFIXES):
                    if dirpath not in terraform_dirs:
                        terraform_dirs.append(dirpath)
                elif name.endswith(DATA_SUFFIXES):
                    self._read_file(os.path.join(dirpath, name), explicit=False, named=False)
        called: set[str] = set()
        if terraform_dirs:
            from sagewarden.sources.tfconfig import local_module_dirs  # the HCL parser: for .tf

            for d in terraform_dirs:
                called |= local_module_dirs(d, _module_text(d)) - {os.path.normpath(d)}
        roots = [d for d in terraform_dirs if os.path.normpath(d) not in called]
        roots = roots or terraform_dirs[:1]  # modules that call each other: read one
        for d in roots:
            self._tf_root(d)
        if self.result.recognised > before or roots or assembly:
            return
        if any(d.kind is Kind.INPUT for d in self.result.diagnostics[said:]):
            return  # a file in it is broken: its own line already says why nothing was read
        self._diag(root, NOTHING_IN_DIR)

    def _tf_root(self, directory: str) -> None:
        if directory not in self._tf_roots:
            self._tf_roots.append(directory)

    def _read_configuration(self, directory: str) -> None:
        """One root module, unless a plan read in this scan lies in the same directory:
        the plan is the exact answer, and reading both would count every resource twice."""
        if os.path.normpath(directory) in self._plan_dirs:
            self._diag(
                directory,
                "Terraform configuration not read: the plan in this directory is read instead",
                Kind.INFO,
            )
            return
        from sagewarden.sources.tfconfig import ConfigurationReader

        reader = ConfigurationReader(directory, self.tf_var_files, self.tf_vars)
        try:
            resources, diags, files = reader.read()
        except MemoryError:
            self._diag(directory, "not enough memory to read it: not evaluated")
            return
        except RecursionError:
            self._diag(directory, "nested too deeply to read: not evaluated")
            return
        except Exception as exc:  # a shape no reader anticipated: one line, never a traceback
            detail = " ".join(str(exc).split())[:200]
            self._diag(directory, f"{UNEXPECTED} ({type(exc).__name__}: {detail}): not evaluated")
            return
        self.result.tf_files += files
        self.result.resources += resources
        self.result.diagnostics += diags
        if files == 0 and not diags:
            self._diag(directory, f"nothing to evaluate: {terraform_hint(directory)}")

    def _read_assembly(self, directory: str) -> bool:
        """A CDK cloud assembly as a whole (False: not one, said; its files are read alone)."""
        if os.path.realpath(directory) in self._assemblies:
            self._diag(directory, "read already, as part of a cloud assembly", Kind.INFO)
            return True
        asm, diags = cdk_assembly.read_assembly(directory, self._assemblies)
        self.result.diagnostics += diags
        if asm is None:
            return False
        names = ", ".join(s.label for s in asm.stacks) or "none"
        self._diag(directory, f"read as a CDK cloud assembly (stacks: {names})", Kind.INFO)
        for stack in asm.stacks:
            got = self._load_template(stack.template)
            if got is not None:
                self._add_template(
                    stack.template, *got, env=stack.env, label=stack.label,
                    assets=stack.assembly.nested_template,
                )  # fmt: skip
        return True

    def _load_template(self, path: str) -> tuple[cfn.LoadedTemplate, TextHas] | None:
        """A template a manifest or a parent stack names, loaded but not read: what is
        wrong with the file is one line about it, as for any file."""
        outer, self._loading = self._loading, []
        try:
            self._read_file(path, explicit=True, named=True)
            return self._loading[0] if self._loading else None
        finally:
            self._loading = outer

    def _read_waiting_templates(self) -> None:
        """Templates with nested stacks or imports, read once every file has been seen."""
        resources: list[Resource] = []
        diags: list[Diagnostic] = []
        for stack in self.graph.pending():

            def read(stack: Any = stack) -> None:
                more, more_diags = self.graph.read(stack)
                resources.extend(more)
                diags.extend(more_diags)

            self._guarded(stack.path, read)
        dropped = self.graph.dropped()
        if dropped:  # read alone before a parent named it as its nested stack: that read goes
            self.result.resources = [
                r
                for r in self.result.resources
                if r.provenance.kind != "cloudformation" or r.provenance.file not in dropped
            ]
            self.result.diagnostics = [
                d
                for d in self.result.diagnostics
                if not any(d.where == p or d.where.startswith(p + ":") for p in dropped)
            ]
        self._add_read(resources, diags)

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
            self._guarded(path, lambda: self._read_open(path, fh, explicit))

    def _guarded(self, path: str, read: Callable[[], None]) -> None:
        """Run `read`: whatever goes wrong in it is one line about `path`."""
        try:
            read()
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
        self._template(path, loaded, lambda s: s in text)

    def _dispatch(self, path: str, doc: Any, data: bytes, explicit: bool) -> None:
        template = cfn.looks_like_template(doc) or (
            isinstance(doc, dict) and "AWSTemplateFormatVersion" in doc
        )
        if self._loading is not None and not template:  # a manifest or a parent names it
            self._diag(path, "not a CloudFormation template")
        elif terraform.is_plan(doc):
            self._plan_dirs.add(os.path.normpath(os.path.dirname(path) or "."))
            resources, diags = terraform.read_plan(doc, path)
            self.result.plans += 1
            self.result.resources += resources
            self.result.diagnostics += diags
        elif template:
            assert isinstance(doc, dict)
            text = data.decode("utf-8", "replace")
            self._template(path, cfn.load_json(doc, text), lambda s: s.encode() in data)
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

    def _template(self, path: str, loaded: cfn.LoadedTemplate, text_has: TextHas) -> None:
        if self._loading is not None:
            self._loading.append((loaded, text_has))
            return
        self._add_template(path, loaded, text_has)

    def _add_template(
        self,
        path: str,
        loaded: cfn.LoadedTemplate,
        text_has: TextHas,
        env: Env | None = None,
        label: str | None = None,
        assets: AssetFinder | None = None,
    ) -> None:
        self.result.templates += 1
        read = self.graph.add(path, loaded, text_has, env, label, assets)
        if read is not None:  # else it waits for the other templates
            self._add_read(*read)

    def _add_read(self, resources: list[Resource], diags: list[Diagnostic]) -> None:
        by_template: dict[str, list[Resource]] = {}
        for r in resources:
            if r.provenance.kind == "cloudformation" and r.provenance.file:
                by_template.setdefault(r.provenance.file, []).append(r)
        for template, found in by_template.items():  # construct paths, app source lines
            self.cdk.locate(template, found)
        self.result.diagnostics += self.cdk.take_diagnostics()
        self.result.resources += resources
        self.result.diagnostics += diags

    def _diag(self, where: str, message: str, kind: Kind = Kind.INPUT) -> None:
        self.result.diagnostics.append(Diagnostic(where, message, kind))


def _module_text(directory: str) -> str:
    """The text of a module's files, for a cheap look at the local modules it calls."""
    parts: list[str] = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(TERRAFORM_SOURCE_SUFFIXES):
            try:
                with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as f:
                    parts.append(f.read(MAX_WHOLE_BYTES))
            except OSError:
                continue
    return "\n".join(parts)


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
    tf_var_files: list[str] | None = None,
    tf_vars: Mapping[str, str] | None = None,
) -> ReadResult:
    return FileReader(cfn_params, full_parse_limit, skip_other, tf_var_files, tf_vars).read(paths)


def read_config(
    paths: Iterable[str], full_parse_limit: int = FULL_PARSE_LIMIT
) -> tuple[list[Resource], list[Diagnostic], int]:
    """Resources, diagnostics, and how many Config items were seen (all types)."""
    read = read_files(paths, full_parse_limit=full_parse_limit)
    return read.resources, read.diagnostics, read.config_items
