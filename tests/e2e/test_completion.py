"""`sagewarden completion`: the scripts loaded in real shells. bash drives the completion
function as it would on Tab (COMP_WORDS, COMP_CWORD); fish answers `complete -C`; zsh is
syntax-checked and loaded with compinit. A shell that is not installed is skipped with
the Debian package that brings it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sagewarden.catalog import CONTROLS
from sagewarden.cli.scan import FORMATS
from tests.helpers import cli

ROOT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent)  # where the installed `sagewarden` is

DRIVE = r"""
source <(sagewarden completion bash)
complete -p sagewarden
tab() {  # what Tab offers after the words given (the last one being typed)
  COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
  "$(complete -p sagewarden | sed -E 's/.* -F ([^ ]+) .*/\1/')" sagewarden "$cur" "$prev"
  echo "${COMPREPLY[*]}"
}
"""


def shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (Debian package {name}: apt-get install {name})")
    return found


def env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def bash(lines: str, cwd: Path = ROOT) -> list[str]:
    proc = subprocess.run(
        [shell("bash"), "--norc", "--noprofile", "-c", DRIVE + lines],
        capture_output=True, text=True, env=env(), cwd=cwd, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return proc.stdout.splitlines()


def test_each_shell_s_script_is_printed() -> None:
    for name in ("bash", "zsh", "fish"):
        run = cli("completion", name)
        assert run.code == 0 and run.stderr == ""
        assert "sagewarden" in run.stdout and "SageMaker.25" in run.stdout
    bad = cli("completion", "powershell")
    assert bad.code == 2 and len(bad.stderr.splitlines()) == 1


def test_bash_completes_commands_formats_control_ids_and_paths(tmp_path: Path) -> None:
    (tmp_path / "snapshot.json").write_text("{}")
    (tmp_path / "templates").mkdir()
    registered, *offered = bash(
        "tab sagewarden sc\n"
        "tab sagewarden scan --format ''\n"
        "tab sagewarden scan --control SageMaker.2\n"
        "tab sagewarden fix ''\n"
        "tab sagewarden fix apply --only SageMaker.1\n"
        "tab sagewarden scan --color ''\n"
        "tab sagewarden scan --region eu-west-\n"
        "tab sagewarden scan sn\n"
        "tab sagewarden scan --output te\n"
        "tab sagewarden demo --fi\n",
        cwd=tmp_path,
    )
    assert registered.startswith("complete ") and registered.endswith(" sagewarden")
    command, formats, controls, fix, only, color, region, path, output, demo = offered
    assert command == "scan"
    assert formats.split() == list(FORMATS)
    assert controls.split() == [c.id for c in CONTROLS if c.id.startswith("SageMaker.2")]
    assert fix.split() == ["plan", "apply", "rollback", "runs"]
    assert set(only.split()) == {c.id for c in CONTROLS if c.id.startswith("SageMaker.1")}
    assert color.split() == ["auto", "always", "never"]
    assert {"eu-west-1", "eu-west-2"} <= set(region.split())
    assert path == "snapshot.json"
    assert output.startswith("templates")
    assert demo == "--fix"


def test_fish_completes_from_its_script(tmp_path: Path) -> None:
    fish = shell("fish")
    script = tmp_path / "sagewarden.fish"
    script.write_text(cli("completion", "fish").stdout)
    assert subprocess.run([fish, "--no-execute", str(script)], check=False).returncode == 0
    proc = subprocess.run(
        [fish, "--no-config", "-c", f"source {script}; complete -C 'sagewarden sc'; "
         "complete -C 'sagewarden scan --format '; complete -C 'sagewarden scan --control "
         "SageMaker.2'"],
        capture_output=True, text=True, env=env(), timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    offered = [line.split("\t")[0] for line in proc.stdout.splitlines()]
    assert offered[0] == "scan"
    assert set(FORMATS) <= set(offered)
    assert {c.id for c in CONTROLS if c.id.startswith("SageMaker.2")} <= set(offered)


def test_zsh_script_is_valid_and_defines_its_function(tmp_path: Path) -> None:
    zsh = shell("zsh")
    script = tmp_path / "_sagewarden"
    script.write_text(cli("completion", "zsh").stdout)
    assert subprocess.run([zsh, "-n", str(script)], check=False).returncode == 0
    proc = subprocess.run(
        [zsh, "-f", "-c", f"autoload -U compinit && compinit -u -D && source {script} && "
         "whence -w _shtab_sagewarden"],
        capture_output=True, text=True, env=env(), cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert "_shtab_sagewarden: function" in proc.stdout, proc.stdout + proc.stderr
