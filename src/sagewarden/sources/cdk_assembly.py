"""A CDK cloud assembly (`cdk.out`) read as a whole, through its manifest.

`manifest.json` lists the stacks (artifacts of type `aws:cloudformation:stack`: the
template file, the stack name and the environment `aws://ACCOUNT/REGION`,
`unknown-account` and `unknown-region` when the stack is environment-agnostic), the
nested assemblies a Stage makes (`cdk:cloud-assembly`, a directory with its own
manifest), and the asset manifests
(`cdk:asset-manifest`) that map each asset, a nested stack's template among them, to its
file. This module only reads those facts; cfn_graph reads the templates with them.

A directory is taken for an assembly when it holds `manifest.json` next to the `cdk.out`
marker file or a `*.template.json`, so that another tool's manifest.json elsewhere in a
repository is no input error. An assembly whose manifest is not one is said once (exit
code 2) and its templates are then read one by one, as any template.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from sagewarden.diagnostics import Diagnostic
from sagewarden.sources.cfn_graph import Env
from sagewarden.sources.cfn_parameters import as_mapping
from sagewarden.sources.inputfile import read_regular, reason

MANIFEST = "manifest.json"
STACK = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
ASSETS = "cdk:asset-manifest"
_UNKNOWN = ("unknown-account", "unknown-region")


@dataclass
class Stack:
    template: str  # the template file's path
    env: Env
    label: str  # the stack's name as CDK shows it ("Prod/ModelStack")
    assembly: Assembly


@dataclass
class Assembly:
    directory: str
    stacks: list[Stack] = field(default_factory=list)
    assets: dict[str, str] = field(default_factory=dict)  # asset hash or object key -> file
    directories: list[str] = field(default_factory=list)  # this one and every nested one

    def nested_template(self, parent: str, spec: Mapping[str, Any]) -> str | None:
        """The file of the asset whose hash (or object key) a nested stack resource's
        TemplateURL holds (cfn_graph reads CDK's `aws:asset:path` metadata first)."""
        url = orjson.dumps(as_mapping(spec.get("Properties")).get("TemplateURL")).decode()
        for key, file in self.assets.items():
            if key in url:
                return file
        return None


def looks_like_assembly(filenames: list[str]) -> bool:
    """A directory's file names are those of a cloud assembly's."""
    return MANIFEST in filenames and (
        "cdk.out" in filenames or any(n.endswith(".template.json") for n in filenames)
    )


def read_assembly(directory: str, seen: set[str]) -> tuple[Assembly | None, list[Diagnostic]]:
    """The assembly in `directory` and its nested ones (each once: `seen` holds the real
    paths read), or None with the line that says why it is not one."""
    diags: list[Diagnostic] = []
    asm = _read(directory, seen, "", diags)
    return asm, diags


def _read(directory: str, seen: set[str], stage: str, diags: list[Diagnostic]) -> Assembly | None:
    manifest_path = os.path.join(directory, MANIFEST)
    try:
        doc = orjson.loads(read_regular(manifest_path))
    except OSError as exc:
        diags.append(Diagnostic(manifest_path, f"cannot read: {reason(exc)}"))
        return None
    except orjson.JSONDecodeError as exc:
        diags.append(Diagnostic(manifest_path, f"not a cloud assembly manifest: {exc.msg}"))
        return None
    artifacts = doc.get("artifacts") if isinstance(doc, dict) else None
    if not isinstance(artifacts, Mapping) or not isinstance(doc.get("version"), str):
        why = "not a cloud assembly manifest (no version and artifacts): templates read alone"
        diags.append(Diagnostic(manifest_path, why))
        return None
    seen.add(os.path.realpath(directory))
    asm = Assembly(directory, directories=[directory])
    for aid, art in artifacts.items():
        art = as_mapping(art)
        props = as_mapping(art.get("properties"))
        kind = art.get("type")
        where = f"{manifest_path}: artifact {aid}"
        if kind == ASSETS and isinstance(props.get("file"), str):
            _assets(os.path.join(directory, props["file"]), asm, diags)
        elif kind == STACK:
            template = props.get("templateFile")
            if not isinstance(template, str) or not template:
                diags.append(Diagnostic(where, "a stack without a templateFile"))
                continue
            env = _env(art.get("environment"), where, diags)
            name = props.get("stackName")
            env = Env(env.account, env.region, name if isinstance(name, str) else str(aid))
            label = art.get("displayName")
            shown = label if isinstance(label, str) else f"{stage}{aid}"
            asm.stacks.append(Stack(os.path.join(directory, template), env, shown, asm))
        elif kind == NESTED_ASSEMBLY:
            sub = props.get("directoryName")
            if not isinstance(sub, str) or not sub:
                diags.append(Diagnostic(where, "a nested assembly without a directoryName"))
                continue
            path = os.path.join(directory, sub)
            if os.path.realpath(path) in seen:
                continue
            if not os.path.isfile(os.path.join(path, MANIFEST)):
                diags.append(Diagnostic(where, f"its directory {path} has no {MANIFEST}"))
                continue
            name = props.get("displayName")
            nested = _read(path, seen, f"{name}/" if isinstance(name, str) else "", diags)
            if nested is not None:
                asm.stacks += nested.stacks
                asm.directories += nested.directories
    return asm


def _env(value: Any, where: str, diags: list[Diagnostic]) -> Env:
    """`aws://ACCOUNT/REGION`; unknown-account and unknown-region are not known."""
    if value is None:
        return Env()
    parts = value.removeprefix("aws://").split("/") if isinstance(value, str) else []
    if not (isinstance(value, str) and value.startswith("aws://") and len(parts) == 2):
        diags.append(Diagnostic(where, f"environment {value!r} is not aws://ACCOUNT/REGION"))
        return Env()
    account, region = (None if p in _UNKNOWN or not p else p for p in parts)
    return Env(account, region)


def _assets(path: str, asm: Assembly, diags: list[Diagnostic]) -> None:
    """The file assets of an asset manifest: hash and object key -> the file."""
    try:
        doc = orjson.loads(read_regular(path))
    except OSError as exc:
        diags.append(Diagnostic(path, f"cannot read: {reason(exc)}"))
        return
    except orjson.JSONDecodeError as exc:
        diags.append(Diagnostic(path, f"not an asset manifest: {exc.msg}"))
        return
    for key, spec in as_mapping(as_mapping(doc).get("files")).items():
        source = as_mapping(as_mapping(spec).get("source"))
        file = source.get("path")
        if not (isinstance(file, str) and file.endswith(".json")):
            continue
        full = os.path.join(os.path.dirname(path), file)
        asm.assets[str(key)] = full
        for dest in as_mapping(as_mapping(spec).get("destinations")).values():
            obj = as_mapping(dest).get("objectKey")
            if isinstance(obj, str):
                asm.assets[obj] = full
