"""Timestamps: aware datetimes at the edges, integer UTC milliseconds in storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core.errors import LoyaltyError

DAY_MS = 86_400_000


def parse_ts(text: str) -> datetime:
    """Parse ISO 8601 with a UTC offset; a timestamp without an offset is refused."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LoyaltyError("bad_timestamp", text=text) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise LoyaltyError("timestamp_no_offset", text=text)
    return value


def to_ms(value: datetime) -> int:
    """Aware datetime to integer UTC milliseconds (exact, no float)."""
    delta = value.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    """Integer UTC milliseconds to an aware UTC datetime."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def iso(ms: int | None, tz: object = None) -> str | None:
    """Milliseconds to ISO 8601 (in tz when given, else UTC); None stays None."""
    if ms is None:
        return None
    value = from_ms(ms)
    if tz is not None:
        from zoneinfo import ZoneInfo

        value = value.astimezone(tz if isinstance(tz, ZoneInfo) else ZoneInfo(str(tz)))
    return value.isoformat()


def now_ms() -> int:
    """The wall clock in UTC milliseconds."""
    return to_ms(datetime.now(UTC))
