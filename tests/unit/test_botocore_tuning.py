"""botocore_tuning changes how fast botocore reads, never what it returns: the same
models, the same instants."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path

import boto3
import botocore
import pytest
from botocore.loaders import JSONFileLoader
from botocore.utils import parse_timestamp

from sagewarden.sources.aws.botocore_tuning import OrjsonFileLoader, tune, utc_timestamp

DATA = Path(botocore.__file__).parent / "data"


@pytest.mark.parametrize(
    "name",
    [
        "endpoints",
        "partitions",
        "_retry",
        "sagemaker/2017-07-24/service-2",
        "sts/2011-06-15/service-2",
    ],
)
def test_it_reads_botocores_data_files_as_botocore_does(name: str) -> None:
    assert OrjsonFileLoader().load_file(str(DATA / name)) == JSONFileLoader().load_file(
        str(DATA / name)
    )


def test_what_orjson_refuses_is_read_by_json(tmp_path: Path) -> None:
    odd = tmp_path / "odd.json.gz"  # Python's json reads NaN; orjson refuses it
    odd.write_bytes(gzip.compress(b'{"min": -1, "max": NaN}'))
    got = OrjsonFileLoader().load_file(str(tmp_path / "odd"))
    assert got["min"] == -1 and got["max"] != got["max"]
    assert OrjsonFileLoader().load_file(str(tmp_path / "absent")) is None


@pytest.mark.parametrize("value", [0, 1700000000, 1700000000.123, -86400, 253402300799])
def test_an_epoch_is_the_same_instant_in_utc(value: float) -> None:
    got = utc_timestamp(value)
    assert got.tzinfo is timezone.utc
    assert got == parse_timestamp(value)


@pytest.mark.parametrize(
    "value", ["2026-12-01T10:00:00Z", "2026-12-01T10:00:00.5+02:00", "1700000000"]
)
def test_anything_else_is_parsed_by_botocore(value: object) -> None:
    assert utc_timestamp(value) == parse_timestamp(value)


def test_an_epoch_out_of_range_fails_as_botocore_fails() -> None:
    with pytest.raises(RuntimeError) as ours:
        utc_timestamp(1e20)
    with pytest.raises(RuntimeError) as theirs:
        parse_timestamp(1e20)
    assert str(ours.value) == str(theirs.value)


def test_tune_gives_clients_made_afterwards_both() -> None:
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    tune(session._session)
    tune(session._session)  # twice is once
    loader = session._session.get_component("data_loader")
    assert isinstance(loader.file_loader, OrjsonFileLoader)
    client = session.client("sagemaker")
    parser = client._endpoint._response_parser_factory.create_parser("json")  # as botocore does
    shape = client.meta.service_model.operation_model("DescribeNotebookInstance").output_shape
    parsed = parser.parse(
        {
            "status_code": 200,
            "headers": {},
            "body": b'{"NotebookInstanceName": "nb", "CreationTime": 1700000000.5}',
        },
        shape,
    )
    assert parsed["CreationTime"] == datetime(2023, 11, 14, 22, 13, 20, 500000, timezone.utc)
    assert parsed["CreationTime"].tzinfo is timezone.utc
