import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.emulator.fixtures import aws, emulator, loopback_only  # noqa: F401
