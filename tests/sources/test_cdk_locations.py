"""CDK findings point at the app source that made the resource, through the real command.

tests/data/cdk/located-app/cdk.out is real `cdk synth` output (aws-cdk-lib 2.276.0, its
regenerate.sh remakes it) of app.js and lib/ml.js beside it, synthesized with creation
stacks: the metadata names the temporary copy's files (/tmp/tmp.XXXX/app.js:19:1). It has
a stack, a nested stack (its own template, its metadata in the parent's) and a stage (its
own assembly, cdk.out/assembly-Prod). The
expected source line of each construct is found here by searching the sources for its
construct id, never written down, so a stale cdk.out (sources edited, synth not rerun)
fails these tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import cli

DATA = Path(__file__).resolve().parents[1] / "data"
APP = DATA / "cdk" / "located-app"
TEMPLATE = "cdk.out/LocatedStack.template.json"
SOURCES = ("app.js", "lib/ml.js")
SCHEMA = DATA / "sarif" / "sarif-schema-2.1.0.json"


def _scan(cwd: Path, *args: str) -> Any:
    run = cli("scan", *args, "--fail-on", "never", cwd=cwd)
    assert run.code == 0, run.stderr
    return run.json()


@cache
def _json() -> Any:
    return _scan(APP, ".", "--format", "json")


@cache
def _sarif() -> Any:
    return _scan(APP, ".", "--format", "sarif")


def _created_at(construct_id: str, root: Path = APP) -> tuple[str, int, int]:
    """(file, line, column) of the `new ...(scope, "Id", ...)` that makes a construct:
    the one place in the app's sources that names its id."""
    hits = []
    for rel in SOURCES:
        for n, text in enumerate((root / rel).read_text().splitlines(), 1):
            if f'"{construct_id}"' in text:
                hits.append((rel, n, text.index("new ") + 1))
    assert len(hits) == 1, (construct_id, hits)
    return hits[0]


def _template_lines() -> list[str]:
    return (APP / TEMPLATE).read_text().splitlines()


def _member_lines(logical_id: str, key: str) -> tuple[int, int]:
    """First and last line of a member under a resource in the template, found by its
    text and indentation (json.dumps-style layout, as cdk synth writes)."""
    lines = _template_lines()
    start = next(i for i, t in enumerate(lines) if t.strip().startswith(f'"{logical_id}":'))
    at = next(i for i in range(start, len(lines)) if lines[i].strip().startswith(f'"{key}":'))
    indent = len(lines[at]) - len(lines[at].lstrip())
    if lines[at].rstrip().endswith(("{", "[")):
        end = next(
            i
            for i in range(at + 1, len(lines))
            if len(lines[i]) - len(lines[i].lstrip()) == indent and lines[i].strip()[0] in "}]"
        )
    else:
        end = at
    return at + 1, end + 1


def test_every_finding_names_its_construct_and_the_line_that_created_it() -> None:
    evaluations = _json()["evaluations"]
    assert evaluations
    files_seen: dict[str, set[str]] = {}
    for e in evaluations:
        source = e["source"]
        construct = source["construct_path"]
        assert construct == e["resource_name"]  # the template's aws:cdk:path, the same
        rel, line, column = _created_at(construct.rsplit("/", 1)[-1])
        assert source["app_source"] == {"file": rel, "line": line, "column": column}, e
        files_seen.setdefault(rel, set()).add(e["status"])
    # Resources made in both files, passing and failing in each (models are not
    # applicable to SageMaker.19, which judges multi-container models).
    assert files_seen == {
        "app.js": {"PASSED", "FAILED", "NOT_APPLICABLE"},
        "lib/ml.js": {"PASSED", "FAILED", "NOT_APPLICABLE"},
    }
    constructs = {e["source"]["construct_path"] for e in evaluations}
    assert {"LocatedStack/Training/NestedModel", "Prod/ProdStack/ProdModel"} <= constructs


def test_the_terminal_shows_the_source_line() -> None:
    run = cli("scan", ".", "--fail-on", "never", "--control", "SageMaker.5", cwd=APP)
    rel, line, _ = _created_at("OpenModel")
    assert f"[{rel}:{line}]" in run.stdout, run.stdout


def test_sarif_points_at_the_source_and_relates_the_template() -> None:
    doc = _sarif()
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
    assert not errors, errors[:3]
    results = doc["runs"][0]["results"]
    assert results
    logical_ids = {e["resource_name"]: e["resource_id"] for e in _json()["evaluations"]}
    templates = {
        e["resource_name"]: os.path.normpath(e["source"]["file"]) for e in _json()["evaluations"]
    }
    assert len(set(templates.values())) == 3  # the stack, its nested stack, the stage's
    for r in results:
        (loc,) = r["locations"]
        (logical,) = loc["logicalLocations"]
        construct = logical["fullyQualifiedName"]
        assert logical == {
            "name": logical_ids[construct],
            "fullyQualifiedName": construct,
            "kind": "resource",
        }
        rel, line, column = _created_at(construct.rsplit("/", 1)[-1])
        assert loc["physicalLocation"] == {
            "artifactLocation": {"uri": rel, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line, "startColumn": column},
        }
        (related,) = r["relatedLocations"]
        assert related["physicalLocation"]["artifactLocation"] == {
            "uri": templates[construct],
            "uriBaseId": "%SRCROOT%",
        }
        assert logical_ids[construct] in related["message"]["text"]


def test_sarif_related_location_is_the_judged_property() -> None:
    """SageMaker.4 judges ProductionVariants (present: its lines); SageMaker.5 judges
    EnableNetworkIsolation, absent on OpenModel: the Properties key line."""
    results = _sarif()["runs"][0]["results"]
    by = {
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]): r
        for r in results
    }
    single = by[("SageMaker.4", "LocatedStack/Platform/SingleInstance")]
    lid = single["locations"][0]["logicalLocations"][0]["name"]
    start, end = _member_lines(lid, "ProductionVariants")
    assert end > start
    assert single["relatedLocations"][0]["physicalLocation"]["region"] == {
        "startLine": start,
        "endLine": end,
    }
    assert single["properties"]["property"] == "ProductionVariants"
    open_model = by[("SageMaker.5", "LocatedStack/Platform/OpenModel")]
    lid = open_model["locations"][0]["logicalLocations"][0]["name"]
    start, _ = _member_lines(lid, "Properties")
    assert open_model["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": start}
    assert (
        "EnableNetworkIsolation is not set" in open_model["relatedLocations"][0]["message"]["text"]
    )


def test_json_location_is_the_judged_property_in_the_template() -> None:
    (e,) = [
        e
        for e in _json()["evaluations"]
        if e["control"] == "SageMaker.1" and e["resource_id"] == "ClosedNotebook"
    ]
    start, end = _member_lines("ClosedNotebook", "DirectInternetAccess")
    assert e["location"] == {
        "file": f"./{TEMPLATE}",
        "property": "DirectInternetAccess",
        "line": start,
        "end_line": end,
    }


def test_without_the_sources_the_template_stays_primary(tmp_path: Path) -> None:
    """cdk.out alone (no app.js, no lib/): the construct path stays, the synth machine's
    location is kept as such, and no path is made up."""
    shutil.copytree(APP / "cdk.out", tmp_path / "cdk.out")
    doc = _scan(tmp_path, "cdk.out", "--format", "json")
    for e in doc["evaluations"]:
        app = e["source"]["app_source"]
        assert app["in_scanned_files"] is False
        assert re.fullmatch(r"/.+/(app|lib/ml)\.js:\d+:\d+", app["synthesized_at"]), app
        assert e["source"]["construct_path"] == e["resource_name"]
    sarif = _scan(tmp_path, "cdk.out", "--format", "sarif")
    for r in sarif["runs"][0]["results"]:
        (loc,) = r["locations"]
        uri = loc["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("cdk.out/") and uri.endswith(".template.json")
        assert "relatedLocations" not in r
        assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith(("Located", "Prod/"))


def test_a_file_that_lacks_the_line_is_not_the_source(tmp_path: Path) -> None:
    """An app.js too short to hold the recorded line is some other file: not mapped."""
    shutil.copytree(APP / "cdk.out", tmp_path / "cdk.out")
    (tmp_path / "app.js").write_text("// another app\n")
    doc = _scan(tmp_path, ".", "--format", "json")
    app_made = [e for e in doc["evaluations"] if "/Platform/" not in e["resource_name"]]
    assert {e["source"]["construct_path"] for e in app_made} >= {"Prod/ProdStack/ProdModel"}
    assert app_made
    assert all(e["source"]["app_source"]["in_scanned_files"] is False for e in app_made)


@pytest.mark.parametrize("scan_path", ["infra", "infra/cdk.out"])
def test_sources_found_from_the_repository_root(tmp_path: Path, scan_path: str) -> None:
    """The app in a sub-folder of the repository, scanned from its root: the source is
    reported relative to the root, as code scanning needs it."""
    infra = tmp_path / "infra"
    shutil.copytree(APP, infra, ignore=shutil.ignore_patterns("node_modules"))
    sarif = _scan(tmp_path, scan_path, "--format", "sarif")
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert uris == {"infra/app.js", "infra/lib/ml.js"}
    for r in sarif["runs"][0]["results"]:
        related = r["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert related.startswith("infra/cdk.out/") and related.endswith(".template.json")


def test_the_html_report_shows_source_and_construct() -> None:
    run = cli("scan", ".", "--format", "html", "--fail-on", "never", cwd=APP)
    assert run.code == 0, run.stderr
    rel, line, _ = _created_at("SingleInstance")
    assert f"<code>{rel}:{line}</code>" in run.stdout
    assert "LocatedStack/Platform/SingleInstance" in run.stdout


# Older CDK releases: the metadata inline in manifest.json, the raw stack in an entry's
# `trace`, library and Node frames not folded.
_RAW_TRACE = [
    "new CfnModel (/build/app/node_modules/aws-cdk-lib/aws-sagemaker/lib/gen.js:1:2)",
    "node:internal/modules/cjs/loader:1554:14",
    "Object.<anonymous> (/build/app/bin/app.js:3:7)",
    "Module._compile (node:internal/modules/cjs/loader:1554:14)",
]


def test_inline_metadata_and_raw_traces(tmp_path: Path) -> None:
    out = tmp_path / "app" / "cdk.out"
    out.mkdir(parents=True)
    (tmp_path / "app" / "bin").mkdir()
    (tmp_path / "app" / "bin" / "app.js").write_text("// 1\n// 2\nnew sm.CfnModel(s, 'M', {});\n")
    template = {
        "Resources": {
            "M": {
                "Type": "AWS::SageMaker::Model",
                "Properties": {
                    "ExecutionRoleArn": "arn:aws:iam::111122223333:role/x",
                    "PrimaryContainer": {"Image": "registry.example:5000/x"},
                },
            }
        }
    }
    (out / "S.template.json").write_text(json.dumps(template, indent=1))
    manifest = {
        "version": "30.0.0",
        "artifacts": {
            "S": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "S.template.json"},
                "metadata": {
                    "/S/M": [{"type": "aws:cdk:logicalId", "data": "M", "trace": _RAW_TRACE}]
                },
            }
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest))
    doc = _scan(tmp_path, "app", "--format", "json", "--control", "SageMaker.5")
    (e,) = doc["evaluations"]
    assert e["source"]["construct_path"] == "S/M"
    assert e["source"]["app_source"] == {"file": "app/bin/app.js", "line": 3, "column": 7}


def test_unreadable_metadata_is_bad_input_but_verdicts_stand(tmp_path: Path) -> None:
    """Broken construct metadata costs the source lines, not the verdicts."""
    shutil.copytree(APP, tmp_path / "app")
    (tmp_path / "app" / "cdk.out" / "LocatedStack.metadata.json").write_text("{broken")
    run = cli("scan", "app", "--format", "json", "--control", "SageMaker.5", cwd=tmp_path)
    # exit 2: a broken file among the inputs is bad input, though the verdicts stand
    assert run.code == 2, run.stderr
    assert "LocatedStack.metadata.json: CDK metadata not read: invalid JSON" in run.stderr
    by = {e["resource_name"]: e["source"] for e in run.json()["evaluations"]}
    # the template's own aws:cdk:path still names the construct
    assert by["LocatedStack/Platform/OpenModel"]["construct_path"] == (
        "LocatedStack/Platform/OpenModel"
    )
    assert "app_source" not in by["LocatedStack/Platform/OpenModel"]
    assert by["Prod/ProdStack/ProdModel"]["app_source"]["file"] == "app/app.js"
