"""The GitHub Action (action.yml): its steps run as GitHub runs a composite action, in
order, with their `if:` conditions, `env:` expressions and step outputs, the `run:` text
in `bash --noprofile --norc -eo pipefail` with GITHUB_OUTPUT and GITHUB_ACTION_PATH set;
against the fixtures in tests/data/ci. The two `uses:` steps are the only stand-ins:
setup-python (the Python running the tests is used) and upload-sarif, which records what
it was given and reads the SARIF file as it would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.ci_support import (
    FIXTURES,
    ROOT,
    THRESHOLDS,
    checkout,
    needs_shellcheck,
    shellcheck,
    version,
)

ACTION = ROOT / "action.yml"
SCRIPT = ROOT / "integrations" / "github" / "run.sh"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
COMPARISON = re.compile(r"^([\w.-]+) (==|!=) '([^']*)'$")
PINNED = {"actions/setup-python": "v6", "github/codeql-action/upload-sarif": "v4"}
VENV = Path(sys.prefix)  # the suite's own install stands in for the install step


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


@dataclass
class Job:
    """What one run of the action did."""

    code: int = 0  # the job's result: the exit code of the first step that failed
    ran: list[str] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


class Context:
    """The expression contexts the action reads: inputs, steps.<id>.outputs, github."""

    def __init__(self, inputs: dict[str, str], action_path: Path) -> None:
        declared = action()["inputs"]
        assert set(inputs) <= set(declared), (
            f"not inputs of the action: {set(inputs) - set(declared)}"
        )
        self.inputs = {k: str(v.get("default", "")) for k, v in declared.items()} | inputs
        self.steps: dict[str, dict[str, str]] = {}
        self.action_path = action_path

    def value(self, expr: str) -> str:
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        if expr == "github.action_path":
            return str(self.action_path)
        raise AssertionError(f"an expression this runner does not know: {expr}")

    def render(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: self.value(m[1]), text)

    def condition(self, expr: str | None, failed: bool) -> bool:
        """GitHub's rule: without a status function, success() is implied."""
        if expr is None:
            return not failed
        terms = [t.strip() for t in expr.split("&&")]
        result = "always()" in terms or not failed
        for term in terms:
            if term == "always()":
                continue
            found = COMPARISON.match(term)
            assert found, f"a condition this runner does not know: {term}"
            equal = self.value(found[1]) == found[3]
            result = result and (equal if found[2] == "==" else not equal)
        return result


def run_action(
    work: Path, inputs: dict[str, str], *, install: bool = False, action_path: Path = ROOT
) -> Job:
    """The action's steps in `work` (the job's workspace). Without `install` the install
    step is skipped and the suite's sagewarden runs."""
    ctx = Context(inputs, action_path)
    job = Job()
    temp = work.parent / f"{work.name}-runner-temp"
    temp.mkdir(exist_ok=True)
    for n, step in enumerate(action()["runs"]["steps"]):
        if not ctx.condition(step.get("if"), job.code != 0):
            continue
        if not install and "install" in step["run" if "run" in step else "uses"]:
            continue
        job.ran.append(step["name"])
        if "uses" in step:
            with_ = {k: ctx.render(str(v)) for k, v in step.get("with", {}).items()}
            if step["uses"].startswith("github/codeql-action/upload-sarif@"):
                sarif = json.loads((work / with_["sarif_file"]).read_text(encoding="utf-8"))
                job.uploads.append({**with_, "sarif": sarif})
            continue
        outputs = temp / f"output-{n}"
        outputs.write_text("")
        script = temp / f"step-{n}.sh"
        script.write_text(step["run"])
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SW_", "GITHUB_"))}
        env |= {k: ctx.render(str(v)) for k, v in step.get("env", {}).items()}
        env |= {
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_WORKSPACE": str(work),
            "RUNNER_TEMP": str(temp),
        }
        if not install:
            env["SW_VENV"] = str(VENV)
        found = _bash(script, work, env)
        job.log += found.stdout + found.stderr
        if "id" in step:
            lines = outputs.read_text().splitlines()
            ctx.steps[step["id"]] = dict(line.split("=", 1) for line in lines)
        if found.returncode != 0 and job.code == 0:
            job.code = found.returncode
    job.outputs = {k: ctx.render(v["value"]) for k, v in action()["outputs"].items()}
    return job


def _bash(script: Path, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A workspace: the repository being checked, templates under infra/."""
    root = tmp_path / "workspace"
    shutil.copytree(FIXTURES, root / "infra")
    return root


def results(job: Job) -> list[tuple[str, str]]:
    """(rule, level) of every result in the one uploaded SARIF."""
    (upload,) = job.uploads
    return sorted((r["ruleId"], r["level"]) for r in upload["sarif"]["runs"][0]["results"])


# -- the action file ----------------------------------------------------------------------


def test_every_input_is_used_and_every_expression_names_one() -> None:
    text = ACTION.read_text(encoding="utf-8")
    named = set(re.findall(r"\$\{\{\s*inputs\.([\w-]+)", text))
    named |= set(re.findall(r"\binputs\.([\w-]+) [!=]=", text))
    assert named == set(action()["inputs"])


def test_no_expression_in_run_text() -> None:
    """Inputs reach the shell through `env:` only; `run:` is fixed text."""
    runs = [s for s in action()["runs"]["steps"] if "run" in s]
    assert len(runs) == 3
    for step in runs:
        assert "${{" not in step["run"], step["name"]
        assert step["shell"] == "bash"
        assert (
            step["run"]
            == f'"$GITHUB_ACTION_PATH/integrations/github/run.sh" {step["run"].split()[-1]}'
        )


def test_actions_are_pinned_by_major_version() -> None:
    used = [s["uses"] for s in action()["runs"]["steps"] if "uses" in s]
    assert {u.split("@")[0]: u.split("@")[1] for u in used} == PINNED
    for pin in PINNED.values():
        assert re.fullmatch(r"v\d+", pin)


def test_the_upload_runs_even_when_the_scan_fails() -> None:
    steps = action()["runs"]["steps"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    verdict = steps[-1]
    assert upload["if"].startswith("always()")
    assert verdict["if"] == "always()"
    assert steps.index(upload) < steps.index(verdict)


# -- runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "fail_on", "code"), THRESHOLDS)
def test_the_job_fails_at_the_chosen_severity(
    work: Path, fixture: str, fail_on: str, code: int
) -> None:
    job = run_action(work, {"paths": f"infra/{fixture}.yaml", "fail-on": fail_on})
    assert job.code == code, job.log
    assert job.outputs["exit-code"] == str(code)
    assert job.ran[-2:] == ["Upload SARIF to code scanning", "Fail on the chosen severity"]
    levels = {level for _, level in results(job)}  # the failures, whatever the threshold
    assert levels == {"passing": set(), "low": {"note"}, "medium": {"warning"}}.get(
        fixture, {"error", "warning", "none"}
    )


def test_a_failing_scan_is_uploaded_then_fails_the_job(work: Path) -> None:
    job = run_action(work, {"paths": "infra/high.yaml infra/low.yaml"})
    assert job.code == 1
    assert job.ran == [
        "Set up Python",
        "Scan",
        "Upload SARIF to code scanning",
        "Fail on the chosen severity",
    ]
    (upload,) = job.uploads
    assert upload["sarif_file"] == "sagewarden.sarif"
    assert upload["category"] == "sagewarden"
    failed = {rule for rule, level in results(job) if level != "none"}  # none: UNKNOWN
    assert {"SageMaker.1", "SageMaker.3", "SageMaker.7"} <= failed
    assert "a control at or above the fail-on severity failed" in job.log
    assert (work / "sagewarden.sarif").is_file()


def test_bad_input_exits_2_and_the_sarif_is_still_uploaded(work: Path) -> None:
    job = run_action(work, {"paths": "infra/broken.yaml infra/low.yaml infra/missing.yaml"})
    assert job.code == 2, job.log
    assert "infra/broken.yaml:4: invalid YAML" in job.log
    assert "infra/missing.yaml: no such file or directory" in job.log
    run = job.uploads[0]["sarif"]["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert results(job) == [("SageMaker.7", "note")]  # the rest was evaluated


def test_no_upload_when_told(work: Path) -> None:
    job = run_action(work, {"paths": "infra/low.yaml", "upload-sarif": "false"})
    assert job.code == 1
    assert job.uploads == []
    assert (work / "sagewarden.sarif").is_file()


def test_controls_cfn_params_args_and_sarif_file_reach_the_scan(work: Path) -> None:
    inputs = {
        "paths": "infra/parameter.yaml infra/low.yaml",
        "controls": "SageMaker.1",
        "cfn-params": "Internet=Enabled",
        "sarif-file": "out/sw.sarif",
        "category": "iac",
    }
    (work / "out").mkdir(parents=True)
    job = run_action(work, inputs)
    assert job.code == 1, job.log
    assert results(job) == [("SageMaker.1", "error")]
    assert job.uploads[0]["category"] == "iac"
    assert job.outputs["sarif-file"] == "out/sw.sarif"
    quiet = run_action(work, inputs | {"cfn-params": "Internet=Disabled"})
    assert quiet.code == 0
    unknown = run_action(work, inputs | {"cfn-params": "", "args": "--fail-on-unknown"})
    assert unknown.code == 1
    assert results(unknown) == [("SageMaker.1", "none")]  # UNKNOWN


def test_no_paths_scans_the_workspace(work: Path) -> None:
    job = run_action(work, {"paths": "", "fail-on": "never"})
    assert job.code == 2, job.log  # infra/broken.yaml; every other fixture evaluated
    rules = {rule for rule, _ in results(job)}
    assert {"SageMaker.1", "SageMaker.4", "SageMaker.7"} <= rules


def test_paths_are_shell_words_with_quotes(work: Path) -> None:
    shutil.copy(work / "infra" / "low.yaml", work / "infra" / "with space.yaml")
    job = run_action(work, {"paths": "'infra/with space.yaml'"})
    assert job.code == 1, job.log
    assert "infra/with%20space.yaml" in json.dumps(job.uploads[0]["sarif"])
    unclosed = run_action(work, {"paths": "'infra/with space.yaml"})
    assert unclosed.code == 2
    assert "sagewarden action: input paths: No closing quotation" in unclosed.log


@pytest.mark.parametrize(
    "inputs",
    [
        {"paths": "$(touch pwned) `touch pwned`"},
        {"paths": "infra/low.yaml; touch pwned"},
        {"paths": "infra/low.yaml", "controls": "SageMaker.7$(touch pwned)"},
        {"paths": "infra/low.yaml", "args": "--config $(touch${IFS}pwned)"},
        {"paths": "infra/low.yaml", "fail-on": "low; touch pwned"},
        {"paths": "infra/low.yaml", "sarif-file": "$(touch pwned).sarif"},
        {"paths": "infra/low.yaml", "sarif-file": "-pwned.sarif"},
        {"paths": "infra/low.yaml", "cfn-params": 'A="$(touch pwned)"'},
    ],
    ids=["subst", "semicolon", "controls", "args", "fail-on", "sarif-file", "dash", "cfn-params"],
)
def test_shell_metacharacters_in_inputs_are_not_run(work: Path, inputs: dict[str, str]) -> None:
    job = run_action(work, inputs)
    assert not (work / "pwned").exists(), job.log
    assert job.code in (1, 2), job.log
    if "sarif-file" in inputs:  # written under its literal name
        assert (work / inputs["sarif-file"]).is_file()
        assert job.code == 1


def test_the_report_in_the_log_cannot_issue_workflow_commands(work: Path) -> None:
    job = run_action(work, {"paths": "infra/low.yaml"})
    found = re.search(r"^::stop-commands::(\w{32})$(.*)^::\1::$", job.log, re.M | re.S)
    assert found, job.log
    assert "SageMaker.7" in found[2]
    assert "untagged" in found[2]


def test_a_version_that_is_an_option_is_refused(work: Path) -> None:
    job = run_action(work, {"version": "--index-url=http://evil.invalid/"}, install=True)
    assert job.code == 2
    assert "input version is a pip requirement, not an option" in job.log
    assert job.ran[-1] == "Fail on the chosen severity"
    assert "the scan did not run" in job.log


def test_the_action_installs_its_own_checkout(work: Path, tmp_path: Path) -> None:
    """The real install step: a virtualenv with this checkout of sagewarden in it (pip,
    from the package registry as configured), then the scan with that install."""
    repo = checkout(tmp_path / "action")
    job = run_action(work, {"paths": "infra/medium.yaml"}, install=True, action_path=repo)
    assert job.code == 1, job.log
    assert job.ran[:3] == ["Set up Python", "Install sagewarden", "Scan"]
    runner_temp = work.parent / "workspace-runner-temp"
    assert (runner_temp / "sagewarden-venv" / "bin" / "sagewarden").is_file()
    assert f"sagewarden {version()}" in job.log
    assert results(job) == [("SageMaker.4", "warning")]


@needs_shellcheck
def test_the_script_passes_shellcheck() -> None:
    found = shellcheck(SCRIPT)
    assert found.returncode == 0, found.stdout
