"""What every business generator of the demo shares: the calendar it is placed on, and columns.

Business data is placed on local calendar days in the MSP's time zone, ending on the demo's
last day; days are ``datetime64[D]`` arrays until the frames are built, instants int64 epoch
seconds like the rest of the generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from deskmetrics.demo.entities import Directory
from deskmetrics.schema.parse import DATE_DTYPE as DATE  # the frames' type for Date columns

SOURCE = "demo"
REVENUE_MONTHS = 24  # months of revenue lines and hard costs, the last one the demo's own
DAY_S = 86_400


@dataclass(frozen=True)
class Calendar:
    """The demo's last instant and local day, and the months of business history."""

    end_s: int
    timezone: str
    end_day: np.datetime64  # datetime64[D], local
    months: np.ndarray  # datetime64[M], oldest first, ending with end_day's month

    @classmethod
    def ending(cls, end_s: int, timezone: str) -> Calendar:
        local = pd.Timestamp(end_s, unit="s", tz="UTC").tz_convert(timezone)
        end_day = np.datetime64(local.date(), "D")
        last = end_day.astype("datetime64[M]")
        months = last - np.arange(REVENUE_MONTHS - 1, -1, -1)
        return cls(end_s, timezone, end_day, months)

    def days_ago(self, days: np.ndarray) -> np.ndarray:
        return self.end_day - np.asarray(days, dtype=np.int64)

    def instants(self, days: np.ndarray, seconds_of_day: np.ndarray) -> np.ndarray:
        """Local days at local times of day -> epoch seconds (never after the demo's end)."""
        days = np.asarray(days, dtype="datetime64[D]")
        wall = days.astype("datetime64[s]") + np.asarray(seconds_of_day, dtype=np.int64)
        local = pd.DatetimeIndex(wall).tz_localize(
            self.timezone, ambiguous=np.ones(len(wall), dtype=bool), nonexistent="shift_forward"
        )
        seconds = local.tz_convert("UTC").as_unit("s").asi8
        return np.minimum(seconds, self.end_s)

    def local_days(self, seconds: np.ndarray) -> np.ndarray:
        """Epoch seconds -> local datetime64[D]."""
        stamps = pd.DatetimeIndex(np.asarray(seconds, dtype="datetime64[s]"), tz="UTC")
        return stamps.tz_convert(self.timezone).tz_localize(None).to_numpy().astype("datetime64[D]")


@dataclass(frozen=True)
class Staff:
    """The technicians' roles and contracted hours, shared by costs, time and timesheets."""

    role: np.ndarray  # index into ROLES per technician
    weekly_hours: np.ndarray  # float, NaN: the business calendar's


ROLES: tuple[str, ...] = ("Tier 1", "Tier 2", "Tier 3", "Engineer")


def month_start(months: np.ndarray) -> np.ndarray:
    return np.asarray(months, dtype="datetime64[M]").astype("datetime64[D]")


def month_end(months: np.ndarray) -> np.ndarray:
    return (np.asarray(months, dtype="datetime64[M]") + 1).astype("datetime64[D]") - 1


def date_column(days: np.ndarray) -> pd.Series:
    """datetime64[D] (NaT for missing) -> a Date column."""
    days = np.asarray(days, dtype="datetime64[D]")
    return pd.Series(pa.array(days, mask=np.isnat(days)), dtype=DATE)


def text_column(values) -> pd.Series:
    return pd.Series(pd.array(list(values), dtype="str"))


def ids(prefix: str, count: int, width: int) -> pd.Series:
    return text_column(f"{prefix}{i:0{width}d}" for i in range(1, count + 1))


def money(values: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(values, dtype=np.float64), 2)


def client_codes(directory: Directory) -> list[str]:
    """A short upper-case code per client for device names (ASHF, BLUE ...)."""
    names = directory.clients["name"].tolist()
    return ["".join(ch for ch in name.upper() if ch.isalpha())[:4] for name in names]


def business_seconds(rng: np.random.Generator, size: int, start_h: float, stop_h: float):
    """Local times of day between two hours, on the quarter hour."""
    quarters = rng.integers(int(start_h * 4), int(stop_h * 4), size)
    return quarters.astype(np.int64) * 900


def weekday_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniform day in [low, high] per row, moved off weekends onto the Friday before."""
    low = np.asarray(low, dtype="datetime64[D]")
    high = np.maximum(np.asarray(high, dtype="datetime64[D]"), low)
    span = (high - low).astype(np.int64) + 1
    days = low + (rng.random(low.size) * span).astype(np.int64)
    weekday = (days.astype(np.int64) + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    days = days - np.where(weekday >= 5, weekday - 4, 0)
    return np.maximum(days, low)
