"""Summary statistics with the conventions of metrics reference section 0.3.

Percentiles interpolate linearly between closest ranks (numpy's default, "type 7");
nearest-rank is available but must be labelled as such wherever it is shown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float | None
    median: float | None
    p90: float | None
    p90_nearest_rank: float | None


def percentile(values: Iterable[float], q: float, *, method: str = "linear") -> float | None:
    """The q-th percentile (0..100); ``method`` is "linear" or "nearest_rank"."""
    data = np.sort(np.asarray([v for v in values if v is not None and not math.isnan(v)], float))
    if data.size == 0:
        return None
    if method == "linear":
        return float(np.percentile(data, q, method="linear"))
    if method == "nearest_rank":
        rank = max(1, math.ceil(q / 100 * data.size))
        return float(data[rank - 1])
    raise ValueError(f"unknown percentile method {method!r}; use linear or nearest_rank")


def summarize(values: Iterable[float]) -> Summary:
    data = [v for v in values if v is not None and not math.isnan(v)]
    if not data:
        return Summary(0, None, None, None, None)
    return Summary(
        len(data),
        float(np.mean(data)),
        percentile(data, 50),
        percentile(data, 90),
        percentile(data, 90, method="nearest_rank"),
    )


def attainment(met: int, missed: int) -> float | None:
    """SLA attainment in percent: met / (met + missed); None when nothing was decided."""
    decided = met + missed
    return None if decided == 0 else 100.0 * met / decided
