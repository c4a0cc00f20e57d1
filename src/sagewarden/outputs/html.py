"""The audit report: one self-contained HTML file a security lead opens and an auditor files.

Decisions:

* One file, nothing fetched: CSS, the few lines of script and the bar charts (SVG) are
  inline, and a Content-Security-Policy (``default-src 'none'``, the script allowed by its
  hash only) makes the browser refuse any fetch or any script the report did not write.
  The only URLs are the controls' documentation links, which are followed on a click only.
* Every string from AWS, a template or a suppression file goes through :func:`_text`:
  control, format (bidi, zero-width) and line-separator characters are shown as escapes
  (`escaping`, as on the terminal), then HTML-escaped, quotes included. Nothing is ever
  interpolated raw.
* Big estates stay readable: findings are grouped per control in collapsed ``<details>``
  sections, at most ``ROW_CAP`` rows each (the rest is counted, and is in the JSON report),
  and a chart shows at most ``BAR_CAP`` bars (the worst first, the rest summed up).
* Pass rate = passed / (passed + failed + unknown + error). Not-applicable verdicts and
  suppressed ones are left out, as Security Hub leaves out suppressed findings; suppressed
  findings are listed with their reasons, never hidden.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from typing import IO, Any

from sagewarden import __version__
from sagewarden.catalog import BY_ID, Control, Severity
from sagewarden.diagnostics import Diagnostic
from sagewarden.outputs.escaping import clean
from sagewarden.verdicts import Evaluation, Status

ROW_CAP = 500  # rows per control and section
BAR_CAP = 40  # bars per chart
DIAGNOSTIC_CAP = 2000

# Verdict categories, in the order bars stack.
PASSED, FAILED, SUPPRESSED, UNKNOWN, ERROR, NOT_APPLICABLE = range(6)
_CATEGORY_NAMES = ("Passed", "Failed", "Suppressed", "Unknown", "Error", "Not applicable")
_CATEGORY_CLASSES = ("pass", "fail", "supp", "unk", "err", "na")
_COLOURS = ("#2e7d32", "#c62828", "#8d6e63", "#f9a825", "#6a1b9a", "#cfd8dc")
_BY_STATUS = {
    Status.PASSED: PASSED,
    Status.FAILED: FAILED,
    Status.UNKNOWN: UNKNOWN,
    Status.ERROR: ERROR,
    Status.NOT_APPLICABLE: NOT_APPLICABLE,
}
_SURROGATE = re.compile("[\ud800-\udfff]")

# Opens every section before printing, so a printed or PDF copy shows all rows.
_SCRIPT = (
    "(function(){"
    "function all(open){document.querySelectorAll('details').forEach("
    "function(d){d.open=open;});}"
    "var b=document.getElementById('expand'),c=document.getElementById('collapse');"
    "if(b){b.addEventListener('click',function(){all(true);});}"
    "if(c){c.addEventListener('click',function(){all(false);});}"
    "window.addEventListener('beforeprint',function(){all(true);});"
    "document.documentElement.setAttribute('data-js','ready');"
    "})();"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)

_CSS = """
:root{--pass:#2e7d32;--fail:#c62828;--supp:#8d6e63;--unk:#f9a825;--err:#6a1b9a;--na:#cfd8dc}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0;color:#1a1a1a;background:#f5f6f8}
header{background:#232f3e;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header .meta{color:#d5dbe1;font-size:13px}
main{padding:8px 28px 40px;max-width:1400px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:14px 18px;
margin:16px 0}
h2{font-size:18px;margin:0 0 10px}
h3{font-size:15px;margin:14px 0 6px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #dde1e6;border-radius:6px;padding:8px 14px;min-width:120px}
.card .n{font-size:22px;font-weight:600}
.card.big .n{font-size:34px}
.card .l{color:#555;font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid #e6e8eb;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.sev{font-weight:600;font-size:12px;padding:1px 6px;border-radius:3px;color:#fff}
.sev-CRITICAL{background:#7b1fa2}.sev-HIGH{background:#c62828}
.sev-MEDIUM{background:#ef6c00}.sev-LOW{background:#1565c0}
.st{font-weight:600}.st-pass{color:var(--pass)}.st-fail{color:var(--fail)}
.st-supp{color:var(--supp)}.st-unk{color:#a06b00}.st-err{color:var(--err)}
details{border:1px solid #dde1e6;border-radius:5px;margin:8px 0;padding:0 10px}
details[open]{padding-bottom:8px}
summary{cursor:pointer;padding:7px 0;font-weight:600}
.fix{background:#f3f8f3;border-left:4px solid var(--pass);padding:6px 10px;margin:6px 0}
.note{color:#555;font-size:12px}
.more{background:#fff8e1;border-left:4px solid var(--unk);padding:6px 10px}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px}
svg text{font:12px system-ui,sans-serif;fill:#1a1a1a}
.toolbar button{font:inherit;margin-right:6px}
@media print{body{background:#fff}.toolbar{display:none}section{break-inside:avoid-page}}
"""


def render(
    out: IO[bytes],
    evaluations: Sequence[Evaluation],
    summary: dict[str, Any],
    diagnostics: Sequence[Diagnostic],
    *,
    now: datetime | None = None,
) -> None:
    when = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    report = _Report(evaluations)
    parts: list[str] = []
    w = parts.append
    w('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    w(f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w('<meta name="referrer" content="no-referrer">\n')
    w("<title>sagewarden report</title>\n")
    w(f"<style>{_CSS}</style>\n</head>\n<body>\n")
    stamp = when.strftime("%Y-%m-%d %H:%M:%S UTC")
    w("<header><h1>sagewarden: SageMaker security controls report</h1>")
    w(
        f'<div class="meta">Generated <time datetime="{when.isoformat()}">{stamp}</time>'
        f" by sagewarden {_text(__version__)} &middot; AWS Security Hub controls "
        f"SageMaker.1&ndash;15 &middot; Sources: {_text(report.sources())}</div></header>\n"
    )
    w("<main>\n")
    w(
        '<p class="toolbar"><button type="button" id="expand">Expand all</button>'
        '<button type="button" id="collapse">Collapse all</button>'
        '<span class="note">Printing expands every section.</span></p>\n'
    )
    _overview(w, report, summary)
    _controls_table(w, report)
    _charts(w, report)
    _findings(
        w,
        "failing",
        "Failing resources",
        "Failed verdicts that are not suppressed, with the reason and the fix.",
        report.by_control(lambda e: e.status is Status.FAILED and e.suppression is None),
        suppressed=False,
    )
    _findings(
        w,
        "suppressed",
        "Suppressed findings",
        "Accepted failures: they do not fail the run, and are listed here with who accepted "
        "them (the source) and why.",
        report.by_control(lambda e: e.suppression is not None),
        suppressed=True,
    )
    _findings(
        w,
        "unresolved",
        "Errors and unknowns",
        "ERROR: the resource could not be read or evaluated, never a pass. "
        "UNKNOWN: an IaC value only known at deploy time.",
        report.by_control(
            lambda e: e.status in (Status.ERROR, Status.UNKNOWN) and e.suppression is None
        ),
        suppressed=False,
    )
    _diagnostics(w, diagnostics)
    w(
        '<p class="note">The complete list of verdicts (passed and not applicable included) is '
        "in the JSON report: <code>sagewarden scan ... --format json</code>.</p>\n"
    )
    w(f"</main>\n<script>{_SCRIPT}</script>\n</body>\n</html>\n")
    text = "".join(parts)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (e.g. from a Terraform plan) is not UTF-8
        data = _SURROGATE.sub("\ufffd", text).encode("utf-8")
    out.write(data)


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
            cat = SUPPRESSED if e.suppression is not None else _BY_STATUS[e.status]
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

    def by_control(self, keep: Callable[[Evaluation], bool]) -> dict[str, list[Evaluation]]:
        """Matching evaluations per control, in input order."""
        groups: dict[str, list[Evaluation]] = {}
        for e in self.evaluations:
            if keep(e):
                groups.setdefault(e.control.id, []).append(e)
        return groups


def _bump(table: dict[str, list[int]], key: str, cat: int) -> None:
    counts = table.get(key)
    if counts is None:
        counts = table[key] = [0] * 6
    counts[cat] += 1


def _rate(counts: Sequence[int]) -> float | None:
    scored = counts[PASSED] + counts[FAILED] + counts[UNKNOWN] + counts[ERROR]
    return counts[PASSED] / scored if scored else None


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.1f}%"


def _text(value: object) -> str:
    """Any value as HTML text: control and bidi characters made visible, then escaped."""
    return html.escape(clean(str(value)), quote=True)


def _control_order(cid: str) -> tuple[int, int]:
    c = BY_ID.get(cid)
    if c is None:
        return (0, 0)
    return (-c.severity.rank, c.number)


def _sev(severity: Severity) -> str:
    v = severity.value
    return f'<span class="sev sev-{v}">{v}</span>'


def _overview(w: Callable[[str], object], report: _Report, summary: dict[str, Any]) -> None:
    t = report.total
    w('<section id="overview"><h2>Overview</h2>\n<div class="cards">')
    w(
        f'<div class="card big"><div class="n">{_pct(_rate(t))}</div>'
        '<div class="l">overall pass rate</div></div>'
    )
    resources = summary.get("resources", 0)
    cards = [
        (f"{resources:,}" if isinstance(resources, int) else _text(resources), "resources", ""),
        (f"{len(report.evaluations):,}", "evaluations", ""),
        *((f"{t[i]:,}", _CATEGORY_NAMES[i].lower(), _CATEGORY_CLASSES[i]) for i in range(6)),
    ]
    for n, label, cls in cards:
        style = f" st st-{cls}" if cls else ""
        w(f'<div class="card"><div class="n{style}">{n}</div><div class="l">{label}</div></div>')
    w("</div>\n")
    sev = summary.get("failed_by_severity", {})
    if isinstance(sev, dict) and sev:
        items = ", ".join(f"{_text(k)}: {int(v):,}" for k, v in sev.items())
        w(f"<p>Failed verdicts by severity (suppressed included): {items}.</p>\n")
    w(
        '<p class="note">Pass rate = passed &divide; (passed + failed + unknown + error). '
        "Not-applicable and suppressed verdicts are left out of it, as Security Hub leaves "
        "suppressed findings out of a control's status; suppressed findings are listed below "
        "with their reasons.</p>\n"
    )
    w("</section>\n")


def _controls_table(w: Callable[[str], object], report: _Report) -> None:
    w('<section id="controls"><h2>Pass rate per control</h2>\n<table><thead><tr>')
    w('<th>Control</th><th>Title</th><th>Severity</th><th class="num">Pass rate</th>')
    for name in _CATEGORY_NAMES:
        w(f'<th class="num">{name}</th>')
    w("</tr></thead><tbody>\n")
    for cid in sorted(report.control, key=_control_order):
        counts = report.control[cid]
        c = BY_ID.get(cid)
        title = _text(c.title) if c else ""
        sev = _sev(c.severity) if c else ""
        ident = _text(cid)
        if counts[FAILED]:  # the failing section has a section for this control
            ident = f'<a href="#ctl-{ident}">{ident}</a>'
        w(
            f"<tr><td>{ident}</td><td>{title}</td>"
            f'<td>{sev}</td><td class="num">{_pct(_rate(counts))}</td>'
        )
        for n in counts:
            w(f'<td class="num">{n:,}</td>')
        w("</tr>\n")
    if not report.control:
        w('<tr><td colspan="10">No SageMaker resources found for the selected controls.</td></tr>')
    w("</tbody></table></section>\n")


def _charts(w: Callable[[str], object], report: _Report) -> None:
    w('<section id="charts"><h2>Charts</h2>\n<p class="legend">')
    for i, name in enumerate(_CATEGORY_NAMES):
        w(f'<span><i style="background:{_COLOURS[i]}"></i>{name}</span>')
    w('</p>\n<div class="charts">\n')
    order_controls = sorted(report.control, key=_control_order)
    charts: list[tuple[str, str, list[tuple[str, list[int]]]]] = [
        ("chart-control", "By control", [(c, report.control[c]) for c in order_controls]),
        (
            "chart-severity",
            "By severity",
            [
                (s.value, report.severity[s.value])
                for s in sorted(Severity, key=lambda s: -s.rank)
                if s.value in report.severity
            ],
        ),
    ]
    for cid, title, table in (
        ("chart-account", "By account", report.account),
        ("chart-region", "By region", report.region),
        ("chart-file", "By file (infrastructure as code)", report.file),
    ):
        if table:
            charts.append((cid, title, _worst_first(table)))
    for cid, title, rows in charts:
        w(f'<div id="{cid}"><h3>{title}</h3>{_bars(title, rows)}</div>\n')
    w("</div></section>\n")


def _worst_first(table: dict[str, list[int]]) -> list[tuple[str, list[int]]]:
    """Most failures first, at most BAR_CAP bars: the rest summed into one."""
    rows = sorted(
        table.items(), key=lambda kv: (-(kv[1][FAILED] + kv[1][ERROR] + kv[1][UNKNOWN]), kv[0])
    )
    if len(rows) <= BAR_CAP:
        return rows
    rest = [0] * 6
    for _, counts in rows[BAR_CAP - 1 :]:
        for i, n in enumerate(counts):
            rest[i] += n
    return [*rows[: BAR_CAP - 1], (f"{len(rows) - BAR_CAP + 1:,} others", rest)]


_LABEL_WIDTH = 190
_BAR_WIDTH = 300
_ROW_HEIGHT = 22
_LABEL_CHARS = 28


def _bars(title: str, rows: Sequence[tuple[str, Sequence[int]]]) -> str:
    """A horizontal 100%-stacked bar per row, with the pass rate and count as text."""
    if not rows:
        return '<p class="note">No data.</p>'
    width = _LABEL_WIDTH + _BAR_WIDTH + 170
    height = _ROW_HEIGHT * len(rows) + 4
    out = [
        f'<svg role="img" aria-label="{_text(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    for i, (label, counts) in enumerate(rows):
        y = i * _ROW_HEIGHT + 2
        total = sum(counts)
        short = label if len(label) <= _LABEL_CHARS else "…" + label[-(_LABEL_CHARS - 1) :]
        out.append(
            f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">'
            f"<title>{_text(label)}</title>{_text(short)}</text>"
        )
        x = float(_LABEL_WIDTH)
        for cat, n in enumerate(counts):
            if not n:
                continue
            seg = _BAR_WIDTH * n / total
            out.append(
                f'<rect x="{x:.2f}" y="{y + 2}" width="{max(seg, 0.5):.2f}" height="16" '
                f'fill="{_COLOURS[cat]}"><title>{_text(label)}: {n:,} '
                f"{_CATEGORY_NAMES[cat].lower()}</title></rect>"
            )
            x += seg
        out.append(
            f'<text x="{_LABEL_WIDTH + _BAR_WIDTH + 8}" y="{y + 15}">'
            f"{_pct(_rate(counts))} pass &middot; {total:,}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _where(e: Evaluation) -> str:
    r = e.resource
    parts: list[str] = []
    if r.account_id or r.region:
        parts.append(" / ".join(_text(x) for x in (r.account_id, r.region) if x))
    if r.provenance.file:
        line = f":{r.provenance.line}" if r.provenance.line else ""
        parts.append(f"<code>{_text(r.provenance.file)}{line}</code>")
    parts.append(f'<span class="note">{_text(r.provenance.kind)}</span>')
    return "<br>".join(parts)


def _resource_cell(e: Evaluation) -> str:
    r = e.resource
    ident = r.arn or r.id
    name = _text(r.name or r.id)
    extra = f"<br><code>{_text(ident)}</code>" if ident != r.name else ""
    return f'{name}{extra}<br><span class="note">{_text(r.type)}</span>'


def _control_header(w: Callable[[str], object], c: Control) -> None:
    w(f'<p class="note">{_text(c.description)}</p>')
    fixable = "fixable in place" if c.in_place_fix else "the resource must be replaced"
    w(
        f'<div class="fix"><strong>Fix</strong> ({fixable}): {_text(c.remediation)}<br>'
        f'<a href="{_text(c.doc_url)}" rel="noopener noreferrer">Security Hub documentation '
        f"for {_text(c.id)}</a></div>\n"
    )


def _findings(
    w: Callable[[str], object],
    anchor: str,
    title: str,
    intro: str,
    groups: dict[str, list[Evaluation]],
    *,
    suppressed: bool,
) -> None:
    total = sum(len(v) for v in groups.values())
    w(f'<section id="{anchor}"><h2>{title} ({total:,})</h2>\n<p class="note">{intro}</p>\n')
    if not groups:
        w("<p>None.</p></section>\n")
        return
    for cid in sorted(groups, key=_control_order):
        rows = groups[cid]
        c = BY_ID.get(cid) or rows[0].control
        ident = f' id="ctl-{_text(cid)}"' if anchor == "failing" else ""
        w(
            f"<details{ident}><summary>{_text(cid)} {_sev(c.severity)} {_text(c.title)} "
            f"&mdash; {len(rows):,} resource{'' if len(rows) == 1 else 's'}</summary>\n"
        )
        _control_header(w, c)
        w("<table><thead><tr><th>Status</th><th>Resource</th><th>Where</th><th>Reason</th>")
        if suppressed:
            w("<th>Suppression</th>")
        w("</tr></thead><tbody>\n")
        for e in rows[:ROW_CAP]:
            cat = SUPPRESSED if e.suppression is not None else _BY_STATUS[e.status]
            cls = _CATEGORY_CLASSES[cat]
            status = e.status.value.replace("_", " ")
            w(
                f'<tr><td class="st st-{cls}">{status}</td><td>{_resource_cell(e)}</td>'
                f"<td>{_where(e)}</td><td>{_text(e.reason)}</td>"
            )
            if suppressed and e.suppression is not None:
                s = e.suppression
                expires = f"<br>expires {_text(s.expires)}" if s.expires else ""
                w(
                    f'<td>{_text(s.reason)}<br><span class="note">source: '
                    f"{_text(s.source)}{expires}</span></td>"
                )
            w("</tr>\n")
        w("</tbody></table>\n")
        if len(rows) > ROW_CAP:
            w(
                f'<p class="more">{len(rows) - ROW_CAP:,} more in the JSON report '
                f"(the first {ROW_CAP:,} are shown).</p>\n"
            )
        w("</details>\n")
    w("</section>\n")


def _diagnostics(w: Callable[[str], object], diagnostics: Sequence[Diagnostic]) -> None:
    w(f'<section id="diagnostics"><h2>Diagnostics ({len(diagnostics):,})</h2>\n')
    if not diagnostics:
        w("<p>None.</p></section>\n")
        return
    w(
        '<p class="note">input: bad input or usage; scope: an account, region or resource '
        "could not be read; warning and info: for the record.</p>\n"
    )
    w("<table><thead><tr><th>Kind</th><th>Where</th><th>Message</th></tr></thead><tbody>\n")
    for d in _head(diagnostics, DIAGNOSTIC_CAP):
        w(
            f"<tr><td>{_text(d.kind.value)}</td><td><code>{_text(d.where)}</code></td>"
            f"<td>{_text(d.message)}</td></tr>\n"
        )
    w("</tbody></table>\n")
    if len(diagnostics) > DIAGNOSTIC_CAP:
        w(f'<p class="more">{len(diagnostics) - DIAGNOSTIC_CAP:,} more in the JSON report.</p>\n')
    w("</section>\n")


def _head(items: Sequence[Diagnostic], n: int) -> Iterable[Diagnostic]:
    return items[:n]
