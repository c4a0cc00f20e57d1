"""A plan -> a bash script of AWS CLI calls (`sagewarden fix plan --format script`).

The script does what `fix apply` does, for users who review and run shell scripts: one
section per step of `Plan.ordered_steps()`, every value shell-quoted, every create guarded
by a describe, every delete by existence and by the step's "no longer used" condition, so
a second run does nothing that the first already did. Blocked steps are comments only.
Pure: nothing here calls AWS (the input shapes come from botocore's bundled model). Every
input written is built and checked by `inputs` first; those built at run time from a
fresh Describe are cut to the input shape by the same `inputs.prune`, embedded.

No character that must not reach a person raw (`escaping`: control, bidi, zero-width,
line separators) is written raw: JSON documents are ASCII (``\\u`` escapes), comments and
the messages the script prints show escapes, and a shell word holding one is written as
bash's ``$'...'`` with the character's UTF-8 bytes as ``\\xHH``, so the word is exact and
the script reads as it runs. NUL cannot be in a bash word at all (bash drops it, and the
command would act on another name): the planner refuses such a resource (`plan.uncarriable`),
and a step of a plan made otherwise that would still need one is written as not
scriptable.
"""

from __future__ import annotations

import inspect
import json
import re
import shlex
from collections.abc import Callable
from typing import Any

from sagewarden.outputs.escaping import clean, is_unsafe, shorten, unsafe_characters

from . import inputs
from .plan import Plan, ResourcePlan
from .steps import NAME_MAX, Step


class Unscriptable(ValueError):
    """A value no bash word can carry (NUL)."""


def q(value: str) -> str:
    """`value` as one shell word, exactly, with no unsafe character raw (see the module
    docstring)."""
    if not unsafe_characters(value):
        return shlex.quote(value)
    if "\x00" in value:
        raise Unscriptable(f"{shorten(value, 80)} holds a NUL (\\x00): no shell word can")
    out: list[str] = []
    for char in value:
        if char in "\\'":
            out.append("\\" + char)
        elif is_unsafe(char):
            data = char.encode("utf-8", "surrogatepass")
            out.append("".join(f"\\x{byte:02x}" for byte in data))
        else:
            out.append(char)
    return "$'" + "".join(out) + "'"


def _text(message: str) -> str:
    """A message the script prints, as a shell word: escaped for a person, then quoted."""
    return q(clean(message))


# --- embedded helpers (Python run by the script's python3: names only ever travel as argv) -

_PY_LINES = """\
import json, sys
data = json.load(sys.stdin)
for item in data or []:
    if isinstance(item, str) and item:
        print(item)
"""

_PY_NEW_NAME = f"""\
import re, sys
old = sys.argv[1]
m = re.match(r"^(?P<base>.*)-sw(?P<n>\\d+)$", old)
base, n = (m.group("base"), int(m.group("n")) + 1) if m else (old, 1)
suffix = "-sw%d" % n
print(base[: {NAME_MAX} - len(suffix)].rstrip("-") + suffix)
"""

# stdin: DescribeNotebookInstance; argv[1]: the UpdateNotebookInstance input. Prints yes/no.
_PY_NEEDS_UPDATE = """\
import json, sys
cur = json.load(sys.stdin)
want = json.loads(sys.argv[1])
renamed = {"LifecycleConfigName": "NotebookInstanceLifecycleConfigName"}
need = False
for key, value in want.items():
    if key == "NotebookInstanceName":
        continue
    if key.startswith("Disassociate"):
        field = key[len("Disassociate"):]
        field = renamed.get(field + "Name", field)
        need = need or (bool(value) and bool(cur.get(field)))
    else:
        need = need or cur.get(renamed.get(key, key)) != value
print("yes" if need else "no")
"""

# stdin: the current document; argv[1]: the desired one. Prints yes when desired is a subset.
_PY_SUBSET = """\
import json, sys
def sub(want, cur):
    if isinstance(want, dict):
        return isinstance(cur, dict) and all(sub(v, cur.get(k)) for k, v in want.items())
    return want == cur
print("yes" if sub(json.loads(sys.argv[1]), json.load(sys.stdin)) else "no")
"""

# What the helpers that turn a fresh Describe into an input cut it down with.
_PY_PRUNE = inspect.getsource(inputs.prune)

# stdin: a MonitoringScheduleConfig; argv: old, new job definition name, the config's
# input skeleton. Prints the config pointing at new (as input), or nothing when it does
# not reference old.
_PY_REPOINT = (
    _PY_PRUNE
    + """
import json, sys
cfg = json.load(sys.stdin)
if isinstance(cfg, dict) and cfg.get("MonitoringJobDefinitionName") == sys.argv[1]:
    cfg["MonitoringJobDefinitionName"] = sys.argv[2]
    print(json.dumps(prune(cfg, json.loads(sys.argv[3]))))
"""
)

# stdin: DescribeEndpointConfig; argv: model. Prints yes when a variant uses the model.
_PY_USES_MODEL = """\
import json, sys
cfg = json.load(sys.stdin)
names = [v.get("ModelName") for key in ("ProductionVariants", "ShadowProductionVariants")
         for v in cfg.get(key) or [] if isinstance(v, dict)]
print("yes" if sys.argv[1] in names else "no")
"""

# stdin: DescribeEndpointConfig; argv: old model, new model, new config name, the input
# skeleton. Prints the CreateEndpointConfig input of the copy, or nothing when the model
# is unused.
_PY_CONFIG_COPY = (
    _PY_PRUNE
    + """
import json, sys
cfg = json.load(sys.stdin)
old, new, name, skel = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
used = False
for key in ("ProductionVariants", "ShadowProductionVariants"):
    for v in cfg.get(key) or []:
        if isinstance(v, dict) and v.get("ModelName") == old:
            v["ModelName"] = new
            used = True
if used:
    cfg["EndpointConfigName"] = name
    cfg.pop("Tags", None)
    print(json.dumps(prune(cfg, skel)))
"""
)

# argv: name, OnCreate JSON, the original configuration's OnStart JSON (or null).
_PY_RESTORE_LCC = """\
import json, sys
out = {"NotebookInstanceLifecycleConfigName": sys.argv[1], "OnCreate": json.loads(sys.argv[2])}
on_start = json.loads(sys.argv[3] or "null")
if on_start:
    out["OnStart"] = on_start
print(json.dumps(out))
"""

# stdin: S3 object metadata. Prints "files bytes".
_PY_META = """\
import json, sys
meta = {k.lower(): v for k, v in (json.load(sys.stdin) or {}).items()}
print(int(meta.get("files", -1)), int(meta.get("bytes", -1)))
"""

# stdin: [[Key, Size], ...] (or null); argv: a key prefix to leave out. Prints "files bytes".
_PY_COUNT = """\
import json, sys
rows = [r for r in json.load(sys.stdin) or [] if not r[0].startswith(sys.argv[1])]
print(len(rows), sum(int(r[1]) for r in rows))
"""

_HELPERS = (
    ("SW_PY_LINES", _PY_LINES),
    ("SW_PY_NEW_NAME", _PY_NEW_NAME),
    ("SW_PY_NEEDS_UPDATE", _PY_NEEDS_UPDATE),
    ("SW_PY_SUBSET", _PY_SUBSET),
    ("SW_PY_REPOINT", _PY_REPOINT),
    ("SW_PY_USES_MODEL", _PY_USES_MODEL),
    ("SW_PY_CONFIG_COPY", _PY_CONFIG_COPY),
    ("SW_PY_RESTORE_LCC", _PY_RESTORE_LCC),
    ("SW_PY_META", _PY_META),
    ("SW_PY_COUNT", _PY_COUNT),
)

# The input shapes (botocore's, as `inputs.skeleton`) that run-time copies are cut to.
_SHAPES = (
    ("SW_SHAPE_ENDPOINT_CONFIG", "CreateEndpointConfig", None),
    ("SW_SHAPE_SCHEDULE_CONFIG", "UpdateMonitoringSchedule", "MonitoringScheduleConfig"),
)

_FUNCTIONS = r"""
sw_say() { printf 'sagewarden: %s\n' "$*"; }
sw_fail() { printf 'sagewarden: FAILED: %s\n' "$*" >&2; exit 1; }
# Every AWS call: the section's --region (and --profile); stdin never consumed.
sw_aws() { aws "$@" ${AWS_OPTS[@]+"${AWS_OPTS[@]}"} </dev/null; }

# A notebook's status, or Absent.
sw_nb_status() {
  sw_aws sagemaker describe-notebook-instance --notebook-instance-name "$1" \
    --query NotebookInstanceStatus --output text 2>/dev/null || echo Absent
}

# SW_TAGS=(--tags JSON) with the user tags of an ARN, or () when it has none.
sw_tags_from() {
  local tags
  tags=$(sw_aws sagemaker list-tags --resource-arn "$1" \
    --query 'Tags[?!starts_with(Key, `aws:`)]' --output json)
  SW_TAGS=()
  case "$tags" in
    '' | '[]' | null) ;;
    *) SW_TAGS=(--tags "$tags") ;;
  esac
}

# Poll until a monitoring schedule has left Pending (fails on Failed).
sw_wait_schedule() {
  local name=$1 tries=0 status
  while :; do
    status=$(sw_aws sagemaker describe-monitoring-schedule --monitoring-schedule-name "$name" \
      --query MonitoringScheduleStatus --output text)
    case "$status" in
      Pending) ;;
      Failed) sw_fail "monitoring schedule $name is Failed" ;;
      *) sw_say "monitoring schedule $name is $status"; return 0 ;;
    esac
    tries=$((tries + 1))
    [ "$tries" -lt "$SW_POLL_TRIES" ] || sw_fail "monitoring schedule $name still Pending"
    sleep "$SW_POLL_SECONDS"
  done
}

# The names of the monitoring schedules referencing a job definition, one a line.
sw_schedules_of() {
  sw_aws sagemaker list-monitoring-schedules --monitoring-job-definition-name "$1" \
    --query 'MonitoringScheduleSummaries[].MonitoringScheduleName' --output json \
    | python3 -c "$SW_PY_LINES"
}

sw_endpoints() {
  sw_aws sagemaker list-endpoints --query 'Endpoints[].EndpointName' --output json \
    | python3 -c "$SW_PY_LINES"
}

sw_endpoint_configs() {
  sw_aws sagemaker list-endpoint-configs --query 'EndpointConfigs[].EndpointConfigName' \
    --output json | python3 -c "$SW_PY_LINES"
}

# Every endpoint on config $1 moves to config $2 (blue/green), waited and checked.
sw_update_endpoints() {
  local from=$1 to=$2 eps e cfg
  eps=$(sw_endpoints)
  while IFS= read -r e; do
    [ -n "$e" ] || continue
    cfg=$(sw_aws sagemaker describe-endpoint --endpoint-name "$e" \
      --query EndpointConfigName --output text)
    [ "$cfg" = "$from" ] || continue
    sw_say "endpoint $e: $from -> $to"
    sw_aws sagemaker update-endpoint --endpoint-name "$e" --endpoint-config-name "$to"
    sw_aws sagemaker wait endpoint-in-service --endpoint-name "$e"
    cfg=$(sw_aws sagemaker describe-endpoint --endpoint-name "$e" \
      --query EndpointConfigName --output text)
    [ "$cfg" = "$to" ] || sw_fail "endpoint $e is on $cfg, not $to (update rolled back?)"
  done <<<"$eps"
}

# Delete an endpoint config unless it is gone already; fail while an endpoint uses it.
sw_delete_endpoint_config() {
  local name=$1 eps e cfg
  if ! sw_aws sagemaker describe-endpoint-config --endpoint-config-name "$name" \
    >/dev/null 2>&1; then
    sw_say "endpoint config $name: already deleted"
    return 0
  fi
  eps=$(sw_endpoints)
  while IFS= read -r e; do
    [ -n "$e" ] || continue
    cfg=$(sw_aws sagemaker describe-endpoint --endpoint-name "$e" \
      --query EndpointConfigName --output text)
    [ "$cfg" != "$name" ] ||
      sw_fail "endpoint config $name is still used by endpoint $e: not deleted"
  done <<<"$eps"
  sw_aws sagemaker delete-endpoint-config --endpoint-config-name "$name"
}

# Poll until an S3 object exists; print its metadata (JSON).
sw_wait_object() {
  local bucket=$1 key=$2 tries=0 meta
  while ! meta=$(sw_aws s3api head-object --bucket "$bucket" --key "$key" \
    --query Metadata --output json 2>/dev/null); do
    tries=$((tries + 1))
    [ "$tries" -lt "$SW_POLL_TRIES" ] || sw_fail "s3://$bucket/$key did not appear"
    sleep "$SW_POLL_SECONDS"
  done
  printf '%s\n' "$meta"
}
"""

# --- rendering -----------------------------------------------------------------------------


def _comment(text: str) -> str:
    """One comment line's worth of text: line breaks as \\r and \\n, every other unsafe
    character as its escape (`escaping`)."""
    return clean(text.replace("\r", "\\r").replace("\n", "\\n"))


def _kebab(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", operation).lower()


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class _Section:
    def __init__(self, n: int, total: int, rp: ResourcePlan, step: Step) -> None:
        self.n, self.total, self.rp, self.step = n, total, rp, step
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def say(self, message: str) -> str:
        return f"sw_say {_text(message)}"

    def fail(self, message: str) -> str:
        return f"sw_fail {_text(message)}"


class _Renderer:
    def __init__(self, plan: Plan, profile: str | None) -> None:
        self.plan = inputs.settled(plan)  # an input AWS would refuse is not written
        self.profile = profile
        self.index = {id(rp): i for i, rp in enumerate(self.plan.resources)}
        self.segments = self._segments()
        self.running_vars: dict[tuple[int, str], str] = {}

    # -- params --

    def _input(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The API input of a settled step (checked then): its directives are run-time
        reads, not input."""
        return inputs.build(operation, params)

    def _tags_prefix(self, params: dict[str, Any], sec: _Section, indent: str) -> str:
        """Lines reading the tags to copy; returns the extra arguments for the create."""
        arn = params.get("CopyTagsFrom")
        if not isinstance(arn, str) or not arn:
            return ""
        sec.add(f"{indent}sw_tags_from {q(arn)}  # copy the user tags of the old resource")
        return ' ${SW_TAGS[@]+"${SW_TAGS[@]}"}'

    def _create(
        self,
        sec: _Section,
        operation: str,
        exists: str,
        params: dict[str, Any],
        label: str,
    ) -> None:
        doc = self._input(operation, params)
        sec.add(f"if {exists} >/dev/null 2>&1; then")
        sec.add(f"  {sec.say(f'{label}: already exists')}")
        sec.add("else")
        extra = self._tags_prefix(params, sec, "  ")
        sec.add(f"  sw_aws sagemaker {_kebab(operation)} --cli-input-json {q(_dumps(doc))}{extra}")
        sec.add("fi")

    # -- notebooks --

    def _running_var(self, sec: _Section, name: str) -> str:
        ri = self.index[id(sec.rp)]
        key = (ri, name)
        if key not in self.running_vars:
            self.running_vars[key] = f"sw_was_running_{ri}_{len(self.running_vars)}"
        return self.running_vars[key]

    def _segments(self) -> dict[int, tuple[str, bool, Step]]:
        """Stop/update/start runs guarded by "is the update still needed?", so a re-run
        does not restart a notebook that is already fixed: id(step) -> (variable, first
        step of the run, the update). In-place fixes, and the new notebook of a rebuild
        (its lifecycle configuration put back); a rebuild's backup restart of the old
        notebook is not guarded (a re-run before the deletion takes a fresh backup)."""
        lifecycle = {
            "StopNotebookInstance",
            "StartNotebookInstance",
            "WaitNotebookInstanceStopped",
            "WaitNotebookInstanceInService",
            "UpdateNotebookInstance",
        }
        out: dict[int, tuple[str, bool, Step]] = {}
        for ri, rp in enumerate(self.plan.resources):
            run: list[Step] = []

            def close(run: list[Step], ri: int = ri, rp: ResourcePlan = rp) -> None:
                updates = [s for s in run if s.action == "UpdateNotebookInstance"]
                if len(updates) != 1:
                    return
                name = updates[0].params.get("NotebookInstanceName")
                if rp.strategy == "rebuild" and name != rp.new_name:
                    return
                if rp.strategy not in ("in-place", "rebuild"):
                    return
                var = f"sw_needed_{ri}_{len(out)}"
                for i, s in enumerate(run):
                    out[id(s)] = (var, i == 0, updates[0])

            for s in rp.steps:
                same = run and s.params.get("NotebookInstanceName") == run[0].params.get(
                    "NotebookInstanceName"
                )
                if (
                    s.action in lifecycle
                    and (same or not run)
                    and s.phase == (run[0].phase if run else s.phase)
                ):
                    run.append(s)
                    continue
                close(run)
                run = [s] if s.action in lifecycle else []
            close(run)
        return out

    def _in_place_guard(self, sec: _Section) -> str | None:
        """The variable saying whether this step's stop/update/start run is needed
        (computed at the run's first step), or None for an unguarded step."""
        got = self.segments.get(id(sec.step))
        if got is None:
            return None
        var, first, update = got
        if first:
            want = update.params
            name = str(want.get("NotebookInstanceName", sec.rp.name))
            sec.add(
                "# is the update still needed? (a re-run leaves a fixed notebook alone)",
                f'[ "$(sw_nb_status {q(name)})" != Absent ] || '
                + sec.fail(f"notebook {name} not found"),
                f"{var}=$(sw_aws sagemaker describe-notebook-instance --notebook-instance-name "
                f'{q(name)} --output json | python3 -c "$SW_PY_NEEDS_UPDATE" {q(_dumps(want))})',
            )
        return var

    def notebook(self, sec: _Section) -> None:
        step = sec.step
        name = str(step.params.get("NotebookInstanceName", ""))
        qn = q(name)
        flag = f"--notebook-instance-name {qn}"
        guard = self._in_place_guard(sec)
        body: list[str] = []
        running = self._running_var(sec, name)
        action = step.action
        if action == "StopNotebookInstance":
            body += [
                f"sw_status=$(sw_nb_status {qn})",
                f"{running}=0",
                'if [ "$sw_status" = Pending ]; then',
                f"  sw_aws sagemaker wait notebook-instance-in-service {flag}",
                "  sw_status=InService",
                "fi",
                'if [ "$sw_status" = InService ]; then',
                f"  {running}=1",
                f"  sw_aws sagemaker stop-notebook-instance --notebook-instance-name {qn}",
                "else",
                f'  sw_say {_text(f"notebook {name} is ")}"$sw_status"{_text(": not stopped")}',
                "fi",
            ]
        elif action == "StartNotebookInstance":
            cond = f' && [ "${{{running}:-0}}" = 1 ]' if step.condition else ""
            body += [
                f"sw_status=$(sw_nb_status {qn})",
                f'if [ "$sw_status" = Stopped ]{cond}; then',
                f"  sw_aws sagemaker start-notebook-instance --notebook-instance-name {qn}",
                "else",
                f'  sw_say {_text(f"notebook {name} is ")}"$sw_status"{_text(": not started")}',
                "fi",
            ]
        elif action == "WaitNotebookInstanceStopped":
            body += [
                f"sw_status=$(sw_nb_status {qn})",
                'if [ "$sw_status" = Absent ]; then',
                f"  {sec.say(f'notebook {name} does not exist: nothing to wait for')}",
                "else",
                f"  sw_aws sagemaker wait notebook-instance-stopped --notebook-instance-name {qn}",
                "fi",
            ]
        elif action == "WaitNotebookInstanceInService":
            cond = f' && [ "${{{running}:-0}}" = 1 ]' if step.condition else ""
            body += [
                f"sw_status=$(sw_nb_status {qn})",
                f'if [ "$sw_status" != Absent ] && [ "$sw_status" != Stopped ] '
                f'&& [ "$sw_status" != Stopping ]{cond}; then',
                f"  sw_aws sagemaker wait notebook-instance-in-service {flag}",
                "else",
                f'  sw_say {_text(f"notebook {name} is ")}"$sw_status"{_text(": not waited for")}',
                "fi",
            ]
        elif action == "UpdateNotebookInstance":
            doc = self._input("UpdateNotebookInstance", step.params)
            body += [
                f"sw_status=$(sw_nb_status {qn})",
                'if [ "$sw_status" = Absent ]; then',
                f"  {sec.say(f'notebook {name} does not exist: not updated')}",
                f'elif [ "$(sw_aws sagemaker describe-notebook-instance --notebook-instance-name '
                f'{qn} --output json | python3 -c "$SW_PY_NEEDS_UPDATE" {q(_dumps(doc))})" = no ]; '
                "then",
                f"  {sec.say(f'notebook {name}: already up to date')}",
                "else",
                '  [ "$sw_status" = Stopped ] || '
                + sec.fail(f"notebook {name} must be Stopped to be updated"),
                f"  sw_aws sagemaker update-notebook-instance --cli-input-json {q(_dumps(doc))}",
                "fi",
            ]
        elif action == "DeleteNotebookInstance":
            check: list[str] = []
            new = sec.rp.new_name
            if new and new != name:
                check = [
                    f'  case "$(sw_nb_status {q(new)})" in',
                    "    InService | Stopped) ;;",
                    "    *) "
                    + sec.fail(f"the new notebook {new} is not ready: {name} is not deleted")
                    + " ;;",
                    "  esac",
                ]
            body += [
                f"sw_status=$(sw_nb_status {qn})",
                'if [ "$sw_status" = Absent ]; then',
                f"  {sec.say(f'notebook {name}: already deleted')}",
                "else",
                *check,
                f"  sw_aws sagemaker delete-notebook-instance --notebook-instance-name {qn}",
                f"  sw_aws sagemaker wait notebook-instance-deleted --notebook-instance-name {qn}",
                "fi",
            ]
        if guard is None:
            sec.add(*body)
        else:
            sec.add(f'if [ "${guard}" = yes ]; then')
            sec.add(*("  " + line for line in body))
            sec.add("else")
            sec.add(f"  {sec.say(f'notebook {name}: already fixed, step skipped')}")
            sec.add("fi")

    def create_notebook(self, sec: _Section) -> None:
        p = sec.step.params
        name = str(p.get("NotebookInstanceName", ""))
        exists = f"sw_aws sagemaker describe-notebook-instance --notebook-instance-name {q(name)}"
        self._create(sec, "CreateNotebookInstance", exists, p, f"notebook {name}")

    # -- tags --

    def add_tags(self, sec: _Section) -> None:
        p = sec.step.params
        sec.add(
            "# AddTags is idempotent: a re-run sets the same values again",
            f"sw_aws sagemaker add-tags --resource-arn {q(str(p.get('ResourceArn', '')))} "
            f"--tags {q(_dumps(p.get('Tags') or []))}",
        )

    # -- monitoring --

    def update_schedule(self, sec: _Section) -> None:
        p = sec.step.params
        name = str(p.get("MonitoringScheduleName", ""))
        doc = self._input("UpdateMonitoringSchedule", p)
        cfg = doc.get("MonitoringScheduleConfig")
        sec.add(
            f'if [ "$(sw_aws sagemaker describe-monitoring-schedule --monitoring-schedule-name '
            f"{q(name)} --query MonitoringScheduleConfig --output json "
            f'| python3 -c "$SW_PY_SUBSET" {q(_dumps(cfg))})" = yes ]; then',
            f"  {sec.say(f'monitoring schedule {name}: already up to date')}",
            "else",
            f"  sw_aws sagemaker update-monitoring-schedule --cli-input-json {q(_dumps(doc))}",
            "fi",
        )

    def wait_schedule(self, sec: _Section) -> None:
        sec.add(f"sw_wait_schedule {q(str(sec.step.params.get('MonitoringScheduleName', '')))}")

    def create_job_definition(self, sec: _Section) -> None:
        op = sec.step.operation
        if not op or not op.startswith("Create") or not op.endswith("JobDefinition"):
            self.unknown(sec)
            return
        p = sec.step.params
        name = str(p.get("JobDefinitionName", ""))
        describe = "Describe" + op[len("Create") :]
        exists = f"sw_aws sagemaker {_kebab(describe)} --job-definition-name {q(name)}"
        self._create(sec, op, exists, p, f"job definition {name}")

    def repoint_schedules(self, sec: _Section) -> None:
        p = sec.step.params
        old = str(p.get("MonitoringJobDefinitionName", ""))
        new = str(p.get("To", ""))
        sec.add(
            f"sw_names=$(sw_schedules_of {q(old)})",
            "while IFS= read -r sw_s; do",
            '  [ -n "$sw_s" ] || continue',
            "  sw_cfg=$(sw_aws sagemaker describe-monitoring-schedule --monitoring-schedule-name "
            '"$sw_s" --query MonitoringScheduleConfig --output json)',
            f'  sw_new=$(printf \'%s\' "$sw_cfg" | python3 -c "$SW_PY_REPOINT" {q(old)} {q(new)} '
            '"$SW_SHAPE_SCHEDULE_CONFIG")',
            '  [ -n "$sw_new" ] || continue',
            f'  sw_say "monitoring schedule $sw_s: "{_text(f"{old} -> {new}")}',
            '  sw_aws sagemaker update-monitoring-schedule --monitoring-schedule-name "$sw_s" '
            '--monitoring-schedule-config "$sw_new"',
            'done <<<"$sw_names"',
        )

    def wait_schedules(self, sec: _Section) -> None:
        name = str(sec.step.params.get("MonitoringJobDefinitionName", ""))
        sec.add(
            f"sw_names=$(sw_schedules_of {q(name)})",
            "while IFS= read -r sw_s; do",
            '  [ -z "$sw_s" ] || sw_wait_schedule "$sw_s"',
            'done <<<"$sw_names"',
        )

    def delete_job_definition(self, sec: _Section) -> None:
        op = sec.step.operation
        if not op or not op.startswith("Delete") or not op.endswith("JobDefinition"):
            self.unknown(sec)
            return
        name = str(sec.step.params.get("JobDefinitionName", ""))
        describe = "Describe" + op[len("Delete") :]
        sec.add(
            f"if ! sw_aws sagemaker {_kebab(describe)} --job-definition-name {q(name)} "
            ">/dev/null 2>&1; then",
            f"  {sec.say(f'job definition {name}: already deleted')}",
            "else",
            f"  sw_names=$(sw_schedules_of {q(name)})",
            '  [ -z "$sw_names" ] || '
            + sec.fail(
                f"job definition {name} is still referenced by a monitoring schedule: not deleted"
            ),
            f"  sw_aws sagemaker {_kebab(op)} --job-definition-name {q(name)}",
            "fi",
        )

    # -- models and endpoint configs --

    def create_model(self, sec: _Section) -> None:
        p = sec.step.params
        name = str(p.get("ModelName", ""))
        exists = f"sw_aws sagemaker describe-model --model-name {q(name)}"
        self._create(sec, "CreateModel", exists, p, f"model {name}")

    def delete_model(self, sec: _Section) -> None:
        name = str(sec.step.params.get("ModelName", ""))
        sec.add(
            f"if ! sw_aws sagemaker describe-model --model-name {q(name)} >/dev/null 2>&1; then",
            f"  {sec.say(f'model {name}: already deleted')}",
            "else",
            "  sw_cfgs=$(sw_endpoint_configs)",
            "  while IFS= read -r sw_c; do",
            '    [ -n "$sw_c" ] || continue',
            "    sw_uses=$(sw_aws sagemaker describe-endpoint-config "
            '--endpoint-config-name "$sw_c" --output json '
            f'| python3 -c "$SW_PY_USES_MODEL" {q(name)})',
            '    [ "$sw_uses" = no ] || '
            + f'sw_fail {_text(f"model {name} is still used by endpoint config ")}"$sw_c"'
            + _text(": not deleted"),
            '  done <<<"$sw_cfgs"',
            f"  sw_aws sagemaker delete-model --model-name {q(name)}",
            "fi",
        )

    def replace_model(self, sec: _Section) -> None:
        p = sec.step.params
        old = str(p.get("From", ""))
        new = str(p.get("To", ""))
        sec.add(
            "sw_cfgs=$(sw_endpoint_configs)",
            "while IFS= read -r sw_c; do",
            '  [ -n "$sw_c" ] || continue',
            '  sw_desc=$(sw_aws sagemaker describe-endpoint-config --endpoint-config-name "$sw_c" '
            "--output json)",
            '  sw_new_c=$(python3 -c "$SW_PY_NEW_NAME" "$sw_c")',
            '  sw_input=$(printf \'%s\' "$sw_desc" | python3 -c "$SW_PY_CONFIG_COPY" '
            f'{q(old)} {q(new)} "$sw_new_c" "$SW_SHAPE_ENDPOINT_CONFIG")',
            '  [ -n "$sw_input" ] || continue',
            '  if sw_aws sagemaker describe-endpoint-config --endpoint-config-name "$sw_new_c" '
            ">/dev/null 2>&1; then",
            '    sw_say "endpoint config $sw_new_c: already exists"',
            "  else",
            '    sw_arn=$(sw_aws sagemaker describe-endpoint-config --endpoint-config-name "$sw_c" '
            "--query EndpointConfigArn --output text)",
            '    sw_tags_from "$sw_arn"',
            '    sw_aws sagemaker create-endpoint-config --cli-input-json "$sw_input" '
            '${SW_TAGS[@]+"${SW_TAGS[@]}"}',
            "  fi",
            '  sw_update_endpoints "$sw_c" "$sw_new_c"',
            '  sw_delete_endpoint_config "$sw_c"',
            'done <<<"$sw_cfgs"',
        )

    def create_endpoint_config(self, sec: _Section) -> None:
        p = sec.step.params
        name = str(p.get("EndpointConfigName", ""))
        exists = f"sw_aws sagemaker describe-endpoint-config --endpoint-config-name {q(name)}"
        self._create(sec, "CreateEndpointConfig", exists, p, f"endpoint config {name}")

    def update_endpoints(self, sec: _Section) -> None:
        p = sec.step.params
        old = p.get("From")
        new = p.get("To")
        if not isinstance(old, str) or not isinstance(new, str):
            self.unknown(sec)
            return
        sec.add(f"sw_update_endpoints {q(old)} {q(new)}")

    def delete_endpoint_config(self, sec: _Section) -> None:
        sec.add(f"sw_delete_endpoint_config {q(str(sec.step.params.get('EndpointConfigName')))}")

    # -- notebook volume backup --

    def create_lcc(self, sec: _Section) -> None:
        p = sec.step.params
        name = str(p.get("NotebookInstanceLifecycleConfigName", ""))
        exists = (
            "sw_aws sagemaker describe-notebook-instance-lifecycle-config "
            f"--notebook-instance-lifecycle-config-name {q(name)}"
        )
        op = "CreateNotebookInstanceLifecycleConfig"
        old = sec.rp.name
        if sec.rp.strategy == "rebuild" and old:
            # a re-run after the rebuild: the old notebook is gone, nothing to back up
            sec.add(f'if [ "$(sw_nb_status {q(old)})" = Absent ]; then')
            sec.add(f"  {sec.say(f'notebook {old} is gone: no backup configuration needed')}")
            sec.add("else")
            inner = _Section(sec.n, sec.total, sec.rp, sec.step)
            self._create(inner, op, exists, p, f"lifecycle configuration {name}")
            sec.add(*("  " + line for line in inner.lines))
            sec.add("fi")
            return
        self._create(sec, op, exists, p, f"lifecycle configuration {name}")

    def create_restore_lcc(self, sec: _Section) -> None:
        p = sec.step.params
        name = str(p.get("NotebookInstanceLifecycleConfigName", ""))
        origin = p.get("OnStartFrom")
        read = (
            "sw_on_start=$(sw_aws sagemaker describe-notebook-instance-lifecycle-config "
            f"--notebook-instance-lifecycle-config-name {q(origin)} --query OnStart --output json)"
            if isinstance(origin, str) and origin
            else "sw_on_start=null"
        )
        new = sec.rp.new_name
        skip = (
            f'elif [ "$(sw_nb_status {q(new)})" != Absent ]; then\n'
            f"  {sec.say(f'notebook {new} exists: no restore configuration needed')}"
            if new
            else ""
        )
        sec.add(
            "if sw_aws sagemaker describe-notebook-instance-lifecycle-config "
            f"--notebook-instance-lifecycle-config-name {q(name)} >/dev/null 2>&1; then",
            f"  {sec.say(f'lifecycle configuration {name}: already exists')}",
            *skip.splitlines(),
            "else",
            f"  {read}",
            f'  sw_input=$(python3 -c "$SW_PY_RESTORE_LCC" {q(name)} '
            f'{q(_dumps(p.get("OnCreate") or []))} "$sw_on_start")',
            "  sw_aws sagemaker create-notebook-instance-lifecycle-config --cli-input-json "
            '"$sw_input"',
            "fi",
        )

    def delete_lcc(self, sec: _Section) -> None:
        name = str(sec.step.params.get("NotebookInstanceLifecycleConfigName", ""))
        flag = f"--notebook-instance-lifecycle-config-name {q(name)}"
        sec.add(
            f"if sw_aws sagemaker describe-notebook-instance-lifecycle-config {flag} "
            ">/dev/null 2>&1; then",
            f"  sw_aws sagemaker delete-notebook-instance-lifecycle-config {flag}",
            "else",
            f"  {sec.say(f'lifecycle configuration {name}: already deleted')}",
            "fi",
        )

    def _s3(self, sec: _Section) -> tuple[str, str, str] | None:
        p = sec.step.params
        bucket, prefix = p.get("Bucket"), p.get("Prefix")
        if not isinstance(bucket, str) or not isinstance(prefix, str) or not bucket:
            self.unknown(sec)
            return None
        return bucket, prefix, str(p.get("NotebookInstanceName", ""))

    def verify_backup(self, sec: _Section) -> None:
        got = self._s3(sec)
        if got is None:
            return
        bucket, prefix, name = got
        meta = f"{prefix}_sagewarden/"
        sec.add(
            f"sw_meta=$(sw_wait_object {q(bucket)} {q(meta + 'backup-manifest.json')})",
            'sw_want=$(printf \'%s\' "$sw_meta" | python3 -c "$SW_PY_META")',
            f"sw_got=$(sw_aws s3api list-objects-v2 --bucket {q(bucket)} --prefix {q(prefix)} "
            "--query 'Contents[].[Key,Size]' --output json "
            f'| python3 -c "$SW_PY_COUNT" {q(meta)})',
            'if [ "$sw_want" != "$sw_got" ]; then',
            f"  sw_fail {_text(f'backup of notebook {name} incomplete: manifest (files bytes) ')}"
            '"$sw_want"' + _text(", in S3 ") + '"$sw_got"',
            "fi",
            f'sw_say {_text(f"backup of notebook {name} verified (files bytes): ")}"$sw_got"',
        )

    def verify_restore(self, sec: _Section) -> None:
        got = self._s3(sec)
        if got is None:
            return
        bucket, prefix, name = got
        meta = f"{prefix}_sagewarden/"
        sec.add(
            f"sw_meta=$(sw_wait_object {q(bucket)} {q(meta + f'restore-{name}.json')})",
            'sw_got=$(printf \'%s\' "$sw_meta" | python3 -c "$SW_PY_META")',
            f"sw_meta=$(sw_aws s3api head-object --bucket {q(bucket)} "
            f"--key {q(meta + 'backup-manifest.json')} --query Metadata --output json)",
            'sw_want=$(printf \'%s\' "$sw_meta" | python3 -c "$SW_PY_META")',
            'if [ "$sw_want" != "$sw_got" ]; then',
            f"  sw_fail {_text(f'restore into notebook {name} incomplete: backup (files bytes) ')}"
            '"$sw_want"' + _text(", restored ") + '"$sw_got"',
            "fi",
            f'sw_say {_text(f"restore into notebook {name} verified (files bytes): ")}"$sw_got"',
        )

    def confirm_backup(self, sec: _Section) -> None:
        name = str(sec.step.params.get("NotebookInstanceName", ""))
        sec.add(
            "# sagewarden cannot verify this backup: you said it exists",
            sec.say(
                f"you confirmed /home/ec2-user/SageMaker of notebook {name} is backed up "
                "(sagewarden cannot verify it)"
            ),
        )

    def unknown(self, sec: _Section) -> None:
        what = f"{sec.step.action} on {sec.rp.name}"
        sec.add(f"# not scriptable: {_comment(what)}", sec.fail(f"not scriptable: {what}"))

    # -- the whole script --

    def section(self, sec: _Section) -> list[str]:
        rp, step = sec.rp, sec.step
        head = f"# --- step {sec.n}/{sec.total}: {step.action} on {rp.name} ({rp.resource_type})"
        out = [_comment(head)]
        out.append(f"# resource: {_comment(rp.resource_id)}")
        if step.why:
            out.append(f"# why: {_comment(', '.join(step.why))}")
        for label, value in (
            ("detail", step.detail),
            ("condition", step.condition),
            ("downtime", step.downtime),
            ("cost", step.cost),
            ("IaC", step.iac_note),
        ):
            if value:
                out.append(f"# {label}: {_comment(value)}")
        blocked = step.blocked or rp.blocked
        if blocked:
            out.append(f"# BLOCKED: {_comment(blocked)}")
            out.append(f"# not run: {_comment(step.action)} {_comment(_dumps(step.params))}")
            return out
        opts = []
        if rp.region:
            opts += ["--region", rp.region]
        else:
            out.append("# no region recorded: the AWS CLI's default region is used")
        if self.profile:
            opts += ["--profile", self.profile]
        try:
            out.append("AWS_OPTS=(" + " ".join(q(o) for o in opts) + ")")
            out.append(sec.say(f"step {sec.n}/{sec.total}: {step.action} {rp.name}"))
            handler = _DISPATCH.get(step.action, _Renderer.unknown)
            handler(self, sec)
        except Unscriptable as exc:  # the planner refuses these: a hand-made plan, say
            what = f"{step.action} on {rp.name}: {exc}"
            return [
                *out,
                f"# not scriptable: {_comment(what)}",
                sec.fail(f"not scriptable: {what}"),
            ]
        return out + sec.lines

    def render(self) -> str:
        steps = self.plan.ordered_steps()
        total = len(steps)
        lines = [
            "#!/usr/bin/env bash",
            "# Generated by sagewarden (`sagewarden fix plan --format script`): fixes the",
            "# SageMaker resources below for the Security Hub controls each step names, with",
            "# AWS CLI calls. Review it before running. Safe to re-run: creates are guarded by",
            "# a describe, deletes by existence and by the resource no longer being used, and",
            "# updates are skipped when already applied. Blocked steps are comments only.",
            "# Needs: bash, the AWS CLI (v2, or v1) and python3 (for JSON edits; no jq).",
            "# SAGEWARDEN_POLL_SECONDS (default 10) and SAGEWARDEN_POLL_TRIES (default 360)",
            "# bound the polling of monitoring schedules and S3 backup manifests.",
            "set -euo pipefail",
            "",
            'SW_POLL_SECONDS="${SAGEWARDEN_POLL_SECONDS:-10}"',
            'SW_POLL_TRIES="${SAGEWARDEN_POLL_TRIES:-360}"',
            "AWS_OPTS=()",
            "SW_TAGS=()",
        ]
        for var, code in _HELPERS:
            lines.append(f"{var}={q(code)}")
        for var, operation, member in _SHAPES:
            lines.append(f"{var}={q(_dumps(inputs.skeleton(operation, member)))}")
        lines += _FUNCTIONS.strip("\n").splitlines()
        lines.append("")
        accounts = sorted(
            {
                (rp.account_id, rp.region or "")
                for rp, s in steps
                if rp.account_id and not (s.blocked or rp.blocked)
            }
        )
        if accounts:
            lines.append("# The credentials must be those of the account the plan was made for.")
            for account, region in accounts:
                opts = ["--region", region] if region else []
                if self.profile:
                    opts += ["--profile", self.profile]
                lines.append("AWS_OPTS=(" + " ".join(q(o) for o in opts) + ")")
                lines.append(
                    f'[ "$(sw_aws sts get-caller-identity --query Account --output text)" = '
                    f"{q(account)} ] || "
                    + f"sw_fail {_text(f'these credentials are not for account {account}')}"
                )
            lines.append("")
        if not steps:
            lines.append("sw_say 'nothing to fix'")
        for n, (rp, step) in enumerate(steps, 1):
            lines += self.section(_Section(n, total, rp, step))
            lines.append("")
        for sk in self.plan.skipped:
            lines.append(
                f"# skipped {_comment(sk.control)} {_comment(sk.resource_id)}: "
                f"{_comment(sk.reason)}"
            )
        lines.append("sw_say done")
        return "\n".join(lines) + "\n"


_DISPATCH: dict[str, Callable[[_Renderer, _Section], None]] = {
    "StopNotebookInstance": _Renderer.notebook,
    "StartNotebookInstance": _Renderer.notebook,
    "WaitNotebookInstanceStopped": _Renderer.notebook,
    "WaitNotebookInstanceInService": _Renderer.notebook,
    "UpdateNotebookInstance": _Renderer.notebook,
    "DeleteNotebookInstance": _Renderer.notebook,
    "CreateNotebookInstance": _Renderer.create_notebook,
    "AddTags": _Renderer.add_tags,
    "UpdateMonitoringSchedule": _Renderer.update_schedule,
    "WaitMonitoringScheduleNotPending": _Renderer.wait_schedule,
    "CreateJobDefinition": _Renderer.create_job_definition,
    "RepointSchedules": _Renderer.repoint_schedules,
    "WaitSchedulesNotPending": _Renderer.wait_schedules,
    "DeleteJobDefinition": _Renderer.delete_job_definition,
    "CreateModel": _Renderer.create_model,
    "DeleteModel": _Renderer.delete_model,
    "ReplaceModelInEndpointConfigs": _Renderer.replace_model,
    "CreateEndpointConfig": _Renderer.create_endpoint_config,
    "UpdateEndpoints": _Renderer.update_endpoints,
    "DeleteEndpointConfig": _Renderer.delete_endpoint_config,
    "CreateNotebookInstanceLifecycleConfig": _Renderer.create_lcc,
    "CreateRestoreLifecycleConfig": _Renderer.create_restore_lcc,
    "DeleteNotebookInstanceLifecycleConfig": _Renderer.delete_lcc,
    "VerifyVolumeBackup": _Renderer.verify_backup,
    "VerifyVolumeRestore": _Renderer.verify_restore,
    "ConfirmUserBackup": _Renderer.confirm_backup,
}

SCRIPTABLE = frozenset(_DISPATCH)


def render_script(plan: Plan, *, profile: str | None = None) -> str:
    """The plan as a bash script of AWS CLI calls; see the module docstring."""
    return _Renderer(plan, profile).render()


__all__ = ["SCRIPTABLE", "Unscriptable", "q", "render_script"]
