"""No import cycles between the modules under src/ (every package there, so a sibling
package of sagewarden is covered too).

The graph is read from the source with `ast`, not by importing it, and counts every import
statement wherever it stands: at module level, inside a function (a lazy import), and
under `if TYPE_CHECKING:`. A lazy or type-only import hides a cycle from the interpreter,
not from the design: the two modules still cannot be understood, tested or moved apart.
An edge goes to the module named (`from a.b import c` names the module a.b.c when there is
one, else a.b); the parent packages that Python initialises on the way are not edges, or
every package whose `__init__` re-exports its modules would be a cycle.

A cycle is reported as the strongly connected component that holds it (every module that
can reach every other), with one shortest cycle through it spelled out.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# Cycles that exist today outside the command line, each being removed by another engineer
# of issue 12. The set only shrinks: a cycle not listed fails, and so does an entry that is
# no longer exactly a cycle (remove it, or write down what is left of it).
KNOWN: set[frozenset[str]] = set()  # every cycle the redesign found is gone

# The packages of issue 12's item 5: never in a cycle, KNOWN or not.
_OURS = ("sagewarden.cli", "sagewarden.pipeline", "sagewarden.exitstatus")


def modules(src: Path = SRC) -> dict[str, Path]:
    """Every module under `src` by dotted name (a package by its `__init__.py`)."""
    found: dict[str, Path] = {}
    for path in sorted(src.rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if not (src / parts[0] / "__init__.py").is_file():
            continue  # not in a package (a stray script)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that `name` (at `path`) imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                if sub in known:
                    out.add(sub)
                elif module in known:
                    out.add(module)
    out.discard(name)
    return out


def graph(src: Path = SRC) -> dict[str, set[str]]:
    known = modules(src)
    return {name: imports(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def shortest_cycle(edges: dict[str, set[str]], component: frozenset[str]) -> list[str]:
    """One shortest cycle inside `component`, as a path that returns to its start."""
    start = min(component)
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(edges[node] & component):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if child not in previous:
                previous[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start} in {sorted(component)}")


def describe(edges: dict[str, set[str]], component: frozenset[str]) -> str:
    return " -> ".join(shortest_cycle(edges, component)) + f"  (all: {sorted(component)})"


def test_no_import_cycle_beyond_the_known_ones() -> None:
    edges = graph()
    found = set(cycles(edges))
    new = [describe(edges, c) for c in sorted(found - KNOWN, key=sorted)]
    assert not new, "import cycles:\n" + "\n".join(new)


def test_every_known_cycle_still_exists_as_listed() -> None:
    """When another engineer removes (part of) a cycle, KNOWN shrinks with it."""
    found = set(cycles(graph()))
    gone = [sorted(c) for c in KNOWN - found]
    assert not gone, f"no longer a cycle as listed, update KNOWN: {gone}"


def test_the_command_line_and_the_pipeline_are_in_no_cycle() -> None:
    """Not even a known one: cli <-> cli_fix was, and is gone."""
    found = cycles(graph())
    ours = [sorted(c) for c in found if any(m.startswith(_OURS) for m in c)]
    assert ours == []


def test_the_graph_sees_every_kind_of_import(tmp_path: Path) -> None:
    """Module level, relative, lazy (in a function), TYPE_CHECKING-only and
    `from package import module` each make an edge, so each can make a cycle."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "import pkg.b\n",
        "b.py": "def f():\n    from . import c\n",
        "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub import d\n",
        "sub/__init__.py": "",
        "sub/d.py": "from ..a import x\n",
        "e.py": "import os\n",
    }
    for name, text in files.items():
        (pkg / name).write_text(text)
    edges = graph(tmp_path)
    assert edges["pkg.a"] == {"pkg.b"}
    assert edges["pkg.b"] == {"pkg.c"}
    assert edges["pkg.c"] == {"pkg.sub.d"}
    assert edges["pkg.sub.d"] == {"pkg.a"}
    (component,) = cycles(edges)
    assert component == {"pkg.a", "pkg.b", "pkg.c", "pkg.sub.d"}
    assert shortest_cycle(edges, component) == ["pkg.a", "pkg.b", "pkg.c", "pkg.sub.d", "pkg.a"]
