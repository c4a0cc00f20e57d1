"""Inference experiments (shadow tests beside an endpoint), which moto 5.2 lacks.

Behaviour follows the SageMaker API reference. Create refuses an existing name
(ResourceInUse), an endpoint or model that does not exist, a ShadowModeConfig naming a
variant the experiment does not have, and a Schedule that ends before it starts or runs
over 30 days (ValidationException); without a Schedule the experiment starts at once and
ends after 7 days. Status moves as sagemaker_store.InferenceExperiment says (on being
seen, and by the schedule's times: no timers).

UpdateInferenceExperiment: "The status of the inference experiment has to be either
Created, Running"; while Running only the schedule's end may change. Stop (to Completed
or Cancelled) likewise needs Created or Running. Delete "only deletes the metadata of
your experiment": the emulator refuses it while the experiment is live or in transition
(stop it first). Those refusals are ConflictException, the one error the model lists for
a state that forbids the call on these three operations.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from sagewarden_demo.emulator.clock import epoch, now
from sagewarden_demo.emulator.context import Context
from sagewarden_demo.emulator.paging import ListSpec, by_name, by_time, list_page
from sagewarden_demo.emulator.replies import ApiError, invalid
from sagewarden_demo.emulator.sagemaker_resources import in_use, not_found
from sagewarden_demo.emulator.sagemaker_store import (
    DEFAULT_EXPERIMENT_DURATION,
    EXPERIMENT_MEMBERS,
    INFERENCE_EXPERIMENT,
    MAX_EXPERIMENT_DURATION,
    InferenceExperiment,
)

Handler = Callable[[Context], dict[str, Any]]

LABEL = "InferenceExperiment"
UPDATABLE = ("Created", "Running")  # UpdateInferenceExperiment and StopInferenceExperiment
DELETABLE = ("Created", "Completed", "Cancelled")
# What UpdateInferenceExperiment replaces when given (Schedule is checked on its own).
_REPLACEABLE = ("Description", "ModelVariants", "DataStorageConfig", "ShadowModeConfig")


def _experiment(ctx: Context) -> InferenceExperiment:
    name = ctx.params["Name"]
    found = ctx.state.inference_experiments.get(name)
    if found is None:
        raise not_found(LABEL, ctx.arn(INFERENCE_EXPERIMENT, name))
    return found


def _in_status(ctx: Context, allowed: tuple[str, ...], action: str) -> InferenceExperiment:
    experiment = _experiment(ctx)
    experiment.settle(now())
    if experiment.status not in allowed:
        raise ApiError(
            "ConflictException",
            f"Cannot {action} {LABEL} {experiment.arn} in status {experiment.status}: "
            f"the status has to be one of {', '.join(allowed)}.",
        )
    return experiment


def _time(value: Any) -> datetime:
    return datetime.fromtimestamp(epoch(value), timezone.utc)


def _schedule(given: dict[str, Any] | None, start: datetime | None = None) -> tuple[datetime, ...]:
    """(StartTime, EndTime) of a Schedule, with AWS's defaults and limits."""
    given = given or {}
    begins = _time(given["StartTime"]) if "StartTime" in given else start or now()
    ends = _time(given["EndTime"]) if "EndTime" in given else begins + DEFAULT_EXPERIMENT_DURATION
    if ends <= begins:
        raise invalid("Schedule.EndTime must be after Schedule.StartTime.")
    if ends - begins > MAX_EXPERIMENT_DURATION:
        raise invalid("The maximum duration of an inference experiment is 30 days.")
    return begins, ends


def _check_variants(ctx: Context, variants: list[dict[str, Any]], shadow: dict[str, Any]) -> None:
    """Models that exist, variant names given once, a ShadowModeConfig among them."""
    names = [v["VariantName"] for v in variants]
    if len(set(names)) != len(names):
        raise invalid(f"ModelVariants name a variant more than once: {names}.")
    models = ctx.moto.backend()._models
    for variant in variants:
        if variant["ModelName"] not in models:
            raise invalid(f"Could not find model '{ctx.arn('model', variant['ModelName'])}'.")
    named = [shadow["SourceModelVariantName"]] + [
        s["ShadowModelVariantName"] for s in shadow["ShadowModelVariants"]
    ]
    unknown = sorted(set(named) - set(names))
    if unknown:
        raise invalid(f"ShadowModeConfig names variants that are not in ModelVariants: {unknown}.")


def _only_its_variants(experiment: InferenceExperiment, member: str, names: list[str]) -> None:
    unknown = sorted(set(names) - set(experiment.variant_names))
    if unknown:
        raise invalid(f"{member} name variants the experiment does not have: {unknown}.")


def _endpoint_metadata(ctx: Context, name: str) -> dict[str, Any]:
    endpoint = ctx.moto.backend().endpoints.get(name)
    if endpoint is None:
        return {"EndpointName": name}
    return {
        "EndpointName": name,
        "EndpointConfigName": endpoint.endpoint_config_name,
        "EndpointStatus": endpoint.endpoint_status,
    }


def create_inference_experiment(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    name = p["Name"]
    arn = ctx.arn(INFERENCE_EXPERIMENT, name)
    if name in ctx.state.inference_experiments:
        raise in_use(LABEL, arn)
    if p["EndpointName"] not in ctx.moto.backend().endpoints:
        raise invalid(f"Could not find endpoint '{ctx.arn('endpoint', p['EndpointName'])}'.")
    _check_variants(ctx, p["ModelVariants"], p["ShadowModeConfig"])
    start, end = _schedule(p.get("Schedule"))
    ctx.state.inference_experiments[name] = InferenceExperiment(
        name=name,
        arn=arn,
        endpoint_name=p["EndpointName"],
        start=start,
        end=end,
        config={m: p[m] for m in EXPERIMENT_MEMBERS if m in p},
        tags=[dict(tag) for tag in p.get("Tags", [])],
    )
    return {"InferenceExperimentArn": arn}


def describe_inference_experiment(ctx: Context) -> dict[str, Any]:
    experiment = _experiment(ctx)
    return experiment.describe(_endpoint_metadata(ctx, experiment.endpoint_name))


def update_inference_experiment(ctx: Context) -> dict[str, Any]:
    experiment = _in_status(ctx, UPDATABLE, "update")
    p = ctx.params
    config = experiment.config
    _only_its_variants(
        experiment, "ModelVariants", [v["VariantName"] for v in p.get("ModelVariants", [])]
    )
    variants = {v["VariantName"]: v for v in config["ModelVariants"]}
    variants.update({v["VariantName"]: v for v in p.get("ModelVariants", [])})
    merged = [variants[name] for name in experiment.variant_names]
    _check_variants(ctx, merged, p.get("ShadowModeConfig", config["ShadowModeConfig"]))
    if "Schedule" in p:
        given = p["Schedule"]
        if (
            experiment.status == "Running"
            and "StartTime" in given
            and _time(given["StartTime"]) != experiment.start
        ):
            raise invalid("The experiment is Running: only Schedule.EndTime can be updated.")
        experiment.start, experiment.end = _schedule(
            {"EndTime": experiment.end, **given}, experiment.start
        )
    for member in _REPLACEABLE:
        if member in p:
            config[member] = copy.deepcopy(p[member])  # replaced whole, as in AWS
    config["ModelVariants"] = merged
    experiment.status = "Updating"
    experiment.last_modified_time = now()
    return {"InferenceExperimentArn": experiment.arn}


def stop_inference_experiment(ctx: Context) -> dict[str, Any]:
    experiment = _in_status(ctx, UPDATABLE, "stop")
    p = ctx.params
    actions = p["ModelVariantActions"]
    _only_its_variants(experiment, "ModelVariantActions", list(actions))
    experiment.removed_variants = {name for name, action in actions.items() if action == "Remove"}
    experiment.stopped_as = p.get("DesiredState", "Completed")
    experiment.status_reason = p.get("Reason")
    experiment.status = "Stopping"
    experiment.last_modified_time = now()
    return {"InferenceExperimentArn": experiment.arn}


def delete_inference_experiment(ctx: Context) -> dict[str, Any]:
    experiment = _in_status(ctx, DELETABLE, "delete")
    del ctx.state.inference_experiments[experiment.name]
    return {"InferenceExperimentArn": experiment.arn}


_EXPERIMENTS: ListSpec[InferenceExperiment] = ListSpec(
    scope="ListInferenceExperiments",
    name=lambda e: e.name,
    created=lambda e: e.creation_time,
    modified=lambda e: e.last_modified_time,
    sort_keys={
        "Name": by_name(lambda e: e.name),
        "CreationTime": by_time(lambda e: e.creation_time, lambda e: e.name),
        "Status": lambda e: (e.status, e.name),
    },
    default_sort="CreationTime",
)


def list_inference_experiments(ctx: Context) -> dict[str, Any]:
    p = ctx.params
    experiments = list(ctx.state.inference_experiments.values())
    for experiment in experiments:
        experiment.settle(now())
    selected = [
        e
        for e in experiments
        if (not p.get("Type") or e.config["Type"] == p["Type"])
        and (not p.get("StatusEquals") or e.status == p["StatusEquals"])
    ]
    page = list_page(_EXPERIMENTS, selected, p)
    return {"InferenceExperiments": [e.summary() for e in page.items], "NextToken": page.next_token}


HANDLERS: dict[str, Handler] = {
    "CreateInferenceExperiment": create_inference_experiment,
    "DescribeInferenceExperiment": describe_inference_experiment,
    "UpdateInferenceExperiment": update_inference_experiment,
    "StopInferenceExperiment": stop_inference_experiment,
    "DeleteInferenceExperiment": delete_inference_experiment,
    "ListInferenceExperiments": list_inference_experiments,
}
