"""What a metric is asked about: a period of whole local days, an as-of instant and filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from deskmetrics.config import Settings
from deskmetrics.errors import MetricError

FILTERS = ("client", "board", "category", "owner", "team", "channel")
DASHBOARD_FILTERS = ("client", "board", "category")


@dataclass(frozen=True)
class Scope:
    """Period [start, end) and as-of as UTC instants, plus optional dimension filters."""

    start: datetime
    end: datetime
    as_of: datetime
    client: str | None = None
    board: str | None = None
    category: str | None = None
    owner: str | None = None  # technician id: the ticket's owner, or a survey's technician
    team: str | None = None  # the owner's team
    channel: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def for_days(
        cls,
        settings: Settings,
        date_from: date | str,
        date_to: date | str,
        *,
        as_of: datetime | str | None = None,
        client: str | None = None,
        board: str | None = None,
        category: str | None = None,
        owner: str | None = None,
        team: str | None = None,
        channel: str | None = None,
    ) -> Scope:
        """Whole local days [from 00:00, to + 1 day 00:00) in the settings' time zone."""
        first, last = _as_date(date_from, "from"), _as_date(date_to, "to")
        if last < first:
            raise MetricError(f"the period ends ({last}) before it starts ({first})")
        zone = settings.zone
        start = datetime.combine(first, time(), zone).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
        at = end if as_of is None else _as_instant(as_of, settings)
        return cls(
            start,
            end,
            at,
            client=client or None,
            board=board or None,
            category=category or None,
            owner=owner or None,
            team=team or None,
            channel=channel or None,
            date_from=first,
            date_to=last,
        )

    def with_filters(self, **filters: str | None) -> Scope:
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise MetricError(f"unknown filter {sorted(unknown)}; use {', '.join(FILTERS)}")
        return replace(self, **{k: (v or None) for k, v in filters.items()})

    @property
    def filters(self) -> dict[str, str]:
        """The dimension filters in force (name -> value)."""
        return {k: getattr(self, k) for k in FILTERS if getattr(self, k)}

    def previous(self) -> Scope:
        """The period of the same length just before this one (for deltas)."""
        length = self.end - self.start
        return replace(self, start=self.start - length, end=self.start, as_of=self.start)

    @property
    def naive(self) -> tuple[datetime, datetime, datetime]:
        """start, end, as_of as naive UTC, the way the warehouse stores instants."""
        return tuple(
            x.astimezone(UTC).replace(tzinfo=None) for x in (self.start, self.end, self.as_of)
        )


def _as_date(value: date | str, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise MetricError(f"--{name} {value!r} is not a date YYYY-MM-DD") from None


def _as_instant(value: datetime | str, settings: Settings) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise MetricError(f"--as-of {value!r} is not an ISO 8601 instant") from None
    if value.tzinfo is None:  # a naive instant is local time, like naive CSV timestamps
        value = value.replace(tzinfo=settings.zone)
    return value.astimezone(UTC)
