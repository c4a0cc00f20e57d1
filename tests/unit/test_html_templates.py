"""The HTML report's template environment: escaping is its default, for any template, and
the templates ship with the package."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from sagewarden.outputs import html as html_out

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert('x')</script> \"q\" & \u202egnp.exe \x1b[31m"


def test_any_template_escapes_and_shows_control_characters() -> None:
    """A template written later, that does nothing about escaping, still escapes."""
    env = html_out._environment()
    doc = env.from_string('<p title="{{ v }}">{{ v }}</p>{{ v ~ "!" }}').render(v=HOSTILE)
    shown = (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &quot;q&quot; &amp; "
        "\\u202egnp.exe \\x1b[31m"
    )
    assert doc == f'<p title="{shown}">{shown}</p>{shown}!'
    assert html_out._text(HOSTILE) == shown


def test_markup_only_from_the_report_itself() -> None:
    env = html_out._environment()
    assert env.autoescape is True
    assert isinstance(env.globals["css"], jinja2.runtime.Markup)
    # a value that merely looks like markup is text
    assert env.from_string("{{ v }}").render(v="<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


def test_undefined_name_is_an_error() -> None:
    with pytest.raises(jinja2.UndefinedError):
        html_out._environment().from_string("{{ missing }}").render()


def test_templates_are_package_data() -> None:
    """Every file under templates/ matches a package-data pattern, so a wheel ships it."""
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on 3.10
    line = re.search(r'^"sagewarden\.outputs" = (\[.*\])$', config, re.MULTILINE)
    assert line, "pyproject.toml: no package-data for sagewarden.outputs"
    patterns = json.loads(line[1])
    folder = ROOT / "src" / "sagewarden" / "outputs" / "templates"
    files = sorted(p.relative_to(folder.parent).as_posix() for p in folder.iterdir())
    assert {"templates/report.html", "templates/report.js"} <= set(files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []


def test_cli_start_up_does_not_import_jinja2() -> None:
    code = "import sys, sagewarden.cli; print('jinja2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
