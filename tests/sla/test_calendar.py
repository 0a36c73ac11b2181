"""BusinessCalendar: config parsing, errors naming the key, and the §1.4 interval loop."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from deskmetrics.errors import ConfigError, InputError
from deskmetrics.sla import BusinessCalendar

from ._support import OFFICE, WEEKDAYS_8_17, et


def hours(spans: list[tuple[datetime, datetime]]) -> float:
    return sum((e - s).total_seconds() for s, e in spans) / 3600


def daily(*windows: str, holidays: list | None = None) -> BusinessCalendar:
    week = {day: list(windows) for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return BusinessCalendar.from_spec("America/New_York", week, holidays or [])


# --- parsing and errors ---


def test_missing_weekday_key_means_no_hours_that_day():
    # Sat 2024-11-30 and Sun 2024-12-01: the office calendar has no sat/sun keys
    assert OFFICE.intervals(et(2024, 11, 30), et(2024, 12, 2)) == []


def test_intervals_are_utc_and_clipped():
    spans = OFFICE.intervals(et(2024, 11, 27, 16), et(2024, 11, 29, 10))
    # Wed 16:00-17:00, Thu is the holiday, Fri 08:00-10:00
    assert spans == [
        (et(2024, 11, 27, 16).astimezone(UTC), et(2024, 11, 27, 17).astimezone(UTC)),
        (et(2024, 11, 29, 8).astimezone(UTC), et(2024, 11, 29, 10).astimezone(UTC)),
    ]
    assert all(s.tzinfo is UTC and e.tzinfo is UTC for s, e in spans)


def test_empty_range_has_no_intervals():
    assert OFFICE.intervals(et(2024, 11, 27, 12), et(2024, 11, 27, 12)) == []
    assert OFFICE.intervals(et(2024, 11, 27, 12), et(2024, 11, 27, 11)) == []


@pytest.mark.parametrize(
    ("hours_spec", "message"),
    [
        ({"mon": ["8:00-17"]}, 'business_hours.mon: "8:00-17" is not HH:MM-HH:MM'),
        ({"tue": ["08:00-25:00"]}, 'business_hours.tue: "08:00-25:00" is not HH:MM-HH:MM'),
        ({"wed": ["08:60-17:00"]}, 'business_hours.wed: "08:60-17:00" is not HH:MM-HH:MM'),
        ({"thu": ["24:00-06:00"]}, 'business_hours.thu: "24:00-06:00" starts at 24:00'),
        ({"fri": "08:00-17:00"}, "business_hours.fri: expected a list"),
        ({"monday": ["08:00-17:00"]}, "business_hours: unknown weekday key 'monday'"),
    ],
)
def test_bad_business_hours_name_the_key(hours_spec, message):
    with pytest.raises(ConfigError) as err:
        BusinessCalendar.from_spec("America/New_York", hours_spec, [])
    assert message in str(err.value)


def test_bad_timezone_names_the_key():
    with pytest.raises(ConfigError, match=r"timezone: 'Mars/Olympus' is not an IANA time zone"):
        BusinessCalendar.from_spec("Mars/Olympus", WEEKDAYS_8_17, [])


@pytest.mark.parametrize(
    ("holidays", "message"),
    [
        (["2024-13-01"], "holidays[0]: '2024-13-01' is not a date"),
        ([date(2024, 1, 1), "tomorrow"], "holidays[1]: 'tomorrow' is not a date"),
        ([{"date": "2024-12-24", "hours": "12-17"}], 'holidays[0].hours: "12-17" is not HH:MM'),
        ([{"day": "2024-12-24"}], 'holidays[0]: a part-day holiday needs exactly "date"'),
        ([{"date": "24/12/2024", "hours": "12:00-17:00"}], "holidays[0].date: '24/12/2024'"),
        ([datetime(2024, 12, 24, tzinfo=UTC)], "holidays[0]: datetime.datetime(2024, 12, 24"),
    ],
)
def test_bad_holidays_name_the_key(holidays, message):
    with pytest.raises(ConfigError) as err:
        BusinessCalendar.from_spec("America/New_York", WEEKDAYS_8_17, holidays)
    assert message in str(err.value)


def test_calendar_is_immutable_and_hashable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        OFFICE.timezone = "UTC"  # type: ignore[misc]
    same = BusinessCalendar.from_spec("America/New_York", WEEKDAYS_8_17, ["2024-11-28"])
    assert same == OFFICE and hash(same) == hash(OFFICE)


def test_naive_datetimes_are_refused():
    with pytest.raises(InputError, match="naive"):
        OFFICE.intervals(datetime(2024, 11, 27, 8), et(2024, 11, 27, 17))


# --- windows, holidays ---


def test_end_of_day_2400_and_adjacent_windows_merge():
    cal = BusinessCalendar.from_spec(
        "America/New_York", {"mon": ["17:00-24:00"], "tue": ["00:00-08:00"]}, []
    )
    spans = cal.intervals(et(2025, 12, 15), et(2025, 12, 17))
    assert spans == [(et(2025, 12, 15, 17).astimezone(UTC), et(2025, 12, 16, 8).astimezone(UTC))]


def test_always_is_one_merged_interval():
    cal = BusinessCalendar.always("America/New_York")
    spans = cal.intervals(et(2024, 3, 8, 12), et(2024, 3, 12, 12))
    assert len(spans) == 1
    assert spans[0][1] - spans[0][0] == timedelta(hours=95)  # 4 days minus the DST hour
    assert BusinessCalendar.always().timezone == "UTC"


def test_full_holiday_accrues_nothing():
    assert OFFICE.intervals(et(2024, 11, 28), et(2024, 11, 29)) == []


def test_holiday_given_as_dict_without_hours_is_a_full_day():
    cal = BusinessCalendar.from_spec("America/New_York", WEEKDAYS_8_17, [{"date": "2025-12-16"}])
    assert cal.intervals(et(2025, 12, 16), et(2025, 12, 17)) == []


def test_part_day_holiday_subtracts_only_its_hours():
    cal = BusinessCalendar.from_spec(
        "America/New_York",
        WEEKDAYS_8_17,
        [
            {"date": "2025-12-24", "hours": "12:00-24:00"},
            {"date": date(2025, 12, 23), "hours": ["08:00-09:00", "16:00-17:00"]},
        ],
    )
    assert hours(cal.intervals(et(2025, 12, 24), et(2025, 12, 25))) == 4  # 08:00-12:00
    assert hours(cal.intervals(et(2025, 12, 23), et(2025, 12, 24))) == 7  # 09:00-16:00
    assert hours(cal.intervals(et(2025, 12, 22), et(2025, 12, 23))) == 9  # untouched


def test_overnight_window_belongs_to_the_day_it_starts():
    week = {day: ["22:00-06:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
    cal = BusinessCalendar.from_spec("America/New_York", week, ["2025-12-15"])  # Mon holiday
    spans = cal.intervals(et(2025, 12, 15), et(2025, 12, 17))
    # Monday's 22:00-06:00 is skipped; Tuesday's starts on Tuesday and runs into Wednesday
    assert spans == [(et(2025, 12, 16, 22).astimezone(UTC), et(2025, 12, 17).astimezone(UTC))]
    # Friday's window runs into Saturday even though Saturday has no hours
    assert hours(cal.intervals(et(2025, 12, 20), et(2025, 12, 21))) == 6


def test_part_day_holiday_cuts_an_overnight_window_from_the_day_before():
    week = {"mon": ["22:00-06:00"]}
    cal = BusinessCalendar.from_spec(
        "America/New_York", week, [{"date": "2025-12-16", "hours": "00:00-03:00"}]
    )
    assert hours(cal.intervals(et(2025, 12, 15), et(2025, 12, 17))) == 5  # 22-24 and 03-06


# --- DST (metrics reference §1.4 localize rules, §1.5 edge case 3) ---


@pytest.mark.parametrize("day", [date(2024, 3, 10), date(2024, 11, 3)])
def test_t_sla_9_window_on_a_dst_day_is_still_9_hours(day):
    cal = daily("08:00-17:00")
    start = datetime.combine(day, datetime.min.time(), tzinfo=et(2024, 1, 1).tzinfo)
    assert hours(cal.intervals(start, start + timedelta(days=1))) == 9


def test_nonexistent_window_start_moves_to_the_first_valid_instant_after_it():
    cal = daily("02:30-04:00")
    spans = cal.intervals(et(2024, 3, 10), et(2024, 3, 11))
    # 02:30 does not exist on 2024-03-10; the window opens at 03:00 EDT (07:00 UTC)
    assert spans == [(datetime(2024, 3, 10, 7, tzinfo=UTC), datetime(2024, 3, 10, 8, tzinfo=UTC))]


def test_nonexistent_window_end_moves_to_the_first_valid_instant_after_it():
    cal = daily("01:00-02:30")
    spans = cal.intervals(et(2024, 3, 10), et(2024, 3, 11))
    # 01:00 EST = 06:00 UTC; 02:30 becomes 03:00 EDT = 07:00 UTC
    assert spans == [(datetime(2024, 3, 10, 6, tzinfo=UTC), datetime(2024, 3, 10, 7, tzinfo=UTC))]


def test_ambiguous_window_boundaries_take_the_first_occurrence():
    cal = daily("01:30-03:00")
    spans = cal.intervals(et(2024, 11, 3), et(2024, 11, 4))
    # 01:30 happens twice on 2024-11-03; fold=0 is 01:30 EDT = 05:30 UTC; 03:00 EST = 08:00 UTC
    assert spans == [
        (datetime(2024, 11, 3, 5, 30, tzinfo=UTC), datetime(2024, 11, 3, 8, tzinfo=UTC))
    ]
    both_ambiguous = daily("01:00-01:30").intervals(et(2024, 11, 3), et(2024, 11, 4))
    assert both_ambiguous == [
        (datetime(2024, 11, 3, 5, tzinfo=UTC), datetime(2024, 11, 3, 5, 30, tzinfo=UTC))
    ]
