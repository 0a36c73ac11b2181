"""Vectorized helpers shared by the demo generator: sampling, id strings and timestamp columns.

Times inside the generator are int64 seconds since the Unix epoch (UTC); they become pandas
datetime columns only when the frames are assembled, which keeps the arithmetic cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MINUTE = 60
HOUR = 3_600
DAY = 86_400


def lognormal_seconds(
    rng: np.random.Generator,
    median: float | np.ndarray,
    sigma: float,
    size: int,
    low: float,
    high: float,
) -> np.ndarray:
    """Long-tailed durations in whole seconds, clipped to [low, high]."""
    values = np.asarray(median, dtype=np.float64) * rng.lognormal(0.0, sigma, size)
    return np.clip(values, low, high).astype(np.int64)


def choice_by_group(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Draw one column index per row from ``probs[group[row]]``.

    Loops over the (few) groups, not the rows, so memory stays O(rows).
    """
    probs = np.asarray(probs, dtype=np.float64)
    out = np.zeros(group.size, dtype=np.int64)
    for g in range(probs.shape[0]):
        rows = np.flatnonzero(group == g)
        if rows.size:
            out[rows] = rng.choice(probs.shape[1], size=rows.size, p=probs[g] / probs[g].sum())
    return out


def pick_exact(rng: np.random.Generator, candidates: np.ndarray, count: int) -> np.ndarray:
    """Choose ``count`` distinct positions from ``candidates`` (fewer if there are not enough)."""
    count = min(count, candidates.size)
    if count <= 0:
        return np.empty(0, dtype=np.int64)
    return np.sort(rng.choice(candidates, size=count, replace=False))


def dirty_count(share: float, total: int, floor: int) -> int:
    """How many deliberately dirty records to plant: ``share`` of ``total``, at least ``floor``.

    The floor only applies from 1,000 rows up, so tiny demos are not mostly dirt.
    """
    count = round(share * total)
    return max(floor, count) if total >= 1_000 else count


def id_array(prefix: str, count: int, width: int) -> pa.Array:
    """Zero-padded, prefixed ids ("T000001", ...) built in Arrow, without a Python loop."""
    numbers = pc.cast(pa.array(np.arange(1, count + 1, dtype=np.int64)), pa.string())
    padded = pc.utf8_lpad(numbers, width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), padded, "")


def id_width(count: int, minimum: int) -> int:
    """Digits needed so ids for ``count`` rows sort the same lexically and numerically."""
    return max(minimum, len(str(max(count, 1))))


def take_strings(values: Sequence[str] | pa.Array, codes: np.ndarray) -> pd.Series:
    """Map integer codes to strings; code -1 becomes a missing value."""
    table = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    missing = codes < 0
    indices = pa.array(np.where(missing, 0, codes), mask=missing if missing.any() else None)
    return pd.Series(pd.array(table.take(indices), dtype="str"))


def utc_column(seconds: np.ndarray, valid: np.ndarray | None = None) -> pd.Series:
    """Epoch seconds -> ``datetime64[us, UTC]``; rows where ``valid`` is False become NaT."""
    stamps = seconds.astype("datetime64[s]").astype("datetime64[us]")
    if valid is not None:
        stamps[~valid] = np.datetime64("NaT")
    return pd.Series(pd.to_datetime(stamps, utc=True))
