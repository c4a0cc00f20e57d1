"""Checking answers against botocore's output shapes, and saying what failed in one line."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.parsers import ResponseParserError

from sagewarden.kinds import KINDS
from sagewarden.sources.aws import answers
from sagewarden.sources.aws.accounts import ASSUME_ROLE_READS
from sagewarden.sources.aws.answers import (
    AnswerError,
    TokenGuard,
    error_code,
    error_text,
    remember_secrets,
)
from sagewarden.sources.aws.readpath import LIST_TAGS_READS, READ_PATHS, identity
from sagewarden.sources.aws.shapes import answer_problem

NOW = datetime(2024, 5, 1, tzinfo=timezone.utc)


def op(service: str, name: str) -> Any:
    return botocore.session.get_session().get_service_model(service).operation_model(name)


def test_every_member_the_collector_and_fix_read_is_in_botocores_model() -> None:
    """A read path naming a member the model does not have would make every answer look
    damaged (or, unchecked, every resource look empty): each is checked once here."""
    checked = []
    for path in READ_PATHS.values():
        checked.append(("sagemaker", path.list_op, path.list_reads))
        if path.describe_op:
            checked.append(("sagemaker", path.describe_op, path.describe_reads))
    for operation, param in ((k.describe_op, k.describe_param) for k in KINDS):
        checked.append(("sagemaker", operation, identity(param)))
    checked += [
        ("sagemaker", "ListTags", LIST_TAGS_READS),
        ("sts", "AssumeRole", ASSUME_ROLE_READS),
        ("sts", "GetCallerIdentity", ("Account", "Arn")),
        ("organizations", "ListAccounts", ("Accounts[].Id",)),
        ("ec2", "DescribeRegions", ("Regions[].RegionName",)),
    ]
    for service, name, reads in checked:
        assert reads, name
        problem = answer_problem(op(service, name), {}, reads)  # raises for a bad path
        assert problem is not None and problem.endswith(" is missing"), (name, problem)


def test_an_extended_answer_passes_a_damaged_one_is_named() -> None:
    describe = op("sagemaker", "DescribeModel")
    reads = identity("ModelName")
    good = {"ModelName": "m", "ModelArn": "arn:aws:sagemaker:eu-west-1:1:model/m"}
    good["CreationTime"] = NOW
    assert answer_problem(describe, good, reads) is None
    extended = {**good, "FutureMember": {"x": [1]}, "PrimaryContainer": {"NewKnob": True}}
    assert answer_problem(describe, extended, reads) is None
    for damage, problem in (
        ({"EnableNetworkIsolation": "true"}, "EnableNetworkIsolation is a string, not a boolean"),
        ({"PrimaryContainer": []}, "PrimaryContainer is a list, not a structure"),
        ({"Containers": [{"Image": 5}]}, "Containers[0].Image is an integer, not a string"),
        ({"CreationTime": "2024-05-01"}, "CreationTime is a string, not a timestamp"),
        ({"VpcConfig": {"Subnets": "subnet-1"}}, "VpcConfig.Subnets is a string, not a list"),
        ({"EnableNetworkIsolation": 1}, "EnableNetworkIsolation is an integer, not a boolean"),
    ):
        assert answer_problem(describe, {**good, **damage}, reads) == problem
    assert answer_problem(describe, {"ModelName": "m", "CreationTime": NOW}, reads) == (
        "ModelArn is missing"
    )
    # what the model requires, as well as what the scan reads
    undated = {k: v for k, v in good.items() if k != "CreationTime"}
    assert answer_problem(describe, undated, reads) == "CreationTime is missing"
    container = {**good, "CreationTime": NOW, "Containers": [{"Image": "i"}, {"Mode": "x"}]}
    assert answer_problem(describe, container, reads) is None  # nothing required in one
    config = op("sagemaker", "DescribeEndpointConfig")
    variant = {"VariantName": "v", "ModelName": "m"}
    answer = {
        "EndpointConfigName": "c",
        "EndpointConfigArn": "arn",
        "CreationTime": NOW,
        "ProductionVariants": [variant, {"ModelName": "m"}],
    }
    assert answer_problem(config, answer, ()) == "ProductionVariants[1].VariantName is missing"
    del answer["ProductionVariants"]
    assert answer_problem(config, answer, ()) == "ProductionVariants is missing"
    # ... but not what AWS is seen to leave out (answers.AWS_OMITS)
    endpoint = op("sagemaker", "DescribeEndpoint")
    capture = {"EnableCapture": True, "CaptureStatus": "Started", "CurrentSamplingPercentage": 5}
    described = {
        "EndpointName": "e",
        "EndpointArn": "arn",
        "EndpointStatus": "InService",
        "CreationTime": NOW,
        "LastModifiedTime": NOW,
        "DataCaptureConfig": {**capture, "DestinationS3Uri": "s3://b"},
    }
    assert answer_problem(endpoint, described, ()) is None
    assert answer_problem(describe, [], reads) == "the answer is a list, not a structure"

    listing = op("sagemaker", "ListModels")
    reads = READ_PATHS["AWS::SageMaker::Model"].list_reads
    assert answer_problem(listing, {"Models": []}, reads) is None
    assert answer_problem(listing, {"Models": [{"ModelName": "m"}]}, reads) == (
        "Models[0].ModelArn is missing"
    )
    assert answer_problem(listing, {"Models": [{"ModelArn": "a", "ModelName": True}]}, reads) == (
        "Models[0].ModelName is a boolean, not a string"
    )


def test_a_repeated_token_or_too_many_pages_end_a_list() -> None:
    guard = TokenGuard("ListModels", ceiling=4)
    guard.check("a")
    guard.check("b")
    with pytest.raises(AnswerError, match="already returned, after 3 pages") as repeated:
        guard.check("a")
    assert error_code(repeated.value) == "EndlessPagination"
    guard.check("c")
    with pytest.raises(AnswerError, match="still had more after 4 pages"):
        guard.check("d")


def _client_error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "ListModels")


def test_error_text_is_one_line_without_bodies_or_credentials() -> None:
    # botocore's message for a body that was no AWS error document is the body itself
    assert error_text(_client_error("502", "<html>upstream secret</html>")) == "HTTP 502"
    assert error_code(_client_error("502", "x")) == "HTTP 502"
    assert error_text(_client_error("Throttling", "Rate exceeded\nsecond line")) == (
        "Throttling: Rate exceeded"
    )
    parser = ResponseParserError("Unable to parse response (no element found)\nb'<body/>'")
    assert error_text(parser) == "ResponseParserError: Unable to parse response (no element found)"
    timeout = ReadTimeoutError(endpoint_url="https://sagemaker.eu-west-1.amazonaws.com/")
    assert error_text(timeout).startswith("ReadTimeoutError: Read timeout on endpoint URL")
    assert len(error_text(_client_error("Denied", "x" * 1000))) <= answers.MAX_MESSAGE + 10

    token = "FQoGZXIvYXdzEXAMPLETOKENVALUE" * 20  # longer than a message is shown
    remember_secrets([token, None, "short"])
    quoted = _client_error("SignatureDoesNotMatch", f"canonical: x-amz-security-token:{token}")
    assert error_text(quoted) == "SignatureDoesNotMatch: canonical: x-amz-security-token:***"
    assert "FQoGZXIv" not in error_text(AnswerError("TimedOut", f"while {token}"))
