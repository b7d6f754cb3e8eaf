"""Dates and times typed by clients, made safe to compare with what the database holds.

Python's datetime stops at the years 1 and 9999, and converting 0001-01-01 at +14:00 to UTC
(or adding the day that makes a `to` date inclusive to 9999-12-31) falls off that edge; such
values are refused with a clear message instead of failing deep inside a query.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from drive2.domain.errors import InvalidInputError


def parse_client_moment(value: str | None, name: str, tz: str, end: bool) -> datetime | None:
    """An ISO date or date-time, in UTC. A bare date is that day in the drive's time zone, and
    as an end (`to`) it includes the whole day; a date-time without an offset is in that zone
    too."""
    if value is None or not value.strip():
        return None
    raw = value.strip()
    zone = ZoneInfo(tz)
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime.combine(day + timedelta(days=1 if end else 0), time(), zone)
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidInputError(f"{name} is outside the dates Drive2 can compare") from None
    except ValueError:
        raise InvalidInputError(f"{name} must be an ISO date or date-time") from None


def resume_point(value: str | None, now: datetime) -> datetime | None:
    """Where an event stream resumes for a Last-Event-ID: an aware ISO date-time no later
    than now; None (start afresh) for anything else."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return None
        return min(moment.astimezone(UTC), now)
    except (ValueError, OverflowError):
        return None
