"""What a command loads before it works: building the parser (every command does) and a
template scan never import botocore's session and client machinery (about 0.1 s), which
only live reads and the commands that read botocore's models need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "cfn" / "ml-platform.yaml"
HEAVY = ("botocore.session", "botocore.client", "boto3")


def _loaded_after(code: str, watched: tuple[str, ...] = HEAVY) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {watched!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_building_the_parser_loads_no_botocore_session() -> None:
    assert _loaded_after("import sagewarden.cli as c; c.build_parser()") == []


def test_a_template_scan_loads_no_botocore_session() -> None:
    code = (
        "from sagewarden.cli import main\n"
        f"main(['scan', {str(TEMPLATE)!r}, '--no-history', '-q', '--format', 'json', "
        "'--output', '/dev/null'])"
    )
    assert _loaded_after(code) == []


def test_the_probe_sees_a_live_command_load_it() -> None:
    """The probe can fail: the deploy command reads botocore's models."""
    assert "botocore.session" in _loaded_after(
        "from sagewarden.deploy.rules import frequencies; frequencies()"
    )


OTHERS = (  # what other commands and formats load: a JSON scan needs none of it
    "sagewarden.cli.fix",
    "sagewarden.cli.demo",
    "sagewarden.cli.export",
    "sagewarden.guard.export",
    "sagewarden.outputs.html",
    "sagewarden.outputs.junit",
    "sagewarden.outputs.sarif",
)


def test_a_json_scan_loads_no_other_command_or_format() -> None:
    code = (
        "from sagewarden.cli import main\n"
        f"main(['scan', {str(TEMPLATE)!r}, '--no-history', '-q', '--format', 'json', "
        "'--output', '/dev/null'])"
    )
    assert _loaded_after(code, OTHERS) == []
    whole = _loaded_after("import sagewarden.cli as c; c.build_parser()", OTHERS)
    assert whole[:4] == list(OTHERS[:4])  # the probe can fail: the whole parser loads them
