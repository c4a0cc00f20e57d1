"""Problems found while reading input: one clear line each, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    INPUT = "input"  # bad input or usage: exit code 2
    SCOPE = "scope"  # an account, region or resource could not be read: exit code 3
    WARNING = "warning"  # always said, changes no exit code (an expired suppression)
    INFO = "info"  # said with --verbose only (a resource whose Condition is false)


@dataclass(frozen=True, slots=True)
class Diagnostic:
    where: str  # a file, a resource id, or the option at fault
    message: str
    kind: Kind = Kind.INPUT

    def line(self) -> str:
        return f"{self.where}: {self.message}"

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message, "kind": self.kind.value}


class Diagnostics:
    """Collects diagnostics in the order they happen."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def add(self, where: str, message: str, kind: Kind = Kind.INPUT) -> None:
        self.items.append(Diagnostic(where, message, kind))

    def extend(self, items: list[Diagnostic]) -> None:
        self.items.extend(items)

    @property
    def has_input_errors(self) -> bool:
        return any(d.kind is Kind.INPUT for d in self.items)

    @property
    def has_scope_errors(self) -> bool:
        return any(d.kind is Kind.SCOPE for d in self.items)
