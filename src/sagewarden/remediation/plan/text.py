"""A plan as the text `fix plan` prints: per resource, then the order, skipped, unread."""

from __future__ import annotations

from sagewarden.outputs.escaping import clean

from .document import Plan


def render_text(p: Plan) -> str:
    lines: list[str] = []
    if not p.resources and p.unread:
        lines.append(
            f"Nothing planned, but {len(p.unread)} part(s) of the scan could not be read: what "
            "fails there is unknown (see Not read below)."
        )
    elif not p.resources:
        lines.append("Nothing to fix on live resources.")
    else:
        steps = sum(len(rp.steps) for rp in p.resources)
        blocked = len(p.blocked)
        lines.append(
            f"Plan: {len(p.resources)} resources"
            + (f" ({blocked} blocked)" if blocked else "")
            + f", {steps} steps"
            + (f", {len(p.skipped)} skipped" if p.skipped else "")
            + ". Nothing changes until `sagewarden fix apply PLAN --yes`."
        )
        lines.append("")
    for rp in p.resources:
        fixed = ", ".join(rp.controls)
        held = ", ".join(rp.blocked_controls)
        what = "; ".join(w for w in (fixed, held and f"not fixed: {held}") if w)
        lines.append(f"{rp.name} ({rp.resource_type}, {rp.strategy}): {what}")
        lines.append(f"  {rp.resource_id}")
        if rp.new_name:
            lines.append(f"  replacement: {rp.new_name}")
        if rp.blocked and (rp.steps or not rp.blocked_controls):
            lines.append(f"  BLOCKED: {rp.blocked}")
        for control, why in rp.blocked_controls.items():
            lines.append(f"  BLOCKED {control}: {why}")
        for w in rp.warnings:
            lines.append(f"  ! {w}")
        for i, s in enumerate(rp.steps, 1):
            lines.append(
                f"  {i}. {s.action} [{s.phase.name.lower()}]"
                + (f" - {s.detail}" if s.detail else "")
            )
            for label, value in (
                ("if", s.condition),
                ("downtime", s.downtime),
                ("cost", s.cost),
                ("IaC", s.iac_note),
            ):
                if value:
                    lines.append(f"       {label}: {value}")
        lines.append("")
    if p.resources:
        lines.append("Order:")
        scoped = len(p.scopes) > 1
        for n, (rp, s) in enumerate(p.ordered_steps(), 1):
            mark = " (blocked)" if s.blocked else ""
            where = f" ({rp.where})" if scoped else ""
            lines.append(f"  {n}. {s.action} {rp.name}{where}{mark}")
    if p.skipped:
        lines.append("Skipped:")
        for sk in p.skipped:
            lines.append(f"  {sk.control} {sk.resource_id}: {sk.reason}")
    if p.unread:
        lines.append("Not read (nothing is planned there):")
        lines += [f"  {u}" for u in p.unread]
    # One line per entry: names, reasons and messages from AWS are escaped within their
    # line (a line break in a name would start a fake line of the plan).
    return "\n".join(clean(line) for line in lines).rstrip() + "\n"
