import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os
import tempfile

from tests.emulator.fixtures import aws, emulator, loopback_only  # noqa: F401

# Scans record history by default: keep the suite's out of the user's data directory.
os.environ.setdefault("SAGEWARDEN_DB", os.path.join(tempfile.mkdtemp(prefix="sagewarden-"), "h.db"))
