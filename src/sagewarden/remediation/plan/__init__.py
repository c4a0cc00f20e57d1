"""Failing verdicts of live resources -> an ordered remediation plan.

Pure: no AWS calls. What only a fresh read can settle (which endpoints use a config, which
schedules reference a job definition, the notebook's status at apply) is modelled as a
step resolved at apply, or a step with a `condition`.

Strategies, per the spec ("Fixing (what can change in place)"):

* in place: .3/.8 (stop, update, start), .6/.7 (AddTags), .14 inline job definition;
* blue/green: .4 and .5 (new endpoint config / model, UpdateEndpoint, delete old last),
  .9-.13 and .15 (new job definition, repoint schedules, delete old last);
* rebuild: .1/.2 (new notebook, fixing .3 and .8 too), blocked without a backup.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sagewarden.kinds import JOB_DEFINITION_TYPES, kind, name_property
from sagewarden.outputs.escaping import clean, code_point, is_surrogate
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.verdicts import Evaluation, Status, Suppression

from . import inputs, volume
from .steps import Phase, Skipped, Step, al2023_instance_type, new_name

LIVE_KINDS = ("aws", "aws-config")
MAX_TAGS = 50
AL2023 = "notebook-al2023-v1"

_ENCRYPT_CONTROLS = frozenset({"SageMaker.9", "SageMaker.10", "SageMaker.13", "SageMaker.15"})
_ISOLATION_CONTROLS = frozenset({"SageMaker.11", "SageMaker.12"})
# Describe output that is not Create input.
_READ_ONLY = frozenset(
    {
        "CreationTime",
        "LastModifiedTime",
        "JobDefinitionArn",
        "ModelArn",
        "EndpointConfigArn",
        "NotebookInstanceArn",
        "MonitoringScheduleArn",
        "ResponseMetadata",
        "Tags",
        "DeploymentRecommendation",  # DescribeModel only
        "NotebookInstanceStatus",
        "Url",
        "NetworkInterfaceId",
        "FailureReason",
    }
)
_NOTEBOOK_CARRY = (
    "InstanceType",
    "RoleArn",
    "SecurityGroupIds",
    "KmsKeyId",
    "LifecycleConfigName",
    "VolumeSizeInGB",
    "DefaultCodeRepository",
    "AdditionalCodeRepositories",
    "InstanceMetadataServiceConfiguration",
    "RootAccess",
    "PlatformIdentifier",
    "IpAddressType",
)
_REBUILD_IAC = (
    "CloudFormation/Terraform: set DirectInternetAccess Disabled and a SubnetId (replacement "
    "properties) in the template; after this rebuild, import the new notebook or the next "
    "apply will recreate it again (and destroy its volume)."
)


@dataclass
class ResourcePlan:
    resource_type: str
    resource_id: str
    name: str
    account_id: str | None
    region: str | None
    controls: tuple[str, ...]  # the failing controls this plan fixes
    strategy: str  # "in-place", "blue/green" or "rebuild"
    steps: list[Step] = field(default_factory=list)
    blocked: str | None = None
    warnings: list[str] = field(default_factory=list)
    new_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "name": self.name,
            "account_id": self.account_id,
            "region": self.region,
            "controls": list(self.controls),
            "strategy": self.strategy,
            "steps": [s.to_dict() for s in self.steps],
        }
        if self.new_name:
            out["new_name"] = self.new_name
        if self.blocked:
            out["blocked"] = self.blocked
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ResourcePlan:
        if not isinstance(d, dict):
            raise TypeError("a resource plan must be an object")
        for key in ("controls", "steps"):
            if not isinstance(d.get(key), list):
                raise TypeError(f"{key} must be a list")
        rp = cls(
            resource_type=str(d["resource_type"]),
            resource_id=str(d["resource_id"]),
            name=str(d["name"]),
            account_id=_opt(d.get("account_id")),
            region=_opt(d.get("region")),
            controls=tuple(str(c) for c in d["controls"]),
            strategy=str(d["strategy"]),
            steps=[Step.from_dict(s) for s in d["steps"]],
            blocked=_opt(d.get("blocked")),
            warnings=[str(w) for w in d.get("warnings", [])],
            new_name=_opt(d.get("new_name")),
        )
        return rp

    @property
    def key(self) -> str:
        """Identifies the resource plan within a plan (and a run's journal)."""
        return self.resource_id

    @property
    def where(self) -> str:
        """Its account and region, for messages: the same name can live in several."""
        return f"{self.account_id or '?'} {self.region or '?'}"


@dataclass
class Plan:
    resources: list[ResourcePlan] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # What the scan could not read (one line per account/region, or resource): what fails
    # there is unknown, so the plan is not the whole story.
    unread: list[str] = field(default_factory=list)

    @property
    def scopes(self) -> set[tuple[str | None, str | None]]:
        return {(rp.account_id, rp.region) for rp in self.resources}

    @property
    def blocked(self) -> list[ResourcePlan]:
        return [rp for rp in self.resources if rp.blocked]

    def ordered_steps(self) -> list[tuple[ResourcePlan, Step]]:
        """Every step of the plan in execution order: by phase, then resource, then step."""
        keyed = [
            ((s.phase, ri, si), rp, s)
            for ri, rp in enumerate(self.resources)
            for si, s in enumerate(rp.steps)
        ]
        keyed.sort(key=lambda t: t[0])
        return [(rp, s) for _, rp, s in keyed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "resources": [rp.to_dict() for rp in self.resources],
            "order": [
                {"resource_id": rp.resource_id, "action": s.action, "phase": s.phase.name.lower()}
                for rp, s in self.ordered_steps()
            ],
            "skipped": [s.to_dict() for s in self.skipped],
            "unread": list(self.unread),
        }

    @classmethod
    def from_dict(cls, d: Any) -> Plan:
        """A plan saved with `fix plan --format json`. ValueError says what is wrong."""
        if not isinstance(d, dict) or not isinstance(d.get("resources"), list):
            raise ValueError("not a sagewarden plan (no resources list)")
        try:
            resources = [ResourcePlan.from_dict(r) for r in d["resources"]]
            skipped = [Skipped.from_dict(s) for s in d.get("skipped", [])]
            unread = [str(u) for u in d.get("unread", [])]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"malformed plan: {what}") from None
        return cls(resources, skipped, unread)


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


# --- the planner -------------------------------------------------------------------------


@dataclass
class _Target:
    resource: Resource
    evaluations: list[Evaluation] = field(default_factory=list)
    extra_why: list[str] = field(default_factory=list)  # e.g. ".14 via schedule X"
    notes: list[str] = field(default_factory=list)  # warnings for the plan
    replacement: str = ""  # the new resource's name, for blue/green and rebuilds

    @property
    def controls(self) -> tuple[str, ...]:
        ids = {e.control.id for e in self.evaluations}
        return tuple(sorted(ids, key=lambda c: int(c.split(".")[1])))

    def has(self, *ids: str) -> bool:
        return any(e.control.id in ids for e in self.evaluations)


def plan(
    evaluations: Sequence[Evaluation],
    *,
    tags: Mapping[str, str] | None = None,
    allow_rebuild: bool = False,
    backup: str | None = None,
    subnet: str | None = None,
    select: Callable[[Evaluation], bool] | None = None,
    include_suppressed: bool = False,
) -> Plan:
    """Plan fixes for the FAILED verdicts of live resources (those `select` accepts, when
    given; the others still tell the planner what uses what). A suppressed verdict is
    listed as skipped with its reason and expiry, and planned only with
    `include_suppressed` (the plan then says it overrides the suppression)."""
    if backup is not None and backup != "user" and not backup.startswith("s3://"):
        raise ValueError(f"backup must be an s3:// URI or 'user', not {backup!r}")
    given_tags = dict(tags or {})
    reserved = sorted(k for k in given_tags if k.lower().startswith("aws:"))
    if reserved:
        raise ValueError(f"tag keys starting with aws: are reserved: {', '.join(reserved)}")

    out = Plan()
    targets: dict[str, _Target] = {}
    known: dict[tuple[str, str, str | None, str | None], Resource] = {}
    for e in evaluations:
        r = e.resource
        if r.provenance.kind in LIVE_KINDS:
            known[(r.type, _name(r), r.account_id, r.region)] = r
        if e.status is not Status.FAILED:
            continue
        if select is not None and not select(e):
            continue
        if e.suppression is not None and not include_suppressed:
            out.skipped.append(_suppressed(e, e.suppression))
            continue
        if r.provenance.kind not in LIVE_KINDS:
            why = (
                "change the template (IaC is not changed by sagewarden)"
                if r.is_iac
                else f"not a live resource (source {r.provenance.kind})"
            )
            out.skipped.append(Skipped(e.control.id, r.id, why))
            continue
        t = targets.setdefault(r.id, _Target(r))
        if e not in t.evaluations:
            t.evaluations.append(e)

    _route_schedule_references(targets, known, out)
    taken: set[tuple[str, str, str | None, str | None]] = set(known)

    # Models first: endpoint configs that use a replaced model point at its new name.
    model_renames: dict[tuple[str, str | None, str | None], str] = {}
    for t in targets.values():
        if t.resource.type == RT.MODEL:
            key = (_name(t.resource), t.resource.account_id, t.resource.region)
            t.replacement = _replacement(t.resource, taken)
            model_renames[key] = t.replacement
    # Endpoint configs in the scan that use a replaced model need a new config too: the
    # model's in the same account and region (the same names elsewhere are other models).
    users_of: dict[tuple[str, str | None, str | None], list[str]] = {}
    for r in known.values():
        if r.type != RT.ENDPOINT_CONFIG:
            continue
        for m in _config_models(r):
            if (m, *r.scope) in model_renames:
                users_of.setdefault((m, *r.scope), []).append(_name(r))
                t = targets.setdefault(r.id, _Target(r))
                t.extra_why.append(f"SageMaker.5 (uses model {m})")

    plans: list[ResourcePlan] = []
    for t in targets.values():
        if not t.replacement:
            t.replacement = _replacement(t.resource, taken)
        rtype = t.resource.type
        if rtype == RT.NOTEBOOK_INSTANCE:
            rp = _notebook(t, allow_rebuild=allow_rebuild, backup=backup, subnet=subnet)
        elif rtype in (RT.APP_IMAGE_CONFIG, RT.IMAGE):
            rp = _tagging(t, given_tags)
        elif rtype == RT.MONITORING_SCHEDULE:
            rp = _schedule(t)
        elif rtype == RT.MODEL:
            rp = _model(t, users_of.get((_name(t.resource), *t.resource.scope), []))
        elif rtype == RT.ENDPOINT_CONFIG:
            rp = _endpoint_config(t, model_renames)
        elif rtype in JOB_DEFINITION_TYPES:
            rp = _job_definition(t)
        else:  # pragma: no cover - every control's type is handled above
            continue
        refuse_uncarriable(rp)
        inputs.settle(rp)  # only inputs AWS can take: refused here, in one line, if not
        if rp.blocked:
            rp.steps = [s if s.blocked else _block(s, rp.blocked) for s in rp.steps]
        rp.warnings[:0] = [
            f"{e.control.id} is suppressed ({suppression_text(e.suppression)}): planned "
            "because of --include-suppressed"
            for e in t.evaluations
            if e.suppression is not None
        ]
        plans.append(rp)
    plans.sort(key=lambda rp: (kind(rp.resource_type).fix_order, rp.resource_id))
    out.resources = plans
    return out


def uncarriable(rp: ResourcePlan) -> str | None:
    """Why a resource plan cannot be carried out exactly, or None.

    A NUL or a lone surrogate anywhere in its names, id, account, region or step
    parameters cannot travel as it is: bash drops a NUL from a word (and C strings end at
    it), so a script's command would act on another name; a lone surrogate is not UTF-8,
    so a saved plan, the AWS CLI and boto3 cannot carry it. No AWS name or value holds
    either, so it is hostile or broken input, refused with one line. Every other
    character travels exactly (the script writes the unsafe ones as escapes)."""
    fields: list[tuple[str, object]] = [
        ("name", rp.name),
        ("id", rp.resource_id),
        ("replacement name", rp.new_name),
        ("account", rp.account_id),
        ("region", rp.region),
    ]
    fields += [(f"{s.action} input", s.params) for s in rp.steps]
    for what, value in fields:
        found = sorted({c for text in _strings(value) for c in text if _uncarriable(c)})
        if found:
            chars = " ".join(code_point(c) for c in found[:8]) + (" ..." if len(found) > 8 else "")
            return (
                f"the {what} holds {chars}: a NUL or a lone surrogate cannot be passed on "
                "exactly (a command would act on another name), and no AWS name or value "
                "holds one; not fixed"
            )
    return None


def _uncarriable(char: str) -> bool:
    return char == "\x00" or is_surrogate(char)


def _strings(value: object) -> list[str]:
    """Every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def refuse_uncarriable(rp: ResourcePlan) -> None:
    """Block the resource plan, and its steps, when `uncarriable` finds a reason."""
    reason = uncarriable(rp)
    if reason is None:
        return
    rp.blocked = f"{rp.blocked}; {reason}" if rp.blocked else reason
    rp.steps = [s if s.blocked else _block(s, rp.blocked) for s in rp.steps]


def suppression_text(sup: Suppression) -> str:
    """Where a suppression is declared, until when, and why."""
    until = f" until {sup.expires}" if sup.expires else ""
    return f"{sup.source}{until}: {sup.reason}"


def _suppressed(e: Evaluation, sup: Suppression) -> Skipped:
    """A suppressed finding: never planned unless asked for, always listed."""
    return Skipped(
        e.control.id,
        e.resource.id,
        f"suppressed ({suppression_text(sup)}); --include-suppressed fixes it anyway",
        sup.to_dict(),
    )


def _block(s: Step, reason: str) -> Step:
    return Step(**{**_fields(s), "blocked": reason})


def _fields(s: Step) -> dict[str, Any]:
    return {k: getattr(s, k) for k in Step.__dataclass_fields__}


def _name(r: Resource) -> str:
    value = r.properties.get(name_property(r.type), r.name)
    return value if isinstance(value, str) else r.name


def _new_plan(t: _Target, strategy: str) -> ResourcePlan:
    r = t.resource
    ids = set(t.controls) | {w.split(" ", 1)[0] for w in t.extra_why}
    ordered = tuple(sorted(ids, key=lambda c: int(c.split(".")[1])))
    return ResourcePlan(r.type, r.id, _name(r), r.account_id, r.region, ordered, strategy)


def _why(t: _Target) -> tuple[str, ...]:
    return t.controls + tuple(t.extra_why)


def _copy_tags(r: Resource) -> dict[str, Any]:
    """Tags for a Create call: the recorded ones, or a read at apply."""
    if r.tags is not None:
        user = {k: v for k, v in r.tags.items() if not k.startswith("aws:")}
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(user.items())]}
    return {"CopyTagsFrom": r.arn or r.id}  # ListTags at apply


def _api_params(r: Resource) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in r.properties.items() if k not in _READ_ONLY}


def _replacement(r: Resource, taken: set[tuple[str, str, str | None, str | None]]) -> str:
    """`name-swN`, skipping names in use (seen by the scan, or given to another
    replacement); apply also refuses a plan whose replacement name is taken by then."""
    name = new_name(_name(r))
    while (r.type, name, r.account_id, r.region) in taken:
        name = new_name(name)
    taken.add((r.type, name, r.account_id, r.region))
    return name


# --- notebooks ---------------------------------------------------------------------------


def _target_platform(t: _Target) -> str:
    for e in t.evaluations:
        if e.control.id == "SageMaker.8":
            supported = dict(e.parameters).get("supportedPlatformIdentifierVersions")
            if supported and AL2023 not in supported:
                return str(supported[0])
    return AL2023


def _notebook(
    t: _Target, *, allow_rebuild: bool, backup: str | None, subnet: str | None
) -> ResourcePlan:
    if t.has("SageMaker.1", "SageMaker.2"):
        return _rebuild(t, allow_rebuild=allow_rebuild, backup=backup, subnet=subnet)
    return _notebook_in_place(t)


def _platform_changes(t: _Target, rp: ResourcePlan, params: dict[str, Any]) -> None:
    """Fill `params` with the .3/.8 fixes and say what they imply."""
    p = t.resource.properties
    if t.has("SageMaker.3"):
        params["RootAccess"] = "Disabled"
        rp.warnings.append(
            "RootAccess Disabled: lifecycle configurations still run as root, users cannot "
            "sudo (installs move to lifecycle scripts or conda environments)"
        )
    if t.has("SageMaker.8"):
        platform = _target_platform(t)
        params["PlatformIdentifier"] = platform
        current = p.get("InstanceType")
        successor = al2023_instance_type(current) if isinstance(current, str) else None
        if platform.startswith("notebook-al2023") and successor:
            params["InstanceType"] = successor
            rp.warnings.append(
                f"AL2023 has no {current}: the instance type changes to {successor} in the same "
                "update (review it; Neuron/inf1 code needs recompiling)"
            )
        if p.get("AcceleratorTypes"):
            params["DisassociateAcceleratorTypes"] = True
            rp.warnings.append("Elastic Inference accelerators are not on AL2023: removed")
        if p.get("LifecycleConfigName"):
            rp.warnings.append(
                f"lifecycle configuration {p['LifecycleConfigName']} may use yum: AL2023 uses "
                "dnf; review it before the notebook starts"
            )


def _notebook_in_place(t: _Target) -> ResourcePlan:
    r = t.resource
    name = _name(r)
    rp = _new_plan(t, "in-place")
    why = t.controls
    update: dict[str, Any] = {"NotebookInstanceName": name}
    _platform_changes(t, rp, update)
    iac = None
    if t.has("SageMaker.8"):
        iac = (
            "CloudFormation marks PlatformIdentifier as replacement: set it (and InstanceType) "
            "in the template before the next apply, or that apply replaces the notebook and "
            "destroys its volume"
        )
    elif t.has("SageMaker.3"):
        iac = "set RootAccess: Disabled in the template, or the next apply reverts it"
    status = r.properties.get("NotebookInstanceStatus")
    downtime = f"notebook {name} is unavailable while stopped and updated (minutes)"
    if status in ("Failed", "Deleting"):
        rp.blocked = f"the notebook is {status}: it cannot be updated"
    running = status in ("InService", "Pending")
    unknown = not isinstance(status, str) or status not in (
        "InService",
        "Pending",
        "Stopped",
        "Stopping",
        "Updating",
        "Failed",
        "Deleting",
    )
    cond = "only if NotebookInstanceStatus is InService at apply" if unknown else None
    target = {"NotebookInstanceName": name}
    if running or unknown:
        if status == "Pending":
            rp.steps.append(
                Step(
                    "WaitNotebookInstanceInService",
                    target,
                    why,
                    Phase.IN_PLACE,
                    detail="it is starting: stop it only once it is InService",
                )
            )
        rp.steps.append(
            Step(
                "StopNotebookInstance",
                target,
                why,
                Phase.IN_PLACE,
                downtime=downtime,
                operation="StopNotebookInstance",
                condition=cond,
            )
        )
    if running or unknown or status in ("Stopping", "Updating"):
        rp.steps.append(Step("WaitNotebookInstanceStopped", target, why, Phase.IN_PLACE))
    rp.steps.append(
        Step(
            "UpdateNotebookInstance",
            update,
            why,
            Phase.IN_PLACE,
            downtime=downtime,
            iac_note=iac,
            operation="UpdateNotebookInstance",
            detail="the notebook must be Stopped; the update leaves it Stopped",
        )
    )
    rp.steps.append(Step("WaitNotebookInstanceStopped", target, why, Phase.IN_PLACE))
    if running or unknown:
        start_cond = "only if it was InService before the stop" if unknown else None
        rp.steps.append(
            Step(
                "StartNotebookInstance",
                target,
                why,
                Phase.IN_PLACE,
                operation="StartNotebookInstance",
                condition=start_cond,
                detail="it was running before the fix",
            )
        )
        rp.steps.append(
            Step("WaitNotebookInstanceInService", target, why, Phase.IN_PLACE, condition=start_cond)
        )
    return rp


def _rebuild(
    t: _Target, *, allow_rebuild: bool, backup: str | None, subnet: str | None
) -> ResourcePlan:
    r = t.resource
    p = r.properties
    old = _name(r)
    new = t.replacement
    rp = _new_plan(t, "rebuild")
    rp.new_name = new
    why = t.controls
    create: dict[str, Any] = {"NotebookInstanceName": new}
    for key in _NOTEBOOK_CARRY:
        if p.get(key) not in (None, "", []):
            create[key] = copy.deepcopy(p[key])
    subnet_id = p.get("SubnetId") if isinstance(p.get("SubnetId"), str) else None
    if t.has("SageMaker.2") or not subnet_id:
        subnet_id = subnet or None
    if subnet_id:
        create["SubnetId"] = subnet_id
    # SageMaker.1 only when it is being fixed: a suppressed (or unselected) .1 keeps the
    # notebook's direct internet access as it is.
    internet = p.get("DirectInternetAccess")
    fix_internet = t.has("SageMaker.1")
    if fix_internet or isinstance(internet, str):
        create["DirectInternetAccess"] = "Disabled" if fix_internet else internet
    _platform_changes(t, rp, create)
    create.update(_copy_tags(r))
    rp.warnings.append(
        "DeleteNotebookInstance destroys the ML storage volume (/home/ec2-user/SageMaker) and "
        "no API exports it: the old notebook is deleted only after the new one is InService "
        "and the restore is verified"
    )
    if fix_internet:
        rp.warnings.append(
            "without direct internet access the subnet needs a NAT gateway or VPC endpoints "
            "(SageMaker API, S3, and whatever the notebooks use)"
        )
    reasons: list[str] = []
    if not subnet_id:
        reasons.append("the new notebook needs a subnet: give --subnet")
    if not allow_rebuild:
        reasons.append("a rebuild deletes the notebook: give --allow-rebuild")
    if backup is None:
        reasons.append(
            "no backup: give --backup-s3 s3://BUCKET/PREFIX, or --backed-up once you have "
            "backed up /home/ec2-user/SageMaker yourself"
        )
    if reasons:
        rp.blocked = "; ".join(reasons)
    status = p.get("NotebookInstanceStatus")
    was_running = status in ("InService", "Pending") or not isinstance(status, str)
    original_lcc = (
        p.get("LifecycleConfigName") if isinstance(p.get("LifecycleConfigName"), str) else None
    )
    s3 = backup is not None and backup.startswith("s3://")
    if s3:
        assert backup is not None
        bucket, prefix = volume.locate(backup, old)
        _backup_steps(rp, why, old, bucket, prefix, status)
        restore_lcc = volume.lifecycle_name("restore", new)
        rp.steps.append(
            Step(
                "CreateRestoreLifecycleConfig",
                {
                    "NotebookInstanceLifecycleConfigName": restore_lcc,
                    "OnCreate": [{"Content": _b64(volume.restore_script(bucket, prefix, new))}],
                    "OnStartFrom": original_lcc,
                },
                why,
                Phase.CREATE,
                operation="CreateNotebookInstanceLifecycleConfig",
                detail="restores the backup into the new notebook when it is created; its "
                "OnStart is the original lifecycle configuration's",
            )
        )
        create["LifecycleConfigName"] = restore_lcc
    elif backup == "user":
        rp.steps.append(
            Step(
                "ConfirmUserBackup",
                {"NotebookInstanceName": old},
                why,
                Phase.PREPARE,
                detail="the user stated /home/ec2-user/SageMaker is backed up (--backed-up); "
                "sagewarden cannot verify it",
            )
        )
    rp.steps.append(
        Step(
            "CreateNotebookInstance",
            create,
            why,
            Phase.CREATE,
            operation="CreateNotebookInstance",
            iac_note=_REBUILD_IAC,
            cost="a second notebook runs until the old one is deleted",
            detail=f"new notebook {new} fixing {', '.join(why)} in one rebuild",
        )
    )
    new_t = {"NotebookInstanceName": new}
    old_t = {"NotebookInstanceName": old}
    rp.steps.append(Step("WaitNotebookInstanceInService", new_t, why, Phase.CREATE))
    if s3:
        rp.steps.append(
            Step(
                "VerifyVolumeRestore",
                {"NotebookInstanceName": new, "Bucket": bucket, "Prefix": prefix},
                why,
                Phase.REPOINT,
                detail="the new notebook's restore manifest must match the backup (files and "
                "bytes); the old notebook is kept if it does not",
            )
        )
        # Give the new notebook the original lifecycle configuration back.
        restore_lcc_update: dict[str, Any] = {"NotebookInstanceName": new}
        if original_lcc:
            restore_lcc_update["LifecycleConfigName"] = original_lcc
        else:
            restore_lcc_update["DisassociateLifecycleConfig"] = True
        rp.steps += _stop(new, why, Phase.REPOINT)
        rp.steps += [
            Step(
                "UpdateNotebookInstance",
                restore_lcc_update,
                why,
                Phase.REPOINT,
                operation="UpdateNotebookInstance",
                detail="the new notebook gets the original lifecycle configuration back",
            ),
            Step("WaitNotebookInstanceStopped", new_t, why, Phase.REPOINT),
        ]
        if was_running:
            rp.steps += _start(new, why, Phase.REPOINT)
    elif not was_running:
        rp.steps += _stop(
            new, why, Phase.REPOINT, detail="the old notebook was stopped: so is the new one"
        )
    downtime = f"users move from {old} to {new}; the old notebook's volume is destroyed"
    if s3 or was_running:
        cond = (
            None if s3 or status in ("InService", "Pending") else "only if it is InService at apply"
        )
        rp.steps += _stop(old, why, Phase.DELETE, condition=cond)
    rp.steps.append(
        Step(
            "DeleteNotebookInstance",
            old_t,
            why,
            Phase.DELETE,
            operation="DeleteNotebookInstance",
            downtime=downtime,
            condition="only after the new notebook is InService (or Stopped, as the old one "
            "was)" + (" and the restore is verified" if s3 else ""),
        )
    )
    if s3:
        for kind, owner in (("backup", old), ("restore", new)):
            rp.steps.append(
                Step(
                    "DeleteNotebookInstanceLifecycleConfig",
                    {"NotebookInstanceLifecycleConfigName": volume.lifecycle_name(kind, owner)},
                    why,
                    Phase.DELETE,
                    operation="DeleteNotebookInstanceLifecycleConfig",
                    detail=f"the {kind} lifecycle configuration is no longer needed",
                )
            )
        rp.warnings.append(
            "changes made in the old notebook after its backup are not copied: tell its users "
            "before applying"
        )
    return rp


def _stop(name: str, why: tuple[str, ...], phase: Phase, **extra: Any) -> list[Step]:
    """Stop a notebook and wait until it is Stopped."""
    target = {"NotebookInstanceName": name}
    return [
        Step("StopNotebookInstance", target, why, phase, operation="StopNotebookInstance", **extra),
        Step("WaitNotebookInstanceStopped", target, why, phase),
    ]


def _start(name: str, why: tuple[str, ...], phase: Phase, **extra: Any) -> list[Step]:
    """Start a notebook and wait until it is InService."""
    target = {"NotebookInstanceName": name}
    return [
        Step(
            "StartNotebookInstance", target, why, phase, operation="StartNotebookInstance", **extra
        ),
        Step("WaitNotebookInstanceInService", target, why, phase),
    ]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _backup_steps(
    rp: ResourcePlan, why: tuple[str, ...], old: str, bucket: str, prefix: str, status: Any
) -> None:
    """Attach a backup lifecycle configuration to the old notebook and start it: the
    script copies the volume to S3 and writes a manifest that the next step verifies."""
    lcc = volume.lifecycle_name("backup", old)
    target = {"NotebookInstanceName": old}
    rp.steps.append(
        Step(
            "CreateNotebookInstanceLifecycleConfig",
            {
                "NotebookInstanceLifecycleConfigName": lcc,
                "OnStart": [{"Content": _b64(volume.backup_script(bucket, prefix))}],
            },
            why,
            Phase.PREPARE,
            operation="CreateNotebookInstanceLifecycleConfig",
            detail=f"an OnStart script copying /home/ec2-user/SageMaker to s3://{bucket}/{prefix}",
            cost="S3 storage for the backup",
        )
    )
    known = isinstance(status, str)
    if status in ("InService", "Pending") or not known:
        rp.steps += _stop(
            old,
            why,
            Phase.PREPARE,
            condition=None if known else "only if it is InService at apply",
            downtime=f"notebook {old} restarts to run the backup",
        )
    else:
        rp.steps.append(Step("WaitNotebookInstanceStopped", target, why, Phase.PREPARE))
    rp.steps += [
        Step(
            "UpdateNotebookInstance",
            {"NotebookInstanceName": old, "LifecycleConfigName": lcc},
            why,
            Phase.PREPARE,
            operation="UpdateNotebookInstance",
            detail="attach the backup lifecycle configuration",
        ),
        Step("WaitNotebookInstanceStopped", target, why, Phase.PREPARE),
        *_start(old, why, Phase.PREPARE, detail="the backup runs as the notebook starts"),
        Step(
            "VerifyVolumeBackup",
            {"NotebookInstanceName": old, "Bucket": bucket, "Prefix": prefix},
            why,
            Phase.PREPARE,
            detail="wait for the backup manifest, then compare object count and bytes in S3 "
            "with it; nothing is deleted unless they match",
        ),
    ]


# --- tags --------------------------------------------------------------------------------


def _tagging(t: _Target, given: dict[str, str]) -> ResourcePlan:
    r = t.resource
    rp = _new_plan(t, "in-place")
    existing = {k for k in (r.tags or {}) if not k.startswith("aws:")}
    required: list[str] = []
    for e in t.evaluations:
        for k in dict(e.parameters).get("requiredKeyTags") or ():
            if k not in required:
                required.append(str(k))
    if required:
        missing = [k for k in required if k not in existing]
        add = {k: given[k] for k in missing if k in given}
        absent = [k for k in missing if k not in given]
        if absent:
            rp.blocked = "no value for required tag key(s) " + ", ".join(absent) + ": give --tag"
    else:
        add = {k: v for k, v in given.items() if k not in existing}
        if not add:
            rp.blocked = "no tags to add: give --tag KEY=VALUE"
    total = len(existing) + len(add)
    if total > MAX_TAGS and not rp.blocked:
        rp.blocked = f"the resource would carry {total} tags (at most {MAX_TAGS})"
    params = {
        "ResourceArn": r.arn or r.id,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(add.items())],
    }
    rp.steps.append(
        Step(
            "AddTags",
            params,
            t.controls,
            Phase.IN_PLACE,
            operation="AddTags",
            detail="adds the missing keys only; existing tags are untouched",
            iac_note="add the tags in the template too, or the next apply may remove them",
        )
    )
    return rp


# --- monitoring schedules and job definitions --------------------------------------------


def _route_schedule_references(
    targets: dict[str, _Target],
    known: Mapping[tuple[str, str, str | None, str | None], Resource],
    out: Plan,
) -> None:
    """A schedule failing .14 through a referenced job definition is fixed on that job
    definition (with isolation on) and the schedules are repointed by its plan."""
    for rid, t in list(targets.items()):
        r = t.resource
        if r.type != RT.MONITORING_SCHEDULE:
            continue
        cfg = r.properties.get("MonitoringScheduleConfig") or {}
        if cfg.get("MonitoringJobDefinition") is not None:
            continue  # inline: fixed in place
        ref = cfg.get("MonitoringJobDefinitionName")
        mtype = cfg.get("MonitoringType")
        found = None
        for jt in sorted(JOB_DEFINITION_TYPES):
            if mtype and kind(jt).monitoring_type != mtype:
                continue
            found = known.get((jt, str(ref), r.account_id, r.region)) or found
        if found is None:
            continue  # planned on the schedule as blocked
        if _network(found).get("EnableNetworkIsolation") is True:
            del targets[rid]
            for e in t.evaluations:
                out.skipped.append(
                    Skipped(
                        e.control.id,
                        r.id,
                        f"isolation is on: it lives on the referenced job definition {ref}, "
                        "which SageMaker.14's literal rule does not read (evaluate with "
                        "SageMaker.14.resolveReferences=true); nothing to change",
                    )
                )
            continue
        del targets[rid]
        jt_ = targets.setdefault(found.id, _Target(found))
        jt_.extra_why.append(f"SageMaker.14 (schedule {_name(r)})")
        resolved = any(
            dict(e.parameters).get("resolveReferences") in (True, "true") for e in t.evaluations
        )
        if not resolved:
            jt_.notes.append(
                f"schedule {_name(r)} still fails SageMaker.14's literal rule after this fix "
                "(it reads only inline job definitions, and only data-quality jobs can be "
                "inline); it passes with SageMaker.14.resolveReferences=true"
            )


def _network(r: Resource) -> dict[str, Any]:
    value = r.properties.get("NetworkConfig")
    return value if isinstance(value, dict) else {}


def _schedule(t: _Target) -> ResourcePlan:
    r = t.resource
    rp = _new_plan(t, "in-place")
    cfg = copy.deepcopy(r.properties.get("MonitoringScheduleConfig") or {})
    job = cfg.get("MonitoringJobDefinition")
    if job is None:
        ref = cfg.get("MonitoringJobDefinitionName")
        rp.strategy = "blue/green"
        rp.blocked = (
            f"isolation lives on the referenced job definition {ref}, which is not in this "
            "scan: scan it too (with SageMaker.14.resolveReferences=true)"
        )
        rp.steps.append(
            Step(
                "CreateJobDefinition",
                {"From": ref, "EnableNetworkIsolation": True},
                t.controls,
                Phase.CREATE,
            )
        )
        return rp
    job.setdefault("NetworkConfig", {})["EnableNetworkIsolation"] = True
    params = {"MonitoringScheduleName": _name(r), "MonitoringScheduleConfig": cfg}
    rp.warnings.append(
        "an isolated monitoring job has no network: its inputs and baselines must be staged "
        "where the job reads them without network access"
    )
    rp.steps.append(
        Step(
            "UpdateMonitoringSchedule",
            params,
            t.controls,
            Phase.IN_PLACE,
            operation="UpdateMonitoringSchedule",
            detail="the whole MonitoringScheduleConfig (the call replaces it), isolation on",
            iac_note="set NetworkConfig.EnableNetworkIsolation true in the template",
        )
    )
    rp.steps.append(
        Step(
            "WaitMonitoringScheduleNotPending",
            {"MonitoringScheduleName": _name(r)},
            t.controls,
            Phase.IN_PLACE,
        )
    )
    return rp


def _job_definition(t: _Target) -> ResourcePlan:
    r = t.resource
    old = _name(r)
    new = t.replacement
    rp = _new_plan(t, "blue/green")
    rp.new_name = new
    why = _why(t)
    params = _api_params(r)
    params["JobDefinitionName"] = new
    network = params.setdefault("NetworkConfig", {})
    fixed: list[str] = []
    if any(c in _ENCRYPT_CONTROLS for c in t.controls):
        network["EnableInterContainerTrafficEncryption"] = True
        fixed.append("EnableInterContainerTrafficEncryption")
    if any(c in _ISOLATION_CONTROLS for c in t.controls) or t.extra_why:
        network["EnableNetworkIsolation"] = True
        fixed.append("EnableNetworkIsolation")
        rp.warnings.append(
            "an isolated monitoring job has no network: stage inputs and baselines so the job "
            "needs no network at run time"
        )
    params.update(_copy_tags(r))
    rp.warnings += t.notes
    op = kind(r.type).noun
    rp.warnings.append(f"job definitions are immutable: the replacement is named {new}")
    rp.steps.append(
        Step(
            "CreateJobDefinition",
            params,
            why,
            Phase.CREATE,
            operation=f"Create{op}",
            detail=f"{new} with NetworkConfig " + " and ".join(fixed) + " true",
            iac_note="CloudFormation replaces job definitions on these properties: set them in "
            "the template and import or rename accordingly",
        )
    )
    rp.steps.append(
        Step(
            "RepointSchedules",
            {
                "MonitoringJobDefinitionName": old,
                "To": new,
                "MonitoringType": op[: -len("JobDefinition")],
            },
            why,
            Phase.REPOINT,
            detail="ListMonitoringSchedules by MonitoringJobDefinitionName at apply, then "
            "UpdateMonitoringSchedule each to the new name",
        )
    )
    rp.steps.append(
        Step("WaitSchedulesNotPending", {"MonitoringJobDefinitionName": new}, why, Phase.REPOINT)
    )
    rp.steps.append(
        Step(
            "DeleteJobDefinition",
            {"JobDefinitionName": old},
            why,
            Phase.DELETE,
            operation=f"Delete{op}",
            condition="only when no monitoring schedule references it any more",
        )
    )
    return rp


# --- models and endpoint configs ---------------------------------------------------------


def _config_models(r: Resource) -> list[str]:
    names: list[str] = []
    for key in ("ProductionVariants", "ShadowProductionVariants"):
        for v in r.properties.get(key) or []:
            if isinstance(v, dict) and isinstance(v.get("ModelName"), str):
                names.append(v["ModelName"])
    return names


def _model(t: _Target, users: list[str]) -> ResourcePlan:
    r = t.resource
    old = _name(r)
    new = t.replacement
    rp = _new_plan(t, "blue/green")
    rp.new_name = new
    why = t.controls
    params = _api_params(r)
    params["ModelName"] = new
    params["EnableNetworkIsolation"] = True
    params.update(_copy_tags(r))
    rp.warnings.append(
        "with network isolation the container has no network and no AWS credentials: a model "
        "that fetches anything at run time (S3, packages, other services) will break"
    )
    rp.steps.append(
        Step(
            "CreateModel",
            params,
            why,
            Phase.CREATE,
            operation="CreateModel",
            detail=f"{new}: same containers, role, VPC config and tags, isolation on",
            iac_note="EnableNetworkIsolation is a replacement property: set it in the template",
        )
    )
    if not users:
        rp.steps.append(
            Step(
                "ReplaceModelInEndpointConfigs",
                {"From": old, "To": new},
                why,
                Phase.REPOINT,
                detail="at apply: find the endpoint configs using the model, create a copy "
                "of each with the new model, UpdateEndpoint every endpoint using them, wait "
                "InService, then delete the old configs",
                downtime="none expected (blue/green UpdateEndpoint)",
            )
        )
    else:
        rp.warnings.append("endpoint configs " + ", ".join(sorted(users)) + " move to " + new)
    rp.steps.append(
        Step(
            "DeleteModel",
            {"ModelName": old},
            why,
            Phase.DELETE_DEPENDENCY,
            operation="DeleteModel",
            condition="only when no endpoint config references it any more",
        )
    )
    return rp


def _endpoint_config(
    t: _Target, model_renames: Mapping[tuple[str, str | None, str | None], str]
) -> ResourcePlan:
    r = t.resource
    old = _name(r)
    new = t.replacement
    controls = t.controls
    rp = _new_plan(t, "blue/green")
    rp.new_name = new
    why = _why(t)
    params = _api_params(r)
    params["EndpointConfigName"] = new
    raised: list[str] = []
    for key in ("ProductionVariants", "ShadowProductionVariants"):
        for v in params.get(key) or []:
            if not isinstance(v, dict):
                continue
            renamed = model_renames.get((str(v.get("ModelName")), *r.scope))
            if renamed:
                v["ModelName"] = renamed
            count = v.get("InitialInstanceCount")
            fix_count = key == "ProductionVariants" and "SageMaker.4" in controls
            if fix_count and isinstance(count, int) and count < 2:
                raised.append(f"{v.get('VariantName', '?')} {count} -> 2")
                v["InitialInstanceCount"] = 2
    params.update(_copy_tags(r))
    cost = None
    if raised:
        cost = "at least doubles the instances: " + "; ".join(raised)
        rp.warnings.append(f"cost: {cost}")
        rp.warnings.append(
            "auto-scaled variants: re-register scaling on the new variant (or keep it with "
            "RetainAllVariantProperties, which would also keep the old instance count)"
        )
    rp.warnings.append(f"endpoint configs are immutable: the replacement is named {new}")
    rp.steps.append(
        Step(
            "CreateEndpointConfig",
            params,
            why,
            Phase.CREATE,
            operation="CreateEndpointConfig",
            cost=cost,
            detail=f"{new}: " + ("; ".join(raised) or "same variants, new models"),
            iac_note="set the instance counts / model in the template (an endpoint config "
            "change is a replacement there too)",
        )
    )
    rp.steps.append(
        Step(
            "UpdateEndpoints",
            {"From": old, "To": new},
            why,
            Phase.REPOINT,
            downtime="none expected: UpdateEndpoint is blue/green",
            detail="at apply: every endpoint using the old config (ListEndpoints + "
            "DescribeEndpoint), UpdateEndpoint to the new one, wait InService",
        )
    )
    rp.steps.append(
        Step(
            "DeleteEndpointConfig",
            {"EndpointConfigName": old},
            why,
            Phase.DELETE,
            operation="DeleteEndpointConfig",
            condition="only when no endpoint uses it any more",
        )
    )
    return rp


# --- text --------------------------------------------------------------------------------


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
        head = f"{rp.name} ({rp.resource_type}, {rp.strategy}): {', '.join(rp.controls)}"
        lines.append(head)
        lines.append(f"  {rp.resource_id}")
        if rp.new_name:
            lines.append(f"  replacement: {rp.new_name}")
        if rp.blocked:
            lines.append(f"  BLOCKED: {rp.blocked}")
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


__all__ = ["Plan", "ResourcePlan", "plan", "refuse_uncarriable", "render_text", "uncarriable"]
