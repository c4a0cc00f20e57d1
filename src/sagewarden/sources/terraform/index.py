"""The whole plan, indexed for the questions one resource asks about the others.

Reading one resource's unknown value needs the rest of the plan: which managed resources
it leaves in place and which data sources it reads only at apply (a reference to them is
unknown), what each of them leaves unknown, the configuration block of every resource and
module call, and the module inputs and outputs a reference passes through on its way to
the resource it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sagewarden.sources.terraform.addresses import (
    ANY_KEY,
    NOT_RESOURCES,
    REF_MODULE,
    REF_RESOURCE,
    REF_VAR,
    Address,
    ModKey,
    Pool,
    find,
    format_address,
    parse_key,
)
from sagewarden.sources.terraform.expressions import (
    attribute,
    has_unknown,
    most_specific,
    refs,
    root,
)
from sagewarden.sources.terraform.mapping import TypeMap

MAX_HOPS = 8  # references followed through module inputs and outputs


@dataclass
class Context:
    """One resource being read: where it sits, for references and diagnostics."""

    address: str
    addr: Address
    tmap: TypeMap
    config: dict[str, Any] | None  # its configuration block, when the plan has one
    unknown: dict[str, Any]  # its after_unknown


class PlanIndex:
    """Every resource and module call of one plan, by address."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.managed: Pool = {}  # every managed resource the plan leaves in place
        self.deferred: Pool = {}  # data sources read only at apply
        self.unknowns: dict[str, Any] = {}  # after_unknown by address
        self.has_config = False
        self._config_resources: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
        self._module_calls: dict[tuple[str, ...], dict[str, Any]] = {}

    # -- configuration ------------------------------------------------------------------

    def index_configuration(self) -> None:
        config = self.doc.get("configuration")
        if not isinstance(config, dict):
            return
        root_module = config.get("root_module")
        if not isinstance(root_module, dict):
            return
        self.has_config = True
        self._index_module(root_module, ())

    def _index_module(self, module: dict[str, Any], names: tuple[str, ...]) -> None:
        resources = module.get("resources")
        if isinstance(resources, list):
            for r in resources:
                if isinstance(r, dict) and isinstance(r.get("address"), str):
                    self._config_resources[(names, r["address"])] = r
        calls = module.get("module_calls")
        if isinstance(calls, dict):
            for name, call in calls.items():
                if isinstance(call, dict):
                    path = (*names, name)
                    self._module_calls[path] = call
                    child = call.get("module")
                    if isinstance(child, dict):
                        self._index_module(child, path)

    def config_for(self, addr: Address) -> dict[str, Any] | None:
        return self._config_resources.get((addr.module_names, f"{addr.type}.{addr.name}"))

    # -- references -----------------------------------------------------------------------

    def may_be_unknown(self, ref: str, found: list[str], ctx: Context) -> bool:
        """Whether the value `ref` reads (one of the references `found` together) may be
        known only after apply."""
        base = root(ref)
        if base is None or base.startswith("var."):
            return False  # count.index, each.key, variables: known at plan
        attr = attribute(ref, base)
        if attr is None:
            # The bare resource is listed beside each of its attributes: judge those.
            return not any(o != ref and root(o) == base for o in found)
        if ref.startswith("data."):
            # Read at plan time (known) unless the plan defers the read to apply.
            targets = find(self.deferred, ref[5:], ctx.addr.modules, ctx.addr.key, found)
        elif (r := REF_RESOURCE.match(ref)) and r.group(1) not in NOT_RESOURCES:
            targets = list(self.resolve([ref], ctx.addr.modules, ctx.addr.key, 0))
            if not targets:
                return True
        else:
            return True  # locals, module outputs: cannot tell
        return any(has_unknown(dig(self.unknowns.get(format_address(a)), attr)) for a in targets)

    def target(self, found: list[str], ctx: Context) -> str | None:
        """The one resource of the plan the references lead to, if there is one."""
        targets = self.resolve(found, ctx.addr.modules, ctx.addr.key, 0)
        if len(targets) != 1:
            return None
        return format_address(next(iter(targets)))

    def resolve(
        self,
        found: list[str],
        modules: tuple[tuple[str, ModKey], ...],
        own: ModKey,
        hops: int,
    ) -> set[Address]:
        """The managed resources the references name, through module inputs and outputs."""
        if hops > MAX_HOPS:
            return set()
        out: set[Address] = set()
        names = tuple(m for m, _ in modules)
        for ref in most_specific(found):
            if m := REF_MODULE.fullmatch(ref):
                call = self._module_calls.get((*names, m.group(1)))
                output = m.group(3)
                if call is None or output is None:
                    continue
                outputs = dig(call, "module", "outputs")
                expr = dig(outputs, output, "expression") if isinstance(outputs, dict) else None
                key: ModKey = parse_key(m.group(2)) if m.group(2) else ANY_KEY
                inner = (*modules, (m.group(1), key))
                out |= self.resolve(refs(expr), inner, None, hops + 1)
            elif (v := REF_VAR.fullmatch(ref)) and modules:
                call = self._module_calls.get(names)
                expr = dig(call, "expressions", v.group(1)) if call else None
                out |= self.resolve(refs(expr), modules[:-1], modules[-1][1], hops + 1)
            elif (r := REF_RESOURCE.match(ref)) and r.group(1) not in NOT_RESOURCES:
                out.update(find(self.managed, ref, modules, own, found))
        return out


def dig(node: Any, *keys: str) -> Any:
    """The value at `keys`, or None where the plan's JSON has no object on the way."""
    for k in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(k)
    return node


def show(v: Any) -> str:
    """A value as a diagnostic quotes it: JSON, cut to 40 characters."""
    try:
        text = json.dumps(v, default=str)
    except (TypeError, ValueError):
        text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."
