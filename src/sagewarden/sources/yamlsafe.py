"""YAML that cannot hurt the scan: every failure is a YamlLoadError with the line.

PyYAML's safe loader (its C version when built) with three changes:
- aliases may not expand a document past MAX_YAML_NODES (a "billion laughs") nor refer to
  a node from inside it (a cycle: every walker downstream would recurse for ever);
- timestamps stay text, as CloudFormation reads them (`expires: 2027-02-30` is then a bad
  date said in one line, not a ValueError from the date constructor);
- an integer beyond 64 bits is a float, as orjson reads one in JSON, and one beyond a
  float's range (5,000 digits) is an error at its line.
The C parser refuses nesting beyond 1,000 levels; anything the pure-Python one cannot nest
is refused too.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

MAX_YAML_NODES = 2_000_000  # aliases may not expand a document beyond this many nodes
_Base: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT_MIN, _INT_MAX = -(1 << 63), (1 << 64) - 1


class YamlLoadError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message)


class SafeLoader(_Base):  # type: ignore[misc]
    """The safe loader with timestamps as text and construction errors at their line."""

    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:
        """An integer as JSON parsers give it: beyond 64 bits a float (orjson does the
        same), beyond a float's range an error at its line."""
        try:
            value = SafeConstructor.construct_yaml_int(self, node)
            return value if _INT_MIN <= value <= _INT_MAX else float(value)
        except (ValueError, OverflowError):
            raise ConstructorError(
                None, None, f"cannot read the number {_clip(str(node.value))}: it is too large",
                node.start_mark,
            ) from None  # fmt: skip


SafeLoader.add_constructor("tag:yaml.org,2002:int", SafeLoader.construct_yaml_int)
SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeConstructor.construct_yaml_str)
SafeLoader.add_constructor("tag:yaml.org,2002:binary", SafeConstructor.construct_yaml_str)
SafeLoader.add_constructor("tag:yaml.org,2002:set", SafeConstructor.construct_yaml_map)


def load(text: str, loader_class: type[Any] = SafeLoader) -> tuple[yaml.Node | None, Any]:
    """The document's node (for line numbers) and its value; (None, None) when empty."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        if "&" in text:  # no anchor, no alias: the walk is only needed when there is one
            check_aliases(node)
            return node, loader.construct_document(node)
        try:
            return node, _construct(loader, node)
        except (_Unusual, RecursionError):  # the general constructor (not recursive) takes it
            return node, loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = _one_line(exc.problem or exc.context)
        raise YamlLoadError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(f"invalid YAML: {_one_line(str(exc))}") from None
    except RecursionError:
        raise YamlLoadError("invalid YAML: nested too deeply to read") from None
    finally:
        loader.dispose()


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Scalar tags whose constructors return the value itself (not a generator).
_SCALARS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp", "binary")
)


class _Unusual(Exception):
    """What `_construct` leaves to PyYAML's general constructor."""


def _construct(loader: Any, node: yaml.Node) -> Any:
    """The value `loader.construct_document(node)` gives, for a document without anchors,
    in a fraction of the time: PyYAML's constructor goes through generators and a cache
    per node, which a tree without aliases does not need. Tags starting with "!" are the
    loader's `short_form(suffix, value)`. Anything else (a merge key, a set, an unhashable
    key, a tag it does not know) raises _Unusual; it recurses, so a document nested beyond
    the recursion limit is left to PyYAML's constructor too."""
    tag = node.tag
    if type(node) is yaml.ScalarNode:
        if tag == _STR:
            return node.value
        if tag in _SCALARS:
            return loader.yaml_constructors[tag](loader, node)
        if tag[:1] == "!" and hasattr(loader, "short_form"):
            return loader.short_form(tag[1:], node.value)
        raise _Unusual
    if type(node) is yaml.MappingNode:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node)  # a merge key ("<<") is _Unusual
            try:
                out[key] = _construct(loader, value_node)
            except TypeError:  # an unhashable key
                raise _Unusual from None
        value: Any = out
    elif type(node) is yaml.SequenceNode:
        value = [_construct(loader, item) for item in node.value]
    else:
        raise _Unusual
    if tag in (_MAP, _SEQ):
        return value
    if tag[:1] == "!" and hasattr(loader, "short_form"):
        return loader.short_form(tag[1:], value)
    raise _Unusual


def check_aliases(root: yaml.Node) -> None:
    """Refuse alias cycles, and documents whose aliases expand past MAX_YAML_NODES."""
    sizes: dict[int, int] = {}  # id(node) -> expanded size; -1 while its children are walked
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
            sizes[key] = -1
            for child in children:
                if sizes.get(id(child)) == -1:  # an ancestor: the walk is depth-first
                    raise YamlLoadError(
                        "invalid YAML: an alias inside the anchored value it refers to "
                        f"(anchored at line {child.start_mark.line + 1}) makes a cycle",
                        node.start_mark.line + 1,
                    )
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(max(sizes.get(id(c), 0), 0) for c in children)
        if total > MAX_YAML_NODES:
            raise YamlLoadError(
                f"YAML aliases expand to more than {MAX_YAML_NODES:,} nodes (an alias bomb?)"
            )
        sizes[key] = total


def _clip(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _one_line(text: str | None) -> str:
    return " ".join(str(text or "").split())
