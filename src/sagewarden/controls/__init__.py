"""Control functions: one small pure function per control, registered by id.

A control reads only the canonical resource, its parameters, and (SageMaker.14) other
resources of the same scan through the context. It returns a verdict with a reason a
person can act on; it raises valuetext.InvalidValue or unknowns.Unresolved, which the engine
turns into ERROR or UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sagewarden.resources import Resource
from sagewarden.verdicts import Verdict


class Context(Protocol):
    def find(self, resource_type: str, name: str, near: Resource) -> Resource | None:
        """A resource of the scan by type and name, in the same account and region (or
        the same template) as `near`."""

    def find_target(self, target: str, near: Resource) -> Resource | None:
        """The resource a Ref/GetAtt points at: same file, by logical id or address."""


ControlFn = Callable[[Resource, dict[str, Any], Context], Verdict]

REGISTRY: dict[str, ControlFn] = {}


def control(control_id: str) -> Callable[[ControlFn], ControlFn]:
    def register(fn: ControlFn) -> ControlFn:
        if control_id in REGISTRY:
            raise RuntimeError(f"{control_id} registered twice")
        REGISTRY[control_id] = fn
        return fn

    return register


def load_all() -> dict[str, ControlFn]:
    """Import every control module so each registers itself."""
    from sagewarden.controls import (  # noqa: F401
        endpoint,
        model,
        monitoring,
        notebook,
        tagging,
    )

    return REGISTRY
