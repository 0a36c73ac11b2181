"""Vectorized business time: cumulative business nanoseconds over a fixed range, and its inverse.

:class:`BusinessClock` expands a calendar once into sorted UTC intervals (int64 nanoseconds)
with running totals, so business time between any two of a million instants is two binary
searches. ``cumulative(b) - cumulative(a)`` equals :func:`business_seconds` and
``instant_at(cumulative(a) + s)`` equals :func:`add_business` for ``s > 0``, as long as the
instants lie inside the clock's range.

Missing values: NaT in (``NAT`` as int64) gives NaN / ``NAT`` out; so does a cumulative value
beyond the range of the clock.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from deskmetrics.errors import InputError
from deskmetrics.sla._spans import as_utc, to_ns
from deskmetrics.sla.calendar import BusinessCalendar

NAT = np.iinfo(np.int64).min  # same bit pattern as numpy/pandas NaT
NS_PER_S = 1_000_000_000


class BusinessClock:
    """Business time of ``calendar`` over ``[start, end]``, precomputed for fast lookups."""

    def __init__(self, calendar: BusinessCalendar, start: datetime, end: datetime) -> None:
        lo, hi = as_utc(start, "start"), as_utc(end, "end")
        if hi < lo:
            raise InputError(
                f"BusinessClock: end {hi.isoformat()} is before start {lo.isoformat()}"
            )
        self.calendar = calendar
        self.start_ns = to_ns(lo)
        self.end_ns = to_ns(hi)
        spans = calendar.intervals(lo, hi)
        self._starts = np.array([to_ns(s) for s, _ in spans], dtype=np.int64)
        ends = np.array([to_ns(e) for _, e in spans], dtype=np.int64)
        lengths = ends - self._starts
        self._cum_end = np.cumsum(lengths)  # business ns accrued at each interval's end
        self._cum_start = self._cum_end - lengths
        self._lengths = lengths
        self.total_ns = int(self._cum_end[-1]) if len(spans) else 0

    def __repr__(self) -> str:
        return (
            f"BusinessClock({self.calendar.timezone}, {len(self._starts)} intervals, "
            f"{self.total_ns / NS_PER_S / 3600:.1f} business h)"
        )

    def cumulative_ns(self, instants: object) -> np.ndarray:
        """Business ns from ``start`` to each instant (clipped to the range); NaT -> ``NAT``."""
        t = as_ns(instants)
        missing = t == NAT
        clipped = np.clip(t, self.start_ns, self.end_ns)
        if not len(self._starts):
            return np.where(missing, NAT, 0)
        i = np.searchsorted(self._starts, clipped, side="right") - 1
        j = np.maximum(i, 0)
        within = np.minimum(clipped - self._starts[j], self._lengths[j])
        out = np.where(i >= 0, self._cum_start[j] + within, 0)
        return np.where(missing, NAT, out)

    def instant_at_ns(self, cumulative_ns: object) -> np.ndarray:
        """First instant (ns) where ``cumulative_ns`` of business time has accrued.

        Values <= 0 give ``start``; NaT or values beyond the clock's total give ``NAT``.
        """
        c = np.asarray(cumulative_ns, dtype=np.int64)
        if not len(self._starts):
            return np.where(c <= 0, self.start_ns, NAT)
        # the first interval whose running total at its end reaches c
        j = np.minimum(np.searchsorted(self._cum_end, c, side="left"), len(self._starts) - 1)
        out = self._starts[j] + (c - self._cum_start[j])
        out = np.where(c <= 0, self.start_ns, out)
        return np.where((c == NAT) | (c > self.total_ns), NAT, out)

    def cumulative(self, instants: object) -> np.ndarray:
        """Business seconds (float) from ``start`` to each instant; NaT -> NaN."""
        return ns_to_seconds(self.cumulative_ns(instants))

    def instant_at(self, cumulative_seconds: object) -> np.ndarray:
        """Inverse of :meth:`cumulative` as int64 ns; NaN or out of range -> ``NAT``."""
        return self.instant_at_ns(seconds_to_ns(cumulative_seconds))


def as_ns(values: object) -> np.ndarray:
    """int64 UTC nanoseconds from int64 ns, datetime64 (naive = UTC) or tz-aware pandas data."""
    arr = values if isinstance(values, (pd.Series, pd.Index)) else np.asarray(values)
    if isinstance(arr, (pd.Series, pd.Index)) and pd.api.types.is_integer_dtype(arr.dtype):
        arr = arr.to_numpy()
    if isinstance(arr, (pd.Series, pd.Index)) or arr.dtype == object:
        index = pd.DatetimeIndex(arr)
        if index.tz is None:
            raise InputError("instants must be timezone-aware (UTC)")
        return index.as_unit("ns").asi8
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[ns]").view(np.int64)
    return arr.astype(np.int64, copy=False)


def ns_to_seconds(ns: np.ndarray) -> np.ndarray:
    """int64 ns -> float seconds, NAT -> NaN, exact for whole seconds of any size."""
    ns = np.asarray(ns, dtype=np.int64)
    # split so the integer part converts exactly even beyond 2**53 ns (~104 days)
    out = (ns // NS_PER_S).astype(np.float64) + (ns % NS_PER_S) / 1e9
    return np.where(ns == NAT, np.nan, out)


def seconds_to_ns(seconds: object) -> np.ndarray:
    """float seconds -> int64 ns rounded to the nearest ns; NaN/inf/huge -> NAT."""
    s = np.asarray(seconds, dtype=np.float64)
    ok = np.isfinite(s) & (np.abs(s) < 9e9)  # 9e9 s (285 years) keeps int64 ns safe
    safe = np.where(ok, s, 0.0)
    whole = np.floor(safe)
    ns = whole.astype(np.int64) * NS_PER_S + np.rint((safe - whole) * 1e9).astype(np.int64)
    return np.where(ok, ns, NAT)
