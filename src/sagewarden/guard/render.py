"""Guard text for the rules of sagewarden.guard.model, for one input shape.

A `Shape` says where a resource, its type, its properties and its tag keys are in the
document Guard evaluates; the predicates are written once and rendered through it. The
CloudFormation Guard hook's resource input is `Resources: {<LogicalId>: {Type,
Properties}}` (HOOK); a stack-level hook would see the raw template, intrinsic functions
unresolved, so the hook template targets resource operations only. An AWS Config custom
policy rule evaluates one configuration item (CONFIG): the document is the resource
(`resourceType`, `configuration` in CloudFormation property names, `tags` a map), so the
rule's `when` selects it instead of a query over many.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sagewarden.guard.model import (
    Absent,
    AnyOf,
    AtLeast,
    Each,
    Empty,
    Exists,
    InParameter,
    IsEnum,
    IsTrue,
    Named,
    NonEmptyList,
    NotEnum,
    NotFalse,
    NotIn,
    Pred,
    Rule,
    SomeItem,
    TagKeysIn,
    TagKeysWellFormed,
    UserTag,
)

# Characters a parameter value may hold to be written as a Guard string or message (the
# AWS tag key characters; subnet and platform ids use fewer).
_SAFE_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")


class Unwritable(ValueError):
    """A parameter value that cannot be written into a Guard rule."""


@dataclass(frozen=True)
class Shape:
    """Where things are in the document Guard evaluates."""

    name: str
    resources: str | None  # the query of every resource; None: the document is one
    type_key: str  # a resource's type, relative to the resource
    properties: str  # a resource's properties, relative to the resource
    user_tags: str  # query of the user (non-aws:) tags, relative to the resource
    tag_keys: str  # query of every tag key (a list of {Key, Value}), or of the tag map
    tags_map: bool = False  # tags are a map {key: value}: keys are matched with `keys`
    seen_by: str = "a Guard hook"  # who evaluates one resource (in reasons)
    change_triggered: bool = False  # evaluated only when the resource changes


HOOK = Shape(
    name="cloudformation-hook",
    resources="Resources.*",
    type_key="Type",
    properties="Properties",
    user_tags="Properties.Tags[ Key != /^aws:/ ]",
    tag_keys="Properties.Tags[*].Key",
)

CONFIG = Shape(
    name="config",
    resources=None,
    type_key="resourceType",
    properties="configuration",
    user_tags="tags[ keys != /^aws:/ ]",
    tag_keys="tags",
    tags_map=True,
    seen_by="an AWS Config custom policy rule (one configuration item)",
    change_triggered=True,
)


def guard_string(value: str) -> str:
    """A value as a Guard string literal; refused unless it is plainly printable."""
    if not _SAFE_VALUE.match(value):
        raise Unwritable(f"{value!r} cannot be written into a Guard rule")
    return f'"{value}"'


def _literal(value: float | str) -> str:
    return guard_string(value) if isinstance(value, str) else repr(value)


def variable(rule: Rule, parameter: str) -> str:
    return f"{rule.name}_{parameter}"


def _at_least(q: str, bound: int) -> str:
    if not 1 <= bound <= 9:
        raise ValueError("AtLeast renders bounds of 1 to 9")
    # A number, or a whole number as a string (values.as_int reads "2" as 2).
    digits = rf"/^\+?0*([{bound}-9]|[1-9][0-9]+)$/"
    return f"{q} >= {bound} or {q} >= {bound}.0 or {q} == {digits}"


class _Writer:
    def __init__(self, shape: Shape, rule: Rule, params: Mapping[str, Any]) -> None:
        self.shape = shape
        self.rule = rule
        self.params = params

    def lines(self, pred: Pred, base: str, says: str | None, indent: str) -> list[str]:
        """The Guard clauses (each one line, ANDed) that hold when `pred` does, paths
        under `base` ("Properties." at the top, "" inside a list item)."""
        msg = f" <<{says}>>" if says else ""

        def q(path: str) -> str:
            return f"{base}{path}" if path else base.rstrip(".")

        if isinstance(pred, Each):
            head = q(pred.path)
            where = self.clause(pred.where, lambda p: p) if pred.where else "*"
            inner = self.lines(pred.check, "", says, indent + "    ")
            return [f"{indent}{head}[ {where} ] {{", *inner, f"{indent}}}"]
        if isinstance(pred, Exists):  # present and not null (null reads as absent)
            text = q(pred.path)
            return [f"{indent}{text} exists{msg}", f"{indent}{text} !is_null{msg}"]
        if isinstance(pred, TagKeysWellFormed):
            keys = self.shape.tag_keys
            if self.shape.tags_map:
                return [rf"{indent}{keys}[ keys != /^[\s\S]{{1,128}}$/ ] empty{msg}"]
            return [rf"{indent}{keys} == /^[\s\S]{{1,128}}$/{msg}"]
        if isinstance(pred, TagKeysIn) and self.shape.tags_map:
            # Guard 2.x (AWS Config's runtime) has no function to list a map's keys: one
            # clause per required key, written from the parameter at export.
            required = self.params.get(pred.parameter) or ()
            return [
                f"{indent}{self.shape.tag_keys}[ keys == {guard_string(k)} ] !empty{msg}"
                for k in required
            ]
        if isinstance(pred, Named):
            text = q(pred.path)
            return [f"{indent}{text} is_string{msg}", rf"{indent}{text} != /^\s*$/{msg}"]
        return [f"{indent}{self.clause(pred, q)}{msg}"]

    def clause(self, pred: Pred, q: Any) -> str:
        """One line of Guard (a disjunction at most)."""
        if isinstance(pred, Exists):
            return f"{q(pred.path)} exists"
        if isinstance(pred, Absent):
            return f"{q(pred.path)} not exists or {q(pred.path)} is_null"
        if isinstance(pred, NonEmptyList):  # null-safe: a first item exists
            return f"{q(pred.path)}[0] exists"
        if isinstance(pred, Empty):  # `empty` on null is an error: test null first
            text = q(pred.path)
            return f"{text} not exists or {text} is_null or {text} empty"
        if isinstance(pred, NotIn):
            return f"{q(pred.path)} not in [{', '.join(_literal(v) for v in pred.values)}]"
        if isinstance(pred, NotEnum):  # != across types is false: strings only
            return f"{q(pred.path)} != /^(?i){re.escape(pred.value)}$/"
        if isinstance(pred, NotFalse):
            text = q(pred.path)
            return f"{text} == true or {text} != /^(?i)false$/"
        if isinstance(pred, IsEnum):
            return f"{q(pred.path)} == /^(?i){re.escape(pred.value)}$/"
        if isinstance(pred, IsTrue):
            return f"{q(pred.path)} == true or {q(pred.path)} == /^(?i)true$/"
        if isinstance(pred, AtLeast):
            return _at_least(q(pred.path), pred.bound)
        if isinstance(pred, InParameter):
            return f"{q(pred.path)} in %{variable(self.rule, pred.parameter)}"
        if isinstance(pred, UserTag):
            return f"{self.shape.user_tags} !empty"
        if isinstance(pred, TagKeysIn):
            return f"%{variable(self.rule, pred.parameter)} in {self.shape.tag_keys}"
        if isinstance(pred, SomeItem):
            item = f"{q(pred.path)}[*]"
            if isinstance(pred.check, Exists):
                return f"some {item}.{pred.check.path} exists"
            if isinstance(pred.check, Absent):
                return f"some {item}.{pred.check.path} not exists"
            raise TypeError("SomeItem renders Exists and Absent")
        if isinstance(pred, AnyOf):
            return " or ".join(self.clause(o, q) for o in pred.options)
        raise TypeError(f"{type(pred).__name__} has no one-line Guard form")


def render_rule(shape: Shape, rule: Rule, params: Mapping[str, Any]) -> str:
    """One control's Guard: its parameter variables, the resources in scope, the rule."""
    c = rule.control
    tag = f"{c.id} [{c.severity.value}]"
    w = _Writer(shape, rule, params)
    base = f"{shape.properties}."
    out = [
        f"# {tag} {c.title}",
        f"# {c.resource_type}; {c.doc_url}",
    ]
    for name in sorted(_parameters(rule, shape)):
        values = ", ".join(guard_string(v) for v in params.get(name) or ())
        out.append(f"let {variable(rule, name)} = [{values}]")
    if shape.resources is None:  # the document is the resource: `when` selects it
        # One condition a line, the block opening on the last (as AWS Config's examples).
        when = [f'rule {rule.name} when {shape.type_key} == "{c.resource_type}"']
        for pred in rule.applies:
            when += w.lines(pred, base, None, "    ")
        when[-1] += " {"
        out += when
        for check in rule.checks:
            out += w.lines(check.pred, base, f"{tag} {check.says}", "    ")
        out += ["}", ""]
        return "\n".join(out)
    scope = f"{rule.name}_resources"
    out.append(f"let {scope} = {shape.resources}[")
    out.append(f'    {shape.type_key} == "{c.resource_type}"')
    for pred in rule.applies:
        out += w.lines(pred, base, None, "    ")
    out.append("]")
    out.append(f"rule {rule.name} when %{scope} !empty {{")
    out.append(f"    %{scope} {{")
    for check in rule.checks:
        out += w.lines(check.pred, base, f"{tag} {check.says}", "        ")
    out += ["    }", "}", ""]
    return "\n".join(out)


def _parameters(rule: Rule, shape: Shape) -> set[str]:
    """The list parameters the rule reads as Guard variables (a map's required tag keys
    are written one clause each, not through a variable)."""
    found: set[str] = set()

    def walk(p: Pred) -> None:
        if isinstance(p, InParameter) or (isinstance(p, TagKeysIn) and not shape.tags_map):
            found.add(p.parameter)
        elif isinstance(p, AnyOf):
            for o in p.options:
                walk(o)
        elif isinstance(p, Each):
            if p.where is not None:
                walk(p.where)
            walk(p.check)
        elif isinstance(p, SomeItem):
            walk(p.check)

    for check in rule.checks:
        walk(check.pred)
    for pred in rule.applies:
        walk(pred)
    return found
