"""A case as a live resource: created in the emulator through boto3, then scanned.

Creating takes the Create* operation of the type's own name (CreateNotebookInstance...),
checked against botocore's model. Its input names are the CloudFormation names except
where LIVE_NAMES says (resources.API_RENAMES holds the Describe names, which differ from
Create's: CreateNotebookInstance takes SecurityGroupIds and LifecycleConfigName). A null
is no member at all: botocore sends no null.

A live scan builds boto3 clients, which costs about a second, so cases are created side by
side in one account and region and scanned once (a batch), each case's resource under its
own name: every control's cases whose parameters agree, and whose related resources do
not clash (one name with other properties). A handful of scans covers every case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError

from sagewarden.resources import ResourceType as RT
from sagewarden_demo.emulator import Emulator, sagemaker_service_model
from tests.casekit.model import Case, Resource
from tests.casekit.render import REGION, concrete, resources
from tests.casekit.scan import Seen, diagnostics, scan, verdicts

# Create* input names that differ from the CloudFormation names, per type.
LIVE_NAMES: dict[str, dict[str, str]] = {
    RT.IMAGE: {
        "ImageRoleArn": "RoleArn",
        "ImageDescription": "Description",
        "ImageDisplayName": "DisplayName",
    },
}
REFUSALS = (ClientError, ParamValidationError)
# Types that run beside an endpoint, and the property that names it. The API takes them
# only once the endpoint exists, which no case can relate (an endpoint is no evaluated
# type): the harness makes it from the related endpoint configuration of the same name.
ENDPOINT_NAMED_BY: dict[str, str] = {RT.INFERENCE_EXPERIMENT: "EndpointName"}


def create_operation(r: Resource) -> str:
    op = "Create" + r.type.rsplit("::", 1)[1]
    if op not in sagemaker_service_model().operation_names:
        raise AssertionError(f"{r.type}: botocore has no {op}")
    return op


def create_kwargs(r: Resource) -> dict[str, Any]:
    renames = LIVE_NAMES.get(r.type, {})
    kwargs = {renames.get(k, k): v for k, v in _no_nulls(concrete(r.properties)).items()}
    if r.tags:
        kwargs["Tags"] = [{"Key": k, "Value": v} for k, v in r.tags.items()]
    members = sagemaker_service_model().operation_model(create_operation(r)).input_shape.members
    unknown = sorted(set(kwargs) - set(members))
    if unknown:
        raise AssertionError(f"{r.type}: {create_operation(r)} has no {unknown}: add LIVE_NAMES")
    return kwargs


def _endpoint(sm: Any, r: Resource, created: set[tuple[str, str]]) -> None:
    """The endpoint `r` runs beside (ENDPOINT_NAMED_BY), made once per batch."""
    member = ENDPOINT_NAMED_BY.get(r.type)
    name = concrete(r.properties.get(member)) if member else None
    if not isinstance(name, str) or ("endpoint", name) in created:
        return
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    created.add(("endpoint", name))


def _no_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _no_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_nulls(v) for v in value]
    return value


@dataclass
class Batch:
    """Cases created side by side and scanned once: each control's parameters are the same
    for all its cases here, and related resources of one name are the same resource."""

    params: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by control
    cases: list[Case] = field(default_factory=list)
    related: dict[tuple[str, str], Resource] = field(default_factory=dict)

    def fits(self, case: Case) -> bool:
        same = all(
            self.params.get(control, params) == params
            for control, params in case.params_by_control().items()
        )
        return same and all(self.related.get(r.key, r) == r for r in case.related)

    def add(self, case: Case) -> None:
        self.params.update(case.params_by_control())
        self.cases.append(case)
        self.related.update({r.key: r for r in case.related})

    @property
    def scan_args(self) -> list[str]:
        args: list[str] = []
        for control, params in sorted(self.params.items()):
            args += ["--control", control, *params]
        return args


@dataclass
class Outcome:
    """A batch once created and scanned."""

    seen: dict[tuple[str, str], Seen]  # by control and resource name
    refused: dict[str, str]  # by case label: what the API answered
    diagnostics: list[str]


def batches(cases: Iterable[Case]) -> dict[str, Batch]:
    """The batch of each case (by label)."""
    out: dict[str, Batch] = {}
    made: list[Batch] = []
    for case in cases:
        batch = next((b for b in made if b.fits(case)), None)
        if batch is None:
            batch = Batch()
            made.append(batch)
        batch.add(case)
        out[case.label] = batch
    return out


_DONE: dict[int, Outcome] = {}


def outcome(batch: Batch, emulator: Emulator, workdir: Path) -> Outcome:
    """The batch's verdicts, creating and scanning it on first use in this process.

    The caller's emulator fixture has just been reset; the outcome is kept, so later
    cases of the batch need no emulator state.
    """
    done = _DONE.get(id(batch))
    if done is None:
        done = _run(batch, emulator, workdir)
        _DONE[id(batch)] = done
    return done


def _run(batch: Batch, emulator: Emulator, workdir: Path) -> Outcome:
    sm = emulator.client("sagemaker", REGION)
    created: set[tuple[str, str]] = set()
    refused: dict[str, str] = {}
    for case in batch.cases:
        for r in resources(case):
            if r.key in created:
                continue
            try:
                _endpoint(sm, r, created)
                getattr(sm, xform_name(create_operation(r)))(**create_kwargs(r))
            except REFUSALS as exc:
                what = "" if r is case.resource else f"related {r.type} {r.name}: "
                refused[case.label] = f"{what}{type(exc).__name__}: {exc}"
                break
            created.add(r.key)
    report = workdir / "live-report.json"
    _, doc = scan(report, "--aws", "--region", REGION, *batch.scan_args)
    seen = {
        (control, name): v for control in batch.params for name, v in verdicts(doc, control).items()
    }
    return Outcome(seen, refused, diagnostics(doc))
