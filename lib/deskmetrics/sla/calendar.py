"""Business calendars: weekly windows and holidays, and the UTC business intervals they give.

Owns the calendar config (:meth:`BusinessCalendar.from_spec`, with errors naming the key to fix)
and the day loop of metrics reference §1.4 that turns local windows into UTC intervals. The scalar
functions and the vectorized clock in this package are both built on :meth:`intervals`.

Local times become instants with two rules: a time inside a spring-forward gap moves to the
first valid instant after it, and an ambiguous (fall-back) time takes its first occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from deskmetrics.errors import ConfigError
from deskmetrics.sla._spans import as_utc, clip, merge, subtract

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")
_ONE_DAY = timedelta(days=1)

# (start minute, end minute) of a local day; end <= start means the window ends the next day
Window = tuple[int, int]


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly business windows in one IANA time zone, minus full-day and part-day holidays.

    Attributes:
        timezone: IANA zone name the windows are expressed in.
        windows: seven tuples of windows, Monday first.
        holidays: local dates on which no window *starts* (an overnight window belongs to the
            date it starts on).
        partial_holidays: ``(date, windows)`` pairs; those local hours are not worked, whichever
            business window they fall in.
    """

    timezone: str
    windows: tuple[tuple[Window, ...], ...]
    holidays: frozenset[date] = frozenset()
    partial_holidays: tuple[tuple[date, tuple[Window, ...]], ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", _zone(self.timezone))
        if len(self.windows) != 7:
            raise ConfigError(
                f"business_hours: need 7 weekdays of windows, got {len(self.windows)}"
            )

    @classmethod
    def from_spec(
        cls,
        timezone: str,
        business_hours: Mapping[str, Iterable[str]],
        holidays: Iterable[object] = (),
    ) -> BusinessCalendar:
        """Build a calendar from config values; raise ConfigError naming the bad key.

        Args:
            timezone: IANA zone, e.g. ``"America/New_York"``.
            business_hours: ``{"mon": ["08:00-12:00", "13:00-17:00"], ...}``; a missing
                weekday has no hours, ``"24:00"`` may end a window, and ``"22:00-06:00"``
                (end <= start) runs into the next day.
            holidays: ``date`` or ISO string for a full day, or
                ``{"date": ..., "hours": "HH:MM-HH:MM" | [...]}`` for hours not worked that day.
        """
        _zone(timezone)
        if not isinstance(business_hours, Mapping):
            raise ConfigError(
                f"business_hours: expected a mapping like {{'mon': ['08:00-17:00']}}, "
                f"got {business_hours!r}"
            )
        week: list[tuple[Window, ...]] = [() for _ in WEEKDAY_KEYS]
        for key, ranges in business_hours.items():
            if key not in WEEKDAY_KEYS:
                raise ConfigError(
                    f"business_hours: unknown weekday key {key!r}; use {', '.join(WEEKDAY_KEYS)}"
                )
            week[WEEKDAY_KEYS.index(key)] = _parse_ranges(ranges, f"business_hours.{key}")
        full: set[date] = set()
        partial: dict[date, list[Window]] = {}
        for i, item in enumerate(holidays):
            day, hours = _parse_holiday(item, f"holidays[{i}]")
            if hours is None:
                full.add(day)
            else:
                partial.setdefault(day, []).extend(hours)
        return cls(
            timezone=timezone,
            windows=tuple(week),
            holidays=frozenset(full),
            partial_holidays=tuple(
                (day, tuple(sorted(hours))) for day, hours in sorted(partial.items())
            ),
        )

    @classmethod
    def always(cls, timezone: str = "UTC") -> BusinessCalendar:
        """A 24x7 calendar (every instant is business time)."""
        return cls(timezone=timezone, windows=tuple(((0, DAY_MINUTES),) for _ in WEEKDAY_KEYS))

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Business intervals overlapping ``[start, end)``, clipped, merged, in UTC."""
        lo, hi = as_utc(start, "start"), as_utc(end, "end")
        if hi <= lo:
            return []
        # one day early so an overnight window that started the day before is caught
        first = lo.astimezone(self._zone).date() - _ONE_DAY
        last = hi.astimezone(self._zone).date()
        pieces = []
        day = first
        while day <= last:
            if day not in self.holidays:
                pieces.extend(self._local_spans(day, self.windows[day.weekday()]))
            day += _ONE_DAY
        spans = merge(clip(pieces, lo, hi))
        holes = [
            span
            for day, hours in self.partial_holidays
            if first - _ONE_DAY <= day <= last
            for span in self._local_spans(day, hours)
        ]
        return subtract(spans, merge(holes)) if holes else spans

    def _local_spans(self, day: date, windows: Iterable[Window]) -> list[tuple[datetime, datetime]]:
        out = []
        for s, e in windows:
            stop = e if e > s else e + DAY_MINUTES
            out.append((self.localize(day, s), self.localize(day, stop)))
        return out

    def localize(self, day: date, minute: int) -> datetime:
        """UTC instant of local ``day`` + ``minute`` minutes (may exceed one day)."""
        naive = datetime.combine(day, time()) + timedelta(minutes=minute)
        first = naive.replace(tzinfo=self._zone)  # fold=0: first occurrence when ambiguous
        instant = first.astimezone(UTC)
        if instant.astimezone(self._zone).replace(tzinfo=None) == naive:
            return instant
        return _gap_end(naive, self._zone)


def _gap_end(naive: datetime, zone: ZoneInfo) -> datetime:
    """The first valid instant after a local time that falls in a spring-forward gap."""
    # fold=1 reads the gap time with the offset after the change, which lands before the
    # transition; fold=0 uses the offset before it and lands after. Bisect between them.
    lo = int(naive.replace(tzinfo=zone, fold=1).timestamp())
    hi = int(naive.replace(tzinfo=zone, fold=0).timestamp())
    if lo > hi:
        lo, hi = hi, lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).replace(tzinfo=None) > naive:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"timezone: {name!r} is not an IANA time zone such as America/New_York")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone: {name!r} is not an IANA time zone such as America/New_York"
        ) from None


def _parse_ranges(ranges: object, key: str) -> tuple[Window, ...]:
    if isinstance(ranges, str) or not isinstance(ranges, Iterable):
        raise ConfigError(f'{key}: expected a list of "HH:MM-HH:MM" strings, got {ranges!r}')
    return tuple(_parse_range(text, key) for text in ranges)


def _parse_range(text: object, key: str) -> Window:
    bad = ConfigError(f'{key}: "{text}" is not HH:MM-HH:MM (e.g. "08:00-17:00")')
    if not isinstance(text, str) or text.count("-") != 1:
        raise bad
    left, right = (part.strip() for part in text.split("-"))
    start, end = _minutes(left), _minutes(right)
    if start is None or end is None:
        raise bad
    if start == DAY_MINUTES:
        raise ConfigError(f'{key}: "{text}" starts at 24:00; write 00:00 instead')
    return start, end


def _minutes(hhmm: str) -> int | None:
    match = _HHMM.match(hhmm)
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if hours == 24 and minutes == 0:
        return DAY_MINUTES
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def _parse_holiday(item: object, key: str) -> tuple[date, tuple[Window, ...] | None]:
    if isinstance(item, Mapping):
        unknown = set(item) - {"date", "hours"}
        if unknown or "date" not in item:
            raise ConfigError(
                f'{key}: a part-day holiday needs exactly "date" and "hours" keys, got {dict(item)}'
            )
        day = _parse_date(item["date"], f"{key}.date")
        hours = item.get("hours")
        if hours is None:
            return day, None
        ranges = [hours] if isinstance(hours, str) else hours
        return day, _parse_ranges(ranges, f"{key}.hours")
    return _parse_date(item, key), None


def _parse_date(value: object, key: str) -> date:
    if isinstance(value, datetime):
        raise ConfigError(f"{key}: {value!r} is a datetime; give the local date (YYYY-MM-DD)")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{key}: {value!r} is not a date; use YYYY-MM-DD")
