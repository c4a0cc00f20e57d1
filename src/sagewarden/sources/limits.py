"""What a file may ask of sagewarden: how deep it nests, how far it decompresses, how big an
item or a whole-parsed document may be; and the lines that refuse what asks for more.

Hostile or damaged input must end in one line naming the file, never in a RecursionError,
a MemoryError or a hang that loses every other file's verdicts. The limits are far above
what AWS Config, CloudFormation or Terraform produce (their deepest SageMaker values nest
about 20 levels) and are documented in docs/iac.md.
"""

from __future__ import annotations

from typing import Any

import orjson

# Values (a template, a plan, one Config item) may nest this many levels; deeper is refused
# with one line. Every walker downstream (intrinsics, plan conversion, controls, outputs)
# is recursive, and this keeps each far inside Python's stack.
MAX_DEPTH = 100

# One Config item cut out of a large snapshot by the streaming scanner: beyond this it is
# damage (an item that never closes), reported, not read into memory.
MAX_ITEM_BYTES = 64 << 20

# Files parsed whole (templates, plans, query results, snapshots whose configurationItems
# the streaming scanner cannot find near the top). A parse takes several times the file
# size in memory, so a larger file is refused with one line rather than by the kernel.
MAX_WHOLE_BYTES = 1 << 30

# A .json.gz may decompress to at most GZIP_RATIO times its size (JSON compresses about
# 10-30 to 1; a gzip bomb about 1,000 to 1), never less than GZIP_FLOOR and never more
# than GZIP_CAP.
GZIP_RATIO = 100
GZIP_FLOOR = 256 << 20
GZIP_CAP = 16 << 30

_CONTAINERS = (dict, list)


def too_deep(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """Where `value` nests more than `limit` levels ("Resources.M.Properties.A..."), or None.

    Iterative, so it can look at anything a parser produced (a cycle, too, ends here: it
    nests without end). Values shared by YAML aliases are walked once per path; the loader
    already bounds how far aliases expand.
    """
    if not isinstance(value, _CONTAINERS):
        return None
    try:  # at C speed: fewer brackets than the limit cannot nest past it
        text = orjson.dumps(value, default=_opaque, option=orjson.OPT_NON_STR_KEYS)
        if text.count(b"{") + text.count(b"[") <= limit:
            return None
    except TypeError:  # nested past orjson's own limit (255), or a cycle: walk it
        pass
    stack: list[tuple[Any, int]] = [(value, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth >= limit:
            return _path_to_depth(value, limit)
        deeper = depth + 1
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, _CONTAINERS):
                push((child, deeper))
    return None


def _opaque(value: Any) -> None:
    return None


def _path_to_depth(value: Any, limit: int) -> str:
    """The path to the first container found `limit` levels down (found again, only when
    a value is refused, so `too_deep` need not carry paths)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if len(path) >= limit:
            return describe_path(path)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, (*path, k)) for k, v in items if isinstance(v, _CONTAINERS))
    return ""  # not reached: too_deep found such a path


def describe_path(path: tuple[Any, ...], shown: int = 6) -> str:
    """`("Resources", "M", "Properties", 0, "A", ...)` -> `Resources.M.Properties[0].A...`"""
    text = ""
    for step in path[:shown]:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            name = str(step)
            name = name if len(name) <= 40 else name[:37] + "..."
            text += f".{name}" if text else name
    return text + ("..." if len(path) > shown else "")


def depth_message(where: str, limit: int = MAX_DEPTH) -> str:
    return f"nested more than {limit} levels deep (at {where}): refused, not evaluated"


def gzip_limit(compressed: int) -> int:
    """How far a .json.gz of `compressed` bytes may decompress (GZIP_RATIO, within the
    floor and the cap)."""
    return min(GZIP_CAP, max(GZIP_FLOOR, GZIP_RATIO * compressed))


def gzip_refusal(limit: int) -> str:
    return (
        f"decompresses to more than {_size(limit)} (over {GZIP_RATIO} times its size, or "
        f"over {_size(GZIP_CAP)}): refused as a possible gzip bomb"
    )


def too_large(size: int) -> str:
    return (
        f"{_size(size)} is too large to read whole (the limit is {_size(MAX_WHOLE_BYTES)}; "
        "only Config snapshots and history with configurationItems near the top are read "
        "as a stream)"
    )


def _size(n: int) -> str:
    for unit, shift in (("GB", 30), ("MB", 20), ("KB", 10)):
        if n >= 1 << shift:
            value = n / (1 << shift)
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{n} bytes"
