"""Endpoint configs (immutable) and the endpoints that use them: a replacement config,
every endpoint moved to it (UpdateEndpoint is blue/green), the old config deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sagewarden.kinds import RT, kind

from .. import live
from ..context import Result, StepRun, valid
from ..shell import Section, Writer, q
from ..waiting import wait
from .base import Dependents, StepKind, register
from .replace import Creates, Deletes, Replacement, operations

if TYPE_CHECKING:
    from ..plan import ResourcePlan

CONFIG = kind(RT.ENDPOINT_CONFIG)
ENDPOINT = "EndpointName"
# Finding the endpoints that use a config: ListEndpoints has no config filter.
USERS = ("ListEndpoints", "DescribeEndpoint")


class EndpointConfigs(Replacement):
    resource = RT.ENDPOINT_CONFIG
    what = "endpoint config"
    used_by = "endpoint(s)"

    def users(self, sm: Any, name: str) -> list[str]:
        return [str(e[ENDPOINT]) for e in live.endpoints_using_configs(sm, {name})]


CONFIGS = EndpointConfigs()  # for the steps of other families that replace configs


def switch_endpoints(x: StepRun, old: str, new: str, only: set[str] | None = None) -> list[str]:
    """Move every endpoint on config `old` (of `only`, when given) to `new`, waited."""
    moved: list[str] = []
    for e in live.endpoints_using_configs(x.sm, {old}):
        name = str(e[ENDPOINT])
        if only is not None and name not in only:
            continue
        if e.get("EndpointStatus") != "InService":
            wait(x, "endpoint_in_service", EndpointName=name)
        x.sm.update_endpoint(
            **valid("UpdateEndpoint", {ENDPOINT: name, CONFIG.describe_param: new})
        )
        moved.append(name)
    for name in moved:
        wait(x, "endpoint_in_service", EndpointName=name)
    return moved


@register
class CreateEndpointConfig(Creates, EndpointConfigs):
    name = CONFIG.op("Create")
    permissions = (*operations(CONFIG), *USERS)

    def script(self, w: Writer, sec: Section) -> None:
        p = sec.step.params
        name = str(p.get(CONFIG.describe_param, ""))
        exists = f"sw_aws sagemaker describe-endpoint-config --endpoint-config-name {q(name)}"
        w.create(sec, self.name, exists, p, f"endpoint config {name}")


@register
class UpdateEndpoints(StepKind):
    """Every endpoint on the old config moves to the replacement."""

    name = "UpdateEndpoints"
    permissions = (*USERS, "UpdateEndpoint")
    moves = ("endpoints", ENDPOINT)

    def dependents(self, sm: Any, rp: ResourcePlan) -> Dependents:
        return {"endpoints": live.endpoints_using_configs(sm, {rp.name})}

    def do(self, x: StepRun) -> Result:
        p = x.step.params
        return {"endpoints": switch_endpoints(x, str(p["From"]), str(p["To"]))}

    def undo(self, x: StepRun) -> Result:
        p = x.step.params
        before = {str(e[ENDPOINT]) for e in x.dependents("endpoints")}
        return {"endpoints": switch_endpoints(x, str(p["To"]), str(p["From"]), only=before)}

    def script(self, w: Writer, sec: Section) -> None:
        old, new = sec.step.params.get("From"), sec.step.params.get("To")
        if not isinstance(old, str) or not isinstance(new, str):
            w.unknown(sec)
            return
        sec.add(f"sw_update_endpoints {q(old)} {q(new)}")


@register
class DeleteEndpointConfig(Deletes, EndpointConfigs):
    name = CONFIG.op("Delete")
    permissions = (*operations(CONFIG), *USERS)

    def script(self, w: Writer, sec: Section) -> None:
        name = str(sec.step.params.get(CONFIG.describe_param))
        sec.add(f"sw_delete_endpoint_config {q(name)}")
