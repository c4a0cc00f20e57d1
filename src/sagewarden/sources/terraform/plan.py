"""Reading a plan document: which entries it has, each checked for shape.

`resource_changes` holds what the plan does to each resource (the first of duplicate
addresses counts; the deposed objects of a create-before-destroy replace are being
destroyed); `planned_values` holds resources older formats list only there. Every entry
is indexed first (references between resources need all of them), then each SageMaker
entry the plan leaves in place is built into a resource (resource). A part of the document
of the wrong shape is one diagnostic naming the file and the entry; the rest is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sagewarden.diagnostics import Diagnostic, Diagnostics
from sagewarden.resources import Resource
from sagewarden.sources.limits import depth_message, too_deep
from sagewarden.sources.terraform.addresses import Address, add, parse_address
from sagewarden.sources.terraform.index import PlanIndex, dig, show
from sagewarden.sources.terraform.resource import ResourceBuilder, mark_sensitive, stays
from sagewarden.valuetext import a_kind


def is_plan(doc: object) -> bool:
    """True for the JSON `terraform show -json PLANFILE` prints."""
    return (
        isinstance(doc, dict)
        and "format_version" in doc
        and ("planned_values" in doc or "resource_changes" in doc)
    )


def read_plan(doc: dict[str, Any], file: str) -> tuple[list[Resource], list[Diagnostic]]:
    """The SageMaker resources a plan leaves in place, and problems found reading it."""
    deep = too_deep(doc)
    if deep is not None:
        return [], [Diagnostic(_deep_where(doc, file, deep), depth_message(deep))]
    reader = _PlanReader(doc, file)
    reader.read()
    return reader.build.resources, reader.diags.items


def _deep_where(doc: dict[str, Any], file: str, path: str) -> str:
    """The file, and the resource address when the deep value is inside a change."""
    m = re.match(r"resource_changes\[(\d+)\]", path)
    changes = doc.get("resource_changes")
    if m and isinstance(changes, list) and int(m.group(1)) < len(changes):
        address = dig(changes[int(m.group(1))], "address")
        if isinstance(address, str):
            return f"{file}: {address}"
    return file


class _PlanReader:
    """One plan document: its entries indexed, then each SageMaker entry built."""

    def __init__(self, doc: Any, file: str) -> None:
        self.doc = doc
        self.file = file
        self.diags = Diagnostics()
        self.plan = PlanIndex(doc)
        self.build = ResourceBuilder(self.plan, file, self.diags)

    def read(self) -> None:
        if not isinstance(self.doc, dict):
            self.diags.add(self.file, f"not a Terraform plan: the document is {a_kind(self.doc)}")
            return
        changes = self._changes()
        planned = self._planned()
        for address in planned:
            parsed = parse_address(address)
            if address not in changes and parsed is not None and not parsed.data:
                add(self.plan.managed, parsed)
        for address, entry in changes.items():
            if entry["addr"].data:
                add(self.plan.deferred, entry["addr"])
            elif stays(entry):
                add(self.plan.managed, entry["addr"])
            self.plan.unknowns[address] = dig(entry, "change", "after_unknown")
        self.plan.index_configuration()
        for address, entry in changes.items():
            self.build.from_change(address, entry)
        for address, values in planned.items():
            if address not in changes:
                self.build.from_planned(address, values)

    def _changes(self) -> dict[str, dict[str, Any]]:
        """Valid resource_changes entries by address (the first of duplicates), each with
        its parsed address under "addr"."""
        raw = self.doc.get("resource_changes")
        out: dict[str, dict[str, Any]] = {}
        if raw is None:
            return out
        if not isinstance(raw, list):
            self.diags.add(self.file, f"resource_changes is {a_kind(raw)}, not a list")
            return out
        for i, item in enumerate(raw):
            where = f"{self.file}: resource_changes[{i}]"
            if not isinstance(item, dict):
                self.diags.add(where, f"is {a_kind(item)}, not an object")
                continue
            address = item.get("address")
            if not isinstance(address, str) or not address:
                self.diags.add(where, f"address is {show(address)}, not a resource address")
                continue
            if item.get("deposed") is not None:
                continue  # an old object of a create-before-destroy replace, being destroyed
            parsed = parse_address(address)
            if parsed is None:
                self.diags.add(f"{self.file}: {address}", "not a resource address")
                continue
            if address in out:
                self.diags.add(f"{self.file}: {address}", "appears twice in resource_changes")
                continue
            mode = item.get("mode")
            if mode == "data" and not parsed.data:
                parsed = Address(parsed.modules, True, parsed.type, parsed.name, parsed.key)
            out[address] = {**item, "addr": parsed}
        return out

    def _planned(self) -> dict[str, Any]:
        """planned_values resources by address: their `values` (anything, checked later)."""
        out: dict[str, Any] = {}
        pv = self.doc.get("planned_values")
        if pv is None:
            return out
        if not isinstance(pv, dict):
            self.diags.add(self.file, f"planned_values is {a_kind(pv)}, not an object")
            return out
        root = pv.get("root_module")
        if root is None:
            return out
        for module, where in self._walk_modules(root, "planned_values.root_module"):
            resources = module.get("resources", [])
            if not isinstance(resources, list):
                self.diags.add(self.file, f"{where}.resources is {a_kind(resources)}, not a list")
                continue
            for i, item in enumerate(resources):
                if not isinstance(item, dict) or not isinstance(item.get("address"), str):
                    self.diags.add(self.file, f"{where}.resources[{i}] is not a resource object")
                    continue
                if item.get("mode", "managed") != "managed":
                    continue
                values = item.get("values")
                if isinstance(values, dict):
                    values = mark_sensitive(values, item.get("sensitive_values"))
                out.setdefault(item["address"], values)
        return out

    def _walk_modules(self, module: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
        if not isinstance(module, dict):
            self.diags.add(self.file, f"{where} is {a_kind(module)}, not an object")
            return
        yield module, where
        children = module.get("child_modules", [])
        if not isinstance(children, list):
            self.diags.add(self.file, f"{where}.child_modules is {a_kind(children)}, not a list")
            return
        for i, child in enumerate(children):
            yield from self._walk_modules(child, f"{where}.child_modules[{i}]")
