"""The written definitions of client health, for the generated docs page (docs/metrics.md).

Kept beside the code that computes them; the values quoted (minimum coverage, CSAT window) are
read from the shipped parameters/health.yaml so the page and the defaults cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from deskmetrics.health.model import INSUFFICIENT, KIND_LABELS
from deskmetrics.health.settings import HealthSettings


@dataclass(frozen=True)
class HealthDefinition:
    id: str
    title: str
    definition: str


def health_definitions(settings: HealthSettings) -> list[HealthDefinition]:
    coverage = f"{settings.min_coverage:.0%}"
    csat = settings.csat
    return [
        HealthDefinition(
            "health_score",
            "Health score",
            "Each metric's value is scaled to 0-100 as value / max score x 100 (clamped). The "
            "score is the weighted average of the metrics that have data: sum of weight x "
            "scaled value over those metrics, divided by the sum of their weights. A metric "
            "without data is left out and the other weights re-normalised; it is never counted "
            "as 0 or as a neutral 50, which would push a client into the wrong tier. Weights "
            "need not add to 100: each is shown as its percent of the total. Deleted metrics "
            "count nowhere. The score is shown to one decimal, and the tier uses that figure.",
        ),
        HealthDefinition(
            "health_coverage",
            "Coverage",
            "The weight of the metrics with data as a share of the total weight of all active "
            f"metrics. Below the minimum coverage ({coverage} by default, `min_coverage`) the "
            f"tier is {INSUFFICIENT!r} whatever the score, and the score is shown with it.",
        ),
        HealthDefinition(
            "health_tier",
            "Tier (cut scores)",
            "Cut scores are named, coloured tiers with a minimum score, listed from the highest "
            "minimum down; exactly one starts at 0. A client is in the first tier whose minimum "
            "its score reaches; a tier runs up to (not including) the minimum of the tier "
            "above, the top tier to 100. The customer segments chart counts clients per tier.",
        ),
        HealthDefinition(
            "health_contribution",
            "Contribution",
            "The points a metric adds to a client's score: its weight / the weights with data x "
            "its scaled value. The contributions of a client add up to its score.",
        ),
        HealthDefinition(
            "health_trend",
            "Trend",
            "The change in score since the latest daily snapshot before the scoring day (in "
            "reports: since the end of the previous period). Up or down when it moves by at "
            f"least {settings.trend_flat_points:g} point(s) (`trend_flat_points`), flat "
            "otherwise, and unknown when there is no earlier snapshot with a score.",
        ),
        HealthDefinition(
            "health_manual",
            "Manual metrics",
            f"{KIND_LABELS['manual']}: the latest score set on or before the scoring day, from "
            "0 to the metric's max score, with who set it and when; earlier scores stay as "
            "history and a cleared score means no data.",
        ),
        HealthDefinition(
            "health_csat",
            "CSAT metric",
            f"{KIND_LABELS['csat']}: Average CSAT Score (`csat_percent`, satisfied responses "
            "over all CSAT responses from Crewhu, SmileBack or Simplesat) for the client over "
            f"the {csat.days} days ending on the scoring day (`csat.days`), as a share of the "
            f"metric's max score. Fewer than {csat.min_responses} responses "
            "(`csat.min_responses`) count as no data.",
        ),
        HealthDefinition(
            "health_assessment",
            "Assessment metrics",
            f"{KIND_LABELS['assessment']}: the client's most recent result of the named "
            "assessment on or before the scoring day, loaded with `deskmetrics health "
            "import-assessments` from a CSV of assessment, client_id, assessed_at and score.",
        ),
    ]
