"""Lines of the property a control judges, in the template that declares the resource.

A finding on a template points at the property it is about, from its key's line to the
last line of its value, not only at the logical id. Which property a control judges is
the first field its fix sets (`Fix.sets`, dotted canonical names): the field that makes
it pass. A list item (`ProductionVariants[].X`) points at the whole list, since the
control may judge any item. When the template lacks the property (the usual failing
case), the finding points at the deepest part of the path the template has, else at the
resource's `Properties` key, else at the logical id.

The spans are computed while the template is read, for the judged paths of the
resource's type only, and walk the resource's own text or YAML nodes: a JSON template
is never scanned again from its start, so reading stays linear in its size.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson
import yaml

from sagewarden.resources import Resource

if TYPE_CHECKING:
    from sagewarden.controls.base import Control

# Resource.extra key: judged path -> PropertySpan, for resources read from a template.
PROPERTY_LINES = "property_lines"

# (logical id, keys under the resource, whether the last line is wanted) -> (first line,
# last line, or the first again when not wanted) of that member, or None when the
# resource has no such member.
Locate = Callable[[str, tuple[str, ...], bool], "tuple[int, int] | None"]


@dataclass(frozen=True, slots=True)
class PropertySpan:
    """Where a judged property is, or would go, in the template."""

    path: str  # the property the control judges, e.g. "NetworkConfig.EnableNetworkIsolation"
    found: str  # the part of it the template has ("" when none: then line is a fallback)
    line: int
    end_line: int

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"property": self.path, "line": self.line}
        out["end_line"] = self.end_line
        if self.found != self.path:
            out["property_found"] = self.found  # absent: where it would be added
        return out


def judged_path(control: Control) -> str | None:
    """The property a control judges: its fix's first field, cut at a list's items."""
    if not control.fix.sets:
        return None
    path = control.fix.sets[0][0]
    return path.split("[]", 1)[0].rstrip(".") or None


def judged_paths(controls: Iterable[Control], resource_type: str) -> tuple[str, ...]:
    """The paths the given controls judge on resources of one type, each once."""
    out: list[str] = []
    for c in controls:
        path = judged_path(c) if c.resource_type == resource_type else None
        if path is not None and path not in out:
            out.append(path)
    return tuple(out)


def spans(
    paths: Iterable[str],
    lid: str,
    id_line: int | None,
    spec: Mapping[str, Any],
    locate: Locate,
) -> dict[str, PropertySpan]:
    """The span of each judged path (judged_paths) for one resource. The parsed `spec`
    says how much of each path the template has, so the text is only walked to members
    that exist, never through a whole object to learn that one is missing."""
    out: dict[str, PropertySpan] = {}
    props = spec.get("Properties")
    for path in paths:
        parts = path.split(".")
        have: list[str] = []
        node: Any = props
        for part in parts:
            if not isinstance(node, Mapping) or part not in node:
                break
            have.append(part)
            node = node[part]
        found = locate(lid, ("Properties", *have), bool(have)) if props is not None else None
        if found is not None:
            out[path] = PropertySpan(path, ".".join(have), *found)
        elif id_line is not None:
            out[path] = PropertySpan(path, "", id_line, id_line)
    return out


def span_of(resource: Resource, control: Control) -> PropertySpan | None:
    """The judged property's span for this finding, when the resource came from a template."""
    table = resource.extra.get(PROPERTY_LINES)
    path = judged_path(control)
    if not isinstance(table, dict) or path is None:
        return None
    span = table.get(path)
    return span if isinstance(span, PropertySpan) else None


# --- YAML: the parsed nodes carry their marks ------------------------------------------


def yaml_locator(resources: yaml.MappingNode) -> Locate:
    """Locate members under `Resources` through the YAML node tree."""
    by_id = {str(k.value): v for k, v in resources.value if isinstance(k, yaml.ScalarNode)}

    def locate(lid: str, keys: tuple[str, ...], ends: bool) -> tuple[int, int] | None:
        node: yaml.Node | None = by_id.get(lid)
        key_node: yaml.Node | None = None
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                return None
            for k, v in node.value:
                if k.value == key and isinstance(k, yaml.ScalarNode):
                    key_node, node = k, v
                    break
            else:
                return None
        if key_node is None or node is None:
            return None
        first = key_node.start_mark.line + 1
        return first, _yaml_last_line(node) if ends else first

    return locate


def _yaml_last_line(node: yaml.Node) -> int:
    """The last line a value's text is on. A block collection's end mark is where the next
    token starts (maybe lines later, after comments), so its last item decides."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style:
        if not node.value:
            break
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    end = node.end_mark
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">") and end.column == 0:
        return max(end.line, node.start_mark.line + 1)  # a block scalar ends with its newline
    return end.line + 1


# --- JSON: a token walk over the resource's own text -----------------------------------

# A JSON string as an unrolled loop (runs of plain characters between escapes): far
# faster in `re` than one alternation per character.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]]')
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_SCALAR = re.compile(r"[^,}\]\s]*")
_COLON = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")


def json_locator(text: str, keys: dict[str, tuple[int, int]]) -> Locate:
    """Locate members under `Resources` in JSON text, from each logical id's (line,
    offset of its key) as `cloudformation.json_keys` finds them. Only the objects on the
    way are walked (to their member, not to their end), and each once per resource."""
    found: dict[tuple[str, tuple[str, ...]], tuple[int, int] | None] = {}

    def member(lid: str, path: tuple[str, ...]) -> tuple[int, int] | None:
        """(key offset, value start) of the member at path under the resource."""
        if (lid, path) in found:
            return found[(lid, path)]
        if not path:
            start = keys.get(lid)
            at = None if start is None else _value_start(text, start[1])
            out = None if start is None or at is None else (start[1], at)
        else:
            parent = member(lid, path[:-1])
            out = None
            if parent is not None and text[parent[1] : parent[1] + 1] == "{":
                out = _direct_member(text, parent[1], path[-1])
        found[(lid, path)] = out
        return out

    def locate(lid: str, path: tuple[str, ...], ends: bool) -> tuple[int, int] | None:
        start = keys.get(lid)
        hit = member(lid, path) if start is not None else None
        if start is None or hit is None:
            return None
        first = start[0] + text.count("\n", start[1], hit[0])
        if not ends:
            return first, first
        return first, first + text.count("\n", hit[0], _value_end(text, hit[1]))

    return locate


def _value_start(text: str, key_at: int) -> int | None:
    """Where the value of the member whose key string starts at key_at begins."""
    m = _STRING.match(text, key_at)
    return None if m is None else _after_key(text, m.end())


def _after_key(text: str, end: int) -> int | None:
    """Where a member's value begins, given the end of a string; None when the string
    is not followed by a colon (it is a value, not a key)."""
    m = _COLON.match(text, end)
    return m.end() if m else None


def _value_end(text: str, begin: int) -> int:
    first = text[begin : begin + 1]
    if first == '"':
        m = _STRING.match(text, begin)
        return m.end() if m else len(text)
    if first not in ("{", "["):
        s = _SCALAR.match(text, begin)
        return s.end() if s else begin
    # The first closing bracket after which the value's text (strings removed) is
    # balanced and has no string left open: C-speed string operations per candidate.
    closer = "}" if first == "{" else "]"
    pos = begin
    while (at := text.find(closer, pos + 1)) >= 0:
        seg = _STRING.sub("", text[begin : at + 1])
        if '"' not in seg and seg.count("{") + seg.count("[") == seg.count("}") + seg.count("]"):
            return at + 1
        pos = at
    return len(text)


def _direct_member(text: str, obj: int, key: str) -> tuple[int, int] | None:
    """(key offset, value start) of `key`, which the parsed template says is a member of
    the object at obj. Its first occurrence as a key whose preceding text (strings
    removed) has balanced brackets is that member: found with C-speed string operations,
    not a walk over every token. A key written with escapes is found by the walk."""
    needle = _needle(key)
    pos = obj + 1
    while (at := text.find(needle, pos)) >= 0:
        value = _after_key(text, at + len(needle))
        if value is not None and text[at - 1] != "\\":
            between = text[obj + 1 : at]
            if "{" not in between and "[" not in between:
                return at, value  # nothing nested before it
            seg = _STRING.sub("", between)
            if seg.count("{") + seg.count("[") == seg.count("}") + seg.count("]"):
                return at, value
        pos = at + 1
    return _walk_member(text, obj, key)


@cache
def _needle(key: str) -> str:
    """A key as JSON writes it, quotes included."""
    return orjson.dumps(key).decode()


def _walk_member(text: str, obj: int, key: str) -> tuple[int, int] | None:
    """(key offset, value start) of `key` directly in the object at obj, token by token."""
    depth = 0
    for m in _TOKEN.finditer(text, obj + 1):
        tok = m.group()
        if tok[0] == '"':
            if depth:
                continue
            name = orjson.loads(tok) if "\\" in tok else tok[1:-1]
            value = _value_start(text, m.start()) if name == key else None
            if value is not None:
                return m.start(), value
        elif tok in ("{", "["):
            depth += 1
        elif depth == 0:
            return None  # the object closed without the key
        else:
            depth -= 1
    return None
