"""One JSON line per evaluation or problem on stdout, which Lambda sends to CloudWatch.

Lines hold verdicts, reasons and identifiers, never a configuration: a reason shows a
value its source marks sensitive as "(sensitive)" (sagewarden.sensitive), and AWS error
text comes from answers.error_text, which masks credentials.
"""

from __future__ import annotations

import sys
from typing import Any

import orjson


def log(level: str, message: str, **fields: Any) -> None:
    line = {"level": level, "message": message, **fields}
    sys.stdout.write(orjson.dumps(line, default=str).decode() + "\n")
    sys.stdout.flush()


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)
