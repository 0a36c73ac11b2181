"""The health score of one client, as pure arithmetic (metrics reference section 7.2).

``score = Σ wᵢ·sᵢ / Σ wᵢ`` over the metrics that have data, each ``sᵢ`` normalised to 0-100;
a missing metric is left out and the others' weights re-normalised, never counted as 0.
``coverage = Σ wᵢ (with data) / Σ wᵢ (all)``; under the minimum coverage the tier is
"Insufficient data" however good the score looks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deskmetrics.health.cut_scores import tier_of
from deskmetrics.health.model import INSUFFICIENT, CutScore


def linear(value: float, bad: float, good: float) -> float:
    """0 at ``bad``, 100 at ``good``, clamped; works both ways (good < bad: lower is better)."""
    if good == bad:
        raise ValueError("linear normaliser needs good != bad")
    return min(max((value - bad) / (good - bad) * 100.0, 0.0), 100.0)


def of_max(value: float, max_score: float) -> float:
    """A score out of ``max_score`` as 0-100 (``linear(0, max_score)``)."""
    return linear(value, 0.0, max_score)


@dataclass(frozen=True)
class Part:
    """One metric's input for one client: its weight and its 0-100 score, None when missing."""

    metric_id: str
    weight: float
    normalized: float | None


@dataclass(frozen=True)
class Contribution:
    metric_id: str
    weight_share: float  # this weight / all weights, 0-1: the configured share
    effective_share: float | None  # this weight / weights with data, 0-1 (None if missing)
    normalized: float | None
    points: float | None  # effective_share × normalized: the points it adds to the score


@dataclass(frozen=True)
class HealthScore:
    score: float | None  # None when no metric has data
    coverage: float  # 0-1
    tier: CutScore
    contributions: tuple[Contribution, ...]

    @property
    def sufficient(self) -> bool:
        return self.tier.name != INSUFFICIENT


def score_parts(
    parts: Sequence[Part], cut_scores: Sequence[CutScore], min_coverage: float
) -> HealthScore:
    """Weighted average of the parts that have data, its coverage, tier and contributions."""
    total = sum(p.weight for p in parts)
    if total <= 0:
        raise ValueError("health needs at least one metric with a positive weight")
    available = [p for p in parts if p.normalized is not None]
    covered = sum(p.weight for p in available)
    coverage = covered / total
    score = sum(p.weight * p.normalized for p in available) / covered if covered else None
    enough = score is not None and coverage + 1e-9 >= min_coverage
    tier = tier_of(score if enough else None, list(cut_scores))
    contributions = tuple(
        Contribution(
            p.metric_id,
            p.weight / total,
            p.weight / covered if p.normalized is not None else None,
            p.normalized,
            p.weight * p.normalized / covered if p.normalized is not None else None,
        )
        for p in parts
    )
    return HealthScore(score, coverage, tier, contributions)
