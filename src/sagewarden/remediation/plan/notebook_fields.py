"""What both notebook plans share: the fields UpdateNotebookInstance takes, set as the
failing controls' fixes say (and what each change implies), and stop/start steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewarden.kinds import kind

from ..steps import Phase, Step, al2023_instance_type
from . import fixes
from .document import ResourcePlan
from .target import Target

_AL2023 = "notebook-al2023"  # the platform family that has no p2/p3/inf1/g3 instances
_SUPPORTED = "supportedPlatformIdentifierVersions"  # the parameter that narrows the platform
# What to change in the template after an in-place fix, by field: the first that applies
# (a replacement on the next apply outranks a revert).
IAC_NOTES = {
    "PlatformIdentifier": (
        "CloudFormation marks PlatformIdentifier as replacement: set it (and InstanceType) "
        "in the template before the next apply, or that apply replaces the notebook and "
        "destroys its volume"
    ),
    "RootAccess": "set RootAccess: Disabled in the template, or the next apply reverts it",
}


def apply_in_place(t: Target, rp: ResourcePlan, params: dict[str, Any]) -> None:
    """Fill `params` with the fixes of the fields the Update call takes, in control order,
    and say in `rp` what they imply."""
    in_place = set(kind(t.resource.type).in_place)
    for s in t.settings():
        if s.top in in_place:
            _EFFECTS.get(s.path, _plain)(t, s, rp, params)


def _plain(t: Target, s: fixes.Setting, rp: ResourcePlan, params: dict[str, Any]) -> None:
    fixes.assign(params, s)


def _root_access(t: Target, s: fixes.Setting, rp: ResourcePlan, params: dict[str, Any]) -> None:
    fixes.assign(params, s)
    if s.value == "Disabled":
        rp.warnings.append(
            "RootAccess Disabled: lifecycle configurations still run as root, users cannot "
            "sudo (installs move to lifecycle scripts or conda environments)"
        )


def _target_platform(s: fixes.Setting) -> str:
    """The fix's platform, unless the control's parameter supports others only."""
    supported = dict(s.evaluation.parameters).get(_SUPPORTED)
    if supported and s.value not in supported:
        return str(supported[0])
    return str(s.value)


def _platform(t: Target, s: fixes.Setting, rp: ResourcePlan, params: dict[str, Any]) -> None:
    p = t.resource.properties
    platform = _target_platform(s)
    params["PlatformIdentifier"] = platform
    current = p.get("InstanceType")
    successor = al2023_instance_type(current) if isinstance(current, str) else None
    if platform.startswith(_AL2023) and successor:
        params["InstanceType"] = successor
        rp.warnings.append(
            f"AL2023 has no {current}: the instance type changes to {successor} in the same "
            "update (review it; Neuron/inf1 code needs recompiling)"
        )
    if p.get("AcceleratorTypes"):
        params["DisassociateAcceleratorTypes"] = True
        rp.warnings.append("Elastic Inference accelerators are not on AL2023: removed")
    if p.get("LifecycleConfigName"):
        rp.warnings.append(
            f"lifecycle configuration {p['LifecycleConfigName']} may use yum: AL2023 uses "
            "dnf; review it before the notebook starts"
        )


_Effect = Callable[[Target, fixes.Setting, ResourcePlan, dict[str, Any]], None]
# Fields whose change implies more than the value: a warning, or another field.
_EFFECTS: dict[str, _Effect] = {"RootAccess": _root_access, "PlatformIdentifier": _platform}


def iac_note(t: Target) -> str | None:
    fields = t.fields()
    return next((note for f, note in IAC_NOTES.items() if f in fields), None)


def stop(name: str, why: tuple[str, ...], phase: Phase, **extra: Any) -> list[Step]:
    """Stop a notebook and wait until it is Stopped."""
    target = {"NotebookInstanceName": name}
    return [
        Step("StopNotebookInstance", target, why, phase, operation="StopNotebookInstance", **extra),
        Step("WaitNotebookInstanceStopped", target, why, phase),
    ]


def start(name: str, why: tuple[str, ...], phase: Phase, **extra: Any) -> list[Step]:
    """Start a notebook and wait until it is InService."""
    target = {"NotebookInstanceName": name}
    return [
        Step(
            "StartNotebookInstance", target, why, phase, operation="StartNotebookInstance", **extra
        ),
        Step("WaitNotebookInstanceInService", target, why, phase),
    ]
