"""What the plan's `configuration` says about one value: the expression that sets it, and
the references in that expression.

`after_unknown` only says that a value is unknown; the configuration says why (the
reference it comes from, named in the UNKNOWN reason) and whether the configuration sets
it at all (an unset value is a default the provider fills in at apply). These helpers read
expressions and `after_unknown` trees without trusting their shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeAlias

AFTER_APPLY = "is known only after apply"

Path: TypeAlias = "tuple[str | int, ...]"


class Unset:
    """The configuration does not set the attribute."""


UNSET = Unset()
UNSET_IN_CONSTANT = Unset()  # a constant object that leaves the field out


def is_expression(node: Any) -> bool:
    return isinstance(node, dict) and ("references" in node or "constant_value" in node)


def expression_at(expressions: Any, path: Path) -> tuple[Any, int]:
    """The configuration that sets `path`, and how many steps of the path lead to it.

    Blocks are lists of bodies; an attribute's expression covers everything below it, and a
    constant one is looked into. UNSET (UNSET_IN_CONSTANT) when the configuration (a
    constant object) does not set the path.
    """
    node: Any = expressions
    for i, step in enumerate(path):
        if is_expression(node):
            if "references" not in node and _constant_unset(node.get("constant_value"), path[i:]):
                return UNSET_IN_CONSTANT, i
            return node, i
        if isinstance(step, int):
            if isinstance(node, list):
                node = node[step] if step < len(node) else None
            continue
        if not isinstance(node, dict):
            return None, i
        if step not in node:
            return UNSET, i
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


def walk(node: Any, path: Path) -> Any:
    for step in path:
        if isinstance(step, str) and isinstance(node, dict):
            node = node.get(step)
        elif isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
        else:
            return None
    return node


def unknown_leaves(node: Any, name: str = "") -> Iterator[str]:
    """Names of the unknown leaves in an after_unknown subtree."""
    if node is True:
        yield name
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from unknown_leaves(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from unknown_leaves(v, name)


def has_unknown(node: Any) -> bool:
    return any(True for _ in unknown_leaves(node))


def attribute(ref: str, root: str) -> str | None:
    """The attribute a reference reads: `aws_x.y[0].name` -> `name`."""
    rest = ref[len(root) :]
    if rest.startswith("["):
        rest = rest[rest.find("]") + 1 :]
    if not rest.startswith("."):
        return None
    return rest[1:].split(".", 1)[0].split("[", 1)[0] or None


def feeds(ref: str, field: str) -> bool:
    """The reference reads an attribute whose name ends `field`'s name (a guess at which
    field of an object it sets: `monitoring_job_definition_name` <- `job_definition_name`)."""
    base = root(ref)
    attr = attribute(ref, base) if base else None
    return attr is not None and field.endswith(attr)


def all_refs(node: Any) -> list[str]:
    """Every reference in an expression, or in all the expressions of a block."""
    if is_expression(node):
        return refs(node)
    if isinstance(node, dict):
        return [r for v in node.values() for r in all_refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in all_refs(v)]
    return []


def most_specific(found: list[str]) -> list[str]:
    """Terraform lists `a.b[0].name`, `a.b[0]` and `a.b` for one reference: keep the first."""
    return [r for r in found if not any(o.startswith((f"{r}.", f"{r}[")) for o in found)]


def refs(expr: Any) -> list[str]:
    """The references of one expression."""
    if not isinstance(expr, dict):
        return []
    found = expr.get("references")
    return [r for r in found if isinstance(r, str)] if isinstance(found, list) else []


def root(ref: str) -> str | None:
    """What a reference is to ("aws_subnet.private", "var.x", "module.m"), for naming it."""
    parts = ref.split(".")
    if parts[0] in ("count", "each", "path", "terraform", "self"):
        return None
    if parts[0] in ("data", "module") and len(parts) >= 2:
        width = 3 if parts[0] == "data" else 2
        return ".".join(parts[:width]).split("[", 1)[0]
    return ".".join(parts[:2]).split("[", 1)[0]


def why(found: list[str], exact: bool, target: str | None) -> str:
    """The UNKNOWN reason: the one thing the references come from, when there is one."""
    roots = {root(r) for r in found} - {None}
    if len(roots) != 1:
        return AFTER_APPLY
    (only,) = roots
    named = max((r for r in found if root(r) == only), key=len)
    if not exact or named == only:
        named = target or only or named
    return f"comes from {named}, known only after apply"
