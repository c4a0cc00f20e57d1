"""Waiting for AWS: botocore's waiter machinery for every state change a step waits on.

SageMaker's published waiters (notebook stopped, in service, deleted; endpoint in service)
come with botocore. Those it does not publish are waiter models in `waiters.json`
(botocore's waiter-2 format), run by the same machinery (`WaiterModel`,
`create_waiter_with_client`). The poll interval and the timeout of `fix apply` set every
waiter's Delay and MaxAttempts; the emulator moves states on read, so tests wait with a
zero delay and never sleep.

`poll` is for the one wait no waiter model can say: a notebook's volume backup is done
when a manifest in S3 matches a listing of S3 (two reads compared).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from botocore import xform_name
from botocore.exceptions import WaiterError
from botocore.waiter import WaiterModel, create_waiter_with_client

from .context import StepFailed, StepRun

# The status members a waiter's last answer may carry, for its failure message.
_STATUS_KEYS = ("NotebookInstanceStatus", "EndpointStatus", "MonitoringScheduleStatus", "Status")


@functools.cache
def model() -> WaiterModel:
    """sagewarden's waiter models for SageMaker (loaded once)."""
    text = (
        resources.files("sagewarden.remediation")
        .joinpath("waiters.json")
        .read_text(encoding="utf-8")
    )
    return WaiterModel(json.loads(text))


@functools.cache
def _own() -> dict[str, str]:
    """snake_case name -> the model's CamelCase name, as boto3 names waiters."""
    return {xform_name(name): name for name in model().waiter_names}


def waiter(sm: Any, name: str) -> Any:
    """A waiter by boto3's snake_case name: ours first, else botocore's published one."""
    own = _own().get(name)
    if own is not None:
        return create_waiter_with_client(own, model(), sm)
    return sm.get_waiter(name)


def wait(x: StepRun, name: str, **params: Any) -> None:
    """Run a waiter with the run's poll interval and timeout; StepFailed in one line."""
    interval = x.options.poll_interval
    attempts = max(1, int(x.options.timeout / max(interval, 0.001)))
    try:
        waiter(x.sm, name).wait(**params, WaiterConfig={"Delay": interval, "MaxAttempts": attempts})
    except WaiterError as exc:
        last: dict[str, Any] = dict(exc.last_response or {})
        status = next((last[k] for k in _STATUS_KEYS if last.get(k)), None)
        reason = last.get("FailureReason") or (last.get("Error") or {}).get("Message") or ""
        raise StepFailed(
            f"{name.replace('_', ' ')} did not happen"
            + (f": status {status}" if status else "")
            + (f" ({reason})" if reason else "")
        ) from None


def poll(x: StepRun, what: str, check: Callable[[], str | None]) -> None:
    """Call `check` until it returns None (done), every poll interval, until the timeout.
    `check` returns what it is still waiting for."""
    deadline = time.monotonic() + x.options.timeout
    while True:
        waiting = check()
        if waiting is None:
            return
        if time.monotonic() >= deadline:
            raise StepFailed(
                f"timed out after {x.options.timeout:g}s waiting for {what}: {waiting}"
            )
        time.sleep(x.options.poll_interval)
