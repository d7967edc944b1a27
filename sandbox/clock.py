"""Time in the sandbox org's time zone.

The org (and every sandbox user) lives in Asia/Kolkata, a fixed +05:30 offset with no daylight
saving, which matches the offsets in Zoho's own samples and needs no tzdata. Record times are
rendered ISO-8601 with offset at seconds precision, as Zoho does.
"""

from __future__ import annotations

import datetime as dt
import time

ORG_TIME_ZONE = "Asia/Kolkata"
ORG_TZ = dt.timezone(dt.timedelta(hours=5, minutes=30))


def now_ts() -> int:
    return int(time.time())


def to_iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(int(ts), ORG_TZ).isoformat(timespec="seconds")


def parse_iso(value: str) -> int | None:
    """Epoch seconds of an ISO-8601 date-time with offset, or None when it is not one."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if parsed.tzinfo is None:
        return None
    return int(parsed.timestamp())


def normalize_datetime(value: str) -> str | None:
    """The same instant rendered in the org time zone (what Zoho stores and returns)."""
    ts = parse_iso(value)
    return None if ts is None else to_iso(ts)
