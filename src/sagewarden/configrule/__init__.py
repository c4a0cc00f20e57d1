"""sagewarden as an AWS Config custom Lambda rule: `sagewarden.configrule.handler`.

AWS Config invokes the handler with a rule event (a change notification with the item
inline, an oversized one whose item is fetched, or a scheduled run that lists the
resources); it evaluates the rule's one control with the same control units and engine as
the command line and puts the verdicts back with PutEvaluations. docs/configrule.md says
how events, parameters and verdicts map. Kept lean: Lambda cold starts import this.
"""

from __future__ import annotations

from sagewarden.configrule.run import handler

__all__ = ["handler"]
