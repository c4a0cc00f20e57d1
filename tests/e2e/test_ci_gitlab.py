"""The GitLab CI template: its `script:` lines run by bash as a GitLab runner runs them (one
shell, `set -eo pipefail`, the job's variables exported, the first failing line ends the
job), against the fixtures in tests/data/ci; the artifacts it declares are the files the
lines write."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.ci_support import (
    FIXTURES,
    ROOT,
    SHELLCHECK,
    THRESHOLDS,
    checkout,
    needs_shellcheck,
    version,
)

TEMPLATE = ROOT / "integrations" / "gitlab" / "sagewarden.gitlab-ci.yml"
VENV_BIN = Path(sys.prefix) / "bin"


def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return loaded


def job() -> dict[str, Any]:
    """The job a project gets: `sagewarden`, its `extends:` applied."""
    doc = template()
    found = dict(doc["sagewarden"])
    base = doc[found.pop("extends")]
    return base | found


def script(install: bool) -> str:
    lines = job()["script"]
    if not install:
        assert lines[0].startswith("python -m pip install ")
        lines = lines[1:]
    return "set -eo pipefail\n" + "\n".join(lines) + "\n"


def run_job(
    work: Path, variables: dict[str, str], *, bin_dir: Path = VENV_BIN, install: bool = False
) -> subprocess.CompletedProcess[str]:
    """The job's script in `work` (the project directory). Without `install` the pip line
    is left out and the suite's sagewarden runs."""
    declared = {k: str(v) for k, v in job()["variables"].items()}
    assert set(variables) <= set(declared), set(variables) - set(declared)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAGEWARDEN_", "VIRTUAL_"))}
    env |= declared | variables
    env |= {"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": str(work)}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["SAGEWARDEN_DB"] = str(work.parent / "history.db")  # untouched: --no-history
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script(install)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES, root / "infra")
    return root


def junit(work: Path) -> dict[str, tuple[int, int]]:
    """control -> (tests, failures) of the JUnit report the job kept."""
    suites = ET.parse(work / "sagewarden-junit.xml").getroot()
    return {
        s.attrib["name"].split(":")[0]: (int(s.attrib["tests"]), int(s.attrib["failures"]))
        for s in suites.iter("testsuite")
    }


def test_the_job_declares_what_its_script_writes() -> None:
    found = job()
    assert found["stage"] == "test"
    assert found["artifacts"]["when"] == "always"
    assert found["artifacts"]["reports"] == {"junit": "sagewarden-junit.xml"}
    assert set(found["artifacts"]["paths"]) == {"sagewarden.sarif", "sagewarden-junit.xml"}
    text = "\n".join(found["script"])
    for name in found["artifacts"]["paths"]:
        assert f"--output {name} " in text


def test_the_installed_release_is_the_package_version() -> None:
    assert job()["variables"]["SAGEWARDEN_PACKAGE"] == f"sagewarden=={version()}"
    assert f"ref: v{version()}" in TEMPLATE.read_text(encoding="utf-8")


@pytest.mark.parametrize(("fixture", "fail_on", "code"), THRESHOLDS)
def test_the_job_fails_at_the_chosen_severity(
    work: Path, fixture: str, fail_on: str, code: int
) -> None:
    found = run_job(
        work, {"SAGEWARDEN_PATHS": f"infra/{fixture}.yaml", "SAGEWARDEN_FAIL_ON": fail_on}
    )
    assert found.returncode == code, found.stderr
    assert (work / "sagewarden.sarif").is_file()
    failures = sum(f for _, f in junit(work).values())
    assert (failures > 0) == (fixture != "passing")


def test_reports_are_kept_when_the_job_fails(work: Path) -> None:
    found = run_job(work, {"SAGEWARDEN_PATHS": "infra/high.yaml infra/low.yaml"})
    assert found.returncode == 1
    assert "SageMaker.1 " in found.stdout  # the table, in the job log
    suites = junit(work)
    assert suites["SageMaker.1"] == (1, 1)
    assert suites["SageMaker.7"] == (1, 1)
    assert '"ruleId": "SageMaker.3"' in (work / "sagewarden.sarif").read_text()


def test_bad_input_fails_with_2_and_the_reports_are_still_written(work: Path) -> None:
    found = run_job(work, {"SAGEWARDEN_PATHS": "infra/broken.yaml infra/low.yaml"})
    assert found.returncode == 2
    assert found.stderr.count("infra/broken.yaml:4: invalid YAML") == 1  # said once
    assert junit(work)["SageMaker.7"] == (1, 1)
    assert '"executionSuccessful": false' in (work / "sagewarden.sarif").read_text()


def test_args_reach_every_run(work: Path) -> None:
    variables = {"SAGEWARDEN_PATHS": "infra/high.yaml", "SAGEWARDEN_ARGS": "--control SageMaker.3"}
    found = run_job(work, variables)
    assert found.returncode == 1
    assert set(junit(work)) == {"SageMaker.3"}
    assert set(re.findall(r'"ruleId": "([^"]+)"', (work / "sagewarden.sarif").read_text())) == {
        "SageMaker.3"
    }


@pytest.mark.parametrize(
    "variables",
    [
        {"SAGEWARDEN_PATHS": "$(touch pwned) `touch pwned`"},
        {"SAGEWARDEN_PATHS": "infra/low.yaml; touch pwned"},
        {"SAGEWARDEN_PATHS": "infra/low.yaml", "SAGEWARDEN_ARGS": "--config $(touch pwned)"},
        {"SAGEWARDEN_PATHS": "infra/low.yaml", "SAGEWARDEN_FAIL_ON": "low; touch pwned"},
    ],
    ids=["subst", "semicolon", "args", "fail-on"],
)
def test_shell_metacharacters_in_variables_are_not_run(
    work: Path, variables: dict[str, str]
) -> None:
    found = run_job(work, variables)
    assert not (work / "pwned").exists()
    assert found.returncode == 2, found.stderr


def test_the_whole_job_with_its_install(work: Path, tmp_path: Path) -> None:
    """Every line, the pip install too: into a fresh virtualenv standing in for the
    image's Python, from a checkout of this repository (where the default, the release on
    the package index, cannot be had before it is published)."""
    python = shutil.which("python3")
    assert python is not None
    venv = tmp_path / "image-python"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    repo = checkout(tmp_path / "sagewarden")
    found = run_job(
        work,
        {
            "SAGEWARDEN_PATHS": "infra",
            "SAGEWARDEN_PACKAGE": str(repo),
            "SAGEWARDEN_FAIL_ON": "high",
        },
        bin_dir=venv / "bin",
        install=True,
    )
    assert found.returncode == 2, found.stderr  # infra/broken.yaml
    assert f"sagewarden {version()}" in found.stdout
    assert (venv / "bin" / "sagewarden").is_file()
    assert junit(work)["SageMaker.1"] == (2, 1)  # high.yaml; parameter.yaml is UNKNOWN
    found = run_job(work, {"SAGEWARDEN_PATHS": "infra/low.yaml"}, bin_dir=venv / "bin")
    assert found.returncode == 1, found.stderr  # that install, on a failing template


@needs_shellcheck
def test_the_script_lines_pass_shellcheck(tmp_path: Path) -> None:
    """SC2086 excluded: the variables are split into words on purpose (a list of paths)."""
    assert SHELLCHECK is not None
    path = tmp_path / "job.sh"
    path.write_text("#!/bin/bash\n" + script(install=True))
    found = subprocess.run(
        [SHELLCHECK, "--exclude=SC2086", str(path)], capture_output=True, text=True, check=False
    )
    assert found.returncode == 0, found.stdout
