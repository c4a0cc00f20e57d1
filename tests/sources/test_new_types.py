"""Feature groups and inference experiments (SageMaker.17/.18, .23/.24) from every file
source: AWS Config in each shape it is exported in, and a CloudFormation template.

The Config fixtures (tests/data/config-new-types) hold one estate in four shapes: a
snapshot delivered to S3 (configuration an object, tags a map), get-resource-config-history
(configuration a JSON string, newest first), select-resource-config (each result a JSON
string, tags a list of {key, value}) and batch-get-resource-config (no tags at all). The
same resources must give the same verdicts from each.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sagewarden.catalog import CONTROLS
from sagewarden.engine import evaluate
from sagewarden.params import parse_params
from sagewarden.resources import Resource
from sagewarden.resources import ResourceType as RT
from sagewarden.sources.files import read_config, read_files

DATA = Path(__file__).resolve().parents[1] / "data"
CONFIG = DATA / "config-new-types"
SNAPSHOT = CONFIG / "snapshot.json"
HISTORY = CONFIG / "get-resource-config-history.json"
QUERY = CONFIG / "select-resource-config.json"
BATCH = CONFIG / "batch-get-resource-config.json"
TEMPLATE = DATA / "cfn" / "feature-store-and-shadow-tests.yaml"
NEW = ("SageMaker.17", "SageMaker.18", "SageMaker.23", "SageMaker.24")
KEY = "arn:aws:kms:us-east-1:111122223333:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"

Verdicts = dict[tuple[str, str], str]


def verdicts(resources: list[Resource], params: list[str] | None = None) -> Verdicts:
    pset, diags = parse_params(params or [])
    assert not diags
    evs = evaluate(resources, list(CONTROLS), pset).evaluations
    return {(e.control.id, e.resource.name): e.status.value for e in evs if e.control.id in NEW}


def table(rows: str) -> Verdicts:
    """'N name STATUS' per line -> expectations."""
    out: Verdicts = {}
    for line in rows.strip().splitlines():
        n, name, status = line.split()
        out[(f"SageMaker.{n}", name)] = status
    return out


ESTATE = table(
    """
    17 fg-encrypted PASSED
    18 fg-encrypted PASSED
    17 fg-offline-plain FAILED
    18 fg-offline-plain NOT_APPLICABLE
    17 fg-online-plain NOT_APPLICABLE
    18 fg-online-plain FAILED
    17 fg-in-memory PASSED
    18 fg-in-memory NOT_APPLICABLE
    23 ie-encrypted PASSED
    24 ie-encrypted PASSED
    23 ie-capture-plain FAILED
    24 ie-capture-plain FAILED
    23 ie-no-capture PASSED
    24 ie-no-capture NOT_APPLICABLE
    """
)


def read(path: Path) -> list[Resource]:
    resources, diags, _ = read_config([str(path)])
    assert not diags, diags
    return resources


def by_name(resources: list[Resource]) -> dict[str, Resource]:
    out = {r.name: r for r in resources}
    assert len(out) == len(resources)
    return out


# -- AWS Config ---------------------------------------------------------------------------


def test_snapshot_reads_feature_groups_and_experiments() -> None:
    resources, diags, seen = read_config([str(SNAPSHOT)])
    assert not diags
    assert seen == 8  # the S3 bucket is read past, not judged
    found = by_name(resources)
    assert {r.type for r in resources} == {RT.FEATURE_GROUP, RT.INFERENCE_EXPERIMENT}
    fg = found["fg-encrypted"]
    assert fg.arn == "arn:aws:sagemaker:us-east-1:111122223333:feature-group/fg-encrypted"
    assert (fg.id, fg.account_id, fg.region) == (fg.arn, "111122223333", "us-east-1")
    assert fg.tags == {"team": "features"}
    assert fg.properties["OfflineStoreConfig"]["S3StorageConfig"]["KmsKeyId"] == KEY
    ie = found["ie-encrypted"]
    assert ie.arn == "arn:aws:sagemaker:us-east-1:111122223333:inference-experiment/ie-encrypted"
    assert ie.properties["Name"] == "ie-encrypted"
    assert ie.tags == {"team": "recsys"}
    assert found["ie-no-capture"].tags == {}
    assert verdicts(resources) == ESTATE


def test_history_configuration_strings_and_the_latest_capture() -> None:
    """The experiment's capture got a key in a later UpdateInferenceExperiment: the newest
    item decides, wherever it stands in the file; a flag recorded as "true" is true."""
    found = by_name(read(HISTORY))
    assert set(found) == {"ie-capture-plain", "fg-online-plain"}
    ie = found["ie-capture-plain"]
    assert ie.properties["DataStorageConfig"]["KmsKey"] == KEY
    assert ie.provenance.captured_at == "2026-11-21T09:00:00.000Z"
    assert verdicts(list(found.values())) == table(
        """
        23 ie-capture-plain FAILED
        24 ie-capture-plain PASSED
        17 fg-online-plain NOT_APPLICABLE
        18 fg-online-plain FAILED
        """
    )


def test_history_oldest_first_gives_the_same(tmp_path: Path) -> None:
    doc = json.loads(HISTORY.read_text())
    doc["configurationItems"].reverse()
    path = tmp_path / "history.json"
    path.write_text(json.dumps(doc))
    assert verdicts(read(path)) == verdicts(read(HISTORY))


def test_advanced_query_results_are_json_strings_with_tag_lists() -> None:
    resources = read(QUERY)
    found = by_name(resources)
    assert found["fg-encrypted"].tags == {"team": "features"}
    assert found["ie-capture-plain"].tags == {}
    assert found["ie-encrypted"].arn == (
        "arn:aws:sagemaker:us-east-1:111122223333:inference-experiment/ie-encrypted"
    )
    assert verdicts(resources) == ESTATE


def test_batch_get_resource_config_without_tags() -> None:
    """The format records no tags; no control of these types reads them, so nothing is
    lost: the same verdicts as the snapshot's."""
    resources = read(BATCH)
    assert len(resources) == 7
    assert all(r.tags is None for r in resources)
    assert verdicts(resources) == ESTATE


def test_every_config_shape_gives_the_snapshot_verdicts() -> None:
    snapshot = verdicts(read(SNAPSHOT))
    for path in (QUERY, BATCH):
        assert verdicts(read(path)) == snapshot, path.name


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def test_camel_case_configuration_is_normalised(tmp_path: Path) -> None:
    """Some recorders write camelCase keys (featureGroupName, kmsKey...): read alike."""
    doc = json.loads(SNAPSHOT.read_text())
    for item in doc["configurationItems"]:
        item["configuration"] = _camel(item["configuration"])
    path = tmp_path / "camel.json"
    path.write_text(json.dumps(doc))
    resources = read(path)
    assert by_name(resources)["fg-in-memory"].properties["OnlineStoreConfig"] == {
        "EnableOnlineStore": True,
        "StorageType": "InMemory",
    }
    assert verdicts(resources) == ESTATE


def test_a_config_rule_event_item(tmp_path: Path) -> None:
    """A ConfigurationItemChangeNotification holds one item, inline."""
    item = json.loads(SNAPSHOT.read_text())["configurationItems"][5]
    assert item["resourceName"] == "ie-capture-plain"
    path = tmp_path / "event-item.json"
    path.write_text(json.dumps({"configurationItem": item}))
    assert verdicts(read(path)) == table(
        """
        23 ie-capture-plain FAILED
        24 ie-capture-plain FAILED
        """
    )


# -- CloudFormation -----------------------------------------------------------------------


def template_verdicts(cfn: dict[str, str] | None = None) -> Verdicts:
    read = read_files([str(TEMPLATE)], cfn)
    assert not read.diagnostics, read.diagnostics
    return verdicts(read.resources)


TEMPLATE_VERDICTS = table(
    """
    17 customer-features PASSED
    18 customer-features PASSED
    17 clickstream-features FAILED
    18 clickstream-features NOT_APPLICABLE
    17 session-features NOT_APPLICABLE
    18 session-features NOT_APPLICABLE
    17 scoring-features NOT_APPLICABLE
    18 scoring-features FAILED
    23 recsys-v8-shadow PASSED
    24 recsys-v8-shadow PASSED
    23 recsys-v8-shadow-plain FAILED
    24 recsys-v8-shadow-plain FAILED
    23 recsys-v8-shadow-quick FAILED
    24 recsys-v8-shadow-quick NOT_APPLICABLE
    """
)


def test_template_feature_groups_and_experiments() -> None:
    """A key from the template or from a parameter without default is a key all the same;
    the storage type follows its parameter's default."""
    assert template_verdicts() == TEMPLATE_VERDICTS


def test_template_parameter_override_brings_an_online_store_into_scope() -> None:
    assert template_verdicts({"OnlineStorage": "Standard"}) == {
        **TEMPLATE_VERDICTS,
        ("SageMaker.18", "session-features"): "FAILED",
    }


def test_template_resources_in_canonical_form() -> None:
    read = read_files([str(TEMPLATE)])
    found = {r.id: r for r in read.resources}
    shadow = found["ShadowTest"]
    assert shadow.type == RT.INFERENCE_EXPERIMENT
    assert shadow.name == "recsys-v8-shadow"
    session = found["SessionFeatures"]
    assert session.type == RT.FEATURE_GROUP
    assert session.name == "session-features"
    assert found["CustomerFeatures"].tags == {"team": "features"}
    assert "FeatureKey" not in found and "RecsysEndpoint" not in found  # not evaluated types
