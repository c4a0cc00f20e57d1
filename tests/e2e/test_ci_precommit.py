"""The pre-commit hook (.pre-commit-hooks.yaml) for real, in a user's repository holding
a failing and a passing template: `pre-commit try-repo` on a checkout of this repository,
and the `.pre-commit-config.yaml` docs/ci.md gives (its `rev:` the version's tag, made in
that checkout) with `pre-commit run` and as the installed git hook. pre-commit installs
sagewarden into its own environment (pip, from the package registry as configured)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from sagewarden.catalog import CONTROLS
from tests.e2e.ci_support import FIXTURES, ROOT, checkout, git, version

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
needs_pre_commit = pytest.mark.skipif(
    not PRE_COMMIT.exists(), reason="pre-commit is not installed (the dev extra has it)"
)


def hook() -> dict[str, object]:
    (found,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(found, dict)
    return found


def test_the_hook_names_every_control() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert f"SageMaker.1-{len(CONTROLS)}" in str(hook()["name"])
    assert text.count("SageMaker.1-") == text.count(f"SageMaker.1-{len(CONTROLS)}")


def documented_config() -> dict[str, Any]:
    """The `.pre-commit-config.yaml` docs/ci.md tells users to write."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if "rev:" in b]
    loaded: dict[str, Any] = yaml.safe_load(block)
    return loaded


@dataclass
class Setup:
    hooks: Path  # this repository as pre-commit fetches it, tagged as the docs pin it
    user: Path  # a user's repository with the documented configuration
    env: dict[str, str]

    def run(self, *args: str, cmd: str = str(PRE_COMMIT)) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [cmd, *args],
            cwd=self.user,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """One pre-commit home for the module, so `pre-commit run` installs sagewarden once."""
    base = tmp_path_factory.mktemp("pre-commit")
    hooks = checkout(base / "sagewarden")
    git("tag", "-a", f"v{version()}", "-m", f"sagewarden {version()}", cwd=hooks)
    user = base / "project"
    (user / "infra").mkdir(parents=True)
    for name in ("low.yaml", "passing.yaml", "broken.yaml"):
        shutil.copy(FIXTURES / name, user / "infra" / name)
    (user / "README.md").write_text("# project\n")
    (user / "docker-compose.yml").write_text("services: {web: {image: nginx}}\n")
    config = documented_config()
    (repo,) = config["repos"]
    assert repo["rev"] == f"v{version()}"
    repo["repo"] = str(hooks)  # the one change: where the repository is fetched from
    (user / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git("init", "-q", cwd=user)
    git("add", "-A", cwd=user)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "VIRTUAL_"))}
    env |= {
        "PRE_COMMIT_HOME": str(base / "home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_COMMITTER_NAME": "t",
    }
    env |= {"GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return Setup(hooks, user, env)


@needs_pre_commit
def test_try_repo_fails_on_a_failing_template(setup: Setup) -> None:
    """`pre-commit try-repo` as a hook author tries a repository (its own install)."""
    args = ("try-repo", str(setup.hooks), "sagewarden", "--files")
    found = setup.run(*args, "infra/low.yaml", "infra/passing.yaml", "README.md")
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"sagewarden (SageMaker.1-{len(CONTROLS)} on templates)" in found.stdout
    assert "- exit code: 1" in found.stdout
    assert "FAILED          untagged  the resource has no tags  [infra/low.yaml:" in found.stdout
    assert "1 passed, 1 failed (1 low)" in found.stdout


@needs_pre_commit
def test_the_documented_configuration_runs_the_hook(setup: Setup) -> None:
    failing = setup.run("run", "--files", "infra/low.yaml", "infra/passing.yaml", "README.md")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "Failed" in failing.stdout
    # the line of its Properties, where the missing Tags go (the template's own line 6)
    assert "[infra/low.yaml:6]" in failing.stdout
    passing = setup.run("run", "--files", "infra/passing.yaml", "docker-compose.yml", "README.md")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
    other = setup.run("run", "--files", "README.md")
    assert other.returncode == 0
    assert "(no files to check)Skipped" in other.stdout
    broken = setup.run("run", "--files", "infra/broken.yaml", "infra/passing.yaml")
    assert broken.returncode == 1  # pre-commit's own status for a failing hook
    assert "- exit code: 2" in broken.stdout
    assert "infra/broken.yaml:4: invalid YAML" in broken.stdout


@needs_pre_commit
def test_the_installed_hook_refuses_a_failing_commit(setup: Setup) -> None:
    installed = setup.run("install")
    assert installed.returncode == 0, installed.stderr
    git("reset", "-q", cwd=setup.user)
    git("add", ".pre-commit-config.yaml", "README.md", "infra/low.yaml", cwd=setup.user)
    refused = setup.run("commit", "-q", "-m", "untagged image", cmd="git")
    assert refused.returncode != 0
    assert "the resource has no tags" in refused.stdout + refused.stderr
    assert setup.run("rev-parse", "--verify", "-q", "HEAD", cmd="git").returncode != 0
    git("rm", "-q", "--cached", "infra/low.yaml", cwd=setup.user)
    git("add", "infra/passing.yaml", cwd=setup.user)
    accepted = setup.run("commit", "-q", "-m", "tagged image", cmd="git")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert git("show", "--name-only", "--format=", "HEAD", cwd=setup.user).split() == [
        ".pre-commit-config.yaml",
        "README.md",
        "infra/passing.yaml",
    ]
