"""CloudFormation, SAM and CDK templates as a source, before anything reaches AWS.

YAML (short and long intrinsic forms) or JSON, recognised by content. Every
AWS::SageMaker::* resource of the ten evaluated types becomes a canonical resource whose
id is its logical id and whose provenance carries the file and the line of that id.
Resources whose Condition is false are not evaluated (and say so); suppressions are read
from `Metadata: {sagewarden: {suppress: [...]}}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from sagewarden.diagnostics import Diagnostic, Kind
from sagewarden.resources import ALL_TYPES, NAME_PROPERTY, Provenance, Resource
from sagewarden.sources.cfn_intrinsics import Resolver, TemplateError
from sagewarden.values import UnresolvedValue, has_choice, tag_keys
from sagewarden.verdicts import Suppression

MAX_YAML_NODES = 2_000_000  # aliases may not expand a document beyond this many nodes
_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TemplateLoader(_Loader):  # type: ignore[misc]
    """PyYAML's C loader plus CloudFormation's short-form tags (!Ref, !GetAtt, !Sub...)."""


def _short_form(loader: Any, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    return {f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _short_form)


class TemplateLoadError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message)


@dataclass
class LoadedTemplate:
    doc: dict[str, Any]
    lines: dict[str, int]  # logical id -> line of its key


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
    """Parse YAML with line numbers for logical ids; None when it is not a mapping."""
    loader = _TemplateLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        doc = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise TemplateLoadError(f"invalid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise TemplateLoadError(f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if not isinstance(doc, dict):
        return None
    return LoadedTemplate(doc, _yaml_lines(node))


def _check_expansion(root: yaml.Node) -> None:
    """Refuse documents whose aliases expand past MAX_YAML_NODES (a "billion laughs")."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if key in sizes and not done:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            sizes[key] = -1  # in progress
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(max(sizes.get(id(c), 0), 0) for c in children)
        if total > MAX_YAML_NODES:
            raise TemplateLoadError(
                f"YAML aliases expand to more than {MAX_YAML_NODES:,} nodes (an alias bomb?)"
            )
        sizes[key] = total


def _yaml_lines(root: yaml.Node) -> dict[str, int]:
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value == "Resources"
            and isinstance(value, yaml.MappingNode)
        ):
            return {
                str(k.value): k.start_mark.line + 1
                for k, _ in value.value
                if isinstance(k, yaml.ScalarNode)
            }
    return {}


def json_lines(text: str, logical_ids: list[str]) -> dict[str, int]:
    """Lines of logical ids in a JSON template.

    The ids are keys of "Resources" in document order (as parsed), so each one is the first
    `"Id":` after the previous one: a string search per id and one newline count over the
    text, linear however many resources the template has.
    """
    pos = text.find('"Resources"')
    if pos < 0:
        return {}
    lines: dict[str, int] = {}
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
        lines[lid] = line
    return lines


def read_template(
    loaded: LoadedTemplate, file: str, given: Mapping[str, str]
) -> tuple[list[Resource], list[Diagnostic]]:
    doc = loaded.doc
    diags: list[Diagnostic] = []
    resources_section = doc.get("Resources")
    if not isinstance(resources_section, Mapping) or not resources_section:
        return [], [Diagnostic(file, "not a usable template: it has no Resources")]
    try:
        resolver = Resolver(doc, given)
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
        if rtype not in ALL_TYPES:
            continue
        try:
            resource = _resource(resolver, str(lid), spec, file, line, diags)
        except TemplateError as exc:
            diags.append(Diagnostic(where, f"{lid}: {exc}"))
            continue
        if resource is not None:
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
        resource.read_error = f"Properties {props.why}"
        resource.name = lid
        return resource
    if not isinstance(props, dict):
        raise TemplateError(f"Properties of {lid} is not an object")
    resource.properties = props
    own = props.get(NAME_PROPERTY[rtype])
    resource.name = str(name) if isinstance(name, str) else own if isinstance(own, str) else lid
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
        doc = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        return {}, [Diagnostic(path, f"cannot read: {exc.strerror or exc}")]
    except orjson.JSONDecodeError as exc:
        return {}, [Diagnostic(path, f"invalid JSON: {exc.msg}")]
    out: dict[str, str] = {}
    if isinstance(doc, Mapping) and isinstance(doc.get("Parameters"), Mapping):
        for k, v in doc["Parameters"].items():
            out[str(k)] = v if isinstance(v, str) else orjson.dumps(v).decode().strip('"')
        return out, []
    if isinstance(doc, list):
        for n, item in enumerate(doc, 1):
            if isinstance(item, Mapping) and "ParameterKey" in item:
                if item.get("UsePreviousValue"):
                    continue
                out[str(item["ParameterKey"])] = str(item.get("ParameterValue", ""))
            elif isinstance(item, str) and "=" in item:
                k, v = item.split("=", 1)
                out[k.strip()] = v
            else:
                return {}, [
                    Diagnostic(
                        path,
                        f'entry {n} is neither {{ParameterKey, ParameterValue}}}} nor "Key=Value"',
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
