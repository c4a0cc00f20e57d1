"""Resources x controls -> evaluations.

The engine is the only place that turns exceptions from controls into verdicts, so no
control can end in a traceback or a silent pass. Every ERROR leaves with its class
(Verdict.problem): bad input (exit code 2) or could not be read (exit code 3); one the
engine finds itself (a malformed value, data not recorded) is also said on stderr.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sagewarden.catalog import CONTROLS, Control, ControlFn, id_range, lookup
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.kinds import name_property
from sagewarden.params import ParamSet
from sagewarden.resources import NESTED_IN, Resource
from sagewarden.unknowns import Fork, Infeasible, Unresolved, assuming
from sagewarden.values import NotRead
from sagewarden.valuetext import InvalidValue
from sagewarden.verdicts import Evaluation, Status, Verdict, default_problem

# Combinations of assumptions tried for one verdict before it is left UNKNOWN.
MAX_ASSUMPTIONS = 64


class ScanIndex:
    """Lookup of resources by type and name within a scope, for cross-resource controls."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self._by_key: dict[tuple[str, str, str | None, str | None, str | None], Resource] = {}
        self._by_target: dict[tuple[str | None, str], Resource] = {}
        for r in resources:
            if r.is_iac:
                self._by_target[(r.provenance.file, r.id)] = r
            name = r.properties.get(name_property(r.type), r.name)
            if isinstance(name, str):
                key = (r.type, name, *self._scope(r))
                self._by_key[key] = r

    @staticmethod
    def _scope(r: Resource) -> tuple[str | None, str | None, str | None]:
        # IaC: the same template file (and nested stack); AWS data: the same account and region.
        if r.is_iac:
            return (None, r.extra.get(NESTED_IN), r.provenance.file)
        return (r.account_id, r.region, None)

    def find_target(self, target: str, near: Resource) -> Resource | None:
        nested = near.extra.get(NESTED_IN)
        key = f"{nested}/{target}" if nested else target  # ids in a nested stack carry its path
        return self._by_target.get((near.provenance.file, key))

    def find(self, resource_type: str, name: str, near: Resource) -> Resource | None:
        key = (resource_type, name, *self._scope(near))
        return self._by_key.get(key)


@dataclass
class EngineResult:
    evaluations: list[Evaluation]
    diagnostics: list[Diagnostic]


def select_controls(ids: Sequence[str] | None) -> tuple[list[Control], list[Diagnostic]]:
    """The controls named on the command line (all when none), and lines for unknown ids."""
    if not ids:
        return list(CONTROLS), []
    chosen: list[Control] = []
    diags: list[Diagnostic] = []
    for cid in ids:
        c = lookup(cid)
        if c is None:
            diags.append(Diagnostic(f"--control {cid}", f"unknown control ({id_range()})"))
        elif c not in chosen:
            chosen.append(c)
    chosen.sort(key=lambda c: c.number)
    return chosen, diags


def evaluate(
    resources: Sequence[Resource], controls: Sequence[Control], params: ParamSet
) -> EngineResult:
    by_type: dict[str, list[Resource]] = defaultdict(list)
    for r in resources:
        by_type[r.type].append(r)
    index = ScanIndex(resources)
    evaluations: list[Evaluation] = []
    diags = _DiagnosticSet()
    for control in controls:
        if control.id in params.invalid_controls:
            continue
        values = params.for_control(control)
        explicit = params.explicit_for(control)
        for r in by_type.get(control.resource_type, ()):
            verdict = _run(control.check, r, values, index, diags)
            problem = verdict.problem if verdict.status is Status.ERROR else None
            evaluations.append(
                Evaluation(control, r, verdict.status, verdict.reason, explicit, problem=problem)
            )
    return EngineResult(evaluations, diags.items)


class _DiagnosticSet:
    """One line per resource and problem, however many controls ran into it; data a
    source does not record is one line per file (or account and region) and problem,
    however many resources lack it (a batch-get export of 500 images: one line)."""

    def __init__(self) -> None:
        self._seen: set[Diagnostic] = set()
        # (place, message, kind) -> the first resource's line and every resource id
        self._order: list[Diagnostic | tuple[str, str, Kind]] = []
        self._groups: dict[tuple[str, str, Kind], tuple[Diagnostic, list[str]]] = {}

    def add(self, d: Diagnostic) -> None:
        if d not in self._seen:
            self._seen.add(d)
            self._order.append(d)

    def add_grouped(self, r: Resource, message: str, kind: Kind) -> None:
        key = (_place(r), message, kind)
        if key not in self._groups:
            self._groups[key] = (Diagnostic(_where(r), message, kind), [])
            self._order.append(key)
        ids = self._groups[key][1]
        if r.id not in ids:
            ids.append(r.id)

    @property
    def items(self) -> list[Diagnostic]:
        out: list[Diagnostic] = []
        for entry in self._order:
            if isinstance(entry, Diagnostic):
                out.append(entry)
                continue
            first, ids = self._groups[entry]
            if len(ids) == 1 or not entry[0]:
                out.append(first)
                continue
            shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
            out.append(
                Diagnostic(entry[0], f"{entry[1]}: {len(ids)} resources ({shown})", entry[2])
            )
        return out


def _place(r: Resource) -> str:
    """Where a group of resources was read from: its file, or its account and region."""
    if r.provenance.file:
        return r.provenance.file
    if r.account_id or r.region:
        return f"account {r.account_id or '?'} region {r.region or '?'}"
    return ""


def _run(
    fn: ControlFn,
    r: Resource,
    values: dict[str, object],
    index: ScanIndex,
    diags: _DiagnosticSet,
) -> Verdict:
    """The control's verdict, deciding across the values a deploy-time unknown can take.

    A control that meets a value it cannot know raises Fork with the possibilities (the
    options of a condition, a mapping or AllowedValues; true and false; below or above a
    threshold). It is then run once per combination of possibilities: a verdict they all
    agree on is the verdict (so a known part that already decides, decides), and only a
    verdict that really depends on the unknown is UNKNOWN.
    """
    if r.read_error is not None:  # the source said why, in its own diagnostic
        return Verdict(Status.ERROR, f"could not be read: {r.read_error}", default_problem(r))
    forks: dict[str, Fork] = {}
    leaves: list[tuple[dict[str, str], Verdict]] = []
    pending: list[dict[str, str]] = [{}]
    while pending:
        assumed = pending.pop(0)
        try:
            with assuming(assumed):
                leaves.append((assumed, _once(fn, r, values, index, diags)))
        except Fork as fork:
            forks.setdefault(fork.key, fork)
            if len(leaves) + len(pending) + len(fork.labels) > MAX_ASSUMPTIONS:
                return Verdict(
                    Status.UNKNOWN,
                    f"{fork} (too many combinations of values known only at deploy to "
                    f"consider: more than {MAX_ASSUMPTIONS})",
                )
            pending.extend({**assumed, fork.key: label} for label in fork.labels)
        except Infeasible:
            continue  # a combination no deploy can produce
    return _combine(leaves, forks)


def _once(
    fn: ControlFn,
    r: Resource,
    values: dict[str, object],
    index: ScanIndex,
    diags: _DiagnosticSet,
) -> Verdict:
    try:
        verdict = fn(r, dict(values), index)
    except (Fork, Infeasible):
        raise
    except InvalidValue as exc:
        return _said(r, f"invalid value: {exc}", f"{exc}", default_problem(r), diags)
    except NotRead as exc:  # said once per file or scope, naming the resources
        diags.add_grouped(r, f"{exc}", Kind.SCOPE)
        return Verdict(Status.ERROR, f"{exc}", Kind.SCOPE)
    except Unresolved as exc:
        return Verdict(Status.UNKNOWN, f"{exc}")
    except Exception as exc:  # a shape no control anticipated: never a traceback or a pass
        why = f"unexpected configuration shape ({type(exc).__name__}: {exc})"
        return _said(r, why, why, default_problem(r), diags)
    if verdict.status is Status.ERROR and verdict.problem is None:
        return Verdict(Status.ERROR, verdict.reason, default_problem(r))
    return verdict


def _said(r: Resource, reason: str, line: str, problem: Kind, diags: _DiagnosticSet) -> Verdict:
    """An ERROR the engine found, with one line on stderr of its class."""
    diags.add(Diagnostic(_where(r), line, problem))
    return Verdict(Status.ERROR, reason, problem)


def _combine(leaves: list[tuple[dict[str, str], Verdict]], forks: dict[str, Fork]) -> Verdict:
    """One verdict from the verdicts under each combination of assumptions."""
    if not leaves:  # every combination contradicts itself: the template cannot deploy
        fork = next(iter(forks.values()))
        return Verdict(Status.UNKNOWN, f"{fork}, and no value of it can be deployed")
    if not forks:
        return leaves[0][1]
    statuses = {v.status for _, v in leaves}
    errors = [(a, v) for a, v in leaves if v.status is Status.ERROR]
    if errors:
        assumed, verdict = errors[0]
        reason = f"{verdict.reason} (if {_when(assumed, forks)})"
        return Verdict(Status.ERROR, reason, verdict.problem)
    if len(statuses) == 1:
        (status,) = statuses
        reason = min((v.reason for _, v in leaves), key=len)
        if status is Status.UNKNOWN:
            return Verdict(status, reason)
        used = _and(fork.phrase for fork in forks.values())
        return Verdict(status, f"{reason}, {used}")
    if len(forks) == 1 and not next(iter(forks.values())).is_choice:
        # One value known only at deploy decides, each way: the reason names it, as ever.
        return Verdict(Status.UNKNOWN, str(next(iter(forks.values()))))
    shown = [f"{v.status.value} if {_when(a, forks)}" for a, v in leaves[:6]]
    more = f"; {len(leaves) - 6} more combinations" if len(leaves) > 6 else ""
    what = _and(str(f) for f in forks.values())
    return Verdict(Status.UNKNOWN, f"{what}: " + "; ".join(shown) + more)


def _when(assumed: dict[str, str], forks: dict[str, Fork]) -> str:
    return _and(f"{forks[k].subject} is {label}" for k, label in assumed.items())


def _and(parts: Iterable[str]) -> str:
    items = list(dict.fromkeys(parts))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _where(r: Resource) -> str:
    loc = r.provenance.file
    if loc and r.provenance.line:
        loc = f"{loc}:{r.provenance.line}"
    return f"{loc}: {r.id}" if loc else r.id
