"""Models: SageMaker.5."""

from __future__ import annotations

from typing import Any

from sagewarden.controls import Context, control
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.values import as_bool, get
from sagewarden.verdicts import Verdict, failed, passed


@control("SageMaker.5")
def model_isolation(r: Resource, params: dict[str, Any], ctx: Context) -> Verdict:
    f = get(RT.MODEL, r.properties, "EnableNetworkIsolation")
    on = as_bool("EnableNetworkIsolation", f.value)
    text = f.describe("EnableNetworkIsolation", on)
    return passed(text) if on else failed(text)
