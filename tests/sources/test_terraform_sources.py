"""Terraform configuration read without a plan (sagewarden.sources.tfconfig).

The acceptance: each committed real configuration (tests/data/terraform/real/*/, each plan
made from it by the real `terraform` 1.11 with hashicorp/aws 5.100.0, ../regenerate.sh) is
scanned as sources and as its plan, through the real `sagewarden scan` command. The
resource sets are the same; every (resource, control) verdict agrees wherever the sources
verdict is not UNKNOWN; and the sources say UNKNOWN only where the plan does too or where
the value is one only a plan knows (a data source, a function sagewarden does not
evaluate), each time with the commands that make the plan.

Then each feature on small configurations written here: locals, variables and .tfvars
precedence, local modules with count and for_each (plan addresses), interpolation,
functions, dynamic blocks, default_tags, sensitive variables, and bad input (an HCL syntax
error is one line naming the file and line, exit 2, the rest still read).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import cli

REAL = Path(__file__).resolve().parents[1] / "data" / "terraform" / "real"
CONFIGS = sorted(d.name for d in REAL.iterdir() if (d / "plan.json").is_file())
PLAN_ONLY = ("read only by terraform plan", "which sagewarden does not evaluate")

Verdicts = dict[tuple[str, str], tuple[str, str]]


def scan(*args: str, cwd: Path | None = None) -> dict[str, Any]:
    run = cli("scan", *args, "--format", "json", "--fail-on", "never", "--no-history", cwd=cwd)
    assert run.code == 0, run.stderr
    doc: dict[str, Any] = run.json()
    return doc


def verdicts(doc: dict[str, Any]) -> Verdicts:
    return {
        (e["resource_id"], e["control"]): (e["status"], e["reason"]) for e in doc["evaluations"]
    }


@cache
def both(name: str) -> tuple[Verdicts, Verdicts]:
    """(sources, plan) verdicts of one real configuration."""
    folder = REAL / name
    main = next(p for p in (folder / "main.tf", folder / "main.tf.json") if p.is_file())
    return verdicts(scan(str(main))), verdicts(scan(str(folder / "plan.json")))


def test_every_real_configuration_is_checked() -> None:
    assert {"ai_security", "unknowns", "sources_rich", "sources_json"} <= set(CONFIGS)


@pytest.mark.parametrize("name", CONFIGS)
def test_sources_and_plan_have_the_same_resources(name: str) -> None:
    src, plan = both(name)
    assert {r for r, _ in src} == {r for r, _ in plan}
    assert src.keys() == plan.keys()  # the same controls apply to each


@pytest.mark.parametrize("name", CONFIGS)
def test_sources_agree_with_the_plan_wherever_they_decide(name: str) -> None:
    src, plan = both(name)
    decided = {k: v for k, v in src.items() if v[0] != "UNKNOWN"}
    assert decided, "nothing decided: the comparison would be empty"
    wrong = {k: (v[0], plan[k][0]) for k, v in decided.items() if plan[k][0] != v[0]}
    assert not wrong, wrong


@pytest.mark.parametrize("name", CONFIGS)
def test_sources_say_unknown_only_where_a_plan_is_needed(name: str) -> None:
    """UNKNOWN where the plan is UNKNOWN too, or where only a plan knows the value; each
    reason of the sources' own (not the control's, the same for the plan) gives the
    commands that make the plan."""
    src, plan = both(name)
    folder = REAL / name
    for key, (status, reason) in src.items():
        if status != "UNKNOWN" or reason == plan[key][1]:
            continue
        assert f"`terraform -chdir={folder} plan -out=tfplan`" in reason, (key, reason)
        assert f"`terraform -chdir={folder} show -json tfplan > tfplan.json`" in reason
        if plan[key][0] != "UNKNOWN":
            assert any(p in reason for p in PLAN_ONLY), (key, reason, plan[key])


def test_the_rich_configuration_covers_each_kind_of_answer() -> None:
    """Not a vacuous comparison: sources_rich has verdicts decided both ways, UNKNOWN both
    ways, and UNKNOWN only in the sources (a data source; title(), not evaluated)."""
    src, plan = both("sources_rich")
    kinds = Counter(
        "both unknown"
        if s == "UNKNOWN" and plan[k][0] == "UNKNOWN"
        else "sources unknown"
        if s == "UNKNOWN"
        else "decided"
        for k, (s, _) in src.items()
    )
    assert kinds["decided"] >= 30 and kinds["both unknown"] >= 1
    assert kinds["sources unknown"] == 2
    ids = {r for r, _ in src}
    assert {  # count, for_each over a map and a set, modules with for_each and count
        "aws_sagemaker_model.scorer[0]",
        "aws_sagemaker_model.scorer[1]",
        'aws_sagemaker_endpoint_configuration.serving["blue"]',
        'aws_sagemaker_image.kernel["py"]',
        'module.team_notebook["fraud"].aws_sagemaker_notebook_instance.this',
        "module.shared_notebook[0].aws_sagemaker_notebook_instance.this",
    } <= ids


def test_a_directory_with_configuration_and_its_plan_is_read_once(tmp_path: Path) -> None:
    """The plan wins for its directory (said with --verbose): no resource counted twice."""
    folder = REAL / "sources_rich"
    doc = scan(str(folder))
    assert verdicts(doc) == both("sources_rich")[1]
    run = cli("scan", str(folder), "--format", "json", "--no-history", "-v", "--fail-on", "never")
    assert "Terraform configuration not read: the plan in this directory is read instead" in (
        run.stderr
    )
    copy = tmp_path / "rich"
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("plan.json"))
    alone = verdicts(scan(str(copy)))
    assert {r for r, _ in alone} == {r for r, _ in both("sources_rich")[0]}


# -- features, on configurations written here --------------------------------------------


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


NOTEBOOK = """
resource "aws_sagemaker_notebook_instance" "{name}" {{
  name                   = {value}
  role_arn               = "arn:aws:iam::111122223333:role/r"
  instance_type          = "ml.t3.medium"
  direct_internet_access = {direct}
}}
"""


def results(folder: Path, *args: str) -> Verdicts:
    return verdicts(scan(str(folder), *args))


def test_variables_take_tfvars_auto_tfvars_then_command_line_values(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "vars",
        {
            "main.tf": 'variable "a" { default = "Enabled" }\n'
            'variable "b" { default = "Enabled" }\n'
            'variable "c" { default = "Enabled" }\n'
            'variable "n" {\n  type = number\n  default = 1\n}\n'
            + NOTEBOOK.format(name="a", value='"a"', direct="var.a")
            + NOTEBOOK.format(name="b", value='"b"', direct="var.b")
            + NOTEBOOK.format(name="c", value='"c"', direct="var.c"),
            "terraform.tfvars": 'a = "Disabled"\nb = "Disabled"\n',
            "x.auto.tfvars.json": '{"b": "Enabled", "c": "Disabled"}',
        },
    )
    got = results(folder)
    assert [got[f"aws_sagemaker_notebook_instance.{n}", "SageMaker.1"][0] for n in "abc"] == [
        "PASSED",
        "FAILED",  # *.auto.tfvars come after terraform.tfvars
        "PASSED",
    ]
    got = results(folder, "--tf-var", "a=Enabled")
    assert got["aws_sagemaker_notebook_instance.a", "SageMaker.1"][0] == "FAILED"
    extra = write(tmp_path / "extra", {"more.tfvars": 'c = "Enabled"\n'})
    got = results(folder, "--tf-var-file", str(extra / "more.tfvars"))
    assert got["aws_sagemaker_notebook_instance.c", "SageMaker.1"][0] == "FAILED"


def test_a_variable_without_a_value_is_unknown_with_the_plan_commands(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "novalue",
        {
            "main.tf": 'variable "direct" { type = string }\n'
            + NOTEBOOK.format(name="nb", value='"nb"', direct="var.direct")
        },
    )
    status, reason = results(folder)["aws_sagemaker_notebook_instance.nb", "SageMaker.1"]
    assert status == "UNKNOWN"
    assert "comes from var.direct, which has no default and no value given" in reason
    assert f"`terraform -chdir={folder} plan -out=tfplan`" in reason


def test_locals_interpolation_functions_and_for_expressions(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "locals",
        {
            "main.tf": """
locals {
  env    = "prod"
  names  = [for s in ["x", "y"] : upper(s) if s != "y"]
  flags  = { for k, v in { a = "Disabled" } : k => v }
  direct = local.env == "prod" ? local.flags["a"] : "Enabled"
  name   = "${local.env}-${lower(local.names[0])}-${1 + 2 * 3}"
}
"""
            + NOTEBOOK.format(name="nb", value="local.name", direct="local.direct"),
        },
    )
    doc = scan(str(folder))
    (ev,) = [e for e in doc["evaluations"] if e["control"] == "SageMaker.1"]
    assert (ev["status"], ev["resource_name"]) == ("PASSED", "prod-x-7")


def test_count_for_each_and_modules_take_the_plans_addresses(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "expand",
        {
            "main.tf": """
module "team" {
  source   = "./modules/nb"
  for_each = { a = "Disabled", b = "Enabled" }
  direct   = each.value
}
module "one" {
  source = "./modules/nb"
  count  = 1
  direct = "Disabled"
}
"""
            + NOTEBOOK.format(name="n", value='"n-${count.index}"', direct='"Disabled"').replace(
                "{\n", "{\n  count = 2\n", 1
            ),
            "modules/nb/main.tf": 'variable "direct" {}\n'
            + NOTEBOOK.format(name="this", value='"m"', direct="var.direct"),
        },
    )
    got = {k[0]: v[0] for k, v in results(folder).items() if k[1] == "SageMaker.1"}
    assert got == {
        "aws_sagemaker_notebook_instance.n[0]": "PASSED",
        "aws_sagemaker_notebook_instance.n[1]": "PASSED",
        'module.team["a"].aws_sagemaker_notebook_instance.this': "PASSED",
        'module.team["b"].aws_sagemaker_notebook_instance.this': "FAILED",
        "module.one[0].aws_sagemaker_notebook_instance.this": "PASSED",
    }


def test_a_count_known_only_after_apply_is_a_scope_error(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "latecount",
        {
            "main.tf": 'resource "aws_kms_key" "k" {}\n'
            + NOTEBOOK.format(name="nb", value='"nb"', direct='"Disabled"').replace(
                "{\n", "{\n  count = length(aws_kms_key.k.arn)\n", 1
            )
        },
    )
    run = cli("scan", str(folder), "--format", "json", "--no-history")
    assert run.code == 3, run.stderr
    assert "aws_sagemaker_notebook_instance.nb: its instances are not known before a plan" in (
        run.stderr
    )
    assert "terraform -chdir=" in run.stderr


def test_a_remote_module_is_a_scope_error_naming_it(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "remote",
        {
            "main.tf": 'module "vpc" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n'
            + NOTEBOOK.format(name="nb", value='"nb"', direct='"Disabled"')
        },
    )
    run = cli("scan", str(folder), "--format", "json", "--no-history")
    assert run.code == 3, run.stderr
    assert "module vpc: its source terraform-aws-modules/vpc/aws is not read" in run.stderr
    assert {e["resource_id"] for e in run.json()["evaluations"]} == {
        "aws_sagemaker_notebook_instance.nb"
    }


def test_default_tags_join_the_resource_tags(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "tags",
        {
            "main.tf": """
provider "aws" {
  default_tags {
    tags = { Owner = "ml" }
  }
}
resource "aws_sagemaker_image" "tagged" {
  image_name = "tagged"
  role_arn   = "arn:aws:iam::111122223333:role/r"
}
resource "aws_sagemaker_image" "later" {
  image_name = "later"
  role_arn   = "arn:aws:iam::111122223333:role/r"
  tags       = { Key = aws_kms_key.k.arn }
}
resource "aws_kms_key" "k" {}
"""
        },
    )
    got = results(folder, "--param", "SageMaker.7.requiredKeyTags=Owner,Key")
    assert got["aws_sagemaker_image.tagged", "SageMaker.7"][0] == "FAILED"  # no Key
    # A tag map with a value known only after apply is unknown as a whole, as the aws
    # provider plans it: whether Key is there is left to the plan.
    assert got["aws_sagemaker_image.later", "SageMaker.7"][0] == "UNKNOWN"
    got = results(folder)
    assert got["aws_sagemaker_image.tagged", "SageMaker.7"][0] == "PASSED"


def test_a_sensitive_variable_is_never_printed(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "secret",
        {
            "main.tf": 'variable "direct" {\n  sensitive = true\n  default = "Enabled"\n}\n'
            'variable "n" {\n  sensitive = true\n  default = "nb-secret-name-42"\n}\n'
            + NOTEBOOK.format(name="nb", value="var.n", direct="var.direct")
        },
    )
    for fmt in ("json", "table", "sarif"):
        run = cli("scan", str(folder), "--format", fmt, "--no-history")
        assert run.code == 1, run.stderr
        assert "nb-secret-name-42" not in run.stdout + run.stderr
    got = results(folder)
    assert got["aws_sagemaker_notebook_instance.nb", "SageMaker.1"] == (
        "FAILED",
        "DirectInternetAccess is (sensitive)",
    )


def test_terraform_json_syntax_is_read(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "json",
        {
            "main.tf.json": json.dumps(
                {
                    "locals": {"d": "Disabled"},
                    "resource": {
                        "aws_sagemaker_notebook_instance": {
                            "nb": {
                                "name": "nb",
                                "role_arn": "arn:aws:iam::111122223333:role/r",
                                "instance_type": "ml.t3.medium",
                                "direct_internet_access": "${local.d}",
                            }
                        }
                    },
                }
            )
        },
    )
    assert results(folder)["aws_sagemaker_notebook_instance.nb", "SageMaker.1"][0] == "PASSED"


def test_a_syntax_error_is_one_line_with_file_and_line_and_the_rest_is_read(
    tmp_path: Path,
) -> None:
    folder = write(
        tmp_path / "broken",
        {
            "a.tf": NOTEBOOK.format(name="nb", value='"nb"', direct='"Disabled"'),
            "b.tf": 'locals {\n  x = "ok"\n  y = \n}\n',
            "c.tf.json": '{"locals": {"z": 1},}',
        },
    )
    run = cli("scan", str(folder), "--format", "json", "--no-history")
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 2, run.stderr
    assert lines[0].startswith(f"sagewarden: {folder / 'b.tf'}:3: not valid HCL")
    assert lines[1].startswith(f"sagewarden: {folder / 'c.tf.json'}:1: not valid JSON")
    assert "Traceback" not in run.stderr
    ids = {e["resource_id"] for e in run.json()["evaluations"]}
    assert ids == {"aws_sagemaker_notebook_instance.nb"}


def test_hostile_configurations_end_in_bounded_time_with_one_line_each(tmp_path: Path) -> None:
    """A count of a billion, a module that calls itself, locals that refer to each other
    and an attribute that refers to itself: each said, none a hang or a traceback."""
    folder = write(
        tmp_path / "hostile",
        {
            "main.tf": """
module "me" {
  source = "./"
  count  = 2
}
locals {
  a = local.b
  b = local.a
}
resource "aws_sagemaker_notebook_instance" "many" {
  count = 1000000000
  name  = "many"
}
resource "aws_sagemaker_notebook_instance" "loop" {
  name                   = aws_sagemaker_notebook_instance.loop.name
  role_arn               = "arn:aws:iam::111122223333:role/r"
  instance_type          = "ml.t3.medium"
  direct_internet_access = local.a
}
"""
        },
    )
    run = cli("scan", str(folder), "--format", "json", "--no-history")
    assert run.code == 3, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert "has a count of 1000000000, more than 10,000" in run.stderr
    assert "more than 1,000 module instances (does a module call itself?)" in run.stderr
    got = verdicts(run.json())
    status, reason = got["aws_sagemaker_notebook_instance.loop", "SageMaker.1"]
    assert status == "UNKNOWN"
    assert "local.a refers to itself" in reason or "local.b refers to itself" in reason


def test_heredocs_and_json_dynamic_blocks(tmp_path: Path) -> None:
    """A heredoc is its text (trimmed with <<-); a dynamic block in JSON syntax is not
    expanded, so what it sets is UNKNOWN, never absent."""
    folder = write(
        tmp_path / "heredoc",
        {
            "main.tf": NOTEBOOK.format(
                name="nb", value='"nb"', direct="trimspace(<<-EOT\n    Disabled\n  EOT\n  )"
            ),
            "models.tf.json": json.dumps(
                {
                    "resource": {
                        "aws_sagemaker_model": {
                            "m": {
                                "name": "m",
                                "execution_role_arn": "arn:aws:iam::111122223333:role/r",
                                "enable_network_isolation": True,
                                "dynamic": {
                                    "container": {
                                        "for_each": ["a"],
                                        "content": {"image": "registry.example:5000/a:1"},
                                    }
                                },
                            }
                        }
                    }
                }
            ),
        },
    )
    got = results(folder)
    assert got["aws_sagemaker_notebook_instance.nb", "SageMaker.1"][0] == "PASSED"
    status, reason = got["aws_sagemaker_model.m", "SageMaker.19"]
    assert status == "UNKNOWN"
    assert "is a dynamic container block in JSON syntax" in reason


def test_the_compiled_grammar_is_cached_only_in_a_private_folder(tmp_path: Path) -> None:
    """Lark's cache is a pickle: kept in the user's own 0700 cache folder, never in a folder
    another user can write to (where a planted file would run as code)."""
    write(tmp_path / "infra", {"main.tf": 'resource "aws_sagemaker_notebook_instance" "n" {\n}\n'})
    private = tmp_path / "private"
    run = cli(
        "scan", "infra", "--fail-on", "never", env={"XDG_CACHE_HOME": str(private)}, cwd=tmp_path
    )
    assert run.code == 0, run.stderr
    folder = private / "sagewarden"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert any(p.name.startswith("hcl2-grammar-") for p in folder.iterdir())
    shared = tmp_path / "shared"
    (shared / "sagewarden").mkdir(parents=True)
    (shared / "sagewarden").chmod(0o777)
    run = cli(
        "scan", "infra", "--fail-on", "never", env={"XDG_CACHE_HOME": str(shared)}, cwd=tmp_path
    )
    assert run.code == 0, run.stderr
    assert list((shared / "sagewarden").iterdir()) == []
