"""The auditor reports in a real headless Chromium, as a user makes them (the CLI as a
process) from files and from a live scan of the emulator's demo estate: every section
there and visible, no horizontal overflow at 1280 px (sections collapsed or expanded),
screenshots showing what they should, and a print to PDF with every section expanded and
no buttons."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagewarden.cli.demo import DEMO_ACCOUNT, DEMO_REGIONS
from tests.browser.cdp import CHROMIUM, Browser
from tests.emulator.fixtures import Emulator
from tests.helpers import cli

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

SNAPSHOT = str(Path(__file__).resolve().parents[2] / "examples" / "config-snapshot.json")
RESOLVE = "SageMaker.14.resolveReferences=true"
WIDTH = 1280
SCAN_SECTIONS = (
    "run",
    "overview",
    "trend",
    "controls",
    "charts",
    "standards",
    "failing",
    "suppressed",
    "unresolved",
    "passed",
    "diagnostics",
)
FRAMEWORK_SECTIONS = ("run", "trend", "requirements")
HEADER_BLUE = (0x23, 0x2F, 0x3E)
TREND_GREEN = (0x2E, 0x7D, 0x32)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with Browser(tmp_path_factory.mktemp("chromium"), width=WIDTH) as b:
        yield b


def _reports(folder: Path, source: list[str], framework: str = "nist-800-53") -> dict[str, Path]:
    """A user's runs: two scans of one scope (a trend of two), then the framework report
    of the same scope (its trend has three), all into one history."""
    db = ["--db", str(folder / "history.sqlite3"), "--fail-on", "never", "--param", RESOLVE]
    scan, page = folder / "scan.html", folder / "framework.html"
    for _ in range(2):
        run = cli("scan", *source, *db, "--format", "html", "--output", str(scan))
        assert run.code == 0, run.stderr
    run = cli("report", "--framework", framework, *source, *db, "--format", "html",
              "--output", str(page))  # fmt: skip
    assert run.code == 0, run.stderr
    return {"scan": scan, "framework": page}


@pytest.fixture(scope="module")
def file_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _reports(tmp_path_factory.mktemp("files"), [SNAPSHOT])


# ---- what every report must show ---------------------------------------------------------


def _pdf_text(data: bytes) -> tuple[int, list[str]]:
    """Page count and each page's text, ligatures unfolded and whitespace dropped (a PDF
    breaks lines where the layout does)."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [unicodedata.normalize("NFKC", p.extract_text()) for p in reader.pages]
    return len(pages), [re.sub(r"\s+", "", p) for p in pages]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _colour_share(png: bytes, colour: tuple[int, int, int]) -> float:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    size = image.width * image.height
    counts = image.getcolors(size) or []
    near = sum(n for n, p in counts if all(abs(a - b) <= 6 for a, b in zip(p, colour, strict=True)))
    return near / size


def _overflow(browser: Browser) -> list[str]:
    """Elements wider than the window, and the page's own horizontal scroll."""
    found: list[str] = browser.js(
        f"""(() => {{
        const out = [];
        const doc = document.documentElement;
        if (doc.scrollWidth > {WIDTH}) out.push('page scrolls to ' + doc.scrollWidth);
        for (const e of document.querySelectorAll('body *')) {{
          const r = e.getBoundingClientRect();
          if (r.width && r.right > {WIDTH} + 0.5)
            out.push(e.tagName + '#' + e.id + ' ends at ' + Math.round(r.right));
        }}
        return out.slice(0, 10);
        }})()"""
    )
    return found


def _collapsed_texts(browser: Browser, selector: str) -> list[str]:
    """Text that sits inside closed <details>: what only an expanded print shows."""
    texts: list[str] = browser.js(
        f"""Array.from(document.querySelectorAll({selector!r}))
        .filter(e => e.closest('details') && !e.closest('details').open)
        .slice(0, 3).map(e => e.textContent)"""
    )
    assert texts, selector
    return texts


def _check(browser: Browser, page: Path, sections: tuple[str, ...], hidden: str) -> None:
    """Open the report at 1280 px and check it; `hidden` selects text inside collapsed
    sections that the printed copy must show."""
    browser.open(page)
    title = browser.js("document.title")
    assert title == "sagewarden report" or title.endswith(" evidence")  # no script changed it
    assert browser.js("document.documentElement.dataset.js") == "ready"  # its script ran
    assert not browser.console_errors()  # nothing refused by the CSP, no script error
    # every section present and laid out, in order
    tops = []
    for anchor in sections:
        box = browser.js(
            f"(() => {{ const e = document.getElementById({anchor!r});"
            " if (!e) return null; const r = e.getBoundingClientRect();"
            " return [r.top + scrollY, r.width, r.height]; })()"
        )
        assert box is not None, f"section {anchor} missing"
        top, width, height = box
        assert width > WIDTH / 2 and height > 20, (anchor, box)
        tops.append(top)
    assert tops == sorted(tops)
    # no horizontal overflow, collapsed or with every section expanded by its button
    assert not _overflow(browser), _overflow(browser)
    closed = browser.js("document.querySelectorAll('details:not([open])').length")
    assert closed > 0
    browser.js("document.getElementById('expand').click()")
    assert browser.js("document.querySelectorAll('details:not([open])').length") == 0
    assert not _overflow(browser), _overflow(browser)
    browser.js("document.getElementById('collapse').click()")
    # screenshots: the header band in the header's colour, the trend's line drawn
    assert _colour_share(browser.element_shot("header"), HEADER_BLUE) > 0.6
    assert _colour_share(browser.element_shot("#trend svg"), TREND_GREEN) > 0.003
    assert _colour_share(browser.element_shot("#run"), HEADER_BLUE) < 0.01  # a light card
    full = browser.screenshot()
    assert full[16:20] == WIDTH.to_bytes(4, "big")  # the PNG's width: nothing wider
    # printing: the facts on the first page, collapsed sections printed, no buttons
    scan_id = browser.js("document.querySelector('#run code').textContent")
    inside = _collapsed_texts(browser, hidden)
    count, pages = _pdf_text(browser.pdf())
    text = "".join(pages)
    assert count >= 2
    for fact in ("Aboutthisscan", "Scanned", "Commandline", "Controlsrun", _squash(scan_id)):
        assert fact in pages[0], fact
    assert _squash("depend on the non-default parameter resolveReferences=true") in text
    for t in inside:
        assert _squash(t) in text, t
    assert "Expandall" not in text and "Collapseall" not in text
    # the script opens every section before printing (the beforeprint handler) ...
    browser.js("document.getElementById('collapse').click()")
    browser.js("window.dispatchEvent(new Event('beforeprint'))")
    assert browser.js("document.querySelectorAll('details:not([open])').length") == 0


def _check_print_without_script(browser: Browser, page: Path, hidden: str) -> None:
    """... and the print stylesheet alone does too: with scripts off, closed sections
    still print."""
    browser.page("Emulation.setScriptExecutionDisabled", value=True)
    try:
        browser.open(page)
        assert browser.js("document.documentElement.dataset.js") is None  # no script ran
        inside = _collapsed_texts(browser, hidden)
        _, pages = _pdf_text(browser.pdf())
        text = "".join(pages)
        for t in inside:
            assert _squash(t) in text, t
    finally:
        browser.page("Emulation.setScriptExecutionDisabled", value=False)


PASSED_NAMES = "#passed details tbody td:nth-child(2) code"
BEHIND_NAMES = "#requirements details tbody td:nth-child(3) code"


def test_scan_report_from_files(browser: Browser, file_reports: dict[str, Path]) -> None:
    _check(browser, file_reports["scan"], SCAN_SECTIONS, PASSED_NAMES)
    assert browser.js("document.querySelectorAll('#trend circle').length") == 2
    _check_print_without_script(browser, file_reports["scan"], PASSED_NAMES)


def test_framework_report_from_files(browser: Browser, file_reports: dict[str, Path]) -> None:
    _check(browser, file_reports["framework"], FRAMEWORK_SECTIONS, BEHIND_NAMES)
    assert browser.js("document.querySelectorAll('#trend circle').length") == 3
    titles = browser.js(
        "Array.from(document.querySelectorAll('table.reqs > tbody > tr > td:nth-child(2)'))"
        ".map(e => e.textContent)"
    )
    assert "Access Enforcement" in titles and all(t for t in titles[::2])
    _check_print_without_script(browser, file_reports["framework"], BEHIND_NAMES)


def test_both_reports_of_a_live_scan_of_the_demo_estate(
    browser: Browser, aws: Emulator, tmp_path: Path
) -> None:
    from sagewarden_demo import estate

    estate.build(aws.client, DEMO_ACCOUNT, list(DEMO_REGIONS))
    regions = [a for r in DEMO_REGIONS for a in ("--region", r)]
    reports = _reports(tmp_path, ["--aws", *regions], "ai-security")
    _check(browser, reports["scan"], SCAN_SECTIONS, PASSED_NAMES)
    scanned = browser.js("document.querySelector('#run td').textContent")
    for region in DEMO_REGIONS:
        assert f"AWS account {DEMO_ACCOUNT}" in scanned and region in scanned
    assert browser.js("document.querySelectorAll('#trend circle').length") == 2
    _check(browser, reports["framework"], FRAMEWORK_SECTIONS, BEHIND_NAMES)
    assert "AWS AI Security" in browser.js("document.title")
