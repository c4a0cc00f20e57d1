"""Suppressions by tag, account and Region: what they mute, and what they never mute (a
resource whose account, Region or tags are not known). Real resources and verdicts, real
sources where the unknown comes from a template or plan."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sagewarden.catalog import lookup
from sagewarden.diagnostics import Kind
from sagewarden.resources import TAGS_INVALID, Provenance, Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.sources.files import read_files
from sagewarden.suppressions import apply, by_tag, parse_entry, undecided
from sagewarden.verdicts import Evaluation, Status, Suppression

TODAY = date(2026, 12, 1)
ACCOUNT, OTHER = "111122223333", "444455556666"


def notebook(
    tags: dict[str, str] | None = None,
    account: str | None = ACCOUNT,
    region: str | None = "eu-west-1",
    **extra: Any,
) -> Resource:
    arn = f"arn:aws:sagemaker:{region}:{account}:notebook-instance/lab" if account else None
    return Resource(
        type=RT.NOTEBOOK_INSTANCE,
        id=arn or "LabNotebook",
        name="lab",
        properties={},
        tags=tags,
        provenance=Provenance("aws" if account else "cloudformation"),
        account_id=account,
        region=region,
        arn=arn,
        extra=dict(extra),
    )


def failed(r: Resource, control: str = "SageMaker.3") -> Evaluation:
    found = lookup(control)
    assert found is not None
    return Evaluation(found, r, Status.FAILED, "root access is enabled")


def entry(**fields: Any) -> Suppression:
    sup, problem = parse_entry(
        {"control": "SageMaker.3", "reason": "sandbox", **fields}, ".sagewarden.yaml:2", True
    )
    assert problem is None and sup is not None, problem
    return sup


def muted(sup: Suppression, r: Resource) -> tuple[bool, list[str]]:
    (e,), diags = apply([failed(r)], [sup], TODAY)
    return e.suppression is sup, [d.line() for d in diags]


@pytest.mark.parametrize(
    ("tags", "want"),
    [
        ({"Environment": "sandbox"}, True),
        ({"Environment": "sandbox", "Team": "ml"}, True),
        ({"Environment": "prod"}, False),
        ({"environment": "sandbox"}, False),  # keys are case-sensitive, as in AWS
        ({"Environment": "Sandbox"}, False),  # values too
        ({}, False),
        ({"Team": "ml"}, False),
    ],
)
def test_a_tag_mutes_only_a_resource_carrying_it(tags: dict[str, str], want: bool) -> None:
    assert muted(entry(tags={"Environment": "sandbox"}), notebook(tags)) == (want, [])


def test_values_are_globs_and_every_tag_given_must_match() -> None:
    sup = entry(tags={"Environment": "sandbox-*", "Team": "*"})
    assert muted(sup, notebook({"Environment": "sandbox-eu", "Team": "ml"}))[0]
    assert not muted(sup, notebook({"Environment": "sandbox-eu"}))[0]  # no Team at all
    assert not muted(sup, notebook({"Environment": "prod", "Team": "ml"}))[0]
    assert muted(entry(tags={"Owner": ""}), notebook({"Owner": ""}))[0]  # written as ""


@pytest.mark.parametrize(
    ("fields", "account", "region", "want"),
    [
        ({"account": ACCOUNT}, ACCOUNT, "eu-west-1", True),
        ({"account": ACCOUNT}, OTHER, "eu-west-1", False),
        ({"accounts": [OTHER, ACCOUNT]}, ACCOUNT, "eu-west-1", True),
        ({"region": "eu-west-1"}, ACCOUNT, "eu-west-1", True),
        ({"regions": ["us-east-1"]}, ACCOUNT, "eu-west-1", False),
        ({"account": ACCOUNT, "region": "us-east-1"}, ACCOUNT, "eu-west-1", False),
        ({"account": ACCOUNT, "regions": ["eu-west-1"]}, ACCOUNT, "eu-west-1", True),
        ({"account": ACCOUNT}, None, None, False),  # a template resource: not deployed
        ({"region": "eu-west-1"}, None, None, False),
    ],
)
def test_account_and_region(
    fields: dict[str, Any], account: str | None, region: str | None, want: bool
) -> None:
    assert muted(entry(**fields), notebook({}, account, region)) == (want, [])


def test_combined_with_control_resource_and_expiry() -> None:
    r = notebook({"Environment": "sandbox"})
    assert not muted(entry(control="SageMaker.2", tags={"Environment": "sandbox"}), r)[0]
    assert not muted(entry(resource="*:notebook-instance/prod-*", account=ACCOUNT), r)[0]
    assert muted(entry(resource="*:notebook-instance/la*", account=ACCOUNT), r)[0]
    gone = entry(tags={"Environment": "sandbox"}, expires="2020-01-31")
    ok, said = muted(gone, r)
    assert not ok and said == [
        f".sagewarden.yaml:2: suppression of SageMaker.3 for {r.id} expired on 2020-01-31: it "
        "no longer applies"
    ]


@pytest.mark.parametrize(
    ("r", "why"),
    [
        (notebook(None), "its tags were not read"),
        (notebook(None, **{TAGS_INVALID: "tags[0] has no Key"}), "its tags are malformed"),
        (notebook({}, None, None, tags_choice=[]), "depend on a condition decided at deploy"),
        (notebook({"Team": "ml"}, None, None, tags_unresolved=True), "keys are known only at"),
    ],
)
def test_tags_that_could_not_be_read_never_mute_and_the_run_says_so(r: Resource, why: str) -> None:
    """Fails on a matcher that reads unknown tags as "no tags", or silently skips them."""
    sup = entry(tags={"Environment": "sandbox"})
    ok, said = muted(sup, r)
    assert not ok
    (line,) = said
    assert line.startswith(f".sagewarden.yaml:2: suppression of SageMaker.3 by tag does not apply "
                           f"to {r.id}: ")  # fmt: skip
    assert why in line
    (e,), diags = apply([failed(r)], [sup], TODAY)
    assert diags[0].kind is Kind.WARNING and e.counts_as_failure


def test_a_known_tag_that_differs_decides_even_when_others_are_unknown() -> None:
    r = notebook({"Environment": "prod"}, None, None, tags_unresolved=True)
    assert muted(entry(tags={"Environment": "sandbox", "Team": "ml"}), r) == (False, [])


def test_undecided_names_the_suppression_a_saved_plan_cannot_rule_out() -> None:
    by_tags = entry(tags={"Environment": "sandbox"})
    elsewhere = entry(account=OTHER)
    e = failed(notebook(None))
    assert undecided(e, [elsewhere, by_tags], TODAY) is by_tags
    assert undecided(failed(notebook({"Environment": "prod"})), [by_tags], TODAY) is None
    assert undecided(e, [entry(tags={"Environment": "x"}, expires="2020-01-01")], TODAY) is None
    assert by_tag([elsewhere, by_tags]) and not by_tag([elsewhere])


def _template(tmp_path: Path, body: str) -> Resource:
    path = tmp_path / "t.yaml"
    path.write_text(textwrap.dedent(body))
    read = read_files([str(path)], {})
    (r,) = read.resources
    return r


def test_a_template_tag_value_known_only_at_deploy_never_mutes(tmp_path: Path) -> None:
    """Fails if the source gives a deploy-time value as "" that a glob could match."""
    r = _template(
        tmp_path,
        """
        Parameters:
          Env: {Type: String}
        Resources:
          Lab:
            Type: AWS::SageMaker::NotebookInstance
            Properties:
              InstanceType: ml.t3.medium
              RoleArn: arn:aws:iam::111122223333:role/r
              Tags:
                - {Key: Environment, Value: !Ref Env}
                - {Key: Team, Value: ml}
        """,
    )
    assert r.tags == {"Environment": "", "Team": "ml"}  # what the tag controls read
    assert json.loads(json.dumps(r.tags)) == r.tags
    ok, said = muted(entry(tags={"Environment": "*"}), r)
    assert not ok and "the value of tag 'Environment' is known only at deploy" in said[0]
    assert muted(entry(tags={"Team": "ml"}), r) == (True, [])


SANDBOX = {"Environment": "sandbox"}
CHANGES = [  # name, tags, tags_all, after_unknown, after_sensitive
    ("secret", SANDBOX, SANDBOX, {}, {"tags": {"Environment": True}}),
    ("later", {"Team": "ml"}, None, {"tags_all": True}, {}),
    ("plain", SANDBOX, SANDBOX, {}, {}),
]


def test_terraform_sensitive_and_unknown_tag_values_never_mute(tmp_path: Path) -> None:
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": f"aws_sagemaker_notebook_instance.{name}",
                "mode": "managed",
                "type": "aws_sagemaker_notebook_instance",
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": ["create"],
                    "after": {
                        "name": name,
                        "role_arn": "arn:aws:iam::1:role/r",
                        "instance_type": "ml.t3.medium",
                        "tags": tags,
                        "tags_all": tags_all,
                    },
                    "after_unknown": unknown,
                    "after_sensitive": sensitive,
                },
            }
            for name, tags, tags_all, unknown, sensitive in CHANGES
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    found = {r.name: r for r in read_files([str(path)], {}).resources}
    sup = entry(tags={"Environment": "sandbox"})
    assert muted(sup, found["plain"]) == (True, [])
    ok, said = muted(sup, found["secret"])
    assert not ok and "marked sensitive" in said[0]
    ok, said = muted(sup, found["later"])
    assert not ok and len(said) == 1
