"""The old import path of the step registry (`cli_fix` reads it here until it imports
`stepkinds.REGISTRY`); every step kind lives in `stepkinds`."""

from __future__ import annotations

from .stepkinds import REGISTRY as HANDLERS

__all__ = ["HANDLERS"]
