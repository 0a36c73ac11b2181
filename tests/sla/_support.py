"""Shared calendars and frame builders for the sla tests (the setups of metrics reference §1)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from deskmetrics.sla import BusinessCalendar, compute_ticket_facts

ET = ZoneInfo("America/New_York")
WEEKDAYS_8_17 = {day: ["08:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
# the document's calendar: ET, Mon-Fri 08:00-17:00, holiday Thu 2024-11-28 (Thanksgiving)
OFFICE = BusinessCalendar.from_spec("America/New_York", WEEKDAYS_8_17, [date(2024, 11, 28)])
HOUR = 3600.0


# calendars chosen to hit DST gaps/overlaps, holidays, part-day holidays and overnight windows
CALENDARS = {
    "office": BusinessCalendar.from_spec(
        "America/New_York",
        WEEKDAYS_8_17,
        [
            date(2024, 3, 11),
            date(2024, 11, 28),
            {"date": "2024-03-06", "hours": "08:00-09:30"},
            {"date": "2024-11-04", "hours": ["12:00-14:00", "16:30-24:00"]},
        ],
    ),
    "always": BusinessCalendar.always("America/New_York"),
    "night_shift": BusinessCalendar.from_spec(
        "America/New_York",
        {
            **{d: ["22:00-06:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "sat": ["23:00-02:30"],
            "sun": ["00:30-01:15", "01:30-03:30"],
        },
        [date(2024, 3, 12), {"date": "2024-11-05", "hours": "05:00-23:30"}],
    ),
    "london_lunch": BusinessCalendar.from_spec(
        "Europe/London",
        {d: ["09:00-12:30", "13:30-17:30"] for d in ("mon", "tue", "wed", "thu", "fri", "sun")},
        ["2024-04-01", {"date": "2024-10-28", "hours": "09:00-10:00"}],
    ),
}


def et(*parts: int) -> datetime:
    """A wall-clock time in America/New_York."""
    return datetime(*parts, tzinfo=ET)


def _utc(values: list) -> pd.Series:
    return pd.Series(pd.to_datetime(values, utc=True), dtype="datetime64[ns, UTC]")


def ticket_frame(rows: list[dict]) -> pd.DataFrame:
    """Tickets with defaults: priority 1, open in_progress, no response/resolve/due dates."""
    defaults = {
        "first_response_at": None,
        "resolved_at": None,
        "response_due_at": None,
        "resolution_due_at": None,
        "priority": 1,
        "category_status": "in_progress",
    }
    full = [{"ticket_id": f"T{i}", **defaults, **row} for i, row in enumerate(rows)]
    frame = pd.DataFrame({"ticket_id": pd.Series([r["ticket_id"] for r in full], dtype=object)})
    for column in (
        "created_at",
        "first_response_at",
        "resolved_at",
        "response_due_at",
        "resolution_due_at",
    ):
        frame[column] = _utc([r[column] for r in full])
    frame["priority"] = pd.array([r["priority"] for r in full], dtype="Int64")
    frame["category_status"] = pd.Series([r["category_status"] for r in full], dtype=object)
    return frame


def change_frame(rows: list[tuple[str, datetime, str | None]]) -> pd.DataFrame:
    """Status changes from ``(ticket_id, changed_at, category)`` tuples."""
    return pd.DataFrame(
        {
            "ticket_id": pd.Series([r[0] for r in rows], dtype=object),
            "changed_at": _utc([r[1] for r in rows]),
            "category_status": pd.Series([r[2] for r in rows], dtype=object),
        }
    )


def run_facts(
    tickets: list[dict],
    changes: list[tuple[str, datetime, str | None]] = (),
    *,
    calendar: BusinessCalendar = OFFICE,
    response_hours: dict[int, float] | None = None,
    resolution_hours: dict[int, float] | None = None,
    **kwargs,
) -> pd.DataFrame:
    """compute_ticket_facts on small hand-written inputs; default targets P1 1 h / 8 h."""
    return compute_ticket_facts(
        ticket_frame(tickets),
        change_frame(list(changes)),
        calendar,
        {1: 1.0, 2: 4.0} if response_hours is None else response_hours,
        {1: 8.0, 2: 16.0} if resolution_hours is None else resolution_hours,
        **kwargs,
    )


def ts(value: datetime) -> pd.Timestamp:
    """An expected instant as a UTC pandas Timestamp, for comparing with facts columns."""
    return pd.Timestamp(value).tz_convert("UTC")
