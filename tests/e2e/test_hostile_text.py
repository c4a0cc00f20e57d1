"""Hostile text from AWS or a template through every output format.

Each class of string (terminal escapes, bidi and zero-width characters, line and paragraph
separators, NUL, line breaks, markdown links, SARIF placeholders, formulas, markup, shell
syntax, very long strings, lone surrogates) rides on resource names, ids, file names,
reasons, suppression reasons and diagnostics of evaluations made by the real engine. The
checks are by character class, written here independently of the product's own escaping:

* human-facing formats (table, plan text, HTML, JUnit, CSV, SARIF messages, the fix
  script) carry no character of Unicode category Cc, Cf, Cn, Zl, Zp or Cs raw (their own
  line breaks aside), show each as a visible escape, and keep one line per entry;
* machine formats (JSON, ASFF, OCSF) stay valid and keep values exact.
"""

from __future__ import annotations

import csv
import dataclasses
import html.parser
import io
import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sagewarden.catalog import CONTROLS
from sagewarden.cli import main
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.engine import evaluate
from sagewarden.history import History
from sagewarden.outputs import asff, csvout, jsonout, junit, ocsf, sarif, table
from sagewarden.outputs import html as html_out
from sagewarden.params import parse_params
from sagewarden.remediation import Plan, plan, render_text
from sagewarden.remediation.script import render_script
from sagewarden.resources import Provenance, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.summary import summarize
from sagewarden.verdicts import Evaluation, Status, Suppression
from tests.e2e.test_fix_script import Account, model, mutations, nb_state
from tests.unit.test_remediation_plan import ACCOUNT, REGION, arn, notebook, res, run

# One or more of every class; the escapes they must show as are computed by `shown`.
HOSTILE: dict[str, str] = {
    "csi": "red\x1b[31mALERT\x1b[0m",
    "osc-link": "\x1b]8;;https://e.com\x07click\x1b]8;;\x07",
    "clear": "x\x1b[2J\x1b[H",
    "c1-csi": "c1\x9b31m",
    "del-bel-bs": "a\x7fb\x07c\x08d",
    "rlo": "invoice\u202egpj.exe",
    "isolates": "\u2066left\u2069\u2067right\u2069",
    "alm-lrm-rlm": "a\u061cb\u200ec\u200fd",
    "zero-width": "ad\u200bmin\u200c\u200d\u2060",
    "bom": "\ufeffstart",
    "tag-chars": "tag\U000e0041\U000e007f",
    "line-sep": "one\u2028two",
    "para-sep": "one\u2029two",
    "nul": "good\x00evil",
    "cr": "ok\roverwritten",
    "lf": "x\n  RootAccess is Disabled\nPlan: 0 resources",
    "crlf": "x\r\ny",
    "vt-ff-fs": "a\x0bb\x0cc\x1cd\x1de\x1ef\x85g",
    "tab": "a\tb",
    "noncharacter": "a\ufffeb\uffffc",
    "md-link": "[click me](https://e.com/steal)",
    "placeholder": "{0} {1} {{2}}",
    "formula": '=HYPERLINK("https://e.com","x")',
    "formula-plus": "+1+cmd|' /C calc'!A0",
    "markup": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "subshell": "$(touch PWNED)",
    "backticks": "`touch PWNED`",
    "quotes": 'it\'s "quoted" \\ back',
    "long": "L" * 3000 + "\u202e" + "R" * 3000,
    "surrogate": "half\ud800way",
}
IDS = list(HOSTILE)
UNSAFE = frozenset({"Cc", "Cf", "Cn", "Zl", "Zp", "Cs"})


def unsafe(text: str, allowed: str = "") -> list[str]:
    """The characters of `text` no human-facing output may hold raw."""
    return [c for c in text if unicodedata.category(c) in UNSAFE and c not in allowed]


def shown(text: str) -> str:
    """How a human-facing output must show `text`: escapes for unsafe characters, U+FFFD
    for a lone surrogate (not UTF-8), everything else as it is."""
    out = []
    for c in text:
        cat = unicodedata.category(c)
        if cat == "Cs":
            out.append("\ufffd")
        elif cat in UNSAFE:
            code = ord(c)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(c)
    return "".join(out)


def exact(text: str) -> str:
    """What a machine format keeps: the value itself, a lone surrogate as U+FFFD."""
    return "".join("\ufffd" if unicodedata.category(c) == "Cs" else c for c in text)


# --- evaluations carrying the string everywhere a source can put it ----------------------


def _live(name: str, props: dict[str, object]) -> Resource:
    resource_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{name}"
    return Resource(
        type=RT.NOTEBOOK_INSTANCE,
        id=resource_arn,
        name=name,
        properties={"NotebookInstanceName": name, **props},
        tags={"owner": name},
        provenance=Provenance("aws"),
        account_id=ACCOUNT,
        region=REGION,
        arn=resource_arn,
    )


def _iac(text: str) -> Resource:
    return Resource(
        type=RT.NOTEBOOK_INSTANCE,
        id=f"Logical{text}",
        name=f"Logical{text}",
        properties={"DirectInternetAccess": "Enabled"},
        tags={},
        provenance=Provenance("cloudformation", file=f"templates/{text}.yaml", line=7),
    )


def hostile_evaluations(text: str) -> tuple[list[Evaluation], list[Diagnostic]]:
    """A failing live notebook named `text`, an IaC one in a file named after it, every
    reason ending in it, one suppression giving it as the reason, diagnostics naming it."""
    params, diags = parse_params([])
    assert not diags
    resources = [_live(text, {"RootAccess": "Enabled"}), _iac(text)]
    result = evaluate(resources, list(CONTROLS), params)
    evaluations = [
        dataclasses.replace(e, reason=f"{e.reason} ({text})") for e in result.evaluations
    ]
    i = next(i for i, e in enumerate(evaluations) if e.status is Status.FAILED)
    evaluations[i] = dataclasses.replace(
        evaluations[i],
        suppression=Suppression(evaluations[i].control.id, f"accepted: {text}", "file", None),
    )
    diagnostics = [
        Diagnostic(f"templates/{text}.yaml", f"could not be read: {text}", Kind.INPUT),
        Diagnostic(text, f"access denied ({text})", Kind.SCOPE),
        Diagnostic("note", f"informational {text}", Kind.INFO),
    ]
    return evaluations, diagnostics


def _bytes(render: Any, evaluations: list[Evaluation], diags: list[Diagnostic]) -> bytes:
    buf = io.BytesIO()
    render(buf, evaluations, summarize(evaluations), diags)
    return buf.getvalue()


# --- table ----------------------------------------------------------------------------------


def _table(text: str) -> str:
    evaluations, diags = hostile_evaluations(text)
    out = io.StringIO()
    table.render(out, evaluations, summarize(evaluations), diags, color=False, verbose=True)
    return out.getvalue()


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
def test_table(text: str) -> None:
    out = _table(text)
    assert unsafe(out, allowed="\n") == []
    # One line per verdict, whatever the names hold: as many lines as with a plain name.
    assert out.count("\n") == _table("plain").count("\n")
    reasons = [line for line in out.splitlines() if "RootAccess is Enabled" in line]
    assert reasons and all(shown(f"({text})") in line for line in reasons)
    assert f"[templates/{shown(text)}.yaml:7]" in out


# --- fix plan text and the fix script -------------------------------------------------------


def _plan(text: str) -> Plan:
    image = res(RT.IMAGE, "img", tags={})
    bad_model = model(text)
    bad_model.tags = {"owner": text}
    return plan(run([notebook(text, RootAccess="Enabled"), bad_model, image]), tags={"team": text})


def _renamed(p: Plan, text: str, to: str) -> Plan:
    """The same plan with `text` replaced everywhere (its structure unchanged)."""

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(text, to)
        if isinstance(value, dict):
            return {swap(k): swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    return Plan.from_dict(swap(p.to_dict()))


def _refused(text: str) -> bool:
    """NUL and lone surrogates cannot be passed on exactly: the planner refuses them."""
    return any(c == "\x00" or unicodedata.category(c) == "Cs" for c in text)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
def test_plan_text(text: str) -> None:
    p = _plan(text)
    out = render_text(p)
    assert unsafe(out, allowed="\n") == []
    # Names never split a line: the same plan with a plain name has as many lines.
    assert out.count("\n") == render_text(_renamed(p, text, "plain")).count("\n")
    assert f"{shown(text)} (AWS::SageMaker::NotebookInstance, in-place)" in out
    blocked = {rp.name for rp in p.resources if rp.blocked}
    if _refused(text):
        assert blocked == {text, "img"}  # the image's AddTags would carry the value
        assert "  BLOCKED: " in out
        assert all(unsafe(rp.blocked or "") == [] for rp in p.resources)
    else:
        assert blocked == set()


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
def test_fix_script(tmp_path: Path, text: str) -> None:
    p = _plan(text)
    script = render_script(p)
    assert unsafe(script, allowed="\n") == []
    # A name never splits a line (a reviewer reads one command a line).
    assert script.count("\n") == render_script(_renamed(p, text, "plain")).count("\n")
    acct = Account(
        tmp_path,
        {
            "notebooks": {exact(text): nb_state(exact(text), RootAccess="Enabled")},
            "models": {exact(text): {}},
        },
    )
    proc, calls = acct.run(script)  # bash -n first, then against the stub `aws`
    assert proc.returncode == 0, proc.stderr
    assert not list(tmp_path.glob("PWNED*"))
    assert unsafe(proc.stdout, allowed="\n") == []
    changed = mutations(calls)
    if _refused(text):  # e.g. bash would drop a NUL: another name would be changed
        assert p.blocked and changed == []
        return
    # Every name reaches the AWS CLI exactly, byte for byte.
    assert ("stop-notebook-instance", text) in changed
    assert ("delete-model", text) in changed
    add = next(c for c in calls if c[1] == "add-tags")
    assert add[add.index("--resource-arn") + 1] == arn(RT.IMAGE, "img")
    assert json.loads(add[add.index("--tags") + 1]) == [{"Key": "team", "Value": text}]
    create = next(c for c in calls if c[1] == "create-model")
    doc = json.loads(create[create.index("--cli-input-json") + 1])
    assert doc["Tags"] == [{"Key": "owner", "Value": text}]


# --- HTML -----------------------------------------------------------------------------------


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.chunks += [v for _, v in attrs if v]

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
def test_html(text: str) -> None:
    evaluations, diags = hostile_evaluations(text)
    doc = _bytes(html_out.render, evaluations, diags).decode("utf-8")
    assert unsafe(doc, allowed="\n") == []
    parsed = _Text()
    parsed.feed(doc)
    assert parsed.tags.count("script") == 1 and "img" not in parsed.tags
    everything = "\n".join(parsed.chunks)
    assert unsafe(everything, allowed="\n") == []  # character references decoded too
    assert shown(f"accepted: {text}") in everything
    assert shown(f"could not be read: {text}") in everything


# --- JUnit ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
def test_junit(text: str) -> None:
    evaluations, diags = hostile_evaluations(text)
    root = ET.fromstring(_bytes(junit.render, evaluations, diags))
    for element in root.iter():
        for value in element.attrib.values():
            assert unsafe(value) == [], (element.tag, value)
        assert unsafe(element.text or "", allowed="\n") == [], element.tag
    cases = list(root.iter("testcase"))
    assert len(cases) == len(evaluations) + 2  # and the input and scope problems
    failure = next(c.find("failure") for c in cases if c.find("failure") is not None)
    assert failure is not None and (failure.get("message") or "").endswith(shown(f"({text})"))
    skipped = [c.find("skipped") for c in cases if c.find("skipped") is not None]
    assert any((s.get("message") or "").endswith(shown(f"accepted: {text}")) for s in skipped)  # type: ignore[union-attr]


# --- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
def test_csv(text: str) -> None:
    evaluations, diags = hostile_evaluations(text)
    data = _bytes(csvout.render, evaluations, diags).decode("utf-8-sig")
    assert unsafe(data, allowed="\r\n") == []
    assert data.count("\r\n") == len(evaluations) + 1  # one line per row: no break in a cell
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert len(rows) == len(evaluations) + 1
    for row in rows[1:]:
        cells = dict(zip(csvout.HEADER, row, strict=True))
        for value in cells.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
        name = cells["resource_name"]
        assert name.removeprefix("'") in (shown(text), shown(f"Logical{text}"))
        assert cells["reason"].endswith(shown(f"({text})"))


# --- SARIF ----------------------------------------------------------------------------------


def _messages(doc: Any) -> Iterator[str]:
    """Every SARIF message string (message objects and multiformat strings)."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            named = key in ("message", "shortDescription", "fullDescription", "help")
            if named and isinstance(value, dict) and isinstance(value.get("text"), str):
                yield value["text"]
            yield from _messages(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _messages(item)


def _plain(message: str) -> str:
    """A SARIF plain-text message as a viewer shows it, refusing any placeholder (3.11.5)
    or embedded link (3.11.6): literal braces are doubled, literal brackets escaped."""
    out: list[str] = []
    i = 0
    while i < len(message):
        c = message[i]
        pair = message[i : i + 2]
        if pair in ("{{", "}}"):
            out.append(c)
            i += 2
            continue
        assert c not in "{}", f"placeholder syntax at {i}: {message!r}"
        if c == "\\" and i + 1 < len(message) and message[i + 1] in "\\[]":
            out.append(message[i + 1])
            i += 2
            continue
        assert c not in "[]", f"link syntax at {i}: {message!r}"
        out.append(c)
        i += 1
    return "".join(out)


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    path = Path(__file__).parents[1] / "data" / "sarif" / "sarif-schema-2.1.0.json"
    return jsonschema.Draft4Validator(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
def test_sarif(text: str, sarif_validator: jsonschema.Draft4Validator) -> None:
    evaluations, diags = hostile_evaluations(text)
    doc = json.loads(_bytes(sarif.render, evaluations, diags))
    assert list(sarif_validator.iter_errors(doc)) == []
    messages = [_plain(m) for m in _messages(doc)]
    assert all(unsafe(m, allowed="\n") == [] for m in messages)
    run_ = doc["runs"][0]
    for result in run_["results"]:
        assert _plain(result["message"]["text"]).endswith(shown(f"({text})"))
        assert result["properties"]["resourceName"] in (exact(text), exact(f"Logical{text}"))
        for s in result.get("suppressions", []):
            assert s["justification"] == shown(f"accepted: {text}")
    notes = run_["invocations"][0]["toolExecutionNotifications"]
    assert _plain(notes[1]["message"]["text"]) == shown(f"{text}: access denied ({text})")


def test_sarif_message_link_and_placeholder_are_escaped_per_spec() -> None:
    """What `_plain` accepts is the spec's own escaping (and `_plain` can fail)."""
    assert _plain(r"a \[x\](https://e.com) {{0}} \\ b") == r"a [x](https://e.com) {0} \ b"
    with pytest.raises(AssertionError, match="link"):
        _plain("[x](https://e.com)")
    with pytest.raises(AssertionError, match="placeholder"):
        _plain("{0}")


# --- machine formats: valid, and values exact ------------------------------------------------


def _strings(doc: Any) -> Iterator[str]:
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for k, v in doc.items():
            yield k
            yield from _strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _strings(v)


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
@pytest.mark.parametrize(
    "render", [jsonout.render, asff.render, ocsf.render], ids=["json", "asff", "ocsf"]
)
def test_machine_formats_keep_values_exact(text: str, render: Any) -> None:
    evaluations, diags = hostile_evaluations(text)
    data = _bytes(render, evaluations, diags)
    doc = json.loads(data.decode("utf-8"))  # valid UTF-8 and valid JSON
    values = set(_strings(doc))
    assert exact(text) in values or any(exact(text) in v for v in values)
    if render is jsonout.render:
        names = {e["resource_name"] for e in doc["evaluations"]}
        assert names == {exact(text), exact(f"Logical{text}")}
    # Nothing raw in the file but what JSON allows unescaped (e.g. U+2028 stays exact).
    assert re.search(rb"[\x00-\x1f]", data.replace(b"\n", b"")) is None


# --- scan history ---------------------------------------------------------------------------


def _diff_text(db: Path, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    evaluations, _ = hostile_evaluations(text)
    history = History(str(db))
    for _ in range(2):
        history.record(evaluations, '{"paths": ["x"]}', datetime.now(timezone.utc))
    history.close()
    capsys.readouterr()
    assert main(["diff", "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


@pytest.mark.parametrize("text", HOSTILE.values(), ids=IDS)
def test_history_records_and_shows(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _diff_text(tmp_path / "h.sqlite3", text, capsys)
    assert unsafe(out, allowed="\n") == []
    assert out.count("\n") == _diff_text(tmp_path / "plain.sqlite3", "plain", capsys).count("\n")
    assert f"  SageMaker.3   {shown(text)}  {ACCOUNT}/{REGION}  " in out
