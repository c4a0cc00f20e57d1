"""Time as the emulator stores it (aware UTC) and as JSON protocols send it (epoch seconds).

moto keeps naive datetimes that mean UTC; treating them as local time would shift every
timestamp by the machine's offset, so naive values are read as UTC here.
"""

from __future__ import annotations

from datetime import datetime, timezone

from botocore.utils import parse_to_aware_datetime


def now() -> datetime:
    return datetime.now(timezone.utc)


def moto_now() -> datetime:
    """Now, the way moto stores it: naive UTC."""
    return now().replace(tzinfo=None)


def epoch(value: datetime | float | int | str) -> float:
    """Seconds since the epoch for a datetime (naive means UTC) or a wire timestamp."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return parse_to_aware_datetime(value).timestamp()
