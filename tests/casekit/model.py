"""The case files (tests/cases/SageMaker.N.yaml) as data: loaded, checked, expanded.

A case is one resource in canonical form (CloudFormation property names, over its type's
base in base-resources.yaml), its tags and the control's parameters, and the verdict every
source must give: a status and a fragment of the reason. Where a source gives another
verdict, or cannot hold the case at all, the case declares it under `sources`, with why:

    iac: {status: UNKNOWN, reason: "...", why: "known only at deploy"}   another verdict
    live: {reason: "...", why: "Describe returns the default"}           another reason
    terraform: {impossible: "hashicorp/aws has no such resource"}        no plan entry
    live: {refused: "the API takes only Enabled or Disabled"}            no live resource
    cloudformation: {xfail: "bug: ..."}                                  a known bug

Keys are sources or groups of them (GROUPS); a source's own entry wins over its group's,
and a case's over its file's (but a group never undoes a file's impossible or refused).
Everything is checked: impossible only for a plan provider, refused only live, a verdict
only with its why, no unknown key anywhere, so a typo cannot pass silently.

A parameter is the case's control's (`resolveReferences`), or another control's in full
(`SageMaker.14.resolveReferences`): that control then runs in the same scan, so a case can
show that one control's parameter leaves another's verdict alone.

A case's resource is named c<N>-<id>; `related` resources (the model an endpoint config
names, the job definition a schedule names) are rendered beside it in each source, under
their own names. A value {deploy_time: V} is known only at deploy: unknown in templates
and plans, V in AWS data.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sagewarden.catalog import BY_ID, CONTROLS
from sagewarden.kinds import ALL_TYPES, name_property
from sagewarden.verdicts import Status

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
BASES_FILE = CASES_DIR / "base-resources.yaml"

CONFIG, CLOUDFORMATION, TERRAFORM, AWSCC, LIVE = (
    "config",
    "cloudformation",
    "terraform",
    "awscc",
    "live",
)
SOURCES = (CONFIG, CLOUDFORMATION, TERRAFORM, AWSCC, LIVE)
GROUPS: dict[str, tuple[str, ...]] = {
    "iac": (CLOUDFORMATION, TERRAFORM, AWSCC),
    "plans": (TERRAFORM, AWSCC),
    "aws": (CONFIG, LIVE),
}
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class CaseFileError(Exception):
    """A case file that does not say what the harness needs: the suite stops on it."""


@dataclass(frozen=True)
class DeployTime:
    """A value known only at deploy: unknown in a template or plan, `value` in AWS."""

    value: Any


@dataclass(frozen=True)
class Expect:
    status: Status
    reason: str


@dataclass(frozen=True)
class Declared:
    """What a case says about one source: nothing (same verdict), another verdict, or no
    rendering at all (`impossible` for a plan provider, `refused` by the live API)."""

    status: Status | None = None
    reason: str | None = None
    why: str | None = None
    impossible: str | None = None
    refused: str | None = None
    xfail: str | None = None


@dataclass(frozen=True)
class Resource:
    """One resource of a case: the judged one, or one it needs beside it (`related`)."""

    type: str
    name: str
    properties: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.name)


@dataclass(frozen=True)
class Case:
    control: str
    id: str
    resource: Resource
    related: tuple[Resource, ...]
    parameters: dict[str, Any]
    expect: Expect
    declared: dict[str, Declared]  # by source (groups already expanded)

    @property
    def label(self) -> str:
        return f"{self.control}:{self.id}"

    def on(self, source: str) -> Declared:
        return self.declared.get(source, Declared())

    def expected(self, source: str) -> Expect:
        d = self.on(source)
        return Expect(
            d.status or self.expect.status, self.expect.reason if d.reason is None else d.reason
        )

    def params_by_control(self) -> dict[str, tuple[str, ...]]:
        """The parameters as `--param` options, by control: the case's own control first
        (with none, perhaps), then each other control a parameter names."""
        out: dict[str, list[str]] = {self.control: []}
        for name, value in sorted(self.parameters.items()):
            control, _, param = name.rpartition(".")
            control = control or self.control
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, list):
                text = ",".join(str(v) for v in value)
            else:
                text = str(value)
            out.setdefault(control, []).extend(["--param", f"{control}.{param}={text}"])
        return {control: tuple(args) for control, args in out.items()}

    @property
    def scan_args(self) -> list[str]:
        """`--control` and `--param` options: the case's control, and any other control
        whose parameter the case sets (run beside it, to show that parameter leaves this
        control's verdict alone)."""
        args: list[str] = []
        for control, params in self.params_by_control().items():
            args += ["--control", control, *params]
        return args


# -- loading ----------------------------------------------------------------------------


@cache
def bases() -> dict[str, dict[str, Any]]:
    doc = yaml.safe_load(BASES_FILE.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or set(doc) != ALL_TYPES:
        raise CaseFileError(f"{BASES_FILE}: needs exactly one base per resource type")
    return doc


def case_files() -> list[Path]:
    """One file per control of the catalog, in control order."""
    return [CASES_DIR / f"{c.id}.yaml" for c in CONTROLS]


@cache
def all_cases() -> tuple[Case, ...]:
    out: list[Case] = []
    for path in case_files():
        if path.exists():  # a missing file fails test_every_control_has_its_cases
            out += load_file(path)
    return tuple(out)


def load_file(path: Path) -> list[Case]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    where = path.name
    _keys(
        doc,
        where,
        required=frozenset({"control", "cases"}),
        optional=frozenset({"related", "sources", "about", "anchors"}),
    )
    control = doc["control"]
    if control not in BY_ID or path.stem != control:
        raise CaseFileError(f"{where}: control {control!r} is not this file's control")
    rtype = BY_ID[control].resource_type
    file_related = doc.get("related", [])
    file_sources = _declarations(doc.get("sources", {}), where)
    cases: list[Case] = []
    seen: set[str] = set()
    for n, raw in enumerate(doc["cases"], 1):
        at = f"{where}: case {n}"
        _keys(
            raw,
            at,
            required=frozenset({"id", "expect"}),
            optional=frozenset(
                {
                    "properties",
                    "absent",
                    "tags",
                    "parameters",
                    "sources",
                    "related",
                    "about",
                }
            ),
        )
        cid = raw["id"]
        if not isinstance(cid, str) or not _NAME.match(cid) or cid in seen:
            raise CaseFileError(f"{at}: id {cid!r} must be unique, lower-case words and dashes")
        seen.add(cid)
        at = f"{where}: {cid}"
        name = f"c{BY_ID[control].number}-{cid}"
        if len(name) > 63:
            raise CaseFileError(f"{at}: the name {name} is longer than 63 characters")
        resource = _resource(rtype, name, raw, at)
        related = tuple(_related(r, at) for r in raw.get("related", file_related))
        declared = _over(file_sources, raw.get("sources", {}), at)
        expect = _expect(raw["expect"], at)
        case = Case(
            control=control,
            id=cid,
            resource=resource,
            related=related,
            parameters=dict(raw.get("parameters") or {}),
            expect=expect,
            declared=declared,
        )
        for source, d in declared.items():
            differs = d.status is not None or d.reason is not None
            if differs and case.expected(source) == expect:
                raise CaseFileError(f"{at}: {source} declares the case's own verdict")
        _other_parameters(case, at)
        cases.append(case)
    return cases


def _other_parameters(case: Case, at: str) -> None:
    """A parameter named SageMaker.N.NAME is another control's (the case's control runs
    beside it): that control must have it, so a typo cannot pass silently."""
    for name in case.parameters:
        control, _, param = name.rpartition(".")
        if not control:
            continue
        other = BY_ID.get(control)
        if other is None or other.id == case.control:
            raise CaseFileError(f"{at}: parameter {name!r} names no other control")
        if not any(param in (p.name, *p.aliases) for p in other.parameters):
            raise CaseFileError(f"{at}: {control} has no parameter {param!r}")


def _resource(rtype: str, name: str, raw: dict[str, Any], at: str) -> Resource:
    if rtype not in ALL_TYPES:
        raise CaseFileError(f"{at}: {rtype!r} is not an evaluated resource type")
    props = _merge(copy.deepcopy(bases()[rtype]), _values(raw.get("properties") or {}))
    for path in raw.get("absent", []):
        _remove(props, path, at)
    props[name_property(rtype)] = name
    tags = raw.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise CaseFileError(f"{at}: tags must map keys to string values")
    return Resource(rtype, name, props, dict(tags))


def _related(raw: Any, at: str) -> Resource:
    _keys(
        raw,
        f"{at}: related",
        required=frozenset({"type", "name"}),
        optional=frozenset({"properties", "absent", "tags"}),
    )
    return _resource(_str(raw["type"], at), _str(raw["name"], at), raw, at)


def _declarations(raw: Any, at: str) -> dict[str, Declared]:
    """Per-source declarations, groups expanded; a source's own entry wins over a group's."""
    if not isinstance(raw, dict):
        raise CaseFileError(f"{at}: sources must be a mapping")
    out: dict[str, Declared] = {}
    for key in sorted(raw, key=lambda k: k in SOURCES):  # groups first, then sources
        if key not in SOURCES and key not in GROUPS:
            raise CaseFileError(f"{at}: unknown source {key!r}")
        d = _declared(raw[key], key, f"{at}: {key}")
        for source in GROUPS.get(key, (key,)):
            out[source] = d
    return out


def _over(file_level: dict[str, Declared], raw: Any, at: str) -> dict[str, Declared]:
    """A case's declarations over its file's. A rendering the file says is impossible
    stays so unless the case names that source itself: a group entry (iac) is about a
    verdict, not about whether a provider has the resource."""
    own = _declarations(raw, at)
    named = set(raw) if isinstance(raw, dict) else set()
    out = dict(file_level)
    for source, d in own.items():
        kept = file_level.get(source)
        if kept and (kept.impossible or kept.refused) and source not in named:
            continue
        out[source] = d
    return out


def _declared(raw: Any, key: str, at: str) -> Declared:
    _keys(
        raw, at, optional=frozenset({"status", "reason", "why", "impossible", "refused", "xfail"})
    )
    if "impossible" in raw or "refused" in raw:
        if len(raw) != 1:
            raise CaseFileError(f"{at}: impossible/refused stands alone (it says why)")
        if "impossible" in raw and key not in (TERRAFORM, AWSCC, "plans"):
            raise CaseFileError(f"{at}: only a plan provider can lack a resource (impossible)")
        if "refused" in raw and key != LIVE:
            raise CaseFileError(f"{at}: only the live API refuses (refused)")
        return Declared(impossible=raw.get("impossible"), refused=raw.get("refused"))
    status = _status(raw["status"], at) if "status" in raw else None
    reason = _str(raw["reason"], at) if "reason" in raw else None
    differs = status is not None or reason is not None
    if differs and not raw.get("why"):
        raise CaseFileError(f"{at}: a different verdict needs its why")
    if not differs and not raw.get("xfail"):
        raise CaseFileError(f"{at}: declares nothing")
    return Declared(status, reason, raw.get("why"), xfail=raw.get("xfail"))


def _expect(raw: Any, at: str) -> Expect:
    _keys(raw, at, required=frozenset({"status", "reason"}))
    return Expect(_status(raw["status"], at), _str(raw["reason"], at))


def _status(raw: Any, at: str) -> Status:
    if raw not in Status.__members__:
        raise CaseFileError(f"{at}: status {raw!r} is not a verdict")
    return Status(raw)


def _keys(
    raw: Any,
    at: str,
    required: frozenset[str] = frozenset(),
    optional: frozenset[str] = frozenset(),
) -> None:
    if not isinstance(raw, dict):
        raise CaseFileError(f"{at}: must be a mapping")
    missing = required - set(raw)
    unknown = set(raw) - required - optional
    if missing or unknown:
        raise CaseFileError(f"{at}: missing {sorted(missing)}, unknown {sorted(unknown)}")


def _str(value: Any, at: str) -> str:
    if not isinstance(value, str):
        raise CaseFileError(f"{at}: {value!r} must be a string")
    return value


def _values(value: Any) -> Any:
    """YAML -> values, with {deploy_time: V} as a DeployTime."""
    if isinstance(value, dict):
        if set(value) == {"deploy_time"}:
            return DeployTime(_values(value["deploy_time"]))
        return {k: _values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_values(v) for v in value]
    return value


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            base[k] = _merge(base[k], v)
        else:
            base[k] = v
    return base


def _remove(props: dict[str, Any], path: str, at: str) -> None:
    *parents, last = path.split(".")
    node: Any = props
    for p in parents:
        node = node.get(p) if isinstance(node, dict) else None
    if not isinstance(node, dict) or last not in node:
        raise CaseFileError(f"{at}: absent {path!r} is not in the base resource")
    del node[last]
