"""The helper programs sagewarden writes into what it generates, as real files.

`functions.sh` (the fix script's bash functions), `helpers.py` (its JSON edits, run by
the script's python3; sagewarden imports the same `prune` and `new_name`) and
`volume_worker.sh` (the background copy a notebook's lifecycle script starts). Shipped
as package data, read with importlib.resources; shellcheck and ruff check them
(tests/unit/test_programs.py).
"""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def source(name: str) -> str:
    """The text of one program of this directory."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
