"""Values an IaC source cannot know before deploy, and the assumptions the engine evaluates
them under.

A template or plan holds values nobody knows yet: a parameter without a default, an
attribute known only after apply, an `Fn::If` on a condition decided at deploy. A source
puts an `UnresolvedValue` (or a `Choice`, when the possibilities are known) where such a
value sits. A reader that meets one either raises `Unresolved` (the verdict is UNKNOWN
with the reason) or `Fork`: the engine then evaluates the control once per possibility
(`assuming`), so a verdict every possibility agrees on is decided and only a real
dependency stays UNKNOWN. This module knows nothing of resources or controls, so every
source and reader can build on it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

ABSENT = object()  # no value at a path; a Choice's option that removes the field (NoValue)


class Unresolved(Exception):
    """A field's value is known only at deploy time (IaC); the reason says why."""

    def __init__(self, path: str, value: UnresolvedValue) -> None:
        self.path = path
        self.value = value
        self.why = value.why
        super().__init__(f"{path} {value.why}")


class Fork(Unresolved):
    """A value the verdict depends on is one of a few possibilities, none assumed yet.

    The engine catches it and evaluates the control once per label (see `assuming`), so a
    verdict every possibility agrees on is decided and only a real dependency is UNKNOWN.
    `key` names the one thing the labels are about: choices decided by the same thing (two
    Fn::If on one condition) share it and are assumed together.
    """

    def __init__(
        self,
        path: str,
        value: UnresolvedValue,
        key: str,
        labels: tuple[str, ...],
        phrase: str,
        subject: str,
    ) -> None:
        super().__init__(path, value)
        self.key = key
        self.labels = labels
        self.phrase = phrase  # for a decided reason: "whether condition C is true or false"
        self.subject = subject  # what a label is said of: "condition C", "X"

    @property
    def is_choice(self) -> bool:
        """Among known values (a Choice), rather than any value a field can take."""
        return isinstance(self.value, Choice)


class Infeasible(Exception):
    """The assumptions contradict each other (a mapping has no entry for the assumed key):
    no deploy can produce this combination, so it has no verdict."""


class UnresolvedValue:
    """Placeholder an IaC source puts where a value is unknown before deploy.

    `why` completes "X ..." in a reason, e.g. "is known only after apply" or
    "is !ImportValue shared-subnet, known only at deploy". `target`, when set, is the
    logical id / address of a resource of the same file the value refers to (a Ref or
    GetAtt), so cross-resource controls can follow it.
    """

    __slots__ = ("target", "why")

    def __init__(self, why: str, target: str | None = None) -> None:
        self.why = why
        self.target = target

    def __repr__(self) -> str:
        return f"UnresolvedValue({self.why!r}, target={self.target!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnresolvedValue) and (self.why, self.target) == (
            other.why,
            other.target,
        )

    def __hash__(self) -> int:
        return hash((self.why, self.target))


class Choice(UnresolvedValue):
    """An unknown that is one of a few known values: Fn::If on a condition known only at
    deploy, a parameter with AllowedValues and no value, Fn::FindInMap with such a key.

    `over` names what decides ("condition IsProd", "parameter Env"); `options` pairs each
    label ("true", an allowed value) with the value it gives (ABSENT when the option removes
    the field); `phrase` says, for a reason, that every option was considered.
    """

    __slots__ = ("options", "over", "phrase")

    def __init__(
        self,
        why: str,
        over: str,
        options: tuple[tuple[str, Any], ...],
        phrase: str,
        target: str | None = None,
    ) -> None:
        super().__init__(why, target)
        self.over = over
        self.options = options
        self.phrase = phrase

    def __repr__(self) -> str:
        return f"Choice({self.over!r}, {self.options!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Choice) and (self.over, self.options) == (
            other.over,
            other.options,
        )

    def __hash__(self) -> int:
        return hash((self.over, self.why))


class UnknownText(str):
    """A tag value known only at deploy, where a source must still give text: it reads as
    "" (the tag controls judge keys only, so nothing else need care), but a tag suppression,
    which matches values, can tell it from a value written as ""."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UnknownText()"


def has_choice(value: Any) -> bool:
    """Whether a Choice sits anywhere in `value`."""
    if isinstance(value, Choice):
        return True
    if isinstance(value, dict):
        return any(has_choice(v) for v in value.values())
    if isinstance(value, list):
        return any(has_choice(v) for v in value)
    return False


# -- assumptions: which option of each choice the engine is evaluating now ------------------

_ASSUMED: ContextVar[Mapping[str, str]] = ContextVar(
    "sagewarden_assumed", default=MappingProxyType({})
)


@contextmanager
def assuming(assumed: Mapping[str, str]) -> Iterator[None]:
    """Evaluate with these labels chosen (key -> label) for the choices met on the way."""
    token = _ASSUMED.set(assumed)
    try:
        yield
    finally:
        _ASSUMED.reset(token)


def settle(value: Any, path: str) -> Any:
    """A Choice as the option the current assumptions select; anything else unchanged.

    Raises Fork when the choice is not assumed yet, Infeasible when the assumed label is
    not one of its options.
    """
    while isinstance(value, Choice):
        label = _ASSUMED.get().get(value.over)
        if label is None:
            raise Fork(
                path,
                value,
                key=value.over,
                labels=tuple(lab for lab, _ in value.options),
                phrase=value.phrase,
                subject=value.over,
            )
        for lab, option in value.options:
            if lab == label:
                value = option
                break
        else:
            raise Infeasible(f"{value.over} is {label}")
    return value


def settled(value: Any, path: str = "") -> Any:
    """A whole value with every choice in it settled (and options that remove a field or
    item removed): for reading a structure, such as a tag list, all at once."""
    value = settle(value, path)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = settled(v, f"{path}.{k}" if path else str(k))
            if v is not ABSENT:
                out[k] = v
        return out
    if isinstance(value, list):
        return [
            item
            for item in (settled(v, f"{path}[{i}]") for i, v in enumerate(value))
            if item is not ABSENT
        ]
    return value


def assume(path: str, value: UnresolvedValue, labels: tuple[str, ...]) -> str:
    """The label assumed for a plain unknown asked a question with these answers (a
    reader's: "true" or "false", each enum value); Fork when none is assumed yet."""
    key = f"{path} {value.why}"
    label = _ASSUMED.get().get(key)
    if label is None:
        raise Fork(
            path,
            value,
            key=key,
            labels=labels,
            phrase=f"whatever {path} is (it {value.why})",
            subject=path,
        )
    return label
