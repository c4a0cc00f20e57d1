"""Suppressions: accepted failures, reported as such, never hidden.

Declared on a template resource (`Metadata: {sagewarden: {suppress: [{control, reason}]}}`)
or in `.sagewarden.yaml` (by control, resource pattern, account, Region and tags, with a
reason and an expiry date; it applies to live scans and AWS Config data too). A suppressed
FAILED or UNKNOWN verdict keeps its status and gains the suppression; it no longer fails
the run. After its expiry date a suppression stops applying, and the run says so.

A suppression by account, Region or tag matches only what is known: a template resource
has no account or Region (unless its CDK stack names them), and a resource whose tags could
not be read, or whose tag value is known only at deploy or marked sensitive, is never
muted by a tag: the finding stays as it is and the run says why (never a silent pass).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import yaml

from sagewarden import settings
from sagewarden.catalog import lookup
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.recordable import shape_limits
from sagewarden.resources import TAGS_INVALID, Resource
from sagewarden.sensitive import Sensitive
from sagewarden.sources import inputfile, yamlsafe
from sagewarden.unknowns import UnknownText
from sagewarden.verdicts import Evaluation, Status, Suppression

CONFIG_NAME = ".sagewarden.yaml"
SUPPRESSIBLE = (Status.FAILED, Status.UNKNOWN)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_BASE_FIELDS = frozenset({"control", "reason", "expires"})
# Config file only: a template's suppression is on its resource already.
_SCOPE_FIELDS = ("resource", "account", "accounts", "region", "regions", "tags")


def parse_entry(
    entry: Any, source: str, allow_resource: bool
) -> tuple[Suppression | None, str | None]:
    """One suppression from its YAML/JSON form, or the reason it is not valid."""
    if not isinstance(entry, Mapping):
        return None, "must be an object with control and reason"
    unknown = set(entry) - _BASE_FIELDS - set(_SCOPE_FIELDS)
    if unknown:
        return None, f"unknown field {sorted(map(str, unknown))[0]!r}"
    scoped = [f for f in _SCOPE_FIELDS if f in entry]
    if scoped and not allow_resource:
        return None, (
            f"{scoped[0]} belongs in {CONFIG_NAME}: a template suppression applies to the "
            "resource it is declared on"
        )
    control = entry.get("control")
    if not isinstance(control, str) or not control.strip():
        return None, "control is required (SageMaker.N, or * for every control)"
    if control.strip() != "*":
        found = lookup(control)
        if found is None:
            return None, f"unknown control {control!r}"
        control = found.id
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        return None, "reason is required: say why the failure is accepted"
    expires = entry.get("expires")
    if expires is not None:
        day = _date(expires)
        if day is None:
            return None, f"expires {_short(expires)} is not a date (YYYY-MM-DD)"
        expires = day.isoformat()
    resource = entry.get("resource")
    if resource is not None and (not isinstance(resource, str) or not resource):
        return None, "resource must be a pattern such as arn:aws:sagemaker:*:*:model/legacy-*"
    accounts, problem = _listed(entry, "account", _account_problem)
    if problem:
        return None, problem
    regions, problem = _listed(entry, "region", _region_problem)
    if problem:
        return None, problem
    tags, problem = _tags(entry.get("tags"))
    if problem:
        return None, problem
    sup = Suppression(control.strip(), reason.strip(), source, resource, expires)
    return dataclasses.replace(sup, accounts=accounts, regions=regions, tags=tags), None


def _listed(
    entry: Mapping[str, Any], name: str, check: Callable[[Any], tuple[str, str | None]]
) -> tuple[tuple[str, ...], str | None]:
    """`account` / `accounts` (or `region` / `regions`): one value or a list, each checked."""
    given = [k for k in (name, f"{name}s") if k in entry]
    if not given:
        return (), None
    if len(given) == 2:
        return (), f"give {name} or {name}s, not both"
    raw = entry[given[0]]
    values = raw if isinstance(raw, list) else [raw]
    if not values:
        return (), f"{given[0]} is empty: leave it out to match every {name}"
    out: list[str] = []
    for value in values:
        text, problem = check(value)
        if problem:
            return (), f"{given[0]}: {problem}"
        out.append(text)
    return tuple(dict.fromkeys(out)), None


def _account_problem(value: Any) -> tuple[str, str | None]:
    """A 12-digit account id (botocore's AccountId shape). YAML reads an unquoted id as a
    number, which is fine unless it began with 0 (then it is no longer that id)."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(text, str) and shape_limits("AccountId").accepts_text(text.strip()):
        return text.strip(), None
    hint = (
        " (quote ids that begin with 0: YAML reads them as numbers)"
        if isinstance(value, int) and not isinstance(value, bool)
        else ""
    )
    return "", f"{_short(value)} is not a 12-digit AWS account id{hint}"


def _region_problem(value: Any) -> tuple[str, str | None]:
    from sagewarden.sources.aws.regions import region_problem  # botocore's data: when asked

    if not isinstance(value, str) or not value.strip():
        return "", f"{_short(value)} is not a Region name such as eu-west-1"
    problem = region_problem(value.strip())
    return value.strip(), (f"{value.strip()!r} is {problem}" if problem else None)


def _tags(raw: Any) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """`tags: {Key: value-glob}`: keys exact (AWS tag keys are case-sensitive), values text."""
    if raw is None:
        return (), None
    if not isinstance(raw, Mapping) or not raw:
        return (), "tags must be a map of tag key to value, such as {Environment: sandbox}"
    key_limits = shape_limits("TagKey")
    out: list[tuple[str, str]] = []
    for key, value in raw.items():
        if not isinstance(key, str) or not key_limits.accepts_text(key):
            return (), f"tags: key {_short(key)} is not a tag key ({key_limits.text_rule()})"
        if not isinstance(value, str):
            return (), (
                f"tags.{key} must be text (a value, or a glob such as sandbox-*), "
                f"not {_short(value)}; quote it"
            )
        out.append((key, value))
    return tuple(out), None


def _date(value: Any) -> date | None:
    """A calendar date, from YAML (kept as text by the loader) or JSON; None otherwise."""
    if isinstance(value, datetime):
        return None  # a moment, not a day
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:  # 2027-02-30
            return None
    return None


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, bool)) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def load_config(path: str) -> tuple[list[Suppression], list[Diagnostic]]:
    """Suppressions from a .sagewarden.yaml file; bad entries are diagnostics (exit 2)."""
    diags: list[Diagnostic] = []
    try:
        text = inputfile.read_regular(path).decode("utf-8")
    except OSError as exc:
        return [], [Diagnostic(path, f"cannot read: {inputfile.reason(exc)}")]
    except UnicodeDecodeError as exc:
        return [], [Diagnostic(path, f"cannot read: not UTF-8 text (byte {exc.start})")]
    try:
        node, doc = yamlsafe.load(text)
    except yamlsafe.YamlLoadError as exc:
        where = f"{path}:{exc.line}" if exc.line else path
        return [], [Diagnostic(where, str(exc))]
    if doc is None:
        return [], []
    if not isinstance(doc, Mapping):
        return [], [Diagnostic(path, "must be a mapping with a suppressions list")]
    unknown = {str(k) for k in doc} - {"suppressions", *settings.KEYS}  # settings: its own
    for key in sorted(unknown):
        diags.append(Diagnostic(path, f"unknown setting {key!r}"))
    entries = doc.get("suppressions", [])
    if not isinstance(entries, list):
        return [], [*diags, Diagnostic(path, "suppressions must be a list")]
    lines = _entry_lines(node)
    out: list[Suppression] = []
    for n, entry in enumerate(entries):
        where = f"{path}:{lines[n]}" if n < len(lines) else path
        sup, problem = parse_entry(entry, source=where, allow_resource=True)
        if problem:
            diags.append(Diagnostic(where, f"suppression {n + 1}: {problem}"))
        elif sup is not None:
            out.append(sup)
    return out, diags


def _entry_lines(node: Any) -> list[int]:
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "suppressions" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def by_tag(suppressions: Iterable[Suppression]) -> bool:
    """Whether any suppression matches by tag: a live read then reads every type's tags."""
    return any(s.tags for s in suppressions)


def apply(
    evaluations: Sequence[Evaluation],
    configured: Iterable[Suppression],
    today: date,
    say_undecided: bool = True,
) -> tuple[list[Evaluation], list[Diagnostic]]:
    """Attach the first matching, unexpired suppression to each FAILED/UNKNOWN verdict;
    say which expired, and (`say_undecided`) which would apply but for unknown tags."""
    configured = list(configured)
    diags: list[Diagnostic] = []
    said: set[tuple[Suppression, str]] = set()
    out: list[Evaluation] = []
    for e in evaluations:
        if e.status not in SUPPRESSIBLE:
            out.append(e)
            continue
        candidates = [*e.resource.extra.get("suppress", ()), *configured]
        chosen = None
        for sup in candidates:
            if not _matches(sup, e):
                continue
            undecided = _tags_undecided(sup, e.resource)
            if undecided is not None:  # would mute it, were the tags known: say so
                fresh = say_undecided and not _expired(sup, today)
                if fresh and (sup, e.resource.id) not in said:
                    said.add((sup, e.resource.id))
                    diags.append(
                        Diagnostic(
                            sup.source,
                            f"suppression of {e.control.id} by tag does not apply to "
                            f"{e.resource.id}: {undecided}",
                            Kind.WARNING,
                        )
                    )
                continue
            if _expired(sup, today):
                key = (sup, e.resource.id)
                if key not in said:
                    said.add(key)
                    diags.append(
                        Diagnostic(
                            sup.source if sup.source != "template" else _where(e),
                            f"suppression of {e.control.id} for {e.resource.id} expired on "
                            f"{sup.expires}: it no longer applies",
                            Kind.WARNING,
                        )
                    )
                continue
            chosen = sup
            break
        out.append(dataclasses.replace(e, suppression=chosen) if chosen else e)
    return out, diags


def undecided(
    evaluation: Evaluation, configured: Iterable[Suppression], today: date
) -> Suppression | None:
    """The first unexpired suppression that would mute `evaluation` if its resource's tags
    were known (a saved fix plan does not hold them): fix apply refuses such a resource."""
    for sup in configured:
        if (
            not _expired(sup, today)
            and _matches(sup, evaluation)
            and _tags_undecided(sup, evaluation.resource) is not None
        ):
            return sup
    return None


def _expired(sup: Suppression, today: date) -> bool:
    return sup.expires is not None and date.fromisoformat(sup.expires) < today


def _matches(sup: Suppression, e: Evaluation) -> bool:
    """Whether everything but an undecided tag says `sup` mutes `e`: control, resource
    pattern, account, Region, and every tag whose value is known."""
    if sup.control not in ("*", e.control.id):
        return False
    r = e.resource
    if sup.resource is not None and not r.matches(sup.resource):
        return False
    if sup.accounts and r.account_id not in sup.accounts:
        return False  # a template resource has no account: never matched by one
    if sup.regions and r.region not in sup.regions:
        return False
    for key, glob in sup.tags:
        if r.tags is None:
            break  # undecided: _tags_undecided says why
        if key in r.tags:
            if _tag_why(r.tags, key) is None and not fnmatch.fnmatchcase(r.tags[key], glob):
                return False
        elif _tags_known(r):
            return False  # tags wholly known, and this one is not among them
    return True


def _tags_known(r: Resource) -> bool:
    return (
        r.tags is not None and "tags_choice" not in r.extra and not r.extra.get("tags_unresolved")
    )


def _tags_undecided(sup: Suppression, r: Resource) -> str | None:
    """Why `sup`'s tags cannot be judged on `r` (None when they can): tags not read or
    malformed, keys or values known only at deploy, or a value marked sensitive. Meant for
    a resource _matches accepts (a tag that decides "no" was refused there)."""
    if not sup.tags:
        return None
    if r.tags is None:
        if isinstance(r.extra.get(TAGS_INVALID), str):
            return "its tags are malformed"
        return "its tags were not read"
    if "tags_choice" in r.extra:
        return "its tags depend on a condition decided at deploy"
    for key, _ in sup.tags:
        why = _tag_why(r.tags, key) if key in r.tags else None
        if why is not None:
            return why
    if r.extra.get("tags_unresolved") and any(k not in r.tags for k, _ in sup.tags):
        return "some of its tag keys are known only at deploy"
    return None


def _tag_why(tags: Mapping[str, str], key: str) -> str | None:
    """Why the value of tag `key` (present) cannot be matched, or None."""
    value = tags[key]
    if isinstance(value, UnknownText):
        return f"the value of tag {key!r} is known only at deploy"
    if isinstance(value, Sensitive) or any(isinstance(k, Sensitive) and k == key for k in tags):
        return f"the value of tag {key!r} is marked sensitive"
    return None


def _where(e: Evaluation) -> str:
    p = e.resource.provenance
    return f"{p.file}:{p.line}" if p.file and p.line else (p.file or e.resource.id)
