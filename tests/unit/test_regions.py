"""Region names are checked against botocore's partition data, not against a list of ours."""

from __future__ import annotations

import re

import pytest
from botocore.loaders import create_loader

from sagewarden.sources.aws.regions import known_regions, partition_of, region_problem


def test_every_region_of_every_partition_botocore_knows_is_accepted() -> None:
    endpoints = create_loader().load_data("endpoints")["partitions"]
    listed = {(p["partition"], r) for p in endpoints for r in p["regions"]}
    assert {p for p, _ in listed} >= {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"}
    for partition, region in listed:
        assert region_problem(region) is None, region
        assert partition_of(region) == partition
    assert {r for _, r in listed} <= known_regions()


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("eu-south-3", "aws"),  # newer than botocore: matches aws's regionRegex, known words
        ("ap-southeast-9", "aws"),
        ("us-gov-central-1", "aws-us-gov"),
        ("cn-southwest-1", "aws-cn"),  # two known compass words joined
    ],
)
def test_a_region_newer_than_botocore_is_not_refused(region: str, partition: str) -> None:
    assert region not in known_regions()
    assert region_problem(region) is None
    assert partition_of(region) == partition


@pytest.mark.parametrize(
    ("region", "guess"),
    [
        ("eu-wst-1", "eu-west-1"),  # matches aws's regionRegex, but no region says "wst"
        ("EU-WEST-1", "eu-west-1"),
        ("us-esat-2", "us-east-2"),
        ("eu-west", "eu-west-1"),
        ("mars-north-1", None),
        ("aws-global", None),  # a pseudo region of partitions.json, not one to scan
    ],
)
def test_a_name_that_is_not_a_region_is_refused_with_close_matches(
    region: str, guess: str | None
) -> None:
    problem = region_problem(region)
    assert problem is not None and problem.startswith("not an AWS region that botocore knows")
    assert partition_of(region) is None
    guesses = re.findall(r"[a-z]+(?:-[a-z]+)+-\d+", problem.partition("did you mean")[2])
    assert set(guesses) <= known_regions()
    if guess is not None:
        assert guess in guesses
