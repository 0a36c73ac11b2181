"""Metrics reference 0.3 (T-STAT-1) and 1.7 (SLA attainment)."""

from __future__ import annotations

import pytest

from deskmetrics.metrics.stats import attainment, percentile, summarize


def test_t_stat_1_mean_median_p90_linear_and_nearest_rank():
    summary = summarize([1, 2, 2, 3, 40])
    assert summary.n == 5
    assert summary.mean == pytest.approx(9.6)
    assert summary.median == pytest.approx(2)
    assert summary.p90 == pytest.approx(25.2)
    assert summary.p90_nearest_rank == pytest.approx(40)


def test_empty_and_missing_values():
    assert summarize([]).mean is None
    assert summarize([float("nan"), None, 4]).n == 1
    with pytest.raises(ValueError, match="nearest_rank"):
        percentile([1], 50, method="closest")


def test_attainment_example_37_of_40():
    assert attainment(37, 3) == pytest.approx(92.5)
    assert attainment(0, 0) is None
