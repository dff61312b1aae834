"""Report periods: a half-open time range, how to name one on the command line, trend buckets.

Days are UTC days: a date-only ``--until`` includes that whole day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

_SPAN = re.compile(r"^(\d{1,5})([dwh])$")
_UNITS = {"d": timedelta(days=1), "w": timedelta(weeks=1), "h": timedelta(hours=1)}
DEFAULT_SPAN = "30d"


class PeriodError(ValueError):
    """A ``--since`` / ``--until`` value that names no moment, or an empty period."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}")
        self.option = option


@dataclass(frozen=True)
class Period:
    """A half-open time range ``[since, until)``, both timezone-aware."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("period bounds must carry a timezone")
        if self.since >= self.until:
            raise ValueError(f"period is empty: {self.since.isoformat()} is not before until")

    def contains(self, moment: datetime) -> bool:
        """True when ``moment`` lies in the period."""
        return self.since <= moment < self.until

    @property
    def days(self) -> float:
        """Length in days."""
        return (self.until - self.since) / timedelta(days=1)


class Bucket(StrEnum):
    """Granularity of the trend series."""

    day = "day"
    week = "week"

    @classmethod
    def for_period(cls, period: Period) -> Bucket:
        """Days for periods up to two weeks, weeks beyond (days would be too sparse to read)."""
        return cls.day if period.days <= 14 else cls.week

    def start(self, moment: datetime) -> datetime:
        """Start (UTC midnight; Monday for weeks) of the bucket holding ``moment``."""
        day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return day - timedelta(days=day.weekday()) if self is Bucket.week else day


def parse_moment(text: str, *, option: str, now: datetime, end: bool = False) -> datetime:
    """The moment ``text`` names: ``30d``/``7d``/``12h``/``2w`` ago, an ISO date or date-time.

    A date alone means its start, or with ``end`` the start of the next day (so
    ``--until 2025-01-31`` includes the 31st). Date-times without an offset are UTC.
    """
    value = text.strip()
    if value == "now":
        return now
    span = _SPAN.match(value)
    if span:
        return now - int(span.group(1)) * _UNITS[span.group(2)]
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PeriodError(
            option,
            f"{text!r} is not a date (2025-01-31), a date and time (2025-01-31T08:00) "
            "or a span back from now (30d, 7d, 12h, 2w)",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def period_from_options(since: str | None, until: str | None, *, now: datetime) -> Period:
    """The period of ``--since``/``--until`` (default: the 30 days up to now)."""
    end = parse_moment(until, option="--until", now=now, end=True) if until else now
    start = parse_moment(since or DEFAULT_SPAN, option="--since", now=end if not since else now)
    if start >= end:
        raise PeriodError("--since", f"{start.isoformat()} is not before --until {end.isoformat()}")
    return Period(start, end)
