"""Parameter parsing and validation: one clear line per bad parameter."""

from __future__ import annotations

import pytest

from sagewarden.catalog import BY_ID
from sagewarden.params import parse_params


def test_defaults_apply_when_nothing_is_set() -> None:
    pset, diags = parse_params([])
    assert not diags
    assert pset.for_control(BY_ID["SageMaker.8"]) == {
        "supportedPlatformIdentifierVersions": ("notebook-al2023-v1",)
    }
    assert pset.for_control(BY_ID["SageMaker.6"]) == {"requiredKeyTags": None}
    assert pset.for_control(BY_ID["SageMaker.14"]) == {"resolveReferences": False}
    assert pset.for_control(BY_ID["SageMaker.1"]) == {}


@pytest.mark.parametrize(
    ("spec", "control", "name", "value"),
    [
        (
            "SageMaker.6.requiredKeyTags=Owner,CostCenter",
            "SageMaker.6",
            "requiredKeyTags",
            ("Owner", "CostCenter"),
        ),
        (
            "SageMaker.6.requiredKeyTags= Owner , Owner ,",
            "SageMaker.6",
            "requiredKeyTags",
            ("Owner",),
        ),
        ("SageMaker.7.requiredTagKeys=team", "SageMaker.7", "requiredKeyTags", ("team",)),
        ("sagemaker.7.requiredKeyTags=team", "SageMaker.7", "requiredKeyTags", ("team",)),
        (
            "SageMaker.8.supportedPlatformIdentifierVersions=notebook-al2-v3",
            "SageMaker.8",
            "supportedPlatformIdentifierVersions",
            ("notebook-al2-v3",),
        ),
        ("SageMaker.14.resolveReferences=true", "SageMaker.14", "resolveReferences", True),
        ("SageMaker.14.resolveReferences=FALSE", "SageMaker.14", "resolveReferences", False),
        (
            "SageMaker.2.SubnetIds=subnet-1,subnet-2",
            "SageMaker.2",
            "SubnetIds",
            ("subnet-1", "subnet-2"),
        ),
        ("SageMaker.6.requiredKeyTags=", "SageMaker.6", "requiredKeyTags", None),
        (
            "SageMaker.6.requiredKeyTags=a:b/c=d+e-f@g.h i_j",
            "SageMaker.6",
            "requiredKeyTags",
            ("a:b/c=d+e-f@g.h i_j",),
        ),
    ],
)
def test_valid_parameters(spec: str, control: str, name: str, value: object) -> None:
    pset, diags = parse_params([spec])
    assert not diags
    assert pset.for_control(BY_ID[control])[name] == value
    assert name in dict(pset.explicit_for(BY_ID[control]))


@pytest.mark.parametrize(
    ("spec", "message", "disables"),
    [
        ("SageMaker.6.requiredKeyTags=a,b,c,d,e,f,g", "at most 6 values, got 7", "SageMaker.6"),
        ("SageMaker.7.requiredKeyTags=Owner,aws:createdBy", "starts with aws:", "SageMaker.7"),
        ("SageMaker.7.requiredKeyTags=AWS:x", "starts with aws:", "SageMaker.7"),
        ("SageMaker.6.requiredKeyTags=bad<key>", "not a valid tag key", "SageMaker.6"),
        ("SageMaker.6.requiredKeyTags=" + "k" * 129, "not a valid tag key", "SageMaker.6"),
        (
            "SageMaker.6.colour=blue",
            "has no parameter 'colour' (it takes: requiredKeyTags)",
            "SageMaker.6",
        ),
        ("SageMaker.1.anything=1", "SageMaker.1 takes no parameters", "SageMaker.1"),
        ("SageMaker.14.resolveReferences=maybe", "must be true or false", "SageMaker.14"),
        ("SageMaker.99.x=1", "unknown control 'SageMaker.99'", None),
        ("SageMaker.6.requiredKeyTags", "expected SageMaker.N.NAME=VALUE", "SageMaker.6"),
        ("requiredKeyTags=Owner", "expected SageMaker.N.NAME=VALUE", None),
    ],
)
def test_invalid_parameters_give_one_line_and_disable_only_their_control(
    spec: str, message: str, disables: str | None
) -> None:
    pset, diags = parse_params(
        [spec, "SageMaker.14.resolveReferences=true"] if disables != "SageMaker.14" else [spec]
    )
    lines = [d.line() for d in diags]
    assert any(spec in line and message in line for line in lines), lines
    for line in lines:
        assert "\n" not in line
    assert pset.invalid_controls == ({disables} if disables else set())
    if disables != "SageMaker.14":
        assert pset.for_control(BY_ID["SageMaker.14"])["resolveReferences"] is True
