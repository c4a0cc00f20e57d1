"""Whether a scan reads the job definitions that monitoring schedules reference.

Only SageMaker.14 judges one resource by another's fields (a schedule by the job
definition it names), and only when its `resolveReferences` parameter is on. The decision
lives here alone, so that references can become something a control declares.
"""

from __future__ import annotations

from collections.abc import Sequence

from sagewarden.catalog import Control
from sagewarden.params import ParamSet

CONTROL = "SageMaker.14"
PARAMETER = "resolveReferences"
ENABLE = f"{CONTROL}.{PARAMETER}=true"  # the --param that turns resolution on


def resolve_references(controls: Sequence[Control], params: ParamSet) -> bool:
    """True when a selected control needs the resources its resources reference."""
    return any(c.id == CONTROL and bool(params.for_control(c).get(PARAMETER)) for c in controls)
