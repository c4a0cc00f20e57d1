"""The failing controls' fixes (catalog.Fix), read as data: which fields, set to what.

The planner never asks which control failed, only what its fix sets: a control added to
the catalog with a fix on a field the planner already writes needs no planner change.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagewarden.catalog import (
    AT_LEAST,
    FROM_OPTION_KMS_KEY,
    FROM_OPTION_SUBNET,
    FROM_OPTION_TAGS,
    Control,
)
from sagewarden.kinds import kind
from sagewarden.verdicts import Evaluation

USER_SUPPLIED = (FROM_OPTION_SUBNET, FROM_OPTION_TAGS, FROM_OPTION_KMS_KEY)
# Values only the user can choose, each the whole of a control's fix: without it that
# control is held (planned, not fixed, saying which option names it) and the resource's
# other controls go ahead. The subnet and the tags are not: a rebuild needs a subnet
# whatever it fixes, and the tag plans say themselves which values are missing.
# What each names, for the reason.
NAMED_BY_USER = {FROM_OPTION_KMS_KEY: "a KMS key"}
# How a step's detail names a field once fixed: (subject, state), e.g. "isolation on".
_PHRASES = {"EnableNetworkIsolation": ("isolation", "on")}


@dataclass(frozen=True)
class Setting:
    """One field a failing control's fix sets, with the evaluation that asked for it (its
    parameters can narrow the value: the supported platforms)."""

    path: str  # dotted canonical field; "Name[]" stands for every item of that list
    value: Any  # a constant, or a USER_SUPPLIED marker
    bound: str | None  # AT_LEAST: a number is raised to the value, never lowered
    evaluation: Evaluation

    @property
    def control(self) -> Control:
        return self.evaluation.control

    @property
    def top(self) -> str:
        """The top-level field, as a kind's `in_place` names it."""
        return self.path.split(".", 1)[0].removesuffix("[]")

    @property
    def leaf(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def user_supplied(self) -> bool:
        return isinstance(self.value, str) and self.value in USER_SUPPLIED

    @property
    def prerequisite(self) -> bool:
        """A user-supplied value beside constants in one fix is what those constants need
        (DirectInternetAccess Disabled needs a subnet): it fills the field when the
        resource has none and keeps the one it has. A fix made only of user-supplied
        values replaces them."""
        return self.user_supplied and any(
            not (isinstance(v, str) and v in USER_SUPPLIED) for _, v in self.control.fix.sets
        )

    def under(self, prefix: str) -> Setting | None:
        """This setting relative to `prefix` (a nested object another resource holds),
        or None when it is outside it."""
        if not self.path.startswith(prefix):
            return None
        return Setting(self.path[len(prefix) :], self.value, self.bound, self.evaluation)


def settings(evaluations: Iterable[Evaluation]) -> list[Setting]:
    """The fields the failing controls' fixes set, in control order, each field once (the
    first control that sets it decides)."""
    out: dict[str, Setting] = {}
    for e in sorted(evaluations, key=lambda e: e.control.number):
        for path, value in e.control.fix.sets:
            out.setdefault(path, Setting(path, value, e.control.fix.bound, e))
    return list(out.values())


def held(e: Evaluation, given: Mapping[str, str]) -> str | None:
    """Why a failing control is planned but not fixed, or None when its fix can run: its
    fix says sagewarden does not fix it (`Fix.blocked`: the reason and what a person
    does), or it needs a value the user did not name (`given`: marker -> value)."""
    fix = e.control.fix
    if fix.blocked:
        return fix.blocked
    for path, value in fix.sets:
        if isinstance(value, str) and value in NAMED_BY_USER and not given.get(value):
            top = path.split(".", 1)[0].removesuffix("[]")
            create_only = top not in kind(e.resource.type).in_place
            return f"name {NAMED_BY_USER[value]} with {value}: {path} is set to it" + (
                " (it is set only when the resource is created: the fix is a rebuild)"
                if create_only
                else ""
            )
    return None


def resolve(s: Setting, given: Mapping[str, str]) -> Setting:
    """`s` with a user-supplied marker replaced by the value the user gave for it."""
    if s.user_supplied and given.get(str(s.value)):
        return dataclasses.replace(s, value=given[str(s.value)])
    return s


@dataclass(frozen=True)
class Change:
    """A value `assign` changed: the object holding it (a variant, say), its key, before
    and after."""

    holder: dict[str, Any]
    key: str
    old: Any
    new: Any


def assign(doc: dict[str, Any], s: Setting) -> list[Change]:
    """Set `s` in `doc` (an API input being built): objects on the way are created, a
    "Name[]" step goes into every object of that list, and AT_LEAST only raises a
    number. A user-supplied marker is never written: the caller resolves it."""
    if s.user_supplied:
        return []
    holders = [doc]
    parts = s.path.split(".")
    for part in parts[:-1]:
        nxt: list[dict[str, Any]] = []
        for h in holders:
            if part.endswith("[]"):
                items = h.get(part[:-2])
                nxt += [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
            else:
                child = h.get(part)
                if not isinstance(child, dict):
                    child = h[part] = {}
                nxt.append(child)
        holders = nxt
    changes: list[Change] = []
    for h in holders:
        old = h.get(parts[-1])
        if s.bound == AT_LEAST and not (isinstance(old, int) and old < s.value):
            continue
        h[parts[-1]] = s.value
        changes.append(Change(h, parts[-1], old, s.value))
    return changes


def lookup(doc: Any, path: str) -> Any:
    """The value at a dotted path (no lists), None when absent."""
    for part in path.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def holds(doc: Any, s: Setting) -> bool:
    """Whether `doc` already has the value `s` sets (True is not 1 here)."""
    value = lookup(doc, s.path)
    return value is s.value if isinstance(s.value, bool) else bool(value == s.value)


def show(value: Any) -> str:
    """A value as the plan's prose writes it: JSON's true and false."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def phrase(s: Setting, *, verb: str = "") -> str:
    """A fixed field in words: "isolation on" ("isolation is on" with verb="is"); other
    fields by path and value."""
    subject, state = _PHRASES.get(s.leaf, (s.path, show(s.value)))
    return " ".join(w for w in (subject, verb, state) if w)


def subject(s: Setting) -> str:
    """What a fixed field is about, in words ("isolation")."""
    return _PHRASES.get(s.leaf, (s.path, ""))[0]


def grouped(fixes: Sequence[Setting]) -> str:
    """Fields of one object set to one value, together: "NetworkConfig A and B true"."""
    groups: dict[tuple[str, str], list[str]] = {}
    for s in fixes:
        parent = s.path.rsplit(".", 1)[0] if "." in s.path else ""
        groups.setdefault((parent, show(s.value)), []).append(s.leaf)
    return "; ".join(
        " ".join(w for w in (parent, " and ".join(leaves), value) if w)
        for (parent, value), leaves in groups.items()
    )
