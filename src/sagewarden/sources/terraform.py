"""Terraform plans (`terraform show -json PLANFILE`) as a source.

Each SageMaker resource the plan leaves in place (create, update, replace, no-op) becomes a
canonical resource with CloudFormation property names (the table in terraform_map);
destroyed and forgotten resources and data sources are not evaluated. Values come from
`resource_changes[].change.after`; resources found only in `planned_values` (older
formats) use those values.

Decisions:

- Unknown values. Where `after_unknown` marks a value known only after apply, the
  property holds an `UnresolvedValue` (a whole block when the whole block is unknown), so
  controls answer UNKNOWN instead of guessing. Its reason names the reference when the
  configuration shows a single one ("comes from aws_subnet.private.id, known only after
  apply"), and when that reference is a resource of the plan, `target` is its full
  address so SageMaker.14 can follow a schedule to a job definition whose name is not yet
  known. An unknown value the configuration does not set at all is a default the provider
  or AWS fills in at apply (awscc marks almost every optional attribute so): it is left
  absent, so the controls apply the AWS default, as for any unset field. Where one
  non-constant expression sets a whole awscc object, the plan does not say which fields
  it sets: an unknown field counts as set when an unknown reference of the expression can
  feed it (its attribute name ends the field's name: `monitoring_job_definition_name` <-
  `...dq.job_definition_name`), as unset when every unknown reference feeds another field,
  and stays unknown otherwise. An unknown inside an aws block the configuration does not
  show (a `dynamic` block) stays unknown.
- Absent and null attributes stay absent (the controls apply the AWS defaults).
- Tags are a map of keys (values never matter). aws: `tags_all`, which includes the
  provider's `default_tags`; when `tags_all` is known only after apply (a tag value comes
  from another resource), the keys are those of `tags` plus the provider's `default_tags`
  read from the plan's configuration. When even that leaves keys unknown (tags built by an
  expression, default tags from a non-constant expression), the keys known now are used,
  `extra["tags_unresolved"]` says why and an INFO diagnostic is added: a resource with
  the required keys passes, one without them may gain them at apply. awscc: `tags`, a list
  of {key, value}. No tags in the plan means no tags ({}), never "not recorded".
- Resource: `id` is the Terraform address, `name` the resource's own name when known
  (else the address), `arn` the planned ARN when known. The plan has no line numbers.
- Malformed input gives one diagnostic per problem naming the file and the address; a
  SageMaker resource that cannot be read is kept with `read_error`, so its controls say
  ERROR rather than nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeAlias

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.kinds import TAGGED_TYPES
from sagewarden.resources import Provenance, Resource
from sagewarden.sensitive import SENSITIVE, Sensitive, SensitiveText, sensitive
from sagewarden.sources.limits import depth_message, too_deep
from sagewarden.sources.terraform_map import AWS_PROVIDER, FREE_FORM, TYPES, TypeMap
from sagewarden.unknowns import UnresolvedValue
from sagewarden.valuetext import a_kind

AFTER_APPLY = "is known only after apply"

# Types whose controls read tags: only there is an incomplete tag set worth a diagnostic.

_EVALUATED_ACTIONS = frozenset({"no-op", "create", "update"})
_KNOWN_ACTIONS = _EVALUATED_ACTIONS | {"delete", "read", "forget"}
_MAX_HOPS = 8  # references followed through module inputs and outputs


class _AnyKey:
    """A module instance key not known from the reference: any instance matches."""


ANY_KEY = _AnyKey()
Key: TypeAlias = "int | str | None"
ModKey: TypeAlias = "int | str | _AnyKey | None"
Path: TypeAlias = "tuple[str | int, ...]"
_Pool: TypeAlias = "dict[tuple[str, str], list[Address]]"  # instances by (type, name)


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
    return reader.resources, reader.diagnostics


def _deep_where(doc: dict[str, Any], file: str, path: str) -> str:
    """The file, and the resource address when the deep value is inside a change."""
    m = re.match(r"resource_changes\[(\d+)\]", path)
    changes = doc.get("resource_changes")
    if m and isinstance(changes, list) and int(m.group(1)) < len(changes):
        address = _dig(changes[int(m.group(1))], "address")
        if isinstance(address, str):
            return f"{file}: {address}"
    return file


# -- addresses ----------------------------------------------------------------------------

_KEY = r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]'
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_MODULE_STEP = re.compile(rf"module\.({_NAME})({_KEY})?\.")
_RESOURCE = re.compile(rf"(data\.)?({_NAME})\.({_NAME})({_KEY})?$")
_REF_MODULE = re.compile(rf"module\.({_NAME})({_KEY})?(?:\.({_NAME}))?")
_REF_VAR = re.compile(rf"var\.({_NAME})")
_REF_RESOURCE = re.compile(rf"({_NAME})\.({_NAME})({_KEY})?")
_NOT_RESOURCES = frozenset(
    {"count", "each", "path", "terraform", "self", "local", "data", "var", "module"}
)
# Attributes the provider computes and the configuration never sets.
_COMPUTED_ONLY = frozenset({"tags_all"})


@dataclass(frozen=True)
class Address:
    """A resource instance address, in parts."""

    modules: tuple[tuple[str, Key], ...]
    data: bool
    type: str
    name: str
    key: Key

    @property
    def module_names(self) -> tuple[str, ...]:
        return tuple(m for m, _ in self.modules)


def _parse_key(text: str | None) -> Key:
    if not text:
        return None
    inner = text[1:-1]
    if inner.startswith('"'):
        try:
            value = json.loads(inner)
        except ValueError:
            return inner[1:-1]  # an escape JSON does not know: keep the text
        return value if isinstance(value, str) else None
    try:
        return int(inner)
    except ValueError:  # more digits than Python converts: no plan counts that far
        return inner


def parse_address(address: str) -> Address | None:
    """`module.a["x"].module.b.aws_t.n[0]` -> its parts; None when it is no address."""
    modules: list[tuple[str, Key]] = []
    pos = 0
    while True:
        m = _MODULE_STEP.match(address, pos)
        if m is None:
            break
        modules.append((m.group(1), _parse_key(m.group(2))))
        pos = m.end()
    r = _RESOURCE.match(address, pos)
    if r is None or r.group(2) == "module":
        return None
    return Address(tuple(modules), bool(r.group(1)), r.group(2), r.group(3), _parse_key(r.group(4)))


def _key_matches(want: ModKey, have: Key) -> bool:
    return isinstance(want, _AnyKey) or want == have


# -- values -------------------------------------------------------------------------------


class _Unset:
    """The configuration does not set the attribute."""


_UNSET = _Unset()
_UNSET_IN_CONSTANT = _Unset()  # a constant object that leaves the field out


@dataclass
class _Context:
    """One resource being read: where it sits, for references and diagnostics."""

    address: str
    addr: Address
    tmap: TypeMap
    config: dict[str, Any] | None  # its configuration block, when the plan has one
    unknown: dict[str, Any]  # its after_unknown


class _PlanReader:
    def __init__(self, doc: Any, file: str) -> None:
        self.doc = doc
        self.file = file
        self.resources: list[Resource] = []
        self.diagnostics: list[Diagnostic] = []
        self._managed: _Pool = {}  # every managed resource the plan leaves in place
        self._deferred: _Pool = {}  # data sources read only at apply
        self._unknowns: dict[str, Any] = {}  # after_unknown by address
        self._config_resources: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
        self._module_calls: dict[tuple[str, ...], dict[str, Any]] = {}
        self._has_config = False

    # -- reading ----------------------------------------------------------------------

    def read(self) -> None:
        if not isinstance(self.doc, dict):
            self._diag(self.file, f"not a Terraform plan: the document is {a_kind(self.doc)}")
            return
        changes = self._changes()
        planned = self._planned()
        for address in planned:
            parsed = parse_address(address)
            if address not in changes and parsed is not None and not parsed.data:
                _add(self._managed, parsed)
        for address, entry in changes.items():
            if entry["addr"].data:
                _add(self._deferred, entry["addr"])
            elif _stays(entry):
                _add(self._managed, entry["addr"])
            self._unknowns[address] = _dig(entry, "change", "after_unknown")
        self._index_configuration()
        for address, entry in changes.items():
            self._from_change(address, entry)
        for address, values in planned.items():
            if address not in changes:
                self._from_planned(address, values)

    def _changes(self) -> dict[str, dict[str, Any]]:
        """Valid resource_changes entries by address (the first of duplicates), each with
        its parsed address under "addr"."""
        raw = self.doc.get("resource_changes")
        out: dict[str, dict[str, Any]] = {}
        if raw is None:
            return out
        if not isinstance(raw, list):
            self._diag(self.file, f"resource_changes is {a_kind(raw)}, not a list")
            return out
        for i, item in enumerate(raw):
            where = f"{self.file}: resource_changes[{i}]"
            if not isinstance(item, dict):
                self._diag(where, f"is {a_kind(item)}, not an object")
                continue
            address = item.get("address")
            if not isinstance(address, str) or not address:
                self._diag(where, f"address is {_show(address)}, not a resource address")
                continue
            if item.get("deposed") is not None:
                continue  # an old object of a create-before-destroy replace, being destroyed
            parsed = parse_address(address)
            if parsed is None:
                self._diag(f"{self.file}: {address}", "not a resource address")
                continue
            if address in out:
                self._diag(f"{self.file}: {address}", "appears twice in resource_changes")
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
            self._diag(self.file, f"planned_values is {a_kind(pv)}, not an object")
            return out
        root = pv.get("root_module")
        if root is None:
            return out
        for module, where in self._walk_modules(root, "planned_values.root_module"):
            resources = module.get("resources", [])
            if not isinstance(resources, list):
                self._diag(self.file, f"{where}.resources is {a_kind(resources)}, not a list")
                continue
            for i, item in enumerate(resources):
                if not isinstance(item, dict) or not isinstance(item.get("address"), str):
                    self._diag(self.file, f"{where}.resources[{i}] is not a resource object")
                    continue
                if item.get("mode", "managed") != "managed":
                    continue
                values = item.get("values")
                if isinstance(values, dict):
                    values = _mark_sensitive(values, item.get("sensitive_values"))
                out.setdefault(item["address"], values)
        return out

    def _walk_modules(self, module: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
        if not isinstance(module, dict):
            self._diag(self.file, f"{where} is {a_kind(module)}, not an object")
            return
        yield module, where
        children = module.get("child_modules", [])
        if not isinstance(children, list):
            self._diag(self.file, f"{where}.child_modules is {a_kind(children)}, not a list")
            return
        for i, child in enumerate(children):
            yield from self._walk_modules(child, f"{where}.child_modules[{i}]")

    # -- one resource -------------------------------------------------------------------

    def _from_change(self, address: str, entry: dict[str, Any]) -> None:
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
                address, addr, tmap, f"actions is {_show(actions)}, not a list of actions"
            )
            return
        unknown_actions = [a for a in actions if a not in _KNOWN_ACTIONS]
        if unknown_actions:
            self._diag(where, f"unknown action(s) {', '.join(unknown_actions)}")
        if not _EVALUATED_ACTIONS.intersection(actions):
            return  # destroyed, forgotten or read: nothing left to evaluate
        after = change.get("after")
        if not isinstance(after, dict):
            self._unreadable(address, addr, tmap, f"change.after is {a_kind(after)}, not an object")
            return
        after = _mark_sensitive(after, change.get("after_sensitive"))
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
        ctx = _Context(address, addr, tmap, self._config_for(addr), unknown)
        self._build(ctx, after, unknown, actions)

    def _from_planned(self, address: str, values: Any) -> None:
        addr = parse_address(address)
        if addr is None or addr.data:
            return
        tmap = TYPES.get(addr.type)
        if tmap is None:
            return
        if not isinstance(values, dict):
            self._unreadable(address, addr, tmap, f"values is {a_kind(values)}, not an object")
            return
        ctx = _Context(address, addr, tmap, self._config_for(addr), {})
        self._build(ctx, values, {}, None)

    def _build(
        self,
        ctx: _Context,
        after: dict[str, Any],
        unknown: dict[str, Any],
        actions: list[str] | None,
    ) -> None:
        merged = self._merge(after, unknown, (), ctx)
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
        tags, why = self._tags(merged, ctx)
        resource.tags = tags
        if why is not None:
            resource.extra["tags_unresolved"] = why
            if tmap.cfn_type in TAGGED_TYPES:
                self._diag(
                    f"{self.file}: {ctx.address}",
                    f"tag keys are not all known before apply ({why}); tag controls judge "
                    "by the keys known now",
                    Kind.INFO,
                )
        self.resources.append(resource)

    def _unreadable(self, address: str, addr: Address, tmap: TypeMap, why: str) -> None:
        self._diag(f"{self.file}: {address}", why)
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

    # -- unknowns -----------------------------------------------------------------------

    def _merge(self, value: Any, unknown: Any, path: Path, ctx: _Context) -> Any:
        """`after` with a placeholder wherever `after_unknown` has a true leaf."""
        if unknown is True:
            return self._placeholder(path, ctx)
        if isinstance(unknown, dict) and unknown:
            base = dict(value) if isinstance(value, dict) else {}
            for k, u in unknown.items():
                merged = self._merge(base.get(k), u, (*path, k), ctx)
                if merged is _UNSET:
                    base.pop(k, None)
                else:
                    base[k] = merged
            return base
        if isinstance(unknown, list) and isinstance(value, list) and unknown:
            out: list[Any] = []
            for i in range(max(len(value), len(unknown))):
                v = value[i] if i < len(value) else None
                u = unknown[i] if i < len(unknown) else False
                merged = self._merge(v, u, (*path, i), ctx)
                out.append(None if merged is _UNSET else merged)
            return out
        return value

    def _placeholder(self, path: Path, ctx: _Context) -> Any:
        if ctx.config is None or path[0] in _COMPUTED_ONLY:
            return UnresolvedValue(AFTER_APPLY)
        expr, depth = _expression_at(ctx.config.get("expressions"), path)
        if expr is _UNSET_IN_CONSTANT:
            return _UNSET
        if expr is _UNSET:
            block = ".".join(s for s in path[: depth + 1] if isinstance(s, str))
            if (depth + 1 < len(path) and isinstance(path[depth + 1], int)) or (
                block in ctx.tmap.objects
            ):
                # A block the configuration does not show may come from a `dynamic` block.
                return UnresolvedValue(AFTER_APPLY)
            return _UNSET  # not set in the configuration: a default filled in at apply
        refs = _all_refs(expr)
        exact = depth == len(path) and _is_expression(expr)
        if _is_expression(expr) and any(isinstance(step, str) for step in path[depth:]):
            # One expression sets a whole object (awscc): which of its fields it sets,
            # only the references can tell.
            fed = self._feeding(refs, path, depth, ctx)
            if fed is None:
                return _UNSET
            refs, exact = fed
        target = self._target(refs, ctx)
        return UnresolvedValue(_why(refs, exact, target), target=target)

    def _feeding(
        self, refs: list[str], path: Path, depth: int, ctx: _Context
    ) -> tuple[list[str], bool] | None:
        """The references that may set the unknown field at `path` of an object expression.

        None when none can: every unknown input is accounted for by another field (matched
        by name: `monitoring_job_definition_name` <- `...dq.job_definition_name`), so the
        field is unset and the provider fills in a default.
        """
        unknown_refs = [r for r in refs if self._may_be_unknown(r, refs, ctx)]
        if not unknown_refs:
            return None
        field = next(s for s in reversed(path) if isinstance(s, str))
        mine = [r for r in unknown_refs if _feeds(r, field)]
        if mine:
            return mine, True
        leaves = set(_unknown_leaves(_walk(ctx.unknown, path[:depth])))
        if all(any(_feeds(r, leaf) for leaf in leaves) for r in unknown_refs):
            return None
        return unknown_refs, False

    def _may_be_unknown(self, ref: str, refs: list[str], ctx: _Context) -> bool:
        root = _root(ref)
        if root is None or root.startswith("var."):
            return False  # count.index, each.key, variables: known at plan
        attr = _attribute(ref, root)
        if attr is None:
            # The bare resource is listed beside each of its attributes: judge those.
            return not any(o != ref and _root(o) == root for o in refs)
        if ref.startswith("data."):
            # Read at plan time (known) unless the plan defers the read to apply.
            found = _find(self._deferred, ref[5:], ctx.addr.modules, ctx.addr.key, refs)
        elif (r := _REF_RESOURCE.match(ref)) and r.group(1) not in _NOT_RESOURCES:
            found = list(self._resolve([ref], ctx.addr.modules, ctx.addr.key, 0))
            if not found:
                return True
        else:
            return True  # locals, module outputs: cannot tell
        return any(_has_unknown(_dig(self._unknowns.get(_format(a)), attr)) for a in found)

    def _target(self, refs: list[str], ctx: _Context) -> str | None:
        """The one resource of the plan the references lead to, if there is one."""
        found = self._resolve(refs, ctx.addr.modules, ctx.addr.key, 0)
        if len(found) != 1:
            return None
        a = next(iter(found))
        return _format(a)

    def _resolve(
        self, refs: list[str], modules: tuple[tuple[str, ModKey], ...], own: ModKey, hops: int
    ) -> set[Address]:
        if hops > _MAX_HOPS:
            return set()
        out: set[Address] = set()
        names = tuple(m for m, _ in modules)
        for ref in _most_specific(refs):
            if m := _REF_MODULE.fullmatch(ref):
                call = self._module_calls.get((*names, m.group(1)))
                output = m.group(3)
                if call is None or output is None:
                    continue
                outputs = _dig(call, "module", "outputs")
                expr = _dig(outputs, output, "expression") if isinstance(outputs, dict) else None
                key: ModKey = _parse_key(m.group(2)) if m.group(2) else ANY_KEY
                inner = (*modules, (m.group(1), key))
                out |= self._resolve(_refs(expr), inner, None, hops + 1)
            elif (v := _REF_VAR.fullmatch(ref)) and modules:
                call = self._module_calls.get(names)
                expr = _dig(call, "expressions", v.group(1)) if call else None
                out |= self._resolve(_refs(expr), modules[:-1], modules[-1][1], hops + 1)
            elif (r := _REF_RESOURCE.match(ref)) and r.group(1) not in _NOT_RESOURCES:
                out.update(_find(self._managed, ref, modules, own, refs))
        return out

    # -- conversion ---------------------------------------------------------------------

    def _convert(self, value: Any, path: str, ctx: _Context) -> Any:
        """Terraform names and blocks -> CloudFormation names and objects."""
        if path in ctx.tmap.objects and isinstance(value, list):
            if not value:
                return _UNSET  # no block: the property is absent
            if len(value) == 1:
                value = value[0]
            else:
                self._diag(
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
                if converted is not _UNSET:
                    out[ctx.tmap.property_name(sub, k)] = converted
            return out
        if isinstance(value, list):
            return [self._convert(v, path, ctx) for v in value]
        return value

    # -- tags ---------------------------------------------------------------------------

    def _tags(
        self, merged: dict[str, Any], ctx: _Context
    ) -> tuple[dict[str, str] | None, str | None]:
        """Tag keys, and why they may be incomplete (None when they are complete)."""
        where = f"{self.file}: {ctx.address}"
        if ctx.tmap.provider != AWS_PROVIDER:
            return self._tag_list(merged.get("tags"), where)
        tags_all = merged.get("tags_all")
        own = merged.get("tags")
        if isinstance(tags_all, dict):
            return _secret_as_in(_tag_map(tags_all), own), None
        if tags_all is not None and not isinstance(tags_all, UnresolvedValue):
            self._diag(where, f"tags_all is {a_kind(tags_all)}, not a map")
            return None, None
        if own is not None and not isinstance(own, (dict, UnresolvedValue)):
            self._diag(where, f"tags is {a_kind(own)}, not a map")
            return None, None
        known = _tag_map(own) if isinstance(own, dict) else {}
        if tags_all is None:  # no tags_all (an older provider): tags is all there is
            return known, f"tags {own.why}" if isinstance(own, UnresolvedValue) else None
        reasons: list[str] = []
        if isinstance(own, UnresolvedValue):
            reasons.append(f"tags {own.why}")
        defaults, why = self._default_tags(ctx)
        if why is not None:
            reasons.append(why)
        return {**defaults, **known}, "; ".join(reasons) or None

    def _tag_list(self, raw: Any, where: str) -> tuple[dict[str, str] | None, str | None]:
        """awscc tags: a list of {key, value}; no list means no tags."""
        if raw is None:
            return {}, None
        if isinstance(raw, UnresolvedValue):
            return {}, f"tags {raw.why}"
        if not isinstance(raw, list):
            self._diag(where, f"tags is {a_kind(raw)}, not a list of {{key, value}}")
            return None, None
        out: dict[str, str] = {}
        why: str | None = None
        for item in raw:
            key = item.get("key") if isinstance(item, dict) else item
            if isinstance(key, UnresolvedValue) or isinstance(item, UnresolvedValue):
                why = f"a tag key {AFTER_APPLY}"
                continue
            if not isinstance(item, dict) or not isinstance(key, str):
                self._diag(where, "tags is not a list of {key, value}")
                return None, None
            value = item.get("value")
            out[key] = value if isinstance(value, str) else ""
        return out, why

    def _default_tags(self, ctx: _Context) -> tuple[dict[str, str], str | None]:
        """The provider's default_tags keys from the configuration, and why not, if not."""
        if not self._has_config or ctx.config is None:
            return {}, "the plan has no configuration to read the provider's default_tags from"
        key = ctx.config.get("provider_config_key")
        configs = _dig(self.doc, "configuration", "provider_config")
        if not isinstance(key, str) or not isinstance(configs, dict):
            return {}, None
        provider = configs.get(key)
        if (not isinstance(provider, dict) or "expressions" not in provider) and ":" in key:
            key = key.rsplit(":", 1)[1]  # a module's provider inherited from the root
            provider = configs.get(key)
        blocks = _dig(provider, "expressions", "default_tags") if provider else None
        if not blocks:
            return {}, None
        if not isinstance(blocks, list) or not isinstance(blocks[0], dict):
            return {}, "the provider's default_tags cannot be read from the plan"
        expr = blocks[0].get("tags")
        if expr is None:
            return {}, None
        if isinstance(expr, dict) and isinstance(expr.get("constant_value"), dict):
            return _tag_map(expr["constant_value"]), None
        refs = _refs(expr)
        if len(refs) == 1 and ":" not in key and (v := _REF_VAR.fullmatch(refs[0])):
            value = _dig(self.doc, "variables", v.group(1), "value")
            if isinstance(value, dict):
                return _tag_map(value), None
        return {}, "the provider's default_tags come from an expression not in the plan"

    # -- configuration ------------------------------------------------------------------

    def _index_configuration(self) -> None:
        config = self.doc.get("configuration")
        if not isinstance(config, dict):
            return
        root = config.get("root_module")
        if not isinstance(root, dict):
            return
        self._has_config = True
        self._index_module(root, ())

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

    def _config_for(self, addr: Address) -> dict[str, Any] | None:
        return self._config_resources.get((addr.module_names, f"{addr.type}.{addr.name}"))

    def _diag(self, where: str, message: str, kind: Kind = Kind.INPUT) -> None:
        self.diagnostics.append(Diagnostic(where, message, kind))


# -- helpers ------------------------------------------------------------------------------


def _add(pool: _Pool, a: Address) -> None:
    pool.setdefault((a.type, a.name), []).append(a)


def _find(
    pool: _Pool,
    ref: str,
    modules: tuple[tuple[str, ModKey], ...],
    own: ModKey,
    refs: list[str],
) -> list[Address]:
    """The instances in `pool` a resource reference (`T.N[key].attr`) names.

    Without a key, a reference inside an iterated expression (count.index, each.key)
    means the instance with the referring resource's own key.
    """
    r = _REF_RESOURCE.match(ref)
    if r is None:
        return []
    names = tuple(m for m, _ in modules)
    given = r.group(3)
    candidates = [
        a
        for a in pool.get((r.group(1), r.group(2)), ())
        if a.module_names == names
        and all(_key_matches(w, h) for (_, w), (_, h) in zip(modules, a.modules, strict=True))
        and (not given or a.key == _parse_key(given))
    ]
    iterated = any(x in ("count.index", "each.key", "each.value") for x in refs)
    if len(candidates) > 1 and iterated:
        candidates = [a for a in candidates if a.key == own]
    return candidates


def _stays(entry: dict[str, Any]) -> bool:
    actions = _dig(entry, "change", "actions")
    return isinstance(actions, list) and any(
        isinstance(a, str) and a in _EVALUATED_ACTIONS for a in actions
    )


def _is_expression(node: Any) -> bool:
    return isinstance(node, dict) and ("references" in node or "constant_value" in node)


def _expression_at(expressions: Any, path: Path) -> tuple[Any, int]:
    """The configuration that sets `path`, and how many steps of the path lead to it.

    Blocks are lists of bodies; an attribute's expression covers everything below it, and a
    constant one is looked into. _UNSET (_UNSET_IN_CONSTANT) when the configuration (a
    constant object) does not set the path.
    """
    node: Any = expressions
    for i, step in enumerate(path):
        if _is_expression(node):
            if "references" not in node and _constant_unset(node.get("constant_value"), path[i:]):
                return _UNSET_IN_CONSTANT, i
            return node, i
        if isinstance(step, int):
            if isinstance(node, list):
                node = node[step] if step < len(node) else None
            continue
        if not isinstance(node, dict):
            return None, i
        if step not in node:
            return _UNSET, i
        node = node[step]
    return node, len(path)


def _constant_unset(value: Any, path: Path) -> bool:
    for step in path:
        if isinstance(step, int) and isinstance(value, list) and step < len(value):
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict):
            if value.get(step) is None:
                return True
            value = value[step]
        else:
            return False
    return False


def _walk(node: Any, path: Path) -> Any:
    for step in path:
        if isinstance(step, str) and isinstance(node, dict):
            node = node.get(step)
        elif isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
        else:
            return None
    return node


def _unknown_leaves(node: Any, name: str = "") -> Iterator[str]:
    """Names of the unknown leaves in an after_unknown subtree."""
    if node is True:
        yield name
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _unknown_leaves(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _unknown_leaves(v, name)


def _has_unknown(node: Any) -> bool:
    return any(True for _ in _unknown_leaves(node))


def _attribute(ref: str, root: str) -> str | None:
    """The attribute a reference reads: `aws_x.y[0].name` -> `name`."""
    rest = ref[len(root) :]
    if rest.startswith("["):
        rest = rest[rest.find("]") + 1 :]
    if not rest.startswith("."):
        return None
    return rest[1:].split(".", 1)[0].split("[", 1)[0] or None


def _feeds(ref: str, field: str) -> bool:
    root = _root(ref)
    attr = _attribute(ref, root) if root else None
    return attr is not None and field.endswith(attr)


def _all_refs(node: Any) -> list[str]:
    """Every reference in an expression, or in all the expressions of a block."""
    if _is_expression(node):
        return _refs(node)
    if isinstance(node, dict):
        return [r for v in node.values() for r in _all_refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _all_refs(v)]
    return []


def _most_specific(refs: list[str]) -> list[str]:
    """Terraform lists `a.b[0].name`, `a.b[0]` and `a.b` for one reference: keep the first."""
    return [r for r in refs if not any(o.startswith((f"{r}.", f"{r}[")) for o in refs)]


def _refs(expr: Any) -> list[str]:
    if not isinstance(expr, dict):
        return []
    refs = expr.get("references")
    return [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []


def _root(ref: str) -> str | None:
    """What a reference is to ("aws_subnet.private", "var.x", "module.m"), for naming it."""
    parts = ref.split(".")
    if parts[0] in ("count", "each", "path", "terraform", "self"):
        return None
    if parts[0] in ("data", "module") and len(parts) >= 2:
        width = 3 if parts[0] == "data" else 2
        return ".".join(parts[:width]).split("[", 1)[0]
    return ".".join(parts[:2]).split("[", 1)[0]


def _why(refs: list[str], exact: bool, target: str | None) -> str:
    roots = {_root(r) for r in refs} - {None}
    if len(roots) != 1:
        return AFTER_APPLY
    (root,) = roots
    named = max((r for r in refs if _root(r) == root), key=len)
    if not exact or named == root:
        named = target or root or named
    return f"comes from {named}, known only after apply"


def _format(a: Address) -> str:
    prefix = "".join(f"module.{n}{_format_key(k)}." for n, k in a.modules)
    data = "data." if a.data else ""
    return f"{prefix}{data}{a.type}.{a.name}{_format_key(a.key)}"


def _format_key(key: Key) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{json.dumps(key)}]"


def _tag_map(raw: dict[str, Any]) -> dict[str, str]:
    # str() of a sensitive value is "(sensitive)": tag values never decide a verdict.
    return {
        k if isinstance(k, str) else str(k): ""
        if v is None or isinstance(v, UnresolvedValue)
        else str(v)
        for k, v in raw.items()
    }


def _secret_as_in(tags: dict[str, str], own: Any) -> dict[str, str]:
    """tags_all with the keys `tags` marks sensitive kept secret: the provider copies them
    into tags_all without the mark."""
    if not isinstance(own, dict):
        return tags
    secret = {k for k, v in own.items() if isinstance(k, Sensitive) or isinstance(v, Sensitive)}
    return {
        (SensitiveText(k) if k in secret else k): (SENSITIVE if k in secret else v)
        for k, v in tags.items()
    }


def _mark_sensitive(value: Any, marks: Any) -> Any:
    """`value` with what `after_sensitive` / `sensitive_values` marks secret wrapped as
    Sensitive: it still decides verdicts, but is never shown (a whole sensitive map hides
    its keys too)."""
    if marks is True:
        if isinstance(value, dict):
            return {SensitiveText(str(k)): sensitive(v) for k, v in value.items()}
        return sensitive(value)
    if isinstance(marks, dict) and marks and isinstance(value, dict):
        return {k: _mark_sensitive(v, marks.get(k)) for k, v in value.items()}
    if isinstance(marks, list) and marks and isinstance(value, list):
        return [
            _mark_sensitive(v, marks[i] if i < len(marks) else None) for i, v in enumerate(value)
        ]
    return value


def _dig(node: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(k)
    return node


def _show(v: Any) -> str:
    try:
        text = json.dumps(v, default=str)
    except (TypeError, ValueError):
        text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."
