"""Monitoring job definitions (immutable): a replacement with the failing network
flags on, the schedules repointed to it (`schedules.py`), the old one deleted once no
schedule references it. Four types share these steps; the operation is the plan's."""

from __future__ import annotations

from typing import Any

from sagewarden.kinds import KINDS, RT, kind

from .. import live
from ..shell import Section, Writer, kebab, q
from .base import register
from .replace import Creates, Deletes, Replacement, operations

SCHEDULE = kind(RT.MONITORING_SCHEDULE)
JOB_KINDS = tuple(k for k in KINDS if k.is_job_definition)
_NAME = JOB_KINDS[0].describe_param  # JobDefinitionName, for every type
_OPERATIONS = tuple(op for k in JOB_KINDS for op in operations(k))
_USERS = (SCHEDULE.list_op, SCHEDULE.describe_op)


class JobDefinitions(Replacement):
    what = "job definition"
    used_by = "schedule(s)"

    def users(self, sm: Any, name: str) -> list[str]:
        return [str(s[SCHEDULE.describe_param]) for s in live.schedules_referencing(sm, name)]


def _operation(sec: Section, verb: str) -> str | None:
    """The step's own operation (CreateDataQualityJobDefinition...), when it names one."""
    op = sec.step.operation
    if not op or not op.startswith(verb) or not op.endswith("JobDefinition"):
        return None
    return op


def _describe(op: str, verb: str) -> str:
    return kebab("Describe" + op[len(verb) :])


@register
class CreateJobDefinition(Creates, JobDefinitions):
    name = "CreateJobDefinition"
    permissions = (*_OPERATIONS, *_USERS)

    def script(self, w: Writer, sec: Section) -> None:
        op = _operation(sec, "Create")
        if op is None:
            w.unknown(sec)
            return
        p = sec.step.params
        name = str(p.get(_NAME, ""))
        exists = f"sw_aws sagemaker {_describe(op, 'Create')} --job-definition-name {q(name)}"
        w.create(sec, op, exists, p, f"job definition {name}")


@register
class DeleteJobDefinition(Deletes, JobDefinitions):
    name = "DeleteJobDefinition"
    permissions = (*_OPERATIONS, *_USERS)

    def script(self, w: Writer, sec: Section) -> None:
        op = _operation(sec, "Delete")
        if op is None:
            w.unknown(sec)
            return
        name = str(sec.step.params.get(_NAME, ""))
        sec.add(
            f"if ! sw_aws sagemaker {_describe(op, 'Delete')} --job-definition-name {q(name)} "
            ">/dev/null 2>&1; then",
            f"  {sec.say(f'job definition {name}: already deleted')}",
            "else",
            f"  sw_names=$(sw_schedules_of {q(name)})",
            '  [ -z "$sw_names" ] || '
            + sec.fail(
                f"job definition {name} is still referenced by a monitoring schedule: not deleted"
            ),
            f"  sw_aws sagemaker {kebab(op)} --job-definition-name {q(name)}",
            "fi",
        )
