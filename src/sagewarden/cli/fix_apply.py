"""`sagewarden fix apply`: a saved plan, a fresh one (--aws), or a run resumed; a dry run
unless --yes."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from sagewarden.catalog import BY_ID
from sagewarden.cli.environment import Environment
from sagewarden.cli.errors import CliError
from sagewarden.cli.fix_plan import PlanRequest, make_plan, plan_request
from sagewarden.cli.fix_run import (
    RunOptions,
    claim,
    ctrl_c,
    make_runner,
    open_journal,
    report,
    run_options,
)
from sagewarden.cli.plan_file import load_plan
from sagewarden.diagnostics import Diagnostics
from sagewarden.exitstatus import ExitStatus
from sagewarden.pipeline.evaluate import load_suppressions
from sagewarden.resources import Provenance, Resource
from sagewarden.suppressions import apply as apply_suppressions
from sagewarden.suppressions import undecided
from sagewarden.verdicts import Evaluation, Status

if TYPE_CHECKING:
    from sagewarden.remediation.plan import Plan


def run(args: argparse.Namespace, env: Environment) -> int:
    return apply(plan_request(args), run_options(args), env, args.plan, args.resume)


def apply(
    req: PlanRequest,
    opts: RunOptions,
    env: Environment,
    plan_file: str | None = None,
    resume: str | None = None,
) -> int:
    """Apply `plan_file`, or the plan `req` makes (its `live` set), or resume a run."""
    from sagewarden.remediation import apply as A

    with open_journal(opts.db) as journal:
        if resume:
            if plan_file or req.live:
                raise CliError("--resume takes the plan from the journal: give no PLAN or --aws")
            return _resume(resume, opts, journal, env)
        if plan_file and req.live:
            raise CliError("give a PLAN file or --aws, not both")
        credentials = opts.credentials
        if plan_file:
            plan, doc, invalid = load_plan(plan_file)
            overridden = bool((doc.get("options") or {}).get("include_suppressed"))
            if not (req.include_suppressed or overridden):
                _refuse_suppressed(plan, req.suppressions, env)
            unread: list[str] = plan.unread
        elif req.live:
            invalid = 0
            planned = make_plan(req, env)
            if planned.status is ExitStatus.BAD_INPUT:
                # e.g. a malformed suppressions file: what it accepts is unknown
                raise CliError("fix apply changes nothing while its input has errors (above)")
            plan, doc, credentials = planned.plan, planned.doc, planned.live
            unread = plan.unread
        else:
            raise CliError("fix apply needs a PLAN file (from fix plan --format json) or --aws")
        runner = make_runner(opts, credentials, plan, doc, journal, env)
        if not opts.yes:
            return report(A.dry_run(runner), opts, env, unread, invalid)
        options = {
            "workers": opts.workers,
            "poll_interval": opts.poll_interval,
            "timeout": opts.timeout,
        }
        with ctrl_c(runner, journal, opts, "apply", env):
            return report(A.apply(runner, journal, options), opts, env, unread, invalid)


def _resume(run_id: str, opts: RunOptions, journal: Any, env: Environment) -> int:
    from sagewarden.remediation import Plan
    from sagewarden.remediation import apply as A

    found = journal.run(run_id)
    if found is None:
        raise CliError(f"--resume {run_id}: no such run (see `sagewarden fix runs`)")
    state, doc, _ = found
    if state in ("done", "rolled-back", "rolling-back", "rollback-failed"):
        raise CliError(f"run {run_id} is {state}: nothing to resume")
    plan = Plan.from_dict(doc)
    if not opts.yes:
        raise CliError("--resume changes AWS: add --yes")
    claim(journal, run_id)
    runner = make_runner(opts, opts.credentials, plan, doc, journal, env)
    with ctrl_c(runner, journal, opts, "apply", env):
        return report(A.resume(runner, journal, run_id), opts, env)


def _refuse_suppressed(plan: Plan, suppressions: str | None, env: Environment) -> None:
    """A saved plan is checked against the suppressions as they are now: a resource whose
    fix would change a finding suppressed since the plan was made is refused (blocked),
    unless the plan or this command asks for suppressed findings."""
    from sagewarden.remediation.plan import suppression_text

    diags = Diagnostics()
    found = load_suppressions(suppressions, diags)
    env.diagnostics(diags.items, verbose=True)
    if diags.has_input_errors:
        raise CliError(
            "the suppressions file has errors (above): fix apply changes nothing until they "
            "are corrected"
        )
    if not found:
        return
    pairs: list[tuple[Any, Evaluation]] = []
    for rp in plan.resources:
        arn = rp.resource_id if rp.resource_id.startswith("arn:") else None
        r = Resource(
            rp.resource_type, rp.resource_id, rp.name, {}, None, Provenance("aws"),
            rp.account_id, rp.region, arn,
        )  # fmt: skip
        for c in rp.controls:
            if c in BY_ID:
                pairs.append((rp, Evaluation(BY_ID[c], r, Status.FAILED, "planned")))
    today = date.today()
    checked, warnings = apply_suppressions([e for _, e in pairs], found, today, False)
    env.diagnostics(warnings, verbose=True)
    for (rp, _), e in zip(pairs, checked, strict=True):
        if e.suppression is not None and not rp.blocked:
            rp.blocked = (
                f"{e.control.id} is suppressed ({suppression_text(e.suppression)}): not fixed; "
                "plan again, or give --include-suppressed"
            )
        elif not rp.blocked and (by_tag := undecided(e, found, today)) is not None:
            # The plan holds no tags: a suppression by tag may mute it; never guess "no".
            rp.blocked = (
                f"{e.control.id} may be suppressed by tag ({suppression_text(by_tag)}) and the "
                "plan does not hold the resource's tags: not fixed; plan again, or give "
                "--include-suppressed"
            )
