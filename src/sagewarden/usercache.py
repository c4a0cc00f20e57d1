"""This user's private cache folder: what a run can keep for the next one.

Files there are read back by later runs, so the folder must be this user's and writable by
nobody else: `$XDG_CACHE_HOME/sagewarden` (or `~/.cache/sagewarden`), made 0700. When it
is not (or cannot be made), there is no cache and each run computes what it needs.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_folder() -> str | None:
    """The cache folder, or None when it is missing, shared or not this user's."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    folder = os.path.join(base, "sagewarden")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.stat(folder)
    except OSError:
        return None
    owner = os.getuid() if hasattr(os, "getuid") else st.st_uid
    if st.st_uid != owner or st.st_mode & 0o022:
        return None
    return folder
