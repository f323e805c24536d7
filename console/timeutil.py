"""Time helpers: everything is stored in UTC; the county's civil time (case numbers, days) is China Standard Time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

#: China has one time zone and no daylight saving; a fixed offset needs no tz database on the workstation.
CHINA_TZ = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)


def parse_iso8601(text: str) -> datetime:
    """Parse an ISO 8601 timestamp with an offset (`Z`, `+08:00`, `+0800`: Python 3.11 reads them all); naive times
    are refused."""
    value = text.strip()
    if value.endswith("z"):  # `datetime.fromisoformat` knows the upper-case `Z` only
        value = value[:-1] + "Z"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("needs a UTC offset (e.g. 2026-11-23T08:30:00+08:00)")
    return parsed.astimezone(UTC)
