"""botocore's limits kept between runs (limits_cache): the same Limits as the model gives,
only in the user's private cache folder, per botocore version, and never trusted when the
file is damaged. Each run is a fresh interpreter, as a scan is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import botocore

# Every limit the controls read, and a member no botocore has (no limit).
PROBE = """
import json
from sagewarden.recordable import field_limits, shape_limits
asked = [
    field_limits("AWS::SageMaker::EndpointConfig", "ProductionVariants[0].InitialInstanceCount"),
    field_limits("AWS::SageMaker::EndpointConfig", "ProductionVariants.ServerlessConfig"),
    field_limits("AWS::SageMaker::NotebookInstance", "SubnetId"),
    field_limits("AWS::SageMaker::DataQualityJobDefinition",
                 "JobResources.ClusterConfig.InstanceCount"),
    field_limits("AWS::SageMaker::NotebookInstance", "NoSuchMember"),
    shape_limits("TagKey"),
    shape_limits("TagValue"),
]
print(json.dumps([[l.minimum, l.maximum, l.pattern and l.pattern.pattern, list(l.required)]
                  for l in asked]))
"""


def probe(cache: Path, **env: str) -> list[object]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**os.environ, "XDG_CACHE_HOME": str(cache), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


def cache_file(cache: Path) -> Path:
    return cache / "sagewarden" / f"botocore-{botocore.__version__}-sagemaker-limits.json"


def test_a_second_run_reads_the_same_limits_from_the_cache(tmp_path: Path) -> None:
    from_model = probe(tmp_path / "none", AWS_DATA_PATH=str(tmp_path / "models"))
    assert not (tmp_path / "none").exists()  # a model botocore reads from elsewhere: no cache
    assert from_model[0][0] == 1 and from_model[5][1] == 128  # InitialInstanceCount, TagKey
    assert from_model[4] == [None, None, None, []]
    first = probe(tmp_path / "c")
    stored = json.loads(cache_file(tmp_path / "c").read_bytes())
    assert "shape TagKey" in stored and len(stored) == 7
    stored["shape TagKey"]["max"] = 5  # proves the second run reads the file
    cache_file(tmp_path / "c").write_text(json.dumps(stored))
    second = probe(tmp_path / "c")
    assert first == from_model
    assert second[5][1] == 5 and second[:5] == first[:5]


def test_a_damaged_cache_is_not_trusted(tmp_path: Path) -> None:
    from_model = probe(tmp_path / "c")
    path = cache_file(tmp_path / "c")
    path.write_text(json.dumps({"shape TagKey": {"min": "one", "max": None}}))
    assert probe(tmp_path / "c") == from_model
    path.write_text("{not json")
    assert probe(tmp_path / "c") == from_model
    assert len(json.loads(path.read_bytes())) == 7  # rewritten whole


def test_no_cache_in_a_folder_others_can_write(tmp_path: Path) -> None:
    shared = tmp_path / "shared" / "sagewarden"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    probe(tmp_path / "shared")
    assert list(shared.iterdir()) == []
