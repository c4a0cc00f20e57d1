"""JSON edits for the generated fix script, which runs this file with its python3:
`python3 -c "$SW_PY" COMMAND ARG...` (names only ever travel as arguments, documents on
stdin; no jq needed). sagewarden imports `new_name` and `prune` from here too, so the
script and `fix apply` name replacements and cut Describe copies the same way.

Standalone: the standard library only, any Python 3.7 or later, nothing runs on import.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from typing import Any

NAME_MAX = 63  # notebook, model, endpoint config and job definition names alike
SUFFIX_RE = re.compile(r"^(?P<base>.*)-sw(?P<n>\d+)$")
_VARIANT_KEYS = ("ProductionVariants", "ShadowProductionVariants")


def new_name(old: str, limit: int = NAME_MAX) -> str:
    """The deterministic name of a resource's replacement: `old-sw1`, `old-sw2` for one
    that is already a replacement; the base is cut so the whole fits in `limit`."""
    m = SUFFIX_RE.match(old)
    base, n = (m.group("base"), int(m.group("n")) + 1) if m else (old, 1)
    suffix = f"-sw{n}"
    return base[: limit - len(suffix)].rstrip("-") + suffix


def prune(value: object, skel: object) -> object:
    """`value` cut down to a shape skeleton (see `inputs.skeleton`): members the shape
    does not have are dropped at every depth, and so are None members and optional
    members left empty ({}, [], ""); required ones stay, for the validator to judge."""
    if isinstance(skel, dict) and "s" in skel and isinstance(value, dict):
        out: dict[object, object] = {}
        for key, item in value.items():
            if key not in skel["s"]:
                continue
            kept = prune(item, skel["s"][key])
            if kept is None or (key not in skel["r"] and kept in ({}, [], "")):
                continue
            out[key] = kept
        return out
    if isinstance(skel, dict) and "l" in skel and isinstance(value, list):
        return [prune(item, skel["l"]) for item in value]
    if isinstance(skel, dict) and "v" in skel and isinstance(value, dict):
        return {key: prune(item, skel["v"]) for key, item in value.items()}
    return value


def _stdin() -> Any:
    return json.load(sys.stdin)


def _yes(answer: bool) -> None:
    print("yes" if answer else "no")


def lines() -> None:
    """stdin: a JSON list. Prints each non-empty string in it, one a line."""
    for item in _stdin() or []:
        if isinstance(item, str) and item:
            print(item)


def print_new_name(old: str) -> None:
    print(new_name(old))


def needs_update(want_json: str) -> None:
    """stdin: DescribeNotebookInstance; argument: the UpdateNotebookInstance input.
    Prints yes when the update would change something."""
    cur = _stdin()
    renamed = {"LifecycleConfigName": "NotebookInstanceLifecycleConfigName"}
    need = False
    for key, value in json.loads(want_json).items():
        if key == "NotebookInstanceName":
            continue
        if key.startswith("Disassociate"):
            field = key[len("Disassociate") :]
            field = renamed.get(field + "Name", field)
            need = need or (bool(value) and bool(cur.get(field)))
        else:
            need = need or cur.get(renamed.get(key, key)) != value
    _yes(need)


def _sub(want: object, cur: object) -> bool:
    if isinstance(want, dict):
        return isinstance(cur, dict) and all(_sub(v, cur.get(k)) for k, v in want.items())
    return want == cur


def subset(want_json: str) -> None:
    """stdin: the current document; argument: the desired one. Prints yes when the
    desired one is a subset of the current one."""
    _yes(_sub(json.loads(want_json), _stdin()))


def repoint(old: str, new: str, skel_json: str) -> None:
    """stdin: a MonitoringScheduleConfig; arguments: the old and new job definition name
    and the config's input skeleton. Prints the config pointing at new (as input), or
    nothing when it does not reference old."""
    cfg = _stdin()
    if isinstance(cfg, dict) and cfg.get("MonitoringJobDefinitionName") == old:
        cfg["MonitoringJobDefinitionName"] = new
        print(json.dumps(prune(cfg, json.loads(skel_json))))


def _models(cfg: dict[str, Any]) -> list[Any]:
    variants = [v for k in _VARIANT_KEYS for v in cfg.get(k) or [] if isinstance(v, dict)]
    return [v.get("ModelName") for v in variants]


def uses_model(model: str) -> None:
    """stdin: DescribeEndpointConfig; argument: a model. Prints yes when a variant uses
    the model."""
    _yes(model in _models(_stdin()))


def config_copy(old: str, new: str, name: str, skel_json: str) -> None:
    """stdin: DescribeEndpointConfig; arguments: old model, new model, new config name,
    the input skeleton. Prints the CreateEndpointConfig input of the copy, or nothing
    when the model is unused."""
    cfg = _stdin()
    used = False
    for key in _VARIANT_KEYS:
        for v in cfg.get(key) or []:
            if isinstance(v, dict) and v.get("ModelName") == old:
                v["ModelName"] = new
                used = True
    if used:
        cfg["EndpointConfigName"] = name
        cfg.pop("Tags", None)
        print(json.dumps(prune(cfg, json.loads(skel_json))))


def restore_lcc(name: str, on_create_json: str, on_start_json: str) -> None:
    """Arguments: name, OnCreate JSON, the original configuration's OnStart JSON (or
    null). Prints the CreateNotebookInstanceLifecycleConfig input."""
    out = {"NotebookInstanceLifecycleConfigName": name, "OnCreate": json.loads(on_create_json)}
    on_start = json.loads(on_start_json or "null")
    if on_start:
        out["OnStart"] = on_start
    print(json.dumps(out))


def meta() -> None:
    """stdin: S3 object metadata. Prints "files bytes"."""
    found = {k.lower(): v for k, v in (_stdin() or {}).items()}
    print(int(found.get("files", -1)), int(found.get("bytes", -1)))


def count(leave_out: str) -> None:
    """stdin: [[Key, Size], ...] (or null); argument: a key prefix to leave out. Prints
    "files bytes"."""
    rows = [r for r in _stdin() or [] if not r[0].startswith(leave_out)]
    print(len(rows), sum(int(r[1]) for r in rows))


COMMANDS: dict[str, Callable[..., None]] = {
    "lines": lines,
    "new-name": print_new_name,
    "needs-update": needs_update,
    "subset": subset,
    "repoint": repoint,
    "uses-model": uses_model,
    "config-copy": config_copy,
    "restore-lcc": restore_lcc,
    "meta": meta,
    "count": count,
}


if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
