"""Monitoring schedules: updated in place (an inline job), repointed to a replaced job
definition, and waited out of Pending (a Pending schedule takes no update)."""

from __future__ import annotations

from typing import Any

from sagewarden.kinds import RT, kind

from .. import inputs, live
from ..context import Result, StepFailed, StepRun, valid
from ..live import describe
from ..shell import Section, Writer, dumps, q, text
from ..waiting import wait
from .base import Dependents, StepKind, register

SCHEDULE = kind(RT.MONITORING_SCHEDULE)
UPDATE = SCHEDULE.update_op or ""
NAME = SCHEDULE.describe_param
CONFIG = "MonitoringScheduleConfig"
JOB = "MonitoringJobDefinitionName"  # the job definition a schedule references


def _input(name: str, cfg: Any) -> dict[str, Any]:
    return valid(UPDATE, {NAME: name, CONFIG: cfg})


def _has(d: dict[str, Any], doc: dict[str, Any]) -> bool:
    """Whether a schedule's Describe output already says what the update would send."""
    return bool(inputs.build(UPDATE, d).get(CONFIG) == doc[CONFIG])


def wait_not_pending(x: StepRun, name: str) -> None:
    wait(x, "monitoring_schedule_not_pending", **{NAME: name})


def _repoint(x: StepRun, old: str, new: str, only: set[str] | None = None) -> list[str]:
    moved: list[str] = []
    for d in live.schedules_referencing(x.sm, old):
        name = str(d[NAME])
        if only is not None and name not in only:
            continue
        cfg = dict(d[CONFIG])
        cfg[JOB] = new
        doc = _input(name, cfg)
        wait_not_pending(x, name)
        x.sm.update_monitoring_schedule(**doc)
        moved.append(name)
    return moved


def _schedules_of(name: str) -> str:
    return f"sw_names=$(sw_schedules_of {q(name)})"


@register
class UpdateMonitoringSchedule(StepKind):
    name = UPDATE
    permissions = (SCHEDULE.describe_op, UPDATE)

    def do(self, x: StepRun) -> Result:
        name = str(x.step.params[NAME])
        doc = _input(name, x.step.params[CONFIG])
        d = describe(x.sm, RT.MONITORING_SCHEDULE, name)
        if d is None:
            raise StepFailed(f"monitoring schedule {name} does not exist")
        if _has(d, doc):
            return {"changed": False}
        wait_not_pending(x, name)
        x.sm.update_monitoring_schedule(**doc)
        return {"changed": True}

    def undo(self, x: StepRun) -> Result:
        name = str(x.step.params[NAME])
        before = x.backup_describe(SCHEDULE.label, name)
        d = describe(x.sm, RT.MONITORING_SCHEDULE, name)
        if before is None or d is None:
            return {"restored": False}
        doc = _input(name, before[CONFIG])
        if _has(d, doc):
            return {"changed": False}
        wait_not_pending(x, name)
        x.sm.update_monitoring_schedule(**doc)
        wait_not_pending(x, name)
        return {"changed": True}

    def script(self, w: Writer, sec: Section) -> None:
        name = str(sec.step.params.get(NAME, ""))
        doc = w.input(UPDATE, sec.step.params)
        sec.add(
            f'if [ "$(sw_aws sagemaker describe-monitoring-schedule --monitoring-schedule-name '
            f"{q(name)} --query {CONFIG} --output json "
            f'| python3 -c "$SW_PY" subset {q(dumps(doc.get(CONFIG)))})" = yes ]; then',
            f"  {sec.say(f'monitoring schedule {name}: already up to date')}",
            "else",
            f"  sw_aws sagemaker update-monitoring-schedule --cli-input-json {q(dumps(doc))}",
            "fi",
        )


@register
class WaitMonitoringScheduleNotPending(StepKind):
    name = "WaitMonitoringScheduleNotPending"
    permissions = (SCHEDULE.describe_op,)
    nothing_to_undo = "a wait changes nothing"

    def do(self, x: StepRun) -> Result:
        wait_not_pending(x, str(x.step.params[NAME]))
        return None

    def script(self, w: Writer, sec: Section) -> None:
        sec.add(f"sw_wait_schedule {q(str(sec.step.params.get(NAME, '')))}")


@register
class RepointSchedules(StepKind):
    """Every schedule referencing the old job definition moves to its replacement."""

    name = "RepointSchedules"
    permissions = (SCHEDULE.list_op, SCHEDULE.describe_op, UPDATE)
    moves = ("schedules", NAME)

    def dependents(self, sm: Any, rp: Any) -> Dependents:
        return {"schedules": live.schedules_referencing(sm, rp.name)}

    def do(self, x: StepRun) -> Result:
        p = x.step.params
        return {"schedules": _repoint(x, str(p[JOB]), str(p["To"]))}

    def undo(self, x: StepRun) -> Result:
        """Every schedule that referenced the old definition before the run points back."""
        p = x.step.params
        old, new = str(p[JOB]), str(p["To"])
        before = {str(d[NAME]) for d in x.dependents("schedules")}
        moved = _repoint(x, new, old, only=before)
        for name in moved:
            wait_not_pending(x, name)
        return {"schedules": moved}

    def script(self, w: Writer, sec: Section) -> None:
        p = sec.step.params
        old = str(p.get(JOB, ""))
        new = str(p.get("To", ""))
        sec.add(
            _schedules_of(old),
            "while IFS= read -r sw_s; do",
            '  [ -n "$sw_s" ] || continue',
            "  sw_cfg=$(sw_aws sagemaker describe-monitoring-schedule --monitoring-schedule-name "
            f'"$sw_s" --query {CONFIG} --output json)',
            f'  sw_new=$(printf \'%s\' "$sw_cfg" | python3 -c "$SW_PY" repoint {q(old)} {q(new)} '
            '"$SW_SHAPE_SCHEDULE_CONFIG")',
            '  [ -n "$sw_new" ] || continue',
            f'  sw_say "monitoring schedule $sw_s: "{text(f"{old} -> {new}")}',
            '  sw_aws sagemaker update-monitoring-schedule --monitoring-schedule-name "$sw_s" '
            '--monitoring-schedule-config "$sw_new"',
            'done <<<"$sw_names"',
        )


@register
class WaitSchedulesNotPending(StepKind):
    """Every schedule referencing a job definition out of Pending."""

    name = "WaitSchedulesNotPending"
    permissions = (SCHEDULE.list_op, SCHEDULE.describe_op)
    nothing_to_undo = "a wait changes nothing"

    def do(self, x: StepRun) -> Result:
        for d in live.schedules_referencing(x.sm, str(x.step.params[JOB])):
            wait_not_pending(x, str(d[NAME]))
        return None

    def script(self, w: Writer, sec: Section) -> None:
        sec.add(
            _schedules_of(str(sec.step.params.get(JOB, ""))),
            "while IFS= read -r sw_s; do",
            '  [ -z "$sw_s" ] || sw_wait_schedule "$sw_s"',
            'done <<<"$sw_names"',
        )
