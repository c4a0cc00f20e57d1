"""The templates of one scan as CloudFormation deploys them together: nested stacks and exports.

A template is read with what its deployment gives it. A nested stack
(`AWS::CloudFormation::Stack`) whose TemplateURL names a template in the scan (a local path,
as `aws cloudformation package` takes it, or a CDK asset in the same cloud assembly) is read
with the Parameters its parent passes, resolved in the parent (`--cfn-param` reaches it
that way), and never on its own. `Fn::ImportValue` of an export another template of the
scan defines (`Outputs.X.Export.Name`) is that output's value, resolved in its own stack;
a value known only at deploy stays unknown, saying where it comes from. A stack's
environment (a cloud assembly's manifest) gives AWS::Region and AWS::AccountId.

Only templates that need the others wait for them: one with a nested stack or an import
(a substring test on its text) is read when every file has been seen; every other
template is read at once, as before, so plain scans cost nothing more.

A resource in a nested stack has the id `<stack resource>/<logical id>` (the logical ids
of the AWS::CloudFormation::Stack resources from the top-level stack down), the nested
template as its file, and `extra[NESTED_IN]` naming that path, so that two stacks made from
one template stay apart and each looks up its own resources.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.resources import NESTED_IN, Resource
from sagewarden.sources import cloudformation as cfn
from sagewarden.sources.cfn_intrinsics import MISSING, NO_VALUE, Resolver, TemplateError
from sagewarden.sources.cfn_parameters import as_mapping, scalar_text
from sagewarden.unknowns import Choice, UnresolvedValue

STACK_TYPE = "AWS::CloudFormation::Stack"
_REMOTE = ("https://", "http://", "s3://")
# Whether a template's text holds a string (a cheap test before anything is resolved).
TextHas = Callable[[str], bool]
# Loads a template file the scan names (None when it could not be: its problem is said).
Loader = Callable[[str], "tuple[cfn.LoadedTemplate, TextHas] | None"]
# Finds the template a CDK nested stack resource names: (parent file, its resource) -> path.
AssetFinder = Callable[[str, Mapping[str, Any]], "str | None"]


@dataclass(frozen=True)
class Env:
    """Where a stack deploys: account and Region, None where not known (env-agnostic), and
    the stack's name when the manifest says it (a nested stack's is made at deploy)."""

    account: str | None = None
    region: str | None = None
    stack_name: str | None = None

    def pseudo(self) -> dict[str, str]:
        out = {}
        if self.stack_name:
            out["AWS::StackName"] = self.stack_name
        if self.account:
            out["AWS::AccountId"] = self.account
        if self.region:
            out["AWS::Region"] = self.region
        return out


@dataclass
class _Stack:
    """One template to read: as a stack of its own, or nested in another."""

    path: str
    loaded: cfn.LoadedTemplate
    given: Mapping[str, Any]
    env: Env
    label: str  # how a reason names the stack: its CDK name or its file
    prefix: str = ""  # the nested stack resources' logical ids, "A/B"
    chain: tuple[str, ...] = ()  # the files of the stacks it is nested in
    assets: AssetFinder | None = None
    imports: bool = False  # it has an Fn::ImportValue: read after every export is known
    exported: bool = False  # its exports are in the table


@dataclass
class _Export:
    resolver: Resolver
    value: Any
    label: str
    env: Env
    state: str = "new"  # "resolving", "done"
    result: Any = None


@dataclass
class Graph:
    given: Mapping[str, str]
    load: Loader
    exports: dict[str, list[_Export]] = field(default_factory=dict)
    deferred: list[_Stack] = field(default_factory=list)
    nested: set[str] = field(default_factory=set)  # files read as nested stacks
    read_alone: set[str] = field(default_factory=set)  # files read as stacks of their own
    loaded: dict[str, tuple[cfn.LoadedTemplate, TextHas] | None] = field(default_factory=dict)

    def add(
        self,
        path: str,
        loaded: cfn.LoadedTemplate,
        text_has: TextHas,
        env: Env | None = None,
        label: str | None = None,
        assets: AssetFinder | None = None,
    ) -> tuple[list[Resource], list[Diagnostic]] | None:
        """Read a top-level template now, or None when it waits for the others (it has a
        nested stack or an import). `text_has` tests the template's text."""
        env = env or Env()
        given = {**self.given, **env.pseudo()}  # the manifest's environment is exact
        stack = _Stack(path, loaded, given, env, label or path, assets=assets)
        stack.imports = text_has("ImportValue")
        if stack.imports or text_has(STACK_TYPE):
            self._export_later(stack)
            self.deferred.append(stack)
            return None
        return self._read(stack)

    def pending(self) -> Iterator[_Stack]:
        """The templates that waited, to read one by one with `read` as they come: those
        no other names as its nested stack (parents first, importers last), then any left
        unread (templates that nest each other in a loop: the first is the root)."""
        order = sorted(self.deferred, key=lambda s: s.imports)  # stable: file order kept
        self.deferred = []
        claimed: set[str] = set()
        for stack in order:
            claimed.update(self._children_files(stack))
        done: set[int] = set()
        for stack in order:
            if os.path.realpath(stack.path) not in claimed:
                done.add(id(stack))
                yield stack
        for stack in order:
            if id(stack) not in done and os.path.realpath(stack.path) not in self.nested:
                yield stack

    def dropped(self) -> set[str]:
        """Files read as stacks of their own that turned out to be nested stacks: their
        results go (the nested stack's are the true ones)."""
        if not self.nested:
            return set()  # no realpath per file when nothing was nested
        return {p for p in self.read_alone if os.path.realpath(p) in self.nested}

    # -- reading one stack ----------------------------------------------------------------

    def read(self, stack: _Stack) -> tuple[list[Resource], list[Diagnostic]]:
        """One stack's resources, with those of the stacks nested in it."""
        return self._read(stack)

    def _read(self, stack: _Stack) -> tuple[list[Resource], list[Diagnostic]]:
        if not stack.chain:
            self.read_alone.add(stack.path)
        try:
            resolver = Resolver(stack.loaded.doc, stack.given, self._importer(stack.env))
        except TemplateError as exc:
            return [], [Diagnostic(stack.path, f"invalid template: {exc}")]
        resources, diags = cfn.read_template(stack.loaded, stack.path, stack.given, resolver)
        for r in resources:
            r.account_id, r.region = stack.env.account, stack.env.region
            if stack.prefix:
                r.id = f"{stack.prefix}/{r.id}"
                r.extra[NESTED_IN] = stack.prefix
        if not stack.exported:  # a template that waited said its exports when added
            self._add_exports(stack, resolver)
        for lid, spec in as_mapping(stack.loaded.doc.get("Resources")).items():
            if isinstance(spec, Mapping) and spec.get("Type") == STACK_TYPE:
                more, more_diags = self._nested(stack, resolver, str(lid), spec)
                resources += more
                diags += more_diags
        return resources, diags

    def _nested(
        self, parent: _Stack, resolver: Resolver, lid: str, spec: Mapping[str, Any]
    ) -> tuple[list[Resource], list[Diagnostic]]:
        line = parent.loaded.lines.get(lid)
        where = f"{parent.path}:{line}" if line else parent.path
        try:
            path, shown = self._template_of(parent, resolver, spec)
        except TemplateError as exc:
            return [], [Diagnostic(where, f"nested stack {lid}: {exc}")]
        if path is None:
            why = f"nested stack {lid} not evaluated: its template ({shown}) is not in this scan"
            return [], [Diagnostic(where, why, Kind.INFO)]
        if not os.path.isfile(path):
            why = f"nested stack {lid}: its TemplateURL {shown} names no file ({path})"
            return [], [Diagnostic(where, why)]
        real = os.path.realpath(path)
        if real in parent.chain or real == os.path.realpath(parent.path):
            why = f"nested stack {lid}: {shown} includes a template it is nested in (a cycle)"
            return [], [Diagnostic(where, f"{why}: not read again")]
        if real not in self.loaded:  # one template may make several stacks: loaded once
            self.loaded[real] = self.load(path)
        got = self.loaded[real]
        if got is None:
            return [], []  # the loader said why
        self.nested.add(real)
        loaded = got[0]
        try:
            given = self._parameters(parent, resolver, lid, spec)
        except TemplateError as exc:
            return [], [Diagnostic(where, f"nested stack {lid}: Parameters: {exc}")]
        child = _Stack(
            path,
            loaded,
            {**given, **Env(parent.env.account, parent.env.region).pseudo()},
            Env(parent.env.account, parent.env.region),
            f"{parent.label}/{lid}",
            prefix=f"{parent.prefix}/{lid}" if parent.prefix else lid,
            chain=(*parent.chain, os.path.realpath(parent.path)),
            assets=parent.assets,
        )
        return self._read(child)

    def _template_of(
        self, parent: _Stack, resolver: Resolver, spec: Mapping[str, Any]
    ) -> tuple[str | None, str]:
        """The file a nested stack's TemplateURL names (None: not a file of this scan), and
        how to show the URL: CDK's `aws:asset:path` metadata (a file next to the parent),
        the asset of the assembly whose hash the URL holds, or a local path."""
        meta = as_mapping(spec.get("Metadata"))
        asset = meta.get("aws:asset:path")
        if isinstance(asset, str) and meta.get("aws:asset:property") == "TemplateURL":
            return os.path.normpath(os.path.join(os.path.dirname(parent.path), asset)), asset
        if parent.assets is not None:
            found = parent.assets(parent.path, spec)
            if found is not None:
                return found, os.path.basename(found)
        url = resolver.resolve(as_mapping(spec.get("Properties")).get("TemplateURL"))
        if not isinstance(url, str):
            return None, "a value known only at deploy" if url is not None else "no TemplateURL"
        if url.startswith(_REMOTE):
            return None, url
        local = url.removeprefix("file://")
        return os.path.normpath(os.path.join(os.path.dirname(parent.path), local)), url

    def _parameters(
        self, parent: _Stack, resolver: Resolver, lid: str, spec: Mapping[str, Any]
    ) -> dict[str, Any]:
        raw = resolver.resolve(as_mapping(spec.get("Properties")).get("Parameters"))
        if raw is None or raw is NO_VALUE:
            return {}
        if isinstance(raw, UnresolvedValue):
            raise TemplateError(f"the whole map {raw.why}")
        if not isinstance(raw, Mapping):
            raise TemplateError("not a map of parameter names to values")
        out: dict[str, Any] = {}
        for name, value in raw.items():
            if isinstance(value, UnresolvedValue):
                out[str(name)] = _carried(value, f"is parameter {name}, passed by {parent.label}")
            elif isinstance(value, list):
                out[str(name)] = [scalar_text(v) for v in value]
            elif not isinstance(value, Mapping):
                out[str(name)] = scalar_text(value)
        return out

    def _children_files(self, stack: _Stack) -> list[str]:
        """The local files a waiting template's nested stacks name (resolved without imports:
        a TemplateURL is a path, or a CDK asset)."""
        out = []
        try:
            resolver = Resolver(stack.loaded.doc, stack.given)
        except TemplateError:
            return []
        for spec in as_mapping(stack.loaded.doc.get("Resources")).values():
            if not (isinstance(spec, Mapping) and spec.get("Type") == STACK_TYPE):
                continue
            try:
                path, _ = self._template_of(stack, resolver, spec)
            except (TemplateError, RecursionError):
                continue  # said when the stack is read
            if path is not None:
                out.append(os.path.realpath(path))
        return out

    # -- exports ----------------------------------------------------------------------------

    def _export_later(self, stack: _Stack) -> None:
        try:
            resolver = Resolver(stack.loaded.doc, stack.given, self._importer(stack.env))
        except TemplateError:
            return  # said when it is read
        self._add_exports(stack, resolver)

    def _add_exports(self, stack: _Stack, resolver: Resolver) -> None:
        stack.exported = True
        for output in as_mapping(stack.loaded.doc.get("Outputs")).values():
            export = as_mapping(as_mapping(output).get("Export"))
            if "Name" not in export or "Value" not in as_mapping(output):
                continue
            try:
                name = resolver.resolve(export["Name"])
            except (TemplateError, RecursionError):
                continue  # an export CloudFormation would reject: nobody can import it
            if isinstance(name, str):
                entry = _Export(resolver, output["Value"], stack.label, stack.env)
                self.exports.setdefault(name, []).append(entry)

    def _importer(self, env: Env) -> Callable[[str], Any]:
        return lambda name: self._import(name, env)

    def _import(self, name: str, env: Env) -> Any:
        found = [e for e in self.exports.get(name, []) if _same_place(e.env, env)]
        if not found:
            return MISSING
        if len(found) > 1:
            where = ", ".join(e.label for e in found)
            return UnresolvedValue(
                f"is !ImportValue {name}, which more than one stack of this scan exports "
                f"({where}), known only at deploy"
            )
        entry = found[0]
        if entry.state == "resolving":
            return UnresolvedValue(f"is !ImportValue {name}, whose export imports itself")
        if entry.state == "new":
            entry.state = "resolving"
            try:
                value = entry.resolver.resolve(entry.value)
            except (TemplateError, RecursionError) as exc:
                value = UnresolvedValue(f"is !ImportValue {name}, an output that is wrong: {exc}")
            entry.state, entry.result = "done", value
        value = entry.result
        if isinstance(value, UnresolvedValue):
            return _carried(value, f"is !ImportValue {name}, exported by {entry.label}")
        return value


def _same_place(a: Env, b: Env) -> bool:
    """Whether an export of a stack in `a` can be what a stack in `b` imports."""
    return all(
        x is None or y is None or x == y
        for x, y in zip((a.account, a.region), (b.account, b.region), strict=True)
    )


def _carried(value: UnresolvedValue, how: str) -> UnresolvedValue:
    """An unknown taken into another stack: it says how it came there, and points at no
    resource of the other file."""
    why = f"{how} where it {value.why}"
    if isinstance(value, Choice):
        return Choice(why, over=value.over, options=value.options, phrase=value.phrase)
    return UnresolvedValue(why)
