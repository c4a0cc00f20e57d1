"""CloudFormation, SAM and CDK templates as a source, before anything reaches AWS.

YAML (short and long intrinsic forms) or JSON, recognised by content. Every
AWS::SageMaker::* resource of an evaluated type (kinds) becomes a canonical resource whose
id is its logical id and whose provenance carries the file and the line of that id.
Resources whose Condition is false are not evaluated (and say so); suppressions are read
from `Metadata: {sagewarden: {suppress: [...]}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
import yaml

from sagewarden.catalog import CONTROLS
from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.kinds import ALL_TYPES, name_property
from sagewarden.resources import Provenance, Resource
from sagewarden.sources import property_lines, yamlsafe
from sagewarden.sources.cfn_intrinsics import Resolver, TemplateError
from sagewarden.sources.inputfile import read_regular, reason
from sagewarden.sources.limits import MAX_DEPTH, depth_message, too_deep
from sagewarden.sources.yamlsafe import YamlLoadError
from sagewarden.tags import tag_keys
from sagewarden.unknowns import UnresolvedValue, has_choice
from sagewarden.valuetext import a_kind
from sagewarden.verdicts import Suppression


def _short_form(suffix: str, value: Any) -> dict[str, Any]:
    """The long form of a short-form tag (`!GetAtt A.Arn` -> {"Fn::GetAtt": ["A", "Arn"]})."""
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{suffix}": value}


class _TemplateLoader(yamlsafe.SafeLoader):
    """The safe loader plus CloudFormation's short-form tags (!Ref, !GetAtt, !Sub...)."""

    short_form = staticmethod(_short_form)  # what yamlsafe's fast construction calls


def _construct_short_form(loader: Any, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return _short_form(suffix, value)


_TemplateLoader.add_multi_constructor("!", _construct_short_form)

TemplateLoadError = YamlLoadError
# Resource.extra key: the construct path a CDK template records (Metadata aws:cdk:path).
CDK_PATH = "cdk_path"
# Sections the intrinsic resolver reads (a resource's own spec is checked on its own).
_RESOLVED_SECTIONS = ("Parameters", "Mappings", "Conditions")


@dataclass
class LoadedTemplate:
    doc: dict[str, Any]
    lines: dict[str, int]  # logical id -> line of its key
    # Finds a member's lines under Resources (property_lines), while the text is at hand.
    locate: property_lines.Locate | None = None


def looks_like_template(doc: Any) -> bool:
    if not isinstance(doc, Mapping):
        return False
    if "AWSTemplateFormatVersion" in doc:
        return True
    resources = doc.get("Resources")
    return isinstance(resources, Mapping) and any(
        isinstance(r, Mapping) and isinstance(r.get("Type"), str) for r in resources.values()
    )


def load_yaml(text: str) -> LoadedTemplate | None:
    """Parse YAML with line numbers for logical ids; None when it is not a mapping.

    Raises TemplateLoadError (with the line where known) for anything unreadable.
    """
    node, doc = yamlsafe.load(text, _TemplateLoader)
    if node is None or not isinstance(doc, dict):
        return None
    resources = _yaml_resources(node)
    if resources is None:
        return LoadedTemplate(doc, {})
    lines = {
        str(k.value): k.start_mark.line + 1
        for k, _ in resources.value
        if isinstance(k, yaml.ScalarNode)
    }
    return LoadedTemplate(doc, lines, property_lines.yaml_locator(resources))


def _yaml_resources(root: yaml.Node) -> yaml.MappingNode | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value == "Resources"
            and isinstance(value, yaml.MappingNode)
        ):
            return value
    return None


def load_json(doc: dict[str, Any], text: str) -> LoadedTemplate:
    """A parsed JSON template with the lines of its logical ids and a locator for their
    properties, both from one linear pass over the text."""
    ids = doc.get("Resources")
    keys = json_keys(text, list(ids) if isinstance(ids, dict) else [])
    lines = {lid: line for lid, (line, _) in keys.items()}
    return LoadedTemplate(doc, lines, property_lines.json_locator(text, keys))


def json_lines(text: str, logical_ids: list[str]) -> dict[str, int]:
    """Lines of logical ids in a JSON template (see json_keys)."""
    return {lid: line for lid, (line, _) in json_keys(text, logical_ids).items()}


def json_keys(text: str, logical_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Line and offset of the key of each logical id in a JSON template.

    The ids are keys of "Resources" in document order (as parsed), so each one is the first
    `"Id":` after the previous one: a string search per id and one newline count over the
    text, linear however many resources the template has.
    """
    pos = text.find('"Resources"')
    if pos < 0:
        return {}
    lines: dict[str, tuple[int, int]] = {}
    line, last = text.count("\n", 0, pos) + 1, pos
    for lid in logical_ids:
        needle = orjson.dumps(lid).decode()
        at = text.find(needle, pos)
        while at >= 0 and text[at + len(needle) : at + len(needle) + 64].lstrip()[:1] != ":":
            at = text.find(needle, at + 1)  # the id as a value (a Ref), not as the key
        if at < 0:
            continue
        line += text.count("\n", last, at)
        last = pos = at
        lines[lid] = (line, at)
    return lines


def read_template(
    loaded: LoadedTemplate,
    file: str,
    given: Mapping[str, str],
    resolver: Resolver | None = None,
) -> tuple[list[Resource], list[Diagnostic]]:
    """The template's resources; `resolver` is the one cfn_graph makes (exports, nested
    stacks' parameters), else one of the template and `given`."""
    doc = loaded.doc
    diags: list[Diagnostic] = []
    resources_section = doc.get("Resources")
    if not isinstance(resources_section, Mapping) or not resources_section:
        return [], [Diagnostic(file, "not a usable template: it has no Resources")]
    for section in _RESOLVED_SECTIONS:  # what the resolver walks, besides our resources
        deep = too_deep(doc.get(section), MAX_DEPTH - 1)
        if deep is not None:
            return [], [Diagnostic(file, depth_message(f"{section}.{deep}"))]
    try:
        resolver = resolver or Resolver(doc, given)
    except TemplateError as exc:
        return [], [Diagnostic(file, f"invalid template: {exc}")]
    out: list[Resource] = []
    for lid, spec in resources_section.items():
        line = loaded.lines.get(str(lid))
        where = f"{file}:{line}" if line else file
        if not isinstance(spec, Mapping):
            diags.append(Diagnostic(where, f"resource {lid} is not an object"))
            continue
        rtype = spec.get("Type")
        if not isinstance(rtype, str):
            what = "has no Type" if rtype is None else f"has a Type that is {a_kind(rtype)}"
            diags.append(Diagnostic(where, f"resource {lid} {what}, not a resource type name"))
            continue
        if rtype not in ALL_TYPES:
            continue  # another service's resource: never walked, not ours to judge
        deep = too_deep(spec, MAX_DEPTH - 2)
        if deep is not None:
            diags.append(Diagnostic(where, f"{lid}: {depth_message(f'Resources.{lid}.{deep}')}"))
            continue
        try:
            resource = _resource(resolver, str(lid), spec, file, line, diags)
        except TemplateError as exc:
            diags.append(Diagnostic(where, f"{lid}: {exc}"))
            continue
        if resource is not None:
            if loaded.locate is not None:
                paths = _judged_paths(rtype)
                spans = property_lines.spans(paths, str(lid), line, spec, loaded.locate)
                resource.extra[property_lines.PROPERTY_LINES] = spans
            out.append(resource)
    for name in sorted(resolver.unused_given):
        diags.append(
            Diagnostic(
                file,
                f"parameter {name} was given but the template does not declare it",
                Kind.WARNING,
            )
        )
    return out, diags


@cache
def _judged_paths(resource_type: str) -> tuple[str, ...]:
    return property_lines.judged_paths(CONTROLS, resource_type)


def _resource(
    resolver: Resolver,
    lid: str,
    spec: Mapping[str, Any],
    file: str,
    line: int | None,
    diags: list[Diagnostic],
) -> Resource | None:
    rtype = str(spec["Type"])
    where = f"{file}:{line}" if line else file
    cond = spec.get("Condition")
    if isinstance(cond, str) and resolver.condition(cond) is False:
        diags.append(
            Diagnostic(where, f"{lid} not evaluated: its Condition {cond} is false", Kind.INFO)
        )
        return None
    raw_props = spec.get("Properties", {})
    props = resolver.resolve(raw_props) if raw_props is not None else {}
    metadata = spec.get("Metadata") if isinstance(spec.get("Metadata"), Mapping) else {}
    assert isinstance(metadata, Mapping)
    name = metadata.get("aws:cdk:path")
    resource = Resource(
        type=rtype,
        id=lid,
        name="",
        properties={},
        tags={},
        provenance=Provenance("cloudformation", file=file, line=line),
    )
    if isinstance(props, UnresolvedValue):
        # Not one property can be read before deploy: nothing to evaluate, said once.
        resource.read_error = f"Properties {props.why}"
        resource.name = lid
        diags.append(Diagnostic(where, f"{lid}: Properties {props.why}: it cannot be evaluated"))
        return resource
    if not isinstance(props, dict):
        raise TemplateError(f"Properties of {lid} is not an object")
    resource.properties = props
    own = props.get(name_property(rtype))
    resource.name = str(name) if isinstance(name, str) else own if isinstance(own, str) else lid
    if isinstance(name, str):
        resource.extra[CDK_PATH] = name  # cdk_metadata finds the creation stack by it
    raw_tags = props.get("Tags")
    if has_choice(raw_tags):
        resource.tags = {}  # the tag control settles them per option
        resource.extra["tags_choice"] = raw_tags
    else:
        resource.tags, unresolved = tag_keys(raw_tags)
        if unresolved:
            resource.extra["tags_unresolved"] = True
    suppressions = _suppressions(metadata, where, lid, diags)
    if suppressions:
        resource.extra["suppress"] = suppressions
    return resource


def _suppressions(
    metadata: Mapping[str, Any], where: str, lid: str, diags: list[Diagnostic]
) -> list[Suppression]:
    block = metadata.get("sagewarden")
    if block is None:
        return []
    entries = block.get("suppress") if isinstance(block, Mapping) else None
    if not isinstance(entries, list):
        diags.append(Diagnostic(where, f"{lid}: Metadata.sagewarden.suppress must be a list"))
        return []
    from sagewarden.suppressions import parse_entry

    out = []
    for n, entry in enumerate(entries, 1):
        sup, problem = parse_entry(entry, source="template", allow_resource=False)
        if problem:
            diags.append(Diagnostic(where, f"{lid}: suppression {n}: {problem}"))
        elif sup is not None:
            out.append(sup)
    return out


def parse_params_file(path: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """Parameter values from the formats teams already keep them in.

    - `aws cloudformation create-stack/deploy --parameters file://p.json`:
      `[{"ParameterKey": "K", "ParameterValue": "V"}, ...]`
    - `aws cloudformation deploy --parameter-overrides file://p.json`: `["K=V", ...]`
    - a CodePipeline template configuration file: `{"Parameters": {"K": "V"}, ...}`
    """
    try:
        doc = orjson.loads(read_regular(path))
    except OSError as exc:
        return {}, [Diagnostic(path, f"cannot read: {reason(exc)}")]
    except orjson.JSONDecodeError as exc:
        return {}, [Diagnostic(path, f"invalid JSON: {exc.msg}")]
    out: dict[str, str] = {}
    if isinstance(doc, Mapping) and isinstance(doc.get("Parameters"), Mapping):
        for k, v in doc["Parameters"].items():
            if isinstance(v, (dict, list)):
                return {}, [Diagnostic(path, f"parameter {k}: the value is {a_kind(v)}")]
            out[str(k)] = v if isinstance(v, str) else orjson.dumps(v).decode().strip('"')
        return out, []
    if isinstance(doc, list):
        for n, item in enumerate(doc, 1):
            if isinstance(item, Mapping) and isinstance(item.get("ParameterKey"), str):
                if item.get("UsePreviousValue"):
                    continue
                value = item.get("ParameterValue", "")
                if isinstance(value, (dict, list)):
                    return {}, [Diagnostic(path, f"entry {n}: ParameterValue is {a_kind(value)}")]
                out[item["ParameterKey"]] = str(value)
            elif isinstance(item, str) and "=" in item:
                k, v = item.split("=", 1)
                out[k.strip()] = v
            else:
                return {}, [
                    Diagnostic(
                        path,
                        f'entry {n} is neither {{ParameterKey, ParameterValue}} nor "Key=Value"',
                    )
                ]
        return out, []
    return {}, [
        Diagnostic(
            path,
            "not a parameters file: expected a list of ParameterKey/"
            'ParameterValue, a list of Key=Value, or {"Parameters": {...}}',
        )
    ]
