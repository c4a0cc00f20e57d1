"""Every step kind a plan can hold, one registry: `REGISTRY[action]`.

A family of steps is a module (notebooks in place and rebuilt, the volume backup, tags,
monitoring schedules, job definitions, models, endpoint configs, inference
experiments); importing this package registers them all. The fix IAM policy is the
union of their `permissions`.
"""

from __future__ import annotations

from . import (  # noqa: F401  (each module registers its kinds)
    endpoints,
    experiments,
    jobdefs,
    models,
    notebook,
    notebook_rebuild,
    schedules,
    tags,
    volume_backup,
)
from .base import REGISTRY, StepKind


def lookup(action: str) -> StepKind | None:
    """The kind of a step's action, or None for an action sagewarden does not know."""
    return REGISTRY.get(action)


def operations() -> frozenset[str]:
    """Every SageMaker operation a step kind calls, doing or undoing."""
    return frozenset(op for k in REGISTRY.values() for op in k.permissions)


__all__ = ["REGISTRY", "StepKind", "lookup", "operations"]
