"""Inference experiments in place: UpdateInferenceExperiment with the whole structures it
replaces (the data capture, `DataStorageConfig`), and a wait until the experiment has
left Updating.

AWS takes the update only while the experiment is Created or Running: preflight refuses
any other status (for good when it is Completed or Cancelled), the step reads again
before it writes, and so does its undo, which sends the backed-up structures back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sagewarden.kinds import RT, kind

from .. import inputs
from ..context import Result, StepFailed, StepRun, valid
from ..live import describe
from ..plan.experiments import FINISHED, STATUS, UPDATABLE, finished
from ..shell import Section, Writer, dumps, q
from ..waiting import wait
from .base import StepKind, register

EXPERIMENT = kind(RT.INFERENCE_EXPERIMENT)
UPDATE = EXPERIMENT.update_op or ""
NAME = EXPERIMENT.describe_param
_WAITER = "inference_experiment_settled"


def _name(x: StepRun) -> str:
    return str(x.step.params[NAME])


def _settled(x: StepRun, name: str) -> dict[str, Any]:
    """The experiment's Describe once it is out of a transition; StepFailed when it is
    gone, or finished (it takes no update any more)."""
    wait(x, _WAITER, **{NAME: name})
    d = describe(x.sm, RT.INFERENCE_EXPERIMENT, name)
    if d is None:
        raise StepFailed(f"inference experiment {name} does not exist")
    return d


def _has(d: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether the Describe output already holds what the update would send."""
    current = inputs.build(UPDATE, d)
    return all(current.get(k) == v for k, v in doc.items() if k != NAME)


def _update(x: StepRun, doc: dict[str, Any], refused: Callable[[object], str]) -> Result:
    """Send `doc` unless the experiment, read fresh once out of a transition, already
    holds it; StepFailed saying `refused` when its status takes no update."""
    name = str(doc[NAME])
    d = _settled(x, name)
    if _has(d, doc):
        return {"changed": False}
    status = d.get(STATUS)
    if status not in UPDATABLE:
        raise StepFailed(f"inference experiment {name}: {refused(status)}")
    x.sm.update_inference_experiment(**doc)
    return {"changed": True}


@register
class UpdateInferenceExperiment(StepKind):
    """The structures the plan sends, whole (the call replaces each one given)."""

    name = UPDATE
    permissions = (EXPERIMENT.describe_op, UPDATE)
    resource_type = RT.INFERENCE_EXPERIMENT
    status_key = STATUS
    origin_states = UPDATABLE

    def refusal(self, status: object) -> str | None:
        if status in FINISHED:
            return finished(status)
        return super().refusal(status)

    def do(self, x: StepRun) -> Result:
        return _update(x, valid(UPDATE, x.step.params), finished)

    def undo(self, x: StepRun) -> Result:
        """Send back the structures the update replaced, as the backup has them."""
        name = _name(x)
        before = x.backup_describe(EXPERIMENT.label, name)
        if before is None or describe(x.sm, RT.INFERENCE_EXPERIMENT, name) is None:
            return {"restored": False}
        backed_up = inputs.build(UPDATE, before)
        doc = valid(UPDATE, {**{k: backed_up.get(k) for k in x.step.params}, NAME: name})
        fields = " and ".join(k for k in doc if k != NAME)

        def refused(status: object) -> str:
            return (
                f"the experiment is {status} and takes no update any more: it keeps "
                f"{fields} as the fix set it"
            )

        result = _update(x, doc, refused)
        if result and result["changed"]:
            wait(x, _WAITER, **{NAME: name})
        return result

    def script(self, w: Writer, sec: Section) -> None:
        name = str(sec.step.params.get(NAME, ""))
        doc = w.input(UPDATE, sec.step.params)
        want = {k: v for k, v in doc.items() if k != NAME}
        sec.add(
            f"sw_status=$(sw_experiment_status {q(name)})",
            f'if [ "$(sw_aws sagemaker describe-inference-experiment --name {q(name)} '
            f'--output json | python3 -c "$SW_PY" subset {q(dumps(want))})" = yes ]; then',
            f"  {sec.say(f'inference experiment {name}: already up to date')}",
            "else",
            '  case "$sw_status" in',
            f"    {' | '.join(UPDATABLE)}) ;;",
            "    *) "
            + sec.fail(
                f"inference experiment {name} is not {' or '.join(UPDATABLE)}: "
                "UpdateInferenceExperiment would refuse it"
            )
            + " ;;",
            "  esac",
            f"  sw_aws sagemaker update-inference-experiment --cli-input-json {q(dumps(doc))}",
            "fi",
        )


@register
class WaitInferenceExperimentSettled(StepKind):
    """Until the experiment has left Creating, Updating, Starting or Stopping."""

    name = "WaitInferenceExperimentSettled"
    permissions = (EXPERIMENT.describe_op,)
    nothing_to_undo = "a wait changes nothing"

    def do(self, x: StepRun) -> Result:
        wait(x, _WAITER, **{NAME: _name(x)})
        return None

    def script(self, w: Writer, sec: Section) -> None:
        name = str(sec.step.params.get(NAME, ""))
        sec.add(f"sw_experiment_status {q(name)} >/dev/null")
