"""What one AWS Config custom rule is for one control: its name, scope, triggers and input
parameters, shared by the account template (`AWS::Config::ConfigRule`) and the
organization template (`AWS::Config::OrganizationConfigRule`).

The handler learns which control a rule evaluates from the `control` input parameter
(the stable rule name says it too); the other input parameters are the control's own,
named as `--param` names them, string values with lists as CSV: the contract in the
spec's "AWS Config custom rule contract". Enums and length limits come from botocore's
model of AWS Config, not from a table here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sagewarden.catalog import Control
from sagewarden.params import ParamSet

HANDLER = "sagewarden.configrule.handler"
CONTROL_KEY = "control"  # the input parameter naming the control a rule evaluates
PERIODIC = "Periodic"
CHANGE = "ConfigurationItemChangeNotification"
OVERSIZED = "OversizedConfigurationItemChangeNotification"
SCHEDULED = "ScheduledNotification"
DEFAULT_FREQUENCY = "TwentyFour_Hours"


@cache
def _config_model() -> Any:
    import botocore.session  # here: every command builds this module's parser options

    return botocore.session.get_session().get_service_model("config")


def frequencies() -> tuple[str, ...]:
    """AWS Config's MaximumExecutionFrequency values, from botocore's model."""
    return tuple(_config_model().shape_for("MaximumExecutionFrequency").enum)


def max_length(shape: str, member: str) -> int:
    """The longest value AWS Config takes for `shape.member` (botocore's model)."""
    return int(_config_model().shape_for(shape).members[member].metadata["max"])


@dataclass(frozen=True)
class RuleSpec:
    control: Control
    name: str
    description: str
    triggers: tuple[str, ...]  # AWS Config message types, in the organization enum's words
    frequency: str | None  # set when the rule also runs on a schedule
    parameters: Mapping[str, str]

    @property
    def resource_types(self) -> list[str]:
        return [self.control.resource_type]

    @property
    def input_parameters(self) -> str:
        return json.dumps(dict(self.parameters), separators=(",", ":"))


def rule_name(control: Control) -> str:
    """Stable across deployments: `sagewarden-sagemaker-1` (fits both name patterns)."""
    return f"sagewarden-{control.id.lower().replace('.', '-')}"


def _text(value: Any) -> str:
    """AWS Config rule parameters are strings: lists as CSV, booleans as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def rule_spec(control: Control, params: ParamSet, frequency: str) -> RuleSpec:
    """The rule for `control`: every change notification, plus a scheduled run at
    `frequency` for the periodic controls (the handler lists their resources then)."""
    periodic = control.schedule == PERIODIC
    parameters = {CONTROL_KEY: control.id}
    parameters.update({k: _text(v) for k, v in params.explicit_for(control) if v is not None})
    description = f"sagewarden {control.id}: {control.title}"
    limit = max_length("ConfigRule", "Description")
    if len(description) > limit:
        description = description[: limit - 1] + "…"
    return RuleSpec(
        control=control,
        name=rule_name(control),
        description=description,
        triggers=(CHANGE, OVERSIZED, SCHEDULED) if periodic else (CHANGE, OVERSIZED),
        frequency=frequency if periodic else None,
        parameters=parameters,
    )


def rule_specs(
    controls: Sequence[Control], params: ParamSet, frequency: str = DEFAULT_FREQUENCY
) -> tuple[list[RuleSpec], list[str]]:
    """The rules for the controls whose parameters are valid, and one problem line for
    each rule AWS Config would refuse (input parameters over its length limit)."""
    specs: list[RuleSpec] = []
    problems: list[str] = []
    limit = max_length("ConfigRule", "InputParameters")
    for control in controls:
        if control.id in params.invalid_controls:
            continue
        spec = rule_spec(control, params, frequency)
        if len(spec.input_parameters) > limit:
            problems.append(
                f"{control.id}: its parameters take {len(spec.input_parameters)} characters "
                f"as rule input parameters; AWS Config takes at most {limit}"
            )
            continue
        specs.append(spec)
    return specs, problems
