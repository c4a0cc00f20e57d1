"""The audit report: one self-contained HTML file a security lead opens and an auditor files.
This module counts and orders; the markup is Jinja2 templates in ``templates/``.

* One file, nothing fetched: CSS, the few lines of script and the bar charts (SVG) are
  inline, and a Content-Security-Policy (``default-src 'none'``, the script allowed by its
  hash only) makes the browser refuse any fetch or any script the report did not write.
  The only URLs are the controls' documentation links, which are followed on a click only.
* Escaping is the template engine's, so no template can forget it: the environment's
  ``finalize`` shows control, format (bidi, zero-width) and line-separator characters as
  escapes (`escaping`, as on the terminal), then autoescape HTML-escapes every value,
  quotes included, in the standard library's spelling (``&#x27;``), so the page is what it
  was before Jinja2. Only the report's own CSS, script and macro output are markup; an
  undefined name is an error, never an empty string.
* Big estates stay readable: findings are grouped per control in collapsed ``<details>``
  sections, at most ``ROW_CAP`` rows each (the rest is counted, and is in the JSON report),
  and a chart shows at most ``BAR_CAP`` bars (the worst first, the rest summed up).
* Pass rate = passed / (passed + failed + unknown + error). Not-applicable verdicts and
  suppressed ones are left out, as Security Hub leaves out suppressed findings; suppressed
  findings are listed with their reasons, never hidden.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any

from sagewarden import __version__
from sagewarden.catalog import BY_ID, Control, Severity, id_range
from sagewarden.diagnostics import Diagnostic
from sagewarden.framework_titles import requirement_title
from sagewarden.frameworks import FRAMEWORKS, Requirement, evidence
from sagewarden.locations import app_place, template_place
from sagewarden.outputs.escaping import clean
from sagewarden.outputs.runview import run_view
from sagewarden.runinfo import TREND_CAP, RunInfo, TrendPoint
from sagewarden.verdicts import Evaluation, Status

if TYPE_CHECKING:  # Jinja2 is imported on the first HTML report, not on every start-up
    import jinja2

ROW_CAP = 500  # rows per control and section
BAR_CAP = 40  # bars per chart
DIAGNOSTIC_CAP = 2000

# Verdict categories, in the order bars stack.
PASSED, FAILED, SUPPRESSED, UNKNOWN, ERROR, NOT_APPLICABLE = range(6)
_CATEGORIES = (  # name, CSS class, colour
    ("Passed", "pass", "#2e7d32"),
    ("Failed", "fail", "#c62828"),
    ("Suppressed", "supp", "#8d6e63"),
    ("Unknown", "unk", "#f9a825"),
    ("Error", "err", "#6a1b9a"),
    ("Not applicable", "na", "#cfd8dc"),
)
_BY_STATUS = {
    Status.PASSED: PASSED,
    Status.FAILED: FAILED,
    Status.UNKNOWN: UNKNOWN,
    Status.ERROR: ERROR,
    Status.NOT_APPLICABLE: NOT_APPLICABLE,
}
_REQ_CLASS = {"PASSED": "pass", "FAILED": "fail", "INCOMPLETE": "unk", "NO_DATA": "na"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
    *,
    now: datetime | None = None,
    info: RunInfo | None = None,
) -> None:
    """The scan report; `info` (the run behind it) fills its header and trend."""
    report = _Report(evaluations)
    sev = summary.get("failed_by_severity", {})
    by_severity = [(k, int(v)) for k, v in sev.items()] if isinstance(sev, dict) else []
    in_order = sorted(report.control, key=_control_order)
    unresolved = (Status.ERROR, Status.UNKNOWN)
    template = _environment().get_template("report.html")
    text = template.render(
        **_common(now, info),
        report=report,
        resources=summary.get("resources", 0),
        failed_by_severity=by_severity,
        controls=[(cid, BY_ID.get(cid), report.control[cid]) for cid in in_order],
        charts=_charts(report, in_order),
        failing=report.groups(lambda e: e.status is Status.FAILED and e.suppression is None),
        suppressed=report.groups(lambda e: e.suppression is not None),
        unresolved=report.groups(lambda e: e.status in unresolved and e.suppression is None),
        passed=report.groups(lambda e: e.status is Status.PASSED and e.suppression is None),
        standards=[_standard(key, evaluations) for key in FRAMEWORKS],
        diagnostics=diagnostics,
    )
    _write(out, text)


def render_framework(
    out: IO[bytes],
    framework: str,
    requirements: Sequence[Requirement],
    *,
    evaluations: Sequence[Evaluation] = (),
    now: datetime | None = None,
    info: RunInfo | None = None,
) -> None:
    """The evidence of one framework: the same header as the scan report, then each
    requirement with its title, result and the resources behind it (collapsed)."""
    template = _environment().get_template("framework.html")
    text = template.render(
        **_common(now, info),
        standard=_standard(framework, evaluations, requirements),
    )
    _write(out, text)


def _common(now: datetime | None, info: RunInfo | None) -> dict[str, Any]:
    """What both reports' headers show."""
    return {
        "when": (now or datetime.now(timezone.utc)).astimezone(timezone.utc),
        "version": __version__,
        "id_range": id_range("\u2013"),
        "run": run_view(info) if info is not None else None,
        "trend": _trend(info.trend) if info is not None else None,
    }


def _write(out: IO[bytes], text: str) -> None:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (e.g. from a Terraform plan) is not UTF-8
        data = _SURROGATE.sub("\ufffd", text).encode("utf-8")
    out.write(data)


@dataclass(frozen=True)
class _Standard:
    key: str
    name: str
    requirements: list[tuple[Requirement, str, list[Evaluation]]]  # title, resources behind

    @property
    def failing(self) -> int:
        return sum(1 for r, _, _ in self.requirements if r.status == "FAILED")


def _standard(
    key: str, evaluations: Sequence[Evaluation], behind: Sequence[Requirement] | None = None
) -> _Standard:
    """A standard's requirements with their titles; given the requirements (`behind`),
    the verdicts behind each too (not-applicable ones left out, worst first)."""
    by_control: dict[str, list[Evaluation]] = {}
    if behind is not None:
        for e in evaluations:
            if e.status is not Status.NOT_APPLICABLE:
                by_control.setdefault(e.control.id, []).append(e)
    rows = []
    for req in evidence(key, evaluations) if behind is None else behind:
        found = [e for cid in req.controls for e in by_control.get(cid, ())]
        found.sort(key=lambda e: _BEHIND_ORDER[_category(e)])
        rows.append((req, requirement_title(key, req.id), found))
    return _Standard(key, FRAMEWORKS[key][0], rows)


_BEHIND_ORDER = {FAILED: 0, ERROR: 1, UNKNOWN: 2, SUPPRESSED: 3, PASSED: 4, NOT_APPLICABLE: 5}


@dataclass(frozen=True)
class _Trend:
    """The pass-rate trend as an SVG line: points (x, y, text) and axis labels."""

    width: int
    height: int
    points: list[tuple[float, float, str]]
    first: str
    last: str

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


def _trend(points: Sequence[TrendPoint]) -> _Trend | None:
    judged = [p for p in points if p.judged]
    if not judged:
        return None
    width, height, left, right, top, bottom = 640, 170, 44, 16, 10, 30
    step = (width - left - right) / max(len(judged) - 1, 1)
    shown = []
    for i, p in enumerate(judged):
        rate = p.passed / p.judged
        x = left + i * step if len(judged) > 1 else left + (width - left - right) / 2
        y = top + (1 - rate) * (height - top - bottom)
        when = p.at[:16].replace("T", " ")
        text = f"{when} UTC: {rate * 100:.1f}% ({p.passed:,} of {p.judged:,})"
        shown.append((x, y, text))
    return _Trend(width, height, shown, judged[0].at[:10], judged[-1].at[:10])


class _Report:
    """Counts per control, severity, account, region and file, in one pass."""

    def __init__(self, evaluations: Sequence[Evaluation]) -> None:
        self.evaluations = evaluations
        self.total = [0] * 6
        self.control: dict[str, list[int]] = {}
        self.severity: dict[str, list[int]] = {}
        self.account: dict[str, list[int]] = {}
        self.region: dict[str, list[int]] = {}
        self.file: dict[str, list[int]] = {}
        self.kinds: dict[str, int] = {}
        for e in evaluations:
            cat = _category(e)
            r = e.resource
            self.total[cat] += 1
            _bump(self.control, e.control.id, cat)
            _bump(self.severity, e.control.severity.value, cat)
            if r.account_id is not None or r.region is not None:
                _bump(self.account, r.account_id or "(no account)", cat)
                _bump(self.region, r.region or "(no region)", cat)
            if r.provenance.file is not None:
                _bump(self.file, r.provenance.file, cat)
            kind = r.provenance.kind
            self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def sources(self) -> str:
        if not self.kinds:
            return "none"
        return ", ".join(f"{k} ({n:,} verdicts)" for k, n in sorted(self.kinds.items()))

    def groups(
        self, keep: Callable[[Evaluation], bool]
    ) -> list[tuple[str, Control, list[Evaluation]]]:
        """Matching evaluations per control (worst control first), in input order."""
        groups: dict[str, list[Evaluation]] = {}
        for e in self.evaluations:
            if keep(e):
                groups.setdefault(e.control.id, []).append(e)
        return [
            (cid, BY_ID.get(cid) or groups[cid][0].control, groups[cid])
            for cid in sorted(groups, key=_control_order)
        ]


def _category(e: Evaluation) -> int:
    return SUPPRESSED if e.suppression is not None else _BY_STATUS[e.status]


def _bump(table: dict[str, list[int]], key: str, cat: int) -> None:
    counts = table.get(key)
    if counts is None:
        counts = table[key] = [0] * 6
    counts[cat] += 1


def _pass_rate(counts: Sequence[int]) -> str:
    scored = counts[PASSED] + counts[FAILED] + counts[UNKNOWN] + counts[ERROR]
    return f"{counts[PASSED] / scored * 100:.1f}%" if scored else "n/a"


def _control_order(cid: str) -> tuple[int, int]:
    c = BY_ID.get(cid)
    return (0, 0) if c is None else (-c.severity.rank, c.number)


def _charts(report: _Report, in_order: list[str]) -> list[tuple[str, str, list[Any]]]:
    """(element id, title, bars): by control and severity, then the worst accounts,
    regions and files when there are any."""
    severities = sorted(report.severity, key=lambda s: -Severity(s).rank)
    charts: list[tuple[str, str, list[Any]]] = [
        ("chart-control", "By control", [(c, report.control[c]) for c in in_order]),
        ("chart-severity", "By severity", [(s, report.severity[s]) for s in severities]),
    ]
    by_scope = (
        ("chart-account", "By account", report.account),
        ("chart-region", "By region", report.region),
        ("chart-file", "By file (infrastructure as code)", report.file),
    )
    return charts + [(cid, title, _worst_first(table)) for cid, title, table in by_scope if table]


def _worst_first(table: dict[str, list[int]]) -> list[tuple[str, list[int]]]:
    """Most failures first, at most BAR_CAP bars: the rest summed into one."""
    rows = sorted(
        table.items(), key=lambda kv: (-(kv[1][FAILED] + kv[1][ERROR] + kv[1][UNKNOWN]), kv[0])
    )
    if len(rows) <= BAR_CAP:
        return rows
    rest = [sum(counts[i] for _, counts in rows[BAR_CAP - 1 :]) for i in range(6)]
    return [*rows[: BAR_CAP - 1], (f"{len(rows) - BAR_CAP + 1:,} others", rest)]


# ---- the template environment ----------------------------------------------------------


class _Shown(str):
    """Text as the report shows it: unsafe characters already made visible. Autoescape
    calls ``__html__`` and gets the standard library's escaping."""

    __slots__ = ()

    def __html__(self) -> str:
        return html.escape(self, quote=True)


def _shown(value: object) -> object:
    """The environment's finalize, run on every ``{{ value }}``: markup (it has
    ``__html__``) stays markup, anything else becomes visible text for autoescape."""
    return value if hasattr(value, "__html__") else _Shown(clean(str(value)))


def _text(value: object) -> str:
    """Any value as HTML text, exactly as a template prints it."""
    shown = _shown(value)
    return shown.__html__() if isinstance(shown, _Shown) else str(shown)


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2
    from markupsafe import Markup

    loader = jinja2.PackageLoader(__name__.rpartition(".")[0], "templates")
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_shown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    css, script = (loader.get_source(env, name)[0] for name in ("report.css", "report.js"))
    env.filters.update(
        num=lambda n: f"{n:,}" if isinstance(n, int) else n,
        passrate=_pass_rate,
        category=lambda e: _CATEGORIES[_category(e)][1],
        app_place=app_place,
        template_place=template_place,
    )
    env.globals.update(
        css=Markup(css),  # the report's own files
        script=Markup(script),
        script_hash=base64.b64encode(hashlib.sha256(script.encode()).digest()).decode(),
        categories=_CATEGORIES,
        FAILED=FAILED,
        ROW_CAP=ROW_CAP,
        DIAGNOSTIC_CAP=DIAGNOSTIC_CAP,
        TREND_CAP=TREND_CAP,
        REQ_CLASS=_REQ_CLASS,
    )
    return env
