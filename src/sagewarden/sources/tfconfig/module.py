"""One module directory read, and its instances evaluated: variables, locals, resources
(expanded by `count` / `for_each`), local module calls and their outputs.

A `ModuleInstance` is the scope its expressions are evaluated in: it resolves `var.`,
`local.`, `module.`, `data.` and resource references. A resource's attribute that the
configuration states is evaluated; one it leaves to the provider is unresolved ("comes
from aws_kms_key.k.arn, known only after apply"), as in a plan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from sagewarden.sources.inputfile import reason
from sagewarden.sources.limits import MAX_WHOLE_BYTES, too_large
from sagewarden.sources.terraform.addresses import Address, format_address
from sagewarden.sources.tfconfig.evaluate import Evaluator, Unsupported
from sagewarden.sources.tfconfig.functions import unknown_in
from sagewarden.sources.tfconfig.syntax import Block, Body, Expr, Literal, SyntaxProblem, load
from sagewarden.unknowns import UnresolvedValue

SOURCE_SUFFIXES = (".tf", ".tf.json")
# Meta-arguments: Terraform's own, never the resource's attributes.
_META = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle"})
_META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
_MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})
MAX_MODULE_DEPTH = 16  # module calls nested deeper are not followed (a module calling itself)
MAX_INSTANCES = 10_000  # instances one count/for_each may make (`count = 1e9` is no hang)
MAX_MODULE_INSTANCES = 1_000  # module instances one root module may make in all


@dataclass
class ModuleSource:
    """The blocks of one module directory, by kind."""

    directory: str
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, tuple[Expr, Block]] = field(default_factory=dict)
    outputs: dict[str, Expr] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    files: int = 0


@dataclass
class Problem:
    where: str
    message: str
    scope: bool = False  # something not read (a remote module, an unknown count): exit 3


def source_files(directory: str) -> list[str]:
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [
        os.path.join(directory, n)
        for n in names
        if n.endswith(SOURCE_SUFFIXES) and os.path.isfile(os.path.join(directory, n))
    ]


def read_module(directory: str, problems: list[Problem]) -> ModuleSource:
    """Every `.tf` / `.tf.json` file of a directory (not its subdirectories)."""
    out = ModuleSource(directory)
    for path in source_files(directory):
        try:
            if os.path.getsize(path) > MAX_WHOLE_BYTES:
                problems.append(Problem(path, too_large(os.path.getsize(path))))
                continue
            with open(path, "rb") as fh:
                text = fh.read().decode("utf-8")
        except OSError as exc:
            problems.append(Problem(path, f"cannot read: {reason(exc)}"))
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(path, f"not UTF-8 text (byte {exc.start})"))
            continue
        try:
            blocks = load(path, text.lstrip("\ufeff"))
        except SyntaxProblem as exc:
            where = f"{path}:{exc.line}" if exc.line else path
            problems.append(Problem(where, str(exc)))
            continue
        out.files += 1
        for b in blocks:
            _index(out, b, problems)
    return out


def _index(out: ModuleSource, b: Block, problems: list[Problem]) -> None:
    where = f"{b.file}:{b.line}" if b.line else b.file
    if b.type == "resource" and len(b.labels) == 2:
        key = (b.labels[0], b.labels[1])
        if key in out.resources:
            problems.append(Problem(where, f"resource {key[0]}.{key[1]} is declared twice"))
        out.resources.setdefault(key, b)
    elif b.type == "variable" and len(b.labels) == 1:
        out.variables[b.labels[0]] = b
    elif b.type == "locals":
        for name, expr in b.body.attrs.items():
            out.locals[name] = (expr, b)
    elif b.type == "output" and len(b.labels) == 1 and "value" in b.body.attrs:
        out.outputs[b.labels[0]] = b.body.attrs["value"]
    elif b.type == "module" and len(b.labels) == 1:
        out.modules[b.labels[0]] = b
    elif b.type == "provider" and len(b.labels) == 1:
        out.providers.append(b)


@dataclass
class Instance:
    """One resource instance: its address and the names its expressions see."""

    block: Block
    addr: Address
    names: dict[str, Any]


class ResourceView:
    """A resource instance as a reference sees it: stated attributes evaluate, the rest
    is known only after apply."""

    def __init__(self, module: ModuleInstance, inst: Instance) -> None:
        self.module = module
        self.inst = inst

    def attribute(self, name: str) -> Any:
        body = self.inst.block.body
        address = format_address(self.inst.addr)
        if name in body.attrs and name not in _META:
            key = f"{address}.{name}"
            if key in self.module.busy:
                raise Unsupported(f"{key} refers to itself")
            self.module.busy.add(key)
            try:
                return self.module.evaluator(self.inst.names).eval(body.attrs[name])
            finally:
                self.module.busy.discard(key)
        if any(b.type == name for b in body.blocks):
            return self.module.blocks(body, name, self.module.evaluator(self.inst.names))
        return UnresolvedValue(
            f"comes from {address}.{name}, known only after apply", target=address
        )


class ModuleView:
    """A module instance as `module.NAME` sees it: its outputs."""

    def __init__(self, module: ModuleInstance) -> None:
        self.module = module

    def attribute(self, name: str) -> Any:
        return self.module.output(name)


class ModuleInstance:
    """One instance of a module: its inputs, and the values its expressions take."""

    def __init__(
        self,
        reader: Any,  # the ConfigurationReader: loads child modules, says problems
        source: ModuleSource,
        path: tuple[tuple[str, Any], ...],
        inputs: dict[str, Any],
        sensitive_inputs: set[str],
    ) -> None:
        self.reader = reader
        self.source = source
        self.path = path
        self.inputs = inputs
        self.sensitive_inputs = sensitive_inputs
        self._locals: dict[str, tuple[Any, bool]] = {}
        self._busy: set[str] = set()  # locals being evaluated
        self.busy: set[str] = set()  # resource attributes being evaluated
        self._children: dict[str, Any] = {}
        self.child_instances: dict[str, list[ModuleInstance]] = {}

    def evaluator(self, names: dict[str, Any] | None = None) -> Evaluator:
        return Evaluator(self, names)

    # -- the Resolver ----------------------------------------------------------------------

    def reference(self, root: str, steps: list[Any], ev: Evaluator) -> tuple[Any, int]:
        if root in ("count", "each", "self"):
            raise Unsupported(f"uses {root} outside the block it belongs to")
        if not steps or not isinstance(steps[0], str):
            raise Unsupported(f"uses {root} without an attribute")
        name = steps[0]
        if root == "var":
            return self.variable(name, ev), 1
        if root == "local":
            return self.local(name, ev), 1
        if root == "module":
            return self.module_call(name), 1
        if root == "data":
            label = ".".join(str(s) for s in steps[:2])
            return UnresolvedValue(f"comes from data.{label}, read only by terraform plan"), 2
        if root in ("path", "terraform"):
            raise Unsupported(f"is {root}.{name}, which sagewarden does not evaluate")
        block = self.source.resources.get((root, name))
        if block is None:
            raise Unsupported(f"names {root}.{name}, which this module does not declare")
        return self.resource_value(block), 1

    def variable(self, name: str, ev: Evaluator) -> Any:
        if name in self.sensitive_inputs or _is_sensitive(self.source.variables.get(name)):
            ev.sensitive = True
        if name in self.inputs:
            return self.inputs[name]
        block = self.source.variables.get(name)
        if block is None:
            raise Unsupported(f"names var.{name}, which this module does not declare")
        default = block.body.attrs.get("default")
        if default is None:
            return UnresolvedValue(
                f"comes from var.{name}, which has no default and no value given"
            )
        return Evaluator(_NoReferences()).eval(default)

    def local(self, name: str, ev: Evaluator) -> Any:
        if name in self._locals:
            value, secret = self._locals[name]
            ev.sensitive |= secret
            return value
        found = self.source.locals.get(name)
        if found is None:
            raise Unsupported(f"names local.{name}, which this module does not declare")
        if name in self._busy:
            raise Unsupported(f"local.{name} refers to itself")
        self._busy.add(name)
        inner = self.evaluator()
        try:
            value = inner.eval(found[0])
        finally:
            self._busy.discard(name)
        self._locals[name] = (value, inner.sensitive)
        ev.sensitive |= inner.sensitive
        return value

    def output(self, name: str) -> Any:
        expr = self.source.outputs.get(name)
        if expr is None:
            raise Unsupported(f"names output {name}, which the module does not declare")
        return self.evaluator().eval(expr)

    def module_call(self, name: str) -> Any:
        if name not in self._children:
            self._children[name] = self.reader.call(self, name)
        return self._children[name]

    # -- resources -------------------------------------------------------------------------

    def instances(self, block: Block) -> list[Instance] | UnresolvedValue:
        """The instances `count` / `for_each` make (one when there is neither)."""
        rtype, rname = block.labels
        attrs = block.body.attrs

        def addr(key: Any) -> Address:
            return Address(self.path, False, rtype, rname, key)

        keys = expansion(attrs, self.evaluator())
        if isinstance(keys, UnresolvedValue):
            return keys
        if keys is None:
            return [Instance(block, addr(None), {})]
        return [Instance(block, addr(k), names) for k, names in keys]

    def resource_value(self, block: Block) -> Any:
        found = self.instances(block)
        if isinstance(found, UnresolvedValue):
            return found
        views = [ResourceView(self, i) for i in found]
        if "count" in block.body.attrs:
            return views
        if "for_each" in block.body.attrs:
            return {str(v.inst.addr.key): v for v in views}
        return views[0]

    def blocks(self, body: Body, btype: str, ev: Evaluator) -> Any:
        """The nested blocks of one type, as a plan holds them: a list of objects."""
        return [self.body_value(b.body, ev)[0] for b in body.blocks if b.type == btype]

    def body_value(self, body: Body, ev: Evaluator) -> tuple[dict[str, Any], dict[str, Any]]:
        """A block's attributes and nested blocks, evaluated (dynamic blocks expanded), and
        what sensitive variables feed, in the shape of a plan's `after_sensitive`."""
        out: dict[str, Any] = {}
        marks: dict[str, Any] = {}
        for name, expr in body.attrs.items():
            if name in _META or name in _META_BLOCKS:
                continue
            if name == "dynamic" and isinstance(expr, Literal):  # JSON syntax
                labels = expr.value if isinstance(expr.value, dict) else {}
                for label in labels:
                    out[label] = UnresolvedValue(
                        f"is a dynamic {label} block in JSON syntax, which sagewarden does "
                        "not expand"
                    )
                continue
            one = ev.with_names({})
            one.sensitive = False
            out[name] = one.eval(expr)
            if one.sensitive:
                marks[name] = True
        for b in body.blocks:
            if b.type in _META_BLOCKS:
                continue
            if b.type == "dynamic" and b.labels:
                label = b.labels[0]
                expanded = self._dynamic(b, ev)
                if isinstance(expanded, UnresolvedValue):
                    out[label] = expanded
                elif not isinstance(out.get(label), UnresolvedValue):
                    out.setdefault(label, []).extend(v for v, _ in expanded)
                    marks.setdefault(label, []).extend(m for _, m in expanded)
                continue
            existing = out.setdefault(b.type, [])
            if isinstance(existing, list):
                value, mark = self.body_value(b.body, ev)
                existing.append(value)
                marks.setdefault(b.type, []).append(mark)
        return out, {k: v for k, v in marks.items() if v is True or any(v)}

    def _dynamic(
        self, b: Block, ev: Evaluator
    ) -> list[tuple[dict[str, Any], dict[str, Any]]] | UnresolvedValue:
        source_expr = b.body.attrs.get("for_each")
        content = next((c for c in b.body.blocks if c.type == "content"), None)
        if source_expr is None or content is None:
            return UnresolvedValue(f"is a dynamic {b.labels[0]} block sagewarden cannot expand")
        items = ev.eval(source_expr)
        if isinstance(items, UnresolvedValue):
            return items
        iterator = b.labels[0]
        if "iterator" in b.body.attrs:
            it = b.body.attrs["iterator"]
            name = _bare_name(it)
            if name is None:
                return UnresolvedValue("names a dynamic block's iterator sagewarden cannot read")
            iterator = name
        pairs = list(items.items()) if isinstance(items, dict) else list(enumerate(items))
        return [
            self.body_value(content.body, ev.with_names({iterator: {"key": k, "value": v}}))
            for k, v in pairs
        ]


def expansion(attrs: dict[str, Expr], ev: Evaluator) -> Any:
    """The (key, names) pairs of `count` / `for_each`; None without either; an
    UnresolvedValue when they are not known before a plan."""
    if "count" in attrs:
        n = ev.eval(attrs["count"])
        if isinstance(n, UnresolvedValue):
            return n
        if isinstance(n, bool) or not isinstance(n, (int, float)) or n < 0:
            return UnresolvedValue(f"has a count that is not a whole number ({n!r})")
        if n > MAX_INSTANCES:
            return UnresolvedValue(f"has a count of {n}, more than {MAX_INSTANCES:,}")
        return [(i, {"count": {"index": i}}) for i in range(int(n))]
    if "for_each" in attrs:
        items = ev.eval(attrs["for_each"])
        if unknown_in(items) is not None and not isinstance(items, dict):
            return unknown_in(items)
        if isinstance(items, (dict, list)) and len(items) > MAX_INSTANCES:
            return UnresolvedValue(f"has a for_each of more than {MAX_INSTANCES:,} items")
        if isinstance(items, dict):
            return [(str(k), {"each": {"key": str(k), "value": v}}) for k, v in items.items()]
        if isinstance(items, list) and all(isinstance(v, str) for v in items):
            return [(v, {"each": {"key": v, "value": v}}) for v in sorted(set(items))]
        return UnresolvedValue("has a for_each that is not a map or a set of strings")
    return None


def _is_sensitive(block: Block | None) -> bool:
    if block is None or "sensitive" not in block.body.attrs:
        return False
    return Evaluator(_NoReferences()).eval(block.body.attrs["sensitive"]) is True


def _bare_name(expr: Expr) -> str | None:
    from lark import Tree

    if not isinstance(expr, Tree):
        return None
    idents = list(expr.find_data("identifier"))
    return str(idents[0].children[0]) if len(idents) == 1 else None


class _NoReferences:
    """Variable defaults and `sensitive` are literals: a reference in them is no value."""

    def reference(self, root: str, steps: list[Any], ev: Evaluator) -> tuple[Any, int]:
        raise Unsupported(f"refers to {root} where only a literal is allowed")
