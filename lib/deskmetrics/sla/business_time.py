"""Scalar reference functions: business time between two instants, and its inverse (deadline).

These are the slow, obviously-correct versions of metrics reference §1.4. The vectorized
:class:`~deskmetrics.sla.clock.BusinessClock` must agree with them exactly (property tests).
Durations are always differences of UTC instants: subtracting two datetimes that share one
``ZoneInfo`` uses wall-clock time and gets DST days wrong (metrics reference §0.1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from deskmetrics.errors import DeskmetricsError
from deskmetrics.sla._spans import as_utc, clip, subtract, utc_pauses
from deskmetrics.sla.calendar import BusinessCalendar

MAX_WALK_DAYS = 4000  # about 11 years, the cap freeitsm uses (metrics reference §1.4)
_CHUNK = timedelta(days=64)  # days of calendar expanded per step of the deadline walk

Pause = tuple[datetime, datetime]


class DeadlineOutOfRangeError(DeskmetricsError):
    """The business time asked for is not reached within ``MAX_WALK_DAYS`` (metrics reference DQ-14)."""


def business_seconds(
    a: datetime, b: datetime, calendar: BusinessCalendar, pauses: Iterable[Pause] = ()
) -> float:
    """Business seconds in ``[a, b)``, net of pauses (which count only where they overlap).

    Returns 0.0 when ``b <= a``; the result is never negative.
    """
    start, end = as_utc(a, "a"), as_utc(b, "b")
    if end <= start:
        return 0.0
    spans = calendar.intervals(start, end)
    paused = clip(utc_pauses(pauses), start, end)
    if paused:
        spans = subtract(spans, paused)
    return sum((e - s for s, e in spans), timedelta()).total_seconds()


def add_business(
    start: datetime,
    seconds: float,
    calendar: BusinessCalendar,
    pauses: Iterable[Pause] = (),
    *,
    max_days: int = MAX_WALK_DAYS,
) -> datetime:
    """The deadline: first instant at which ``seconds`` of business time have accrued.

    Walks the calendar's business intervals minus ``pauses`` forward from ``start``. A
    deadline that lands exactly on a window's end is that end, not the next opening. Returns
    ``start`` (in UTC) when ``seconds <= 0``.

    Raises:
        DeadlineOutOfRangeError: the time is not reached within ``max_days`` calendar days
            (e.g. a calendar with no business hours).
    """
    cursor = as_utc(start, "start")
    remaining = timedelta(seconds=seconds)
    if remaining <= timedelta(0):
        return cursor
    limit = cursor + timedelta(days=max_days)
    paused = utc_pauses(pauses)
    while cursor < limit:
        chunk_end = min(cursor + _CHUNK, limit)
        spans = calendar.intervals(cursor, chunk_end)
        holes = clip(paused, cursor, chunk_end)
        for s, e in subtract(spans, holes) if holes else spans:
            if e - s >= remaining:
                return s + remaining
            remaining -= e - s
        cursor = chunk_end
    raise DeadlineOutOfRangeError(
        f"{seconds} business seconds are not reached within {max_days} days of "
        f"{as_utc(start, 'start').isoformat()}; check that the calendar's business_hours "
        "and holidays leave working time"
    )
