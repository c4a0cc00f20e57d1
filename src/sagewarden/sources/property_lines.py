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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
import yaml

from sagewarden.resources import Resource

if TYPE_CHECKING:
    from sagewarden.controls.base import Control

# Resource.extra key: judged path -> PropertySpan, for resources read from a template.
PROPERTY_LINES = "property_lines"

# (logical id, keys under the resource) -> (first line, last line) of that member, or
# None when the resource has no such member.
Locate = Callable[[str, tuple[str, ...]], "tuple[int, int] | None"]


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
    paths: Iterable[str], lid: str, id_line: int | None, locate: Locate
) -> dict[str, PropertySpan]:
    """The span of each judged path (judged_paths) for one resource."""
    out: dict[str, PropertySpan] = {}
    props = locate(lid, ("Properties",))
    for path in paths:
        parts = path.split(".")
        best: tuple[str, tuple[int, int]] | None = None
        if props is not None:
            for n in range(len(parts), 0, -1):
                found = locate(lid, ("Properties", *parts[:n]))
                if found is not None:
                    best = (".".join(parts[:n]), found)
                    break
        if best is not None:
            out[path] = PropertySpan(path, best[0], *best[1])
        elif props is not None:
            out[path] = PropertySpan(path, "", props[0], props[0])
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

    def locate(lid: str, keys: tuple[str, ...]) -> tuple[int, int] | None:
        node: yaml.Node | None = by_id.get(lid)
        key_node: yaml.Node | None = None
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                return None
            pair = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value == key
                ),
                None,
            )
            if pair is None:
                return None
            key_node, node = pair
        if key_node is None or node is None:
            return None
        return key_node.start_mark.line + 1, _yaml_last_line(node)

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

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]')
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SCALAR = re.compile(r"[^,}\]\s]*")
_WS = re.compile(r"\s*")


def json_locator(text: str, keys: dict[str, tuple[int, int]]) -> Locate:
    """Locate members under `Resources` in JSON text, from each logical id's (line,
    offset of its key) as `cloudformation.json_keys` finds them."""

    def locate(lid: str, path: tuple[str, ...]) -> tuple[int, int] | None:
        start = keys.get(lid)
        if start is None:
            return None
        line, key_at = start
        member = _member_value(text, key_at)
        for key in path:
            if member is None or text[member[0] : member[0] + 1] != "{":
                return None
            found = _find_member(text, member[0], key)
            if found is None:
                return None
            key_at, member = found[0], found[1:]
        if member is None:
            return None
        first = line + text.count("\n", start[1], key_at)
        return first, first + text.count("\n", key_at, member[1])

    return locate


def _member_value(text: str, key_at: int) -> tuple[int, int] | None:
    """(start, end) of the value of the member whose key string starts at key_at."""
    m = _STRING.match(text, key_at)
    if m is None:
        return None
    colon = _WS.match(text, m.end())
    at = colon.end() if colon else m.end()
    if text[at : at + 1] != ":":
        return None
    ws = _WS.match(text, at + 1)
    begin = ws.end() if ws else at + 1
    return begin, _value_end(text, begin)


def _value_end(text: str, begin: int) -> int:
    first = text[begin : begin + 1]
    if first == '"':
        m = _STRING.match(text, begin)
        return m.end() if m else len(text)
    if first not in ("{", "["):
        s = _SCALAR.match(text, begin)
        return s.end() if s else begin
    depth = 0
    for m in _TOKEN.finditer(text, begin):
        tok = m.group()
        if tok in ("{", "["):
            depth += 1
        elif tok in ("}", "]"):
            depth -= 1
            if depth == 0:
                return m.end()
    return len(text)


def _find_member(text: str, obj: int, key: str) -> tuple[int, int, int] | None:
    """(key offset, value start, value end) of `key` directly in the object at obj."""
    depth = 0
    for m in _TOKEN.finditer(text, obj + 1):
        tok = m.group()
        if tok[0] == '"':
            if depth:
                continue
            name = orjson.loads(tok) if "\\" in tok else tok[1:-1]
            if name == key:
                value = _member_value(text, m.start())
                if value is not None:
                    return m.start(), *value
        elif tok in ("{", "["):
            depth += 1
        elif depth == 0:
            return None  # the object closed without the key
        else:
            depth -= 1
    return None
