"""A root module read as a whole: its variables' values, every module instance, and the
SageMaker resource instances in them, turned into the plan's shape and read by the plan
source (one mapping from Terraform to CloudFormation, not two).

Each resource instance becomes a `resource_changes` entry (action create) whose `after`
holds the evaluated attributes, nested blocks as lists of objects (as a plan holds them),
and an `UnresolvedValue` wherever the value needs a plan; `after_sensitive` marks what a
sensitive variable feeds. hashicorp/aws resources get `tags_all` = the provider's
`default_tags` + `tags`, when those are known.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
from collections.abc import Mapping
from typing import Any

from lark import Tree

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.resources import Resource
from sagewarden.sources.terraform import read_plan
from sagewarden.sources.terraform.addresses import format_address
from sagewarden.sources.terraform.mapping import AWS_PROVIDER, TYPES
from sagewarden.sources.tfconfig.evaluate import Evaluator
from sagewarden.sources.tfconfig.functions import unknown_in
from sagewarden.sources.tfconfig.module import (
    _MODULE_META,
    MAX_MODULE_DEPTH,
    MAX_MODULE_INSTANCES,
    ModuleInstance,
    ModuleSource,
    ModuleView,
    Problem,
    expansion,
    read_module,
)
from sagewarden.sources.tfconfig.syntax import Block, Expr, Literal, SyntaxProblem, load_values
from sagewarden.unknowns import UnresolvedValue

_LOCAL_SOURCE = re.compile(r"""\bsource\s*=\s*"(\.\.?/[^"]*)\"""")


def plan_commands(directory: str) -> str:
    """The commands that give exact answers: a plan, as JSON, that sagewarden reads."""
    chdir = f"-chdir={shlex.quote(directory)} " if directory not in ("", ".") else ""
    return (
        f"`terraform {chdir}plan -out=tfplan` and "
        f"`terraform {chdir}show -json tfplan > tfplan.json`, then scan tfplan.json"
    )


def local_module_dirs(directory: str, text: str) -> set[str]:
    """The directories a module's text calls as local modules (a cheap look, to tell the
    root modules of a tree from the modules they call)."""
    return {os.path.normpath(os.path.join(directory, m)) for m in _LOCAL_SOURCE.findall(text)}


class ConfigurationReader:
    """Reads one root module and every local module it calls."""

    def __init__(
        self,
        root: str,
        var_files: list[str] | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self.root = root
        self.var_files = var_files or []
        self.cli_vars = dict(variables or {})
        self.problems: list[Problem] = []
        self.loaded: dict[str, ModuleSource] = {}
        self.entries: list[tuple[Block, dict[str, Any]]] = []
        self.tags_why: dict[str, str] = {}
        self.module_instances = 0
        self.hint = plan_commands(root)
        self._root_instance: ModuleInstance | None = None
        self._remote = _installed_modules(root)

    # -- reading ---------------------------------------------------------------------------

    def read(self) -> tuple[list[Resource], list[Diagnostic], int]:
        """The SageMaker resources, the problems, and how many files were read."""
        source = self._module(self.root)
        if source.files == 0 and not self.problems:
            return [], [], 0
        root = ModuleInstance(self, source, (), {}, set())
        self._root_instance = root
        root.inputs.update(self._root_inputs(source))
        self._walk(root)
        resources, diags = self._resources()
        diags = [
            *(
                Diagnostic(p.where, p.message, Kind.SCOPE if p.scope else Kind.INPUT)
                for p in self.problems
            ),
            *diags,
        ]
        files = sum(s.files for s in self.loaded.values())
        return resources, diags, files

    def _module(self, directory: str) -> ModuleSource:
        key = os.path.normpath(directory)
        if key not in self.loaded:
            self.loaded[key] = read_module(directory, self.problems)
        return self.loaded[key]

    def _root_inputs(self, source: ModuleSource) -> dict[str, Any]:
        """terraform.tfvars, *.auto.tfvars (and .json), the files and values given."""
        files = [
            os.path.join(self.root, n)
            for n in ("terraform.tfvars", "terraform.tfvars.json")
            if os.path.isfile(os.path.join(self.root, n))
        ]
        try:
            names = sorted(os.listdir(self.root))
        except OSError:
            names = []
        files += [
            os.path.join(self.root, n)
            for n in names
            if n.endswith((".auto.tfvars", ".auto.tfvars.json"))
        ]
        files += self.var_files
        values: dict[str, Any] = {}
        ev = Evaluator(_Literals())
        for path in files:
            try:
                with open(path, encoding="utf-8") as fh:
                    text = fh.read()
                assigned = load_values(path, text)
            except SyntaxProblem as exc:
                where = f"{path}:{exc.line}" if exc.line else path
                self.problems.append(Problem(where, str(exc)))
                continue
            except (OSError, UnicodeDecodeError) as exc:
                self.problems.append(Problem(path, f"cannot read: {exc}"))
                continue
            for name, expr in assigned.items():
                values[name] = _typed(ev.eval(expr), source.variables.get(name))
        for name, text in self.cli_vars.items():
            values[name] = _from_text(text, source.variables.get(name))
        return values

    def _walk(self, inst: ModuleInstance) -> None:
        for block in inst.source.resources.values():
            if block.labels[0] not in TYPES:
                continue
            found = inst.instances(block)
            if isinstance(found, UnresolvedValue):
                address = f"{block.labels[0]}.{block.labels[1]}"  # said once, not per module
                self._problem(
                    Problem(
                        _where(block),
                        f"{address}: its instances are not known before a plan (count or "
                        f"for_each {found.why}): not evaluated; exact answers: "
                        f"{self.hint}",
                        scope=True,
                    )
                )
                continue
            for one in found:
                self.entries.append((block, self._entry(inst, one)))
        for name in inst.source.modules:
            inst.module_call(name)
            for child in inst.child_instances.get(name, []):
                self._walk(child)

    def _problem(self, problem: Problem) -> None:
        """A problem, said once however many module instances meet it."""
        if problem not in self.problems:
            self.problems.append(problem)

    # -- module calls ------------------------------------------------------------------------

    def call(self, parent: ModuleInstance, name: str) -> Any:
        """The value of `module.NAME` in `parent`; its instances are kept for the walk."""
        block = parent.source.modules[name]
        kids = parent.child_instances
        kids[name] = []
        if len(parent.path) >= MAX_MODULE_DEPTH or self.module_instances >= MAX_MODULE_INSTANCES:
            self._problem(
                Problem(
                    _where(block),
                    f"module {name}: modules nested more than {MAX_MODULE_DEPTH} deep or more "
                    f"than {MAX_MODULE_INSTANCES:,} module instances (does a module call itself?): "
                    "not evaluated",
                    scope=True,
                )
            )
            return UnresolvedValue(f"comes from module {name}, nested too deeply")
        ev = parent.evaluator()
        src = ev.eval(block.body.attrs["source"]) if "source" in block.body.attrs else None
        key = ".".join([*(m for m, _ in parent.path), name])
        directory: str | None = None
        if isinstance(src, str) and src.startswith(("./", "../")):
            directory = os.path.normpath(os.path.join(parent.source.directory, src))
        elif key in self._remote:
            directory = self._remote[key]
        if directory is None or not os.path.isdir(directory):
            shown = src if isinstance(src, str) else "an expression"
            what = "is not on disk" if directory else "is not read (not a local module)"
            self._problem(
                Problem(
                    _where(block),
                    f"module {name}: its source {shown} {what}: its resources are not "
                    f"evaluated; run `terraform init` to fetch it, or for exact answers "
                    f"{self.hint}",
                    scope=True,
                )
            )
            return UnresolvedValue(f"comes from module {name}, whose source is not read")
        source = self._module(directory)
        keys = expansion(block.body.attrs, ev)
        if isinstance(keys, UnresolvedValue):
            self._problem(
                Problem(
                    _where(block),
                    f"module {name}: its instances are not known before a plan (count or "
                    f"for_each {keys.why}): not evaluated; exact answers: {self.hint}",
                    scope=True,
                )
            )
            return keys
        pairs = keys if keys is not None else [(None, {})]
        views: list[ModuleView] = []
        for k, names in pairs:
            inputs: dict[str, Any] = {}
            secret: set[str] = set()
            for attr, expr in block.body.attrs.items():
                if attr in _MODULE_META:
                    continue
                one = parent.evaluator(names)
                inputs[attr] = one.eval(expr)
                if one.sensitive:
                    secret.add(attr)
            self.module_instances += 1
            child = ModuleInstance(self, source, (*parent.path, (name, k)), inputs, secret)
            kids[name].append(child)
            views.append(ModuleView(child))
        if "count" in block.body.attrs:
            return views
        if "for_each" in block.body.attrs:
            return {str(v.module.path[-1][1]): v for v in views}
        return views[0]

    # -- resources ---------------------------------------------------------------------------

    def _entry(self, inst: ModuleInstance, one: Any) -> dict[str, Any]:
        rtype = one.addr.type
        body = one.block.body
        after, secret = inst.body_value(body, inst.evaluator(one.names))
        address = format_address(one.addr)
        after = {k: v for k, v in self._hinted(after).items() if v is not None}
        if TYPES[rtype].provider == AWS_PROVIDER:
            tags_all, why = self._tags_all(after.get("tags"), body.attrs.get("provider"))
            after["tags_all"] = tags_all
            if why is not None:
                self.tags_why[address] = why
        return {
            "address": address,
            "mode": "managed",
            "type": rtype,
            "name": one.addr.name,
            **({"index": one.addr.key} if one.addr.key is not None else {}),
            "change": {
                "actions": ["create"],
                "after": after,
                "after_unknown": {},
                "after_sensitive": secret,
            },
        }

    def _hinted(self, value: Any) -> Any:
        """Each unresolved value with the commands that give the exact answer."""
        if isinstance(value, UnresolvedValue):
            return UnresolvedValue(f"{value.why} (exact answers: {self.hint})", target=value.target)
        if isinstance(value, dict):
            return {k: self._hinted(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._hinted(v) for v in value]
        return value

    def _tags_all(self, tags: Any, provider: Expr | None) -> tuple[dict[str, Any], str | None]:
        """default_tags + tags (keys only matter), and why they may be incomplete."""
        reasons: list[str] = []
        known: dict[str, Any] = {}
        defaults = self._hinted(self._default_tags(provider))
        # The aws provider (SDKv2) plans a map with one value unknown as wholly unknown:
        # its keys are not known before apply either, so the sources say no more than the
        # plan would.
        tags, defaults = unknown_in(tags) or tags, unknown_in(defaults) or defaults
        for part, label in ((defaults, "the provider's default_tags"), (tags, "tags")):
            if isinstance(part, UnresolvedValue):
                reasons.append(f"{label} {part.why}")
            elif isinstance(part, dict):
                known.update(part)
            elif part is not None:
                reasons.append(f"{label} is not a map")
        return known, "; ".join(reasons) or None

    def _default_tags(self, provider: Expr | None) -> Any:
        root = self._root_instance
        if root is None:
            return None
        alias = None
        if isinstance(provider, Tree):
            names = [str(i.children[0]) for i in provider.find_data("identifier")]
            alias = names[1] if len(names) == 2 else None
        elif isinstance(provider, Literal) and isinstance(provider.value, str):  # JSON syntax
            alias = provider.value.partition(".")[2] or None
        for block in root.source.providers:
            if block.labels[0] != "aws":
                continue
            block_alias = block.body.attrs.get("alias")
            value = Evaluator(_Literals()).eval(block_alias) if block_alias else None
            if value != alias:
                continue
            dt = [b for b in block.body.blocks if b.type == "default_tags"]
            if not dt or "tags" not in dt[0].body.attrs:
                return None
            return root.evaluator().eval(dt[0].body.attrs["tags"])
        return None

    def _resources(self) -> tuple[list[Resource], list[Diagnostic]]:
        by_file: dict[str, list[dict[str, Any]]] = {}
        lines: dict[str, int] = {}
        for block, entry in self.entries:
            by_file.setdefault(block.file, []).append(entry)
            lines[entry["address"]] = block.line
        resources: list[Resource] = []
        diags: list[Diagnostic] = []
        for file, entries in by_file.items():
            found, said = read_plan({"format_version": "1.2", "resource_changes": entries}, file)
            for r in found:
                if lines.get(r.id):
                    r.provenance = dataclasses.replace(r.provenance, line=lines[r.id])
                r.extra["terraform_source"] = "configuration"
                why = self.tags_why.get(r.id)
                if why is not None:
                    r.extra["tags_unresolved"] = why
                    diags.append(
                        Diagnostic(
                            f"{file}: {r.id}",
                            f"tag keys are not all known before a plan ({why}); tag "
                            "controls judge by the keys known now",
                            Kind.INFO,
                        )
                    )
            resources += found
            diags += said
        return resources, diags


def _where(block: Block) -> str:
    return f"{block.file}:{block.line}" if block.line else block.file


def _installed_modules(root: str) -> dict[str, str]:
    """Modules `terraform init` fetched (.terraform/modules/modules.json): key -> dir."""
    path = os.path.join(root, ".terraform", "modules", "modules.json")
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return {}
    out: dict[str, str] = {}
    for m in doc.get("Modules", []) if isinstance(doc, dict) else []:
        if isinstance(m, dict) and isinstance(m.get("Key"), str) and isinstance(m.get("Dir"), str):
            out[m["Key"]] = os.path.normpath(os.path.join(root, m["Dir"]))
    return out


def _typed(value: Any, block: Block | None) -> Any:
    """A value converted to the variable's declared primitive type, where it says one."""
    kind = _type_name(block)
    if isinstance(value, str) and kind in ("number", "bool"):
        return _from_text(value, block)
    return value


def _from_text(text: str, block: Block | None) -> Any:
    """A `-var NAME=VALUE` value: text, converted to the variable's primitive type."""
    kind = _type_name(block)
    if kind == "bool" and text in ("true", "false"):
        return text == "true"
    if kind == "number":
        try:
            f = float(text)
        except ValueError:
            return text
        return int(f) if f.is_integer() else f
    if kind not in (None, "string") or text.lstrip().startswith(("{", "[")):
        try:
            return Evaluator(_Literals()).eval(_parse_value(text))
        except SyntaxProblem:
            return text
    return text


def _parse_value(text: str) -> Expr:
    attrs = load_values("-var", f"v = {text}\n")
    return attrs.get("v", Literal(text))


def _type_name(block: Block | None) -> str | None:
    if block is None or "type" not in block.body.attrs:
        return None
    expr = block.body.attrs["type"]
    if isinstance(expr, Tree):
        idents = list(expr.find_data("identifier"))
        if len(idents) == 1 and not list(expr.find_data("function_call")):
            return str(idents[0].children[0])
        return "complex"
    return None


class _Literals:
    def reference(self, root: str, steps: list[Any], ev: Evaluator) -> tuple[Any, int]:
        from sagewarden.sources.tfconfig.evaluate import Unsupported

        raise Unsupported(f"refers to {root} where only a literal is allowed")


__all__ = ["ConfigurationReader", "local_module_dirs", "plan_commands", "unknown_in"]
