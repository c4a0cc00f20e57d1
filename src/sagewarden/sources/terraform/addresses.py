"""Terraform resource addresses, and the resource instances a reference names.

The plan names every instance by its full address (`module.a["x"].aws_t.n[0]`); the
configuration names resources by references relative to its module (`aws_t.n.id`,
`module.m.out`, `var.v`). Following an unknown value to the resource it comes from
(SageMaker.14 follows a schedule to its job definition) needs both, in parts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TypeAlias


class _AnyKey:
    """A module instance key not known from the reference: any instance matches."""


ANY_KEY = _AnyKey()
Key: TypeAlias = "int | str | None"
ModKey: TypeAlias = "int | str | _AnyKey | None"
Pool: TypeAlias = "dict[tuple[str, str], list[Address]]"  # instances by (type, name)

_KEY = r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]'
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_MODULE_STEP = re.compile(rf"module\.({_NAME})({_KEY})?\.")
_RESOURCE = re.compile(rf"(data\.)?({_NAME})\.({_NAME})({_KEY})?$")
REF_MODULE = re.compile(rf"module\.({_NAME})({_KEY})?(?:\.({_NAME}))?")
REF_VAR = re.compile(rf"var\.({_NAME})")
REF_RESOURCE = re.compile(rf"({_NAME})\.({_NAME})({_KEY})?")
NOT_RESOURCES = frozenset(
    {"count", "each", "path", "terraform", "self", "local", "data", "var", "module"}
)


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


def parse_key(text: str | None) -> Key:
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
        modules.append((m.group(1), parse_key(m.group(2))))
        pos = m.end()
    r = _RESOURCE.match(address, pos)
    if r is None or r.group(2) == "module":
        return None
    return Address(tuple(modules), bool(r.group(1)), r.group(2), r.group(3), parse_key(r.group(4)))


def format_address(a: Address) -> str:
    prefix = "".join(f"module.{n}{_format_key(k)}." for n, k in a.modules)
    data = "data." if a.data else ""
    return f"{prefix}{data}{a.type}.{a.name}{_format_key(a.key)}"


def _format_key(key: Key) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{json.dumps(key)}]"


def _key_matches(want: ModKey, have: Key) -> bool:
    return isinstance(want, _AnyKey) or want == have


def add(pool: Pool, a: Address) -> None:
    pool.setdefault((a.type, a.name), []).append(a)


def find(
    pool: Pool,
    ref: str,
    modules: tuple[tuple[str, ModKey], ...],
    own: ModKey,
    refs: list[str],
) -> list[Address]:
    """The instances in `pool` a resource reference (`T.N[key].attr`) names.

    Without a key, a reference inside an iterated expression (count.index, each.key)
    means the instance with the referring resource's own key.
    """
    r = REF_RESOURCE.match(ref)
    if r is None:
        return []
    names = tuple(m for m, _ in modules)
    given = r.group(3)
    candidates = [
        a
        for a in pool.get((r.group(1), r.group(2)), ())
        if a.module_names == names
        and all(_key_matches(w, h) for (_, w), (_, h) in zip(modules, a.modules, strict=True))
        and (not given or a.key == parse_key(given))
    ]
    iterated = any(x in ("count.index", "each.key", "each.value") for x in refs)
    if len(candidates) > 1 and iterated:
        candidates = [a for a in candidates if a.key == own]
    return candidates
