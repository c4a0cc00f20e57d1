"""One SageMaker entry of a plan -> one canonical resource.

The entry's `change` is checked piece by piece (a malformed one is kept with `read_error`,
so its controls say ERROR rather than nothing), its values merged with what is unknown
(unknowns), its Terraform names and blocks converted to CloudFormation's (mapping), its
tags read (tags), and what `after_sensitive` marks secret wrapped so it is never shown.
`id` is the Terraform address, `name` the resource's own name when known (else the
address), `arn` the planned ARN when known; the plan has no line numbers.
"""

from __future__ import annotations

from typing import Any

from sagewarden.diagnostics import Diagnostics, Kind
from sagewarden.kinds import TAGGED_TYPES
from sagewarden.resources import Provenance, Resource
from sagewarden.sensitive import Sensitive, SensitiveText, sensitive
from sagewarden.sources.terraform.addresses import Address, parse_address
from sagewarden.sources.terraform.expressions import UNSET
from sagewarden.sources.terraform.index import Context, PlanIndex, dig, show
from sagewarden.sources.terraform.mapping import FREE_FORM, TYPES, TypeMap
from sagewarden.sources.terraform.tags import read_tags
from sagewarden.sources.terraform.unknowns import merge
from sagewarden.valuetext import a_kind

EVALUATED_ACTIONS = frozenset({"no-op", "create", "update"})
_KNOWN_ACTIONS = EVALUATED_ACTIONS | {"delete", "read", "forget"}


def stays(entry: dict[str, Any]) -> bool:
    """The change leaves the resource in place (created, updated, replaced or kept)."""
    actions = dig(entry, "change", "actions")
    return isinstance(actions, list) and any(
        isinstance(a, str) and a in EVALUATED_ACTIONS for a in actions
    )


class ResourceBuilder:
    """Builds the resources of one plan file into `resources`, problems into `diags`."""

    def __init__(self, plan: PlanIndex, file: str, diags: Diagnostics) -> None:
        self.plan = plan
        self.file = file
        self.diags = diags
        self.resources: list[Resource] = []

    def from_change(self, address: str, entry: dict[str, Any]) -> None:
        """A resource_changes entry (its parsed address under "addr")."""
        addr: Address = entry["addr"]
        rtype = entry.get("type") if isinstance(entry.get("type"), str) else addr.type
        tmap = TYPES.get(str(rtype))
        if tmap is None or addr.data:
            return  # not a SageMaker resource, or a data source
        where = f"{self.file}: {address}"
        change = entry.get("change")
        if not isinstance(change, dict):
            self._unreadable(address, addr, tmap, f"change is {a_kind(change)}, not an object")
            return
        actions = change.get("actions")
        if (
            not isinstance(actions, list)
            or not actions
            or not all(isinstance(a, str) for a in actions)
        ):
            self._unreadable(
                address, addr, tmap, f"actions is {show(actions)}, not a list of actions"
            )
            return
        unknown_actions = [a for a in actions if a not in _KNOWN_ACTIONS]
        if unknown_actions:
            self.diags.add(where, f"unknown action(s) {', '.join(unknown_actions)}")
        if not EVALUATED_ACTIONS.intersection(actions):
            return  # destroyed, forgotten or read: nothing left to evaluate
        after = change.get("after")
        if not isinstance(after, dict):
            self._unreadable(address, addr, tmap, f"change.after is {a_kind(after)}, not an object")
            return
        after = mark_sensitive(after, change.get("after_sensitive"))
        unknown = change.get("after_unknown")
        if unknown is None or unknown is False:
            unknown = {}
        if not isinstance(unknown, dict):
            self._unreadable(
                address,
                addr,
                tmap,
                f"change.after_unknown is {a_kind(unknown)}, not an object",
            )
            return
        ctx = Context(address, addr, tmap, self.plan.config_for(addr), unknown)
        self._build(ctx, after, unknown, actions)

    def from_planned(self, address: str, values: Any) -> None:
        """A planned_values resource that has no resource_changes entry (older formats)."""
        addr = parse_address(address)
        if addr is None or addr.data:
            return
        tmap = TYPES.get(addr.type)
        if tmap is None:
            return
        if not isinstance(values, dict):
            self._unreadable(address, addr, tmap, f"values is {a_kind(values)}, not an object")
            return
        ctx = Context(address, addr, tmap, self.plan.config_for(addr), {})
        self._build(ctx, values, {}, None)

    def _build(
        self,
        ctx: Context,
        after: dict[str, Any],
        unknown: dict[str, Any],
        actions: list[str] | None,
    ) -> None:
        merged = merge(after, unknown, (), ctx, self.plan)
        assert isinstance(merged, dict)
        tmap = ctx.tmap
        body = {k: v for k, v in merged.items() if k not in tmap.drop}
        props = self._convert(body, "", ctx)
        assert isinstance(props, dict)
        name_value = merged.get(tmap.name_attr)
        arn = merged.get(tmap.arn_attr) if tmap.arn_attr else None
        if isinstance(name_value, Sensitive):
            name_value = None  # the address names it instead
        if isinstance(arn, Sensitive):
            arn = None
        resource = Resource(
            type=tmap.cfn_type,
            id=ctx.address,
            name=name_value if isinstance(name_value, str) and name_value else ctx.address,
            properties=props,
            tags=None,
            provenance=Provenance("terraform", file=self.file),
            arn=arn if isinstance(arn, str) and arn else None,
            extra={"terraform_type": ctx.addr.type},
        )
        if actions is not None:
            resource.extra["terraform_actions"] = list(actions)
        where = f"{self.file}: {ctx.address}"
        tags, why = read_tags(merged, ctx, self.plan, where, self.diags)
        resource.tags = tags
        if why is not None:
            resource.extra["tags_unresolved"] = why
            if tmap.cfn_type in TAGGED_TYPES:
                self.diags.add(
                    where,
                    f"tag keys are not all known before apply ({why}); tag controls judge "
                    "by the keys known now",
                    Kind.INFO,
                )
        self.resources.append(resource)

    def _unreadable(self, address: str, addr: Address, tmap: TypeMap, why: str) -> None:
        self.diags.add(f"{self.file}: {address}", why)
        self.resources.append(
            Resource(
                type=tmap.cfn_type,
                id=address,
                name=address,
                properties={},
                tags=None,
                provenance=Provenance("terraform", file=self.file),
                read_error=why,
                extra={"terraform_type": addr.type},
            )
        )

    def _convert(self, value: Any, path: str, ctx: Context) -> Any:
        """Terraform names and blocks -> CloudFormation names and objects."""
        if path in ctx.tmap.objects and isinstance(value, list):
            if not value:
                return UNSET  # no block: the property is absent
            if len(value) == 1:
                value = value[0]
            else:
                self.diags.add(
                    f"{self.file}: {ctx.address}",
                    f"{path} has {len(value)} blocks where one is allowed",
                )
        if isinstance(value, dict):
            if path.rsplit(".", 1)[-1] in FREE_FORM:
                return {k: v for k, v in value.items() if v is not None}
            out: dict[str, Any] = {}
            for k, v in value.items():
                if v is None:
                    continue  # null: absent
                sub = f"{path}.{k}" if path else k
                converted = self._convert(v, sub, ctx)
                if converted is not UNSET:
                    out[ctx.tmap.property_name(sub, k)] = converted
            return out
        if isinstance(value, list):
            return [self._convert(v, path, ctx) for v in value]
        return value


def mark_sensitive(value: Any, marks: Any) -> Any:
    """`value` with what `after_sensitive` / `sensitive_values` marks secret wrapped as
    Sensitive: it still decides verdicts, but is never shown (a whole sensitive map hides
    its keys too)."""
    if marks is True:
        if isinstance(value, dict):
            return {SensitiveText(str(k)): sensitive(v) for k, v in value.items()}
        return sensitive(value)
    if isinstance(marks, dict) and marks and isinstance(value, dict):
        return {k: mark_sensitive(v, marks.get(k)) for k, v in value.items()}
    if isinstance(marks, list) and marks and isinstance(value, list):
        return [
            mark_sensitive(v, marks[i] if i < len(marks) else None) for i, v in enumerate(value)
        ]
    return value
