"""The HTML report: self-contained, escaped, readable for big estates, and checked in a browser."""

from __future__ import annotations

import dataclasses
import io
import re
import struct
import subprocess
import time
import zlib
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sagewarden import frameworks
from sagewarden.catalog import CONTROLS
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.engine import evaluate
from sagewarden.outputs import html as html_out
from sagewarden.params import parse_params
from sagewarden.resources import Provenance, Resource, ResourceType
from sagewarden.runinfo import RunInfo, TrendPoint
from sagewarden.summary import summarize
from sagewarden.verdicts import Evaluation, Status, Suppression
from tests.browser.cdp import CHROMIUM, FLAGS

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Canaries: an injected script or handler that ran would change the page title.
SCRIPT_CANARY = "<script>document.title='PWNED'</script>"
IMG_CANARY = "'\"><img src=x onerror=\"document.title='PWNED'\">"
UNICODE = "ノートブック📓 «café» \u202egnp.exe"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _aws(name: str, props: dict[str, object], tags: dict[str, str] | None = None) -> Resource:
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}"
    return Resource(
        type=ResourceType.NOTEBOOK_INSTANCE,
        id=arn,
        name=name,
        properties={"NotebookInstanceName": name, **props},
        tags=tags,
        provenance=Provenance("aws"),
        account_id=ACCOUNT,
        region=REGION,
        arn=arn,
    )


def _cfn(logical_id: str, props: dict[str, object], file: str, line: int) -> Resource:
    return Resource(
        type=ResourceType.NOTEBOOK_INSTANCE,
        id=logical_id,
        name=logical_id,
        properties=props,
        tags={},
        provenance=Provenance("cloudformation", file=file, line=line),
    )


def hostile_evaluations() -> tuple[list[Evaluation], list[Diagnostic]]:
    resources = [
        _aws(
            SCRIPT_CANARY,
            {"DirectInternetAccess": "Enabled", "RootAccess": "Disabled"},
            tags={SCRIPT: IMG, "owner": UNICODE},
        ),
        _aws(UNICODE, {"DirectInternetAccess": "Disabled", "SubnetId": "subnet-1"}),
        # An impossible value: ERROR, with the value (hostile) in its reason.
        _aws("odd", {"DirectInternetAccess": IMG_CANARY}),
        _cfn(IMG_CANARY, {"DirectInternetAccess": "Enabled"}, f"templates/{SCRIPT}.yaml", 12),
    ]
    params, diags = parse_params([])
    assert not diags
    result = evaluate(resources, list(CONTROLS), params)
    evaluations = list(result.evaluations)
    # Suppress the first failure, with a hostile reason and source.
    i = next(i for i, e in enumerate(evaluations) if e.status is Status.FAILED)
    evaluations[i] = dataclasses.replace(
        evaluations[i],
        suppression=Suppression(
            control=evaluations[i].control.id,
            reason=f"accepted {IMG_CANARY} {SCRIPT_CANARY} {UNICODE}",
            source=f".sagewarden.yaml:{SCRIPT}",
            expires="2099-12-31",
        ),
    )
    diagnostics = [
        *result.diagnostics,
        Diagnostic(SCRIPT_CANARY, IMG_CANARY, Kind.SCOPE),
        Diagnostic("us-east-1", f"could not be read: {UNICODE}", Kind.WARNING),
    ]
    return evaluations, diagnostics


def hostile_info() -> RunInfo:
    """The run behind a report, with hostile text wherever a user or AWS can put some:
    file names, the command line, the caller, an endpoint, trend dates."""
    return RunInfo(
        scan_id=SCRIPT_CANARY,
        started=NOW,
        ended=NOW,
        command_line=("sagewarden", "scan", f"templates/{SCRIPT}.yaml", "--profile", IMG_CANARY),
        scope={
            "v": 2,
            "aws": {"accounts": {IMG_CANARY: [SCRIPT_CANARY]}, "endpoint": UNICODE},
            "paths": [f"/src/{SCRIPT_CANARY}.yaml"],
            "controls": [c.id for c in CONTROLS],
            "params": {"SageMaker.14": {"resolveReferences": True}},
        },
        caller=f"arn:aws:iam::{ACCOUNT}:role/{IMG_CANARY}",
        history_scan=7,
        trend=(TrendPoint(SCRIPT_CANARY, 1, 2), TrendPoint(IMG_CANARY, 2, 2)),
    )


def render(
    evaluations: list[Evaluation], diagnostics: list[Diagnostic], info: RunInfo | None = None
) -> str:
    buf = io.BytesIO()
    html_out.render(buf, evaluations, summarize(evaluations), diagnostics, now=NOW, info=info)
    return buf.getvalue().decode("utf-8")


def render_framework(evaluations: list[Evaluation], framework: str = "nist-800-53") -> str:
    buf = io.BytesIO()
    rows = frameworks.evidence(framework, evaluations)
    html_out.render_framework(buf, framework, rows, evaluations=evaluations, info=hostile_info())
    return buf.getvalue().decode("utf-8")


@pytest.fixture(scope="module")
def report() -> tuple[str, list[Evaluation]]:
    evaluations, diagnostics = hostile_evaluations()
    return render(evaluations, diagnostics, hostile_info()), evaluations


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of <title> and <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: dict[str, list[str]] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._open:
            self.text.setdefault(self._open[-1], []).append(data)

    def all_text(self) -> str:
        return "".join(t for parts in self.text.values() for t in parts)


def parse(doc: str) -> _Elements:
    p = _Elements()
    p.feed(doc)
    p.close()
    return p


def _assert_inert(doc: str) -> None:
    p = parse(doc)
    assert not [a for t, a in p.tags if t == "img"], "an injected <img> became an element"
    assert not [a for t, a in p.tags if any(k.startswith("on") for k in a)], "event handler"
    scripts = [t for t, _ in p.tags if t == "script"]
    assert len(scripts) == 1, "only the report's own script"
    assert "PWNED" not in "".join(p.text.get("script", []))
    text = p.all_text()
    assert SCRIPT_CANARY in text  # shown as text, not run
    assert "<img src=x onerror" in text


# ---- the HTML text ---------------------------------------------------------------------


def test_hostile_values_are_escaped(report: tuple[str, list[Evaluation]]) -> None:
    doc, _ = report
    assert "<script>alert" not in doc
    assert "<script>document" not in doc
    assert "<img" not in doc
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in doc
    assert "&quot;&gt;&lt;img src=x onerror=" in doc
    _assert_inert(doc)


def test_hostile_values_are_escaped_in_the_header_and_framework_report(
    report: tuple[str, list[Evaluation]],
) -> None:
    doc, evaluations = report
    header = doc.split('<section id="run">', 1)[1].split("</section>", 1)[0]
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in header
    assert "&quot;&gt;&lt;img src=x onerror=" in header
    trend = doc.split('<section id="trend">', 1)[1].split("</section>", 1)[0]
    assert "<circle" in trend and "&lt;script&gt;document" in trend  # dates cut at 16
    page = render_framework(evaluations)
    assert "<img" not in page and "<script>document" not in page
    assert "&lt;script&gt;document.title=&#x27;PWNED&#x27;&lt;/script&gt;" in page
    assert "\u202e" not in page and "\\u202egnp.exe" in page
    _assert_inert(page)


def test_unicode_kept_and_bidi_override_made_visible(report: tuple[str, list[Evaluation]]) -> None:
    doc, _ = report
    assert "ノートブック📓 «café»" in doc
    assert "\u202e" not in doc  # a right-to-left override could disguise a name
    assert "\\u202egnp.exe" in doc


def test_sections_and_content(report: tuple[str, list[Evaluation]]) -> None:
    doc, evaluations = report
    for anchor in (
        "overview",
        "controls",
        "charts",
        "failing",
        "suppressed",
        "unresolved",
        "diagnostics",
        "run",
        "trend",
        "standards",
        "passed",
    ):
        assert f'<section id="{anchor}">' in doc
    for chart in ("chart-control", "chart-severity", "chart-account", "chart-region", "chart-file"):
        assert f'<div id="{chart}">' in doc
    assert doc.count("<svg") == 6  # the five charts and the pass-rate trend
    assert 'Generated <time datetime="2025-01-02T03:04:05+00:00">2025-01-02 03:04:05 UTC' in doc
    assert "sagewarden 0.1.0" in doc
    # The fix and the documentation link for a failing control.
    sm1 = next(e.control for e in evaluations if e.control.id == "SageMaker.1")
    assert html_out._text(sm1.remediation) in doc
    assert f'href="{sm1.doc_url}"' in doc
    # The suppression's reason, source and expiry are shown.
    assert "source: .sagewarden.yaml:&lt;script&gt;" in doc
    assert "expires 2099-12-31" in doc
    # Errors, unknowns (IaC platform) and diagnostics.
    assert "invalid value: DirectInternetAccess" in doc
    assert "PlatformIdentifier is not set" in doc
    assert f"templates/{html_out._text(SCRIPT)}.yaml:12" in doc
    assert ">scope</td>" in doc and ">warning</td>" in doc


def test_pass_rates() -> None:
    evaluations, _ = hostile_evaluations()
    counts = [0] * 6
    for e in evaluations:
        if e.suppression is not None:
            counts[html_out.SUPPRESSED] += 1
        else:
            counts[html_out._BY_STATUS[e.status]] += 1
    passed, failed, _, unknown, error, _ = counts
    expected = passed / (passed + failed + unknown + error)
    doc = render(evaluations, [])
    assert f'<div class="n">{expected * 100:.1f}%</div><div class="l">overall pass rate' in doc


def test_no_fetchable_urls(report: tuple[str, list[Evaluation]]) -> None:
    doc, _ = report
    hrefs = set(re.findall(r'<a href="(https://[^"]+)"', doc))
    urls = re.findall(r"https?://[^\s\"'<>)]+", doc)
    assert urls, "the documentation links are there"
    assert set(urls) <= hrefs, set(urls) - hrefs
    assert all(u.startswith("https://docs.aws.amazon.com/securityhub/") for u in hrefs)
    fetching = {"src", "srcset", "action", "xlink:href", "data", "poster", "background"}
    for tag, attrs in parse(doc).tags:
        assert not fetching & set(attrs), (tag, attrs)
        assert tag not in ("link", "iframe", "object", "embed", "img", "image", "use")
        assert "href" not in attrs or tag == "a", (tag, attrs)
    assert "@import" not in doc and "url(" not in doc
    assert "default-src &#x27;none&#x27;" in doc or "default-src 'none'" in doc


def test_empty_report() -> None:
    doc = render([], [])
    assert "No SageMaker resources found" in doc
    assert "<p>None.</p>" in doc


def test_lone_surrogate_does_not_break_the_report() -> None:
    evaluations, _ = hostile_evaluations()
    r = dataclasses.replace(evaluations[0].resource, name="bad\ud800name")
    doc = render([dataclasses.replace(evaluations[0], resource=r)], [])
    assert "bad\ufffdname" in doc


def _many(n: int) -> list[Evaluation]:
    """n evaluations from the real engine: notebooks in 10 accounts x 4 regions, all failing."""
    params, _ = parse_params([])
    base = _aws("nb", {"DirectInternetAccess": "Enabled"})
    resources = []
    for i in range(n // 4 + 1):
        account = f"{100000000000 + i % 10}"
        region = ("eu-west-1", "us-east-1", "us-west-2", "ap-south-1")[i % 4]
        arn = f"arn:aws:sagemaker:{region}:{account}:notebook-instance/nb-{i}"
        resources.append(
            dataclasses.replace(
                base, id=arn, arn=arn, name=f"nb-{i}", account_id=account, region=region
            )
        )
    notebook_controls = [c for c in CONTROLS if c.resource_type == ResourceType.NOTEBOOK_INSTANCE]
    return evaluate(resources, notebook_controls, params).evaluations[:n]


def test_big_estate_is_capped_and_fast() -> None:
    evaluations = _many(20_000)
    summary = summarize(evaluations)
    buf = io.BytesIO()
    start = time.perf_counter()
    html_out.render(buf, evaluations, summary, [], now=NOW)
    elapsed = time.perf_counter() - start
    doc = buf.getvalue().decode("utf-8")
    failing = doc.split('<section id="failing">', 1)[1].split("</section>", 1)[0]
    assert failing.count("<details") == 4
    assert failing.count('<tr><td class="st') == 4 * html_out.ROW_CAP
    assert "more in the JSON report" in failing
    assert doc.count("<details") <= 3 * 15  # one per control and section, never per resource
    assert elapsed < 5, elapsed
    assert len(doc) < 10_000_000


# ---- a real browser ----------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        CHROMIUM,
        *FLAGS,
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    evaluations, diagnostics = hostile_evaluations()
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(evaluations, diagnostics, hostile_info()), encoding="utf-8")
    return path


@needs_chromium
def test_browser_framework_report_is_inert(tmp_path: Path) -> None:
    evaluations, _ = hostile_evaluations()
    page = tmp_path / "framework.html"
    page.write_text(render_framework(evaluations), encoding="utf-8")
    proc = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "<title>NIST SP 800-53 Revision 5 evidence</title>" in dom  # no script changed it
    assert 'data-js="ready"' in dom
    _assert_inert(dom)
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if re.search(r"Uncaught|Error|Refused|violates", line)]


@needs_chromium
def test_browser_dom_and_console(report_file: Path, tmp_path: Path) -> None:
    proc = _chromium(
        tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", report_file.as_uri()
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert "<title>sagewarden report</title>" in dom  # the canary: no script changed it
    assert "PWNED" not in dom.split("</title>", 1)[0]
    assert 'data-js="ready"' in dom  # the report's own script ran (allowed by the CSP hash)
    assert "Failing resources" in dom and "Suppressed findings" in dom
    _assert_inert(dom)
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    bad = [line for line in console if re.search(r"Uncaught|Error|Refused|violates", line)]
    assert not bad, bad


@needs_chromium
def test_browser_screenshot(report_file: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    proc = _chromium(
        tmp_path,
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        "--hide-scrollbars",
        report_file.as_uri(),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    width, height, pixels = _png(data)
    assert (width, height) == (1280, 2000)
    assert len(data) > 30_000  # a blank page compresses to a few KB
    assert len(set(pixels[::97])) > 40  # many distinct byte values: text, colours, charts


def _png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (still filtered) image data of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


@needs_chromium
def test_browser_console_capture_works(tmp_path: Path) -> None:
    """The console check above is not vacuous: a page error does show up on stderr."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>t</title><script>undefinedFunction();</script>")
    proc = _chromium(tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.search(r"CONSOLE.*Uncaught ReferenceError", proc.stderr), proc.stderr[-2000:]
