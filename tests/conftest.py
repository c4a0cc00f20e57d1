import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os
import tempfile

from tests.emulator.fixtures import aws, emulator, loopback_only  # noqa: F401

# pytest-xdist's workers run with COLUMNS=80 and LINES=24 set; the table reads COLUMNS for
# its width, so without this a test would see another layout under -n than without it.
# A test that needs a width sets it itself.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)

# Scans record history by default: keep the suite's out of the user's data directory.
os.environ.setdefault("SAGEWARDEN_DB", os.path.join(tempfile.mkdtemp(prefix="sagewarden-"), "h.db"))
