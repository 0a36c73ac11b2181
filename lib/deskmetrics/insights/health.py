"""Client health in the weekly reports: which clients are at risk and what costs them most,
which improved over the period, and every client's score metric by metric.

Each insight reads one HealthBoard (deskmetrics.health), so a report shows exactly the scores
the Health tab and the CLI show. A report's board scores the period's last day and compares
with the latest snapshot on or before the day before the period (the end of the previous
period), so "improved" means improved over the report's period.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from deskmetrics.health.board import HealthBoard
from deskmetrics.health.model import INSUFFICIENT
from deskmetrics.health.service import Health
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.metrics.scope import Scope

AT_RISK_COLUMNS = [
    "client_id",
    "client",
    "score",
    "tier",
    "colour",
    "change",
    "weakest_metric",
    "weakest_points_lost",
]
IMPROVED_COLUMNS = [
    "client_id",
    "client",
    "score",
    "tier",
    "colour",
    "previous_score",
    "previous_date",
    "change",
]
CONTRIBUTION_COLUMNS = [
    "metric",
    "value",
    "max_score",
    "normalized",
    "effective_percent",
    "points",
    "points_lost",
    "detail",
]
BREAKDOWN_FIXED = ["client_id", "client"]
BREAKDOWN_TAIL = ["score", "coverage_percent", "tier"]
ATTRIBUTION = (
    "health on the period's last day (manual and assessment scores set up to its end, CSAT over "
    "the health CSAT window ending on it); change against the latest snapshot on or before the "
    "day before the period"
)

register(
    Insight(
        id="health_segments",
        title="Client health segments",
        audience="business_owner",
        definition="Clients per health tier on the period's last day, in cut-score order, then "
        "Insufficient data (coverage under health min_coverage, or no metric with data). Each "
        "client's score is the weighted average of its health metrics that have data, each "
        "normalised to 0-100 (the Health tab's score). A one-client report shows that "
        "client's own score, tier, coverage and per-metric contributions instead.",
        attribution=ATTRIBUTION,
    )
)
register(
    Insight(
        id="clients_at_risk",
        title="Clients at risk",
        audience="business_owner",
        definition="Clients whose tier is below the top cut-score tier (Insufficient data left "
        "out), lowest score first (then by name), at most 10. Change = score minus the score "
        "of the baseline snapshot (none without one). Weakest metric = the metric with data "
        "that costs the most points: its effective weight share x 100 minus the points it "
        "adds (effective share x its 0-100 value); the first in metric order on a tie.",
        attribution=ATTRIBUTION,
    )
)
register(
    Insight(
        id="most_improved_clients",
        title="Most improved clients",
        audience="business_owner",
        definition="Clients whose score rose since the baseline snapshot (change > 0, any "
        "tier), largest change first (then the higher score, then by name), at most 5. "
        "Clients without a score now or in the snapshot have no change and are left out.",
        attribution=ATTRIBUTION,
    )
)
register(
    Insight(
        id="health_breakdown",
        title="Client health by metric",
        audience="manager",
        definition="One row per client: each health metric's value normalised to 0-100 "
        "(blank without data), the score, coverage (the share of the metric weight that has "
        "data, as a percent) and the tier. Lowest score first, clients without a score last, "
        "then by name.",
        attribution=ATTRIBUTION,
    )
)


def report_baseline(scope: Scope) -> date:
    """The end of the previous period: the trend compares with the snapshot on or before it."""
    if scope.date_from is None:
        raise ValueError("a report scope has whole days")
    return scope.date_from - timedelta(days=1)


def report_board(health: Health, scope: Scope) -> HealthBoard:
    """Health on the report's last day for its client (or all), trend over the period."""
    if scope.date_to is None:
        raise ValueError("a report scope has whole days")
    return health.board(scope.date_to, client=scope.client, baseline=report_baseline(scope))


def health_segments(board: HealthBoard) -> pd.DataFrame:
    """Clients per tier: tier, colour, min_score, max_score, clients."""
    return board.segments()


def clients_at_risk(board: HealthBoard, limit: int = 10) -> pd.DataFrame:
    """Clients below the top tier with enough data, lowest score first; AT_RISK_COLUMNS."""
    top = board.cut_scores[0].name if board.cut_scores else None
    frame = board.clients
    below = frame[(frame["tier"] != top) & (frame["tier"] != INSUFFICIENT) & frame["score"].notna()]
    below = below.assign(_name=below["client"].str.casefold()).sort_values(["score", "_name"])
    rows = []
    for r in below.head(limit).itertuples(index=False):
        metric, lost = _weakest(board.client(r.client_id))
        rows.append(
            (r.client_id, r.client, r.score, r.tier, r.colour, _num(r.change), metric, lost)
        )
    numbers = {"score": float, "change": float, "weakest_points_lost": float}
    return pd.DataFrame(rows, columns=AT_RISK_COLUMNS).astype(numbers)


def most_improved(board: HealthBoard, limit: int = 5) -> pd.DataFrame:
    """Clients whose score rose since the baseline snapshot, largest rise first."""
    frame = board.clients.assign(_change=pd.to_numeric(board.clients["change"], errors="coerce"))
    risen = frame[frame["_change"] > 0]
    risen = risen.assign(_name=risen["client"].str.casefold())
    risen = risen.sort_values(["_change", "score", "_name"], ascending=[False, False, True])
    return risen.head(limit)[IMPROVED_COLUMNS].reset_index(drop=True)


def client_contributions(board: HealthBoard, client_id: str) -> pd.DataFrame:
    """One client's metrics, in metric order: CONTRIBUTION_COLUMNS (points_lost = effective
    weight share x 100 minus the points the metric adds; blank without data)."""
    mine = board.client(client_id)
    lost = pd.to_numeric(mine["effective_percent"], errors="coerce") - pd.to_numeric(
        mine["points"], errors="coerce"
    )
    return mine.assign(points_lost=lost)[CONTRIBUTION_COLUMNS]


def metric_breakdown(board: HealthBoard) -> pd.DataFrame:
    """One row per client, a 0-100 column per metric (named after it), score, coverage, tier."""
    names = _column_names([m.name for m in board.metrics])
    c = board.contributions
    normalized = {
        (cid, mid): _num(v)
        for cid, mid, v in zip(c["client_id"], c["metric_id"], c["normalized"], strict=True)
    }
    frame = board.clients.copy()
    for metric, name in zip(board.metrics, names, strict=True):
        values = [normalized.get((cid, metric.metric_id)) for cid in frame["client_id"]]
        frame[name] = pd.Series(values, index=frame.index, dtype=float)
    frame["coverage_percent"] = frame["coverage"].astype(float) * 100.0
    frame = frame.assign(
        _none=frame["score"].isna(), _name=frame["client"].str.casefold()
    ).sort_values(["_none", "score", "_name"])
    return frame[[*BREAKDOWN_FIXED, *names, *BREAKDOWN_TAIL]].reset_index(drop=True)


def _weakest(contributions: pd.DataFrame) -> tuple[str | None, float | None]:
    """The metric with data that costs the most points, and how many (first on a tie)."""
    best: tuple[str | None, float | None] = (None, None)
    for r in contributions.itertuples(index=False):
        if _num(r.effective_percent) is None or _num(r.points) is None:
            continue
        lost = r.effective_percent - r.points
        if best[1] is None or lost > best[1] + 1e-9:
            best = (r.metric, lost)
    return best


def _column_names(metric_names: list[str]) -> list[str]:
    """Metric names as columns, kept apart from the fixed columns a metric might be named."""
    taken = {c.casefold() for c in (*BREAKDOWN_FIXED, *BREAKDOWN_TAIL)}
    return [f"{n} (metric)" if n.casefold() in taken else n for n in metric_names]


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
