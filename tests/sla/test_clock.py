"""BusinessClock: the vectorized clock agrees exactly with the scalar reference functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskmetrics.errors import InputError
from deskmetrics.sla import NAT, BusinessCalendar, BusinessClock, add_business, business_seconds
from deskmetrics.sla._spans import to_ns

from ._support import CALENDARS, HOUR, OFFICE, et

# two stretches around the 2024 DST changes in New York and London
RANGES = [
    (datetime(2024, 2, 25, tzinfo=UTC), datetime(2024, 4, 10, tzinfo=UTC)),
    (datetime(2024, 10, 20, tzinfo=UTC), datetime(2024, 11, 30, tzinfo=UTC)),
]
CLOCKS = {
    (name, i): BusinessClock(cal, lo, hi + timedelta(days=60))
    for name, cal in CALENDARS.items()
    for i, (lo, hi) in enumerate(RANGES)
}


@st.composite
def cases(draw):
    name = draw(st.sampled_from(sorted(CALENDARS)))
    i = draw(st.integers(0, len(RANGES) - 1))
    lo, hi = RANGES[i]
    span = int((hi - lo).total_seconds())
    a = lo + timedelta(seconds=draw(st.integers(0, span)))
    b = a + timedelta(seconds=draw(st.integers(0, 10 * 86400)))
    return name, CLOCKS[name, i], a, b


def ns(*instants: datetime) -> np.ndarray:
    return np.array([to_ns(t) for t in instants], dtype=np.int64)


@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_cumulative_difference_equals_business_seconds(case):
    name, clock, a, b = case
    cum = clock.cumulative(ns(a, b))
    assert cum[1] - cum[0] == business_seconds(a, b, CALENDARS[name])


@settings(max_examples=150, deadline=None)
@given(case=cases(), seconds=st.integers(1, 80 * 3600))
def test_instant_at_equals_add_business(case, seconds):
    name, clock, a, _ = case
    expected = add_business(a, seconds, CALENDARS[name])
    got = clock.instant_at(clock.cumulative(ns(a)) + seconds)
    assert got[0] == to_ns(expected)
    got_ns = clock.instant_at_ns(clock.cumulative_ns(ns(a)) + seconds * 1_000_000_000)
    assert got_ns[0] == to_ns(expected)


def test_cumulative_clips_outside_the_range_and_keeps_nat():
    clock = BusinessClock(OFFICE, et(2025, 12, 15), et(2025, 12, 20))
    out = clock.cumulative(
        ns(et(2025, 12, 1), et(2025, 12, 15, 9), et(2026, 1, 1)).tolist() + [NAT]
    )
    assert out[:3].tolist() == [0.0, 3600.0, 5 * 9 * HOUR]
    assert np.isnan(out[3])
    assert clock.cumulative_ns(np.array([NAT]))[0] == NAT


def test_instant_at_beyond_the_range_or_nan_is_the_sentinel():
    clock = BusinessClock(OFFICE, et(2025, 12, 15), et(2025, 12, 20))
    out = clock.instant_at(np.array([45 * HOUR, 45 * HOUR + 1, np.nan, 0.0]))
    assert out[0] == to_ns(et(2025, 12, 19, 17))  # the whole week, exactly used up
    assert out[1] == NAT and out[2] == NAT
    assert out[3] == clock.start_ns
    assert np.iinfo(np.int64).min == NAT


def test_accepts_datetime64_and_tz_aware_pandas_but_not_naive_pandas():
    clock = BusinessClock(OFFICE, et(2025, 12, 15), et(2025, 12, 20))
    aware = pd.Series(pd.to_datetime(["2025-12-15 14:00Z", None], utc=True))
    assert clock.cumulative(aware)[0] == 3600.0 and np.isnan(clock.cumulative(aware)[1])
    raw = np.array(["2025-12-15T14:00"], dtype="datetime64[s]")  # numpy: read as UTC
    assert clock.cumulative(raw)[0] == 3600.0
    with pytest.raises(InputError, match="timezone-aware"):
        clock.cumulative(pd.Series(pd.to_datetime(["2025-12-15 14:00"])))


def test_clock_without_business_hours():
    clock = BusinessClock(BusinessCalendar.from_spec("UTC", {}, []), et(2025, 1, 1), et(2025, 2, 1))
    assert clock.total_ns == 0
    assert clock.cumulative(ns(et(2025, 1, 15))).tolist() == [0.0]
    assert clock.instant_at(np.array([1.0]))[0] == NAT


def test_end_before_start_is_refused():
    with pytest.raises(InputError, match="before start"):
        BusinessClock(OFFICE, et(2025, 12, 20), et(2025, 12, 15))
