"""Plan building blocks: steps, phases, new names and AL2023 instance types.

Pure data: nothing here calls AWS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

# A replacement's name: the very function the fix script runs (programs/helpers.py).
from .programs.helpers import NAME_MAX, SUFFIX_RE, new_name


class Phase(IntEnum):
    """Where a step runs in the whole plan: every resource's steps of one phase run
    before any step of the next, so nothing is deleted while something still uses it."""

    PREPARE = 0  # backups: before anything changes
    IN_PLACE = 1  # changes to the resource itself
    CREATE = 2  # new resources (models before endpoint configs)
    REPOINT = 3  # move users (endpoints, schedules, data) to the new resources
    DELETE = 4  # old notebooks, endpoint configs, job definitions
    DELETE_DEPENDENCY = 5  # old models: after the endpoint configs that used them


@dataclass(frozen=True)
class Step:
    action: str  # e.g. "UpdateNotebookInstance", or a composite resolved at apply
    params: dict[str, Any]  # the API parameters (JSON-able)
    why: tuple[str, ...]  # the controls this step fixes (or serves)
    phase: Phase
    detail: str = ""
    downtime: str | None = None
    cost: str | None = None
    iac_note: str | None = None
    condition: str | None = None  # decided at apply from a fresh read
    blocked: str | None = None  # set: the step must not run; says what is missing
    operation: str | None = None  # the concrete SageMaker API, when one call does it
    # Its input was built and validated against the operation's shape (inputs.settle).
    # Never saved: a plan read back from a file is checked again.
    checked: bool = field(default=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action,
            "phase": self.phase.name.lower(),
            "params": self.params,
            "why": list(self.why),
        }
        for key in ("detail", "downtime", "cost", "iac_note", "condition", "blocked", "operation"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Step:
        """A step from a saved plan; KeyError/ValueError/TypeError on a malformed one."""
        if not isinstance(d, dict) or not isinstance(d["action"], str):
            raise TypeError("a step must be an object with an action")
        params = d.get("params", {})
        if not isinstance(params, dict):
            raise TypeError(f"{d['action']}: params must be an object")
        return cls(
            action=d["action"],
            params=params,
            why=tuple(str(w) for w in d.get("why", ())),
            phase=Phase[str(d["phase"]).upper()],
            **{k: _opt_str(d, k) for k in _OPTIONAL},  # type: ignore[arg-type]
        )


_OPTIONAL = ("detail", "downtime", "cost", "iac_note", "condition", "blocked", "operation")


def _opt_str(d: dict[str, Any], key: str) -> str | None:
    value = d.get(key)
    if value is None:
        return None if key != "detail" else ""
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value


@dataclass
class Skipped:
    control: str
    resource_id: str
    reason: str
    suppressed: dict[str, Any] | None = None  # the suppression's reason, source and expiry

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "control": self.control,
            "resource_id": self.resource_id,
            "reason": self.reason,
        }
        if self.suppressed is not None:
            out["suppressed"] = dict(self.suppressed)
        return out

    @classmethod
    def from_dict(cls, d: Any) -> Skipped:
        """A skipped finding of a saved plan; KeyError/TypeError on a malformed one."""
        if not isinstance(d, dict):
            raise TypeError("a skipped entry must be an object")
        sup = d.get("suppressed")
        if sup is not None and not isinstance(sup, dict):
            raise TypeError("suppressed must be an object")
        return cls(str(d["control"]), str(d["resource_id"]), str(d["reason"]), sup)


# --- AL2023 instance types ---------------------------------------------------------------

# Notebook instance families Amazon Linux 2023 does not offer.
AL2023_UNSUPPORTED = ("ml.p2.", "ml.p3.", "ml.p3dn.", "ml.inf1.", "ml.g3.", "ml.g3s.")

# Successor by GPU count (and memory) where it is close; otherwise the family default.
_SUCCESSORS: dict[str, str] = {
    "ml.p2.xlarge": "ml.g4dn.xlarge",
    "ml.p2.8xlarge": "ml.g4dn.12xlarge",
    "ml.p2.16xlarge": "ml.g5.48xlarge",
    "ml.p3.2xlarge": "ml.g5.2xlarge",
    "ml.p3.8xlarge": "ml.g5.12xlarge",
    "ml.p3.16xlarge": "ml.g5.48xlarge",
    "ml.p3dn.24xlarge": "ml.g5.48xlarge",
    "ml.g3.4xlarge": "ml.g4dn.4xlarge",
    "ml.g3.8xlarge": "ml.g4dn.12xlarge",
    "ml.g3.16xlarge": "ml.g4dn.12xlarge",
    "ml.g3s.xlarge": "ml.g4dn.xlarge",
    "ml.inf1.xlarge": "ml.g4dn.xlarge",
    "ml.inf1.2xlarge": "ml.g4dn.2xlarge",
    "ml.inf1.6xlarge": "ml.g4dn.4xlarge",
    "ml.inf1.24xlarge": "ml.g4dn.12xlarge",
}
_FAMILY_DEFAULT: dict[str, str] = {
    "ml.p2.": "ml.g4dn.xlarge",
    "ml.p3.": "ml.g5.2xlarge",
    "ml.p3dn.": "ml.g5.48xlarge",
    "ml.inf1.": "ml.g4dn.xlarge",
    "ml.g3.": "ml.g4dn.4xlarge",
    "ml.g3s.": "ml.g4dn.xlarge",
}


def al2023_instance_type(current: str) -> str | None:
    """The instance type to move to with AL2023, or None when `current` is available."""
    if not current.startswith(AL2023_UNSUPPORTED):
        return None
    if current in _SUCCESSORS:
        return _SUCCESSORS[current]
    for family, successor in _FAMILY_DEFAULT.items():
        if current.startswith(family):
            return successor
    return None  # pragma: no cover - every unsupported prefix has a default


__all__ = [
    "AL2023_UNSUPPORTED",
    "NAME_MAX",
    "SUFFIX_RE",
    "Phase",
    "Skipped",
    "Step",
    "al2023_instance_type",
    "new_name",
]
