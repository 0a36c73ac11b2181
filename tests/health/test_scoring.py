"""The health score arithmetic on the metrics reference's worked examples (section 7)."""

from __future__ import annotations

import pytest

from deskmetrics.health.cut_scores import check_cut_scores
from deskmetrics.health.model import INSUFFICIENT
from deskmetrics.health.scoring import Part, linear, of_max, score_parts

CUTS = check_cut_scores(
    [
        {"name": "Healthy", "colour": "#16a34a", "min_score": 75},
        {"name": "At risk", "colour": "#f59e0b", "min_score": 50},
        {"name": "Critical", "colour": "#dc2626", "min_score": 0},
    ]
)


def t_hlt_1_parts(csat=None):
    """§7.2: SLA 92 % linear(80, 98), CSAT missing, tickets/endpoint 1.1 linear(2.0, 0.5),
    reopen 4 % linear(10, 2), days-to-pay 30 linear(60, 15)."""
    return [
        Part("sla", 30, linear(92, 80, 98)),
        Part("csat", 25, csat),
        Part("tickets_per_endpoint", 20, linear(1.1, 2.0, 0.5)),
        Part("reopen", 10, linear(4, 10, 2)),
        Part("days_to_pay", 15, linear(30, 60, 15)),
    ]


def test_normalisers_of_the_worked_example():
    assert linear(92, 80, 98) == pytest.approx(66.667, abs=1e-3)
    assert linear(1.1, 2.0, 0.5) == pytest.approx(60.0)  # lower is better
    assert linear(4, 10, 2) == pytest.approx(75.0)
    assert linear(30, 60, 15) == pytest.approx(66.667, abs=1e-3)
    assert linear(120, 80, 98) == 100.0 and linear(10, 80, 98) == 0.0  # clamped
    assert of_max(4, 5) == 80.0 and of_max(7, 5) == 100.0


def test_t_hlt_1_missing_metric_is_left_out_and_weights_renormalised():
    result = score_parts(t_hlt_1_parts(), CUTS, min_coverage=0.6)
    assert result.coverage == pytest.approx(0.75)
    assert result.score == pytest.approx(66.0, abs=0.01)
    assert result.tier.name == "At risk"
    points = {c.metric_id: c.points for c in result.contributions}
    assert points["csat"] is None
    assert points["sla"] == pytest.approx(30 * 66.667 / 75, abs=1e-3)
    assert sum(p for p in points.values() if p is not None) == pytest.approx(result.score)
    shares = {c.metric_id: c.weight_share for c in result.contributions}
    assert shares["csat"] == pytest.approx(0.25)  # the configured share stays visible


def test_t_hlt_1_zero_or_neutral_fill_would_mislead():
    zero = score_parts(t_hlt_1_parts(csat=0.0), CUTS, min_coverage=0.6)
    neutral = score_parts(t_hlt_1_parts(csat=50.0), CUTS, min_coverage=0.6)
    assert zero.score == pytest.approx(49.5, abs=0.01) and zero.tier.name == "Critical"
    assert neutral.score == pytest.approx(62.0, abs=0.01)


def test_t_hlt_2_gainsight_weights_need_not_sum_to_100():
    parts = [Part("a", 20, 47), Part("b", 15, 59), Part("c", 22, 21)]
    result = score_parts(parts, CUTS, min_coverage=0.6)
    assert result.score == pytest.approx(40.12, abs=0.005)
    assert round(result.score) == 40
    assert [round(c.weight_share * 100, 1) for c in result.contributions] == [35.1, 26.3, 38.6]


def test_below_minimum_coverage_is_insufficient_data_whatever_the_score():
    parts = [Part("a", 25, 100.0), Part("b", 75, None)]
    result = score_parts(parts, CUTS, min_coverage=0.6)
    assert result.score == 100.0 and result.coverage == 0.25
    assert result.tier.name == INSUFFICIENT and not result.sufficient
    exactly = score_parts([Part("a", 60, 80.0), Part("b", 40, None)], CUTS, min_coverage=0.6)
    assert exactly.tier.name == "Healthy"  # coverage equal to the minimum is enough


def test_no_data_at_all_has_no_score():
    result = score_parts([Part("a", 1, None)], CUTS, min_coverage=0.0)
    assert result.score is None and result.coverage == 0 and result.tier.name == INSUFFICIENT


def test_tier_follows_the_score_people_see():
    # 74.96 is shown as 75.0, so it is Healthy rather than a confusing "75.0 At risk"
    assert score_parts([Part("a", 1, 74.96)], CUTS, 0.6).tier.name == "Healthy"
    assert score_parts([Part("a", 1, 74.94)], CUTS, 0.6).tier.name == "At risk"
    assert score_parts([Part("a", 1, 0.0)], CUTS, 0.6).tier.name == "Critical"


def test_weights_must_be_positive_in_total():
    with pytest.raises(ValueError, match="positive weight"):
        score_parts([], CUTS, 0.6)
