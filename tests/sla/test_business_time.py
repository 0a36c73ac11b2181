"""Scalar business time and deadlines: the hand-computed vectors of metrics reference §1 and §10."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskmetrics.errors import DeskmetricsError, InputError
from deskmetrics.sla import (
    BusinessCalendar,
    DeadlineOutOfRangeError,
    add_business,
    business_seconds,
)

from ._support import HOUR, OFFICE, et

MINUTE = 60.0
ALWAYS_ET = BusinessCalendar.always("America/New_York")
EXAMPLE_1_WAIT = (et(2024, 11, 27, 16, 45), et(2024, 11, 29, 10))


def test_t_sla_1_first_response_30_business_minutes():
    assert business_seconds(et(2024, 11, 27, 16), et(2024, 11, 27, 16, 30), OFFICE) == 30 * MINUTE


def test_t_sla_2_resolution_555_business_minutes_net_of_the_pause():
    created, resolved = et(2024, 11, 27, 16), et(2024, 12, 2, 9, 30)
    assert business_seconds(created, resolved, OFFICE, [EXAMPLE_1_WAIT]) == 555 * MINUTE
    # calendar time is a plain difference of instants: 113.5 h gross, 72.25 h net of the pause
    gross = (resolved - created).total_seconds()
    pause = (EXAMPLE_1_WAIT[1] - EXAMPLE_1_WAIT[0]).total_seconds()
    assert (gross / HOUR, (gross - pause) / HOUR) == (113.5, 72.25)


def test_t_sla_3_breach_instant_and_missed_by_75_minutes():
    created, resolved = et(2024, 11, 27, 16), et(2024, 12, 2, 9, 30)
    breach = add_business(created, 8 * HOUR, OFFICE, [EXAMPLE_1_WAIT])
    assert breach == et(2024, 12, 2, 8, 15)
    assert breach.utcoffset() == timedelta(0)  # returned in UTC; 08:15 -05:00 is 13:15Z
    elapsed = business_seconds(created, resolved, OFFICE, [EXAMPLE_1_WAIT])
    assert elapsed - 8 * HOUR == 75 * MINUTE
    assert elapsed <= 16 * HOUR  # met with a 16 h target


def test_t_sla_4_waiting_pushes_the_deadline_back():
    created = et(2025, 12, 16, 10)
    assert add_business(created, 8 * HOUR, OFFICE) == et(2025, 12, 17, 9)
    waiting = (et(2025, 12, 16, 15), et(2025, 12, 17, 11))
    assert business_seconds(*waiting, OFFICE) == 300 * MINUTE
    assert add_business(created, 8 * HOUR, OFFICE, [waiting]) == et(2025, 12, 17, 14)


def test_t_sla_5_created_outside_hours_starts_at_the_next_opening():
    assert business_seconds(et(2025, 12, 12, 18, 30), et(2025, 12, 15, 8, 20), OFFICE) == 1200


def test_t_sla_6_business_versus_actual_elapsed():
    opened, now = et(2025, 12, 12, 21), et(2025, 12, 15, 9, 30)
    assert business_seconds(opened, now, OFFICE) == 1.5 * HOUR
    assert (now.astimezone(UTC) - opened.astimezone(UTC)).total_seconds() == 60.5 * HOUR


def test_t_sla_7_spring_forward_day_is_23_hours_and_the_python_pitfall():
    start, end = et(2024, 3, 9, 22), et(2024, 3, 10, 22)
    # §0.1: same-ZoneInfo subtraction uses wall-clock time and is wrong
    assert end - start == timedelta(hours=24)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    assert business_seconds(start, end, ALWAYS_ET) == 23 * HOUR


def test_t_sla_8_fall_back_day_is_25_hours():
    assert business_seconds(et(2024, 11, 2, 22), et(2024, 11, 3, 22), ALWAYS_ET) == 25 * HOUR


def test_t_sla_9_08_17_on_the_dst_days_is_9_hours():
    week = {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cal = BusinessCalendar.from_spec("America/New_York", week, [])
    assert business_seconds(et(2024, 3, 10), et(2024, 3, 11), cal) == 9 * HOUR
    assert business_seconds(et(2024, 11, 3), et(2024, 11, 4), cal) == 9 * HOUR


def test_t_sla_10_overnight_window():
    week = {d: ["22:00-06:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    cal = BusinessCalendar.from_spec("America/New_York", week, [])
    assert business_seconds(et(2025, 12, 15, 23), et(2025, 12, 16, 5), cal) == 6 * HOUR


def test_weekends_and_holidays_accrue_nothing():
    assert business_seconds(et(2024, 11, 29, 17), et(2024, 12, 2, 8), OFFICE) == 0  # weekend
    assert business_seconds(et(2024, 11, 27, 17), et(2024, 11, 29, 8), OFFICE) == 0  # holiday


def test_part_day_holiday_subtracts_only_its_window():
    cal = BusinessCalendar.from_spec(
        "America/New_York",
        {d: ["08:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        [{"date": "2025-12-24", "hours": "13:00-17:00"}],
    )
    assert business_seconds(et(2025, 12, 24), et(2025, 12, 25), cal) == 5 * HOUR


def test_pause_spanning_non_business_time_is_never_negative():
    a, b = et(2025, 12, 12, 15), et(2025, 12, 15, 10)  # Fri 15:00 -> Mon 10:00 = 4 h
    over_weekend = [(et(2025, 12, 12, 16), et(2025, 12, 15, 9))]  # 2 business hours of it
    assert business_seconds(a, b, OFFICE, over_weekend) == 2 * HOUR
    everything = [(et(2025, 12, 1), et(2026, 1, 1)), (et(2025, 12, 12), et(2025, 12, 13))]
    assert business_seconds(a, b, OFFICE, everything) == 0
    assert business_seconds(a, b, OFFICE, [(et(2025, 12, 13, 9), et(2025, 12, 14, 9))]) == 4 * HOUR


def test_reversed_or_empty_range_is_zero():
    assert business_seconds(et(2025, 12, 15, 12), et(2025, 12, 15, 10), OFFICE) == 0
    assert business_seconds(et(2025, 12, 15, 12), et(2025, 12, 15, 12), OFFICE) == 0


def test_deadline_on_a_window_end_is_that_end_not_the_next_opening():
    assert add_business(et(2025, 12, 15, 8), 9 * HOUR, OFFICE) == et(2025, 12, 15, 17)


def test_deadline_of_zero_seconds_is_the_start():
    assert add_business(et(2025, 12, 13, 12), 0, OFFICE) == et(2025, 12, 13, 12)


def test_deadline_walk_is_capped():
    no_hours = BusinessCalendar.from_spec("UTC", {}, [])
    with pytest.raises(DeadlineOutOfRangeError, match="not reached within 4000 days") as err:
        add_business(datetime(2025, 1, 1, tzinfo=UTC), 1, no_hours)
    assert isinstance(err.value, DeskmetricsError)
    with pytest.raises(DeadlineOutOfRangeError):
        add_business(et(2025, 12, 15, 8), 1000 * HOUR, OFFICE, max_days=30)


def test_naive_instants_are_refused():
    with pytest.raises(InputError, match="naive"):
        business_seconds(datetime(2025, 12, 15, 8), et(2025, 12, 15, 9), OFFICE)
    with pytest.raises(InputError, match=r"pauses\[0\].end"):
        business_seconds(
            et(2025, 12, 15, 8),
            et(2025, 12, 15, 9),
            OFFICE,
            [(et(2025, 12, 15, 8), datetime(2025, 12, 15, 9))],
        )


BASE = datetime(2024, 10, 20, tzinfo=UTC)
instants = st.integers(0, 60 * 24 * 40).map(lambda m: BASE + timedelta(minutes=m))
pause_lists = st.lists(
    st.tuples(instants, st.integers(1, 60 * 24 * 4)).map(
        lambda p: (p[0], p[0] + timedelta(minutes=p[1]))
    ),
    max_size=4,
)


@settings(max_examples=40, deadline=None)
@given(start=instants, minutes=st.integers(1, 60 * 60), pauses=pause_lists)
def test_add_business_inverts_business_seconds(start, minutes, pauses):
    deadline = add_business(start, minutes * MINUTE, OFFICE, pauses)
    assert business_seconds(start, deadline, OFFICE, pauses) == minutes * MINUTE
    # and it is the first such instant: one second earlier is short
    assert business_seconds(start, deadline - timedelta(seconds=1), OFFICE, pauses) < minutes * 60
