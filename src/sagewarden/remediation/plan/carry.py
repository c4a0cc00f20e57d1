"""Refuse what cannot travel exactly: a NUL or a lone surrogate in a resource plan."""

from __future__ import annotations

from sagewarden.outputs.escaping import code_point, is_surrogate

from .document import ResourcePlan
from .target import block


def uncarriable(rp: ResourcePlan) -> str | None:
    """Why a resource plan cannot be carried out exactly, or None.

    A NUL or a lone surrogate anywhere in its names, id, account, region or step
    parameters cannot travel as it is: bash drops a NUL from a word (and C strings end at
    it), so a script's command would act on another name; a lone surrogate is not UTF-8,
    so a saved plan, the AWS CLI and boto3 cannot carry it. No AWS name or value holds
    either, so it is hostile or broken input, refused with one line. Every other
    character travels exactly (the script writes the unsafe ones as escapes)."""
    fields: list[tuple[str, object]] = [
        ("name", rp.name),
        ("id", rp.resource_id),
        ("replacement name", rp.new_name),
        ("account", rp.account_id),
        ("region", rp.region),
    ]
    fields += [(f"{s.action} input", s.params) for s in rp.steps]
    for what, value in fields:
        found = sorted(
            # A NUL or a surrogate is never printable: most strings are skipped in C.
            {c for text in _strings(value) if not text.isprintable() for c in text if _bad(c)}
        )
        if found:
            chars = " ".join(code_point(c) for c in found[:8]) + (" ..." if len(found) > 8 else "")
            return (
                f"the {what} holds {chars}: a NUL or a lone surrogate cannot be passed on "
                "exactly (a command would act on another name), and no AWS name or value "
                "holds one; not fixed"
            )
    return None


def _bad(char: str) -> bool:
    return char == "\x00" or is_surrogate(char)


def _strings(value: object) -> list[str]:
    """Every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def refuse_uncarriable(rp: ResourcePlan) -> None:
    """Block the resource plan, and its steps, when `uncarriable` finds a reason."""
    reason = uncarriable(rp)
    if reason is None:
        return
    rp.blocked = f"{rp.blocked}; {reason}" if rp.blocked else reason
    rp.steps = [s if s.blocked else block(s, rp.blocked) for s in rp.steps]
