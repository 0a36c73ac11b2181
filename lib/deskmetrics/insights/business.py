"""The Business section of the weekly reports: what the period earned and kept, which
agreements come up for renewal, and how the sales pipeline stands.

Every number comes from a Business tab panel (deskmetrics.panels.business_*), so the report and
the tab agree: the period's totals add up the panel's rows, and the lists pick rows from it.
Only the names of the agreements behind the next-30-days renewal count are read here, with the
contracts_expiring panel's own rule. A one-client report carries that client's own numbers and
renewals only: no other client's name and no pipeline of the whole MSP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd
from sqlalchemy import Connection, or_, select

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.metrics.scope import Scope
from deskmetrics.panels.business_base import NONE, client_is, client_names, missing, ratio
from deskmetrics.panels.business_contracts import HORIZONS
from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.run import run_panel
from deskmetrics.schema.business_tables import (
    agreements,
    cost_rates,
    hard_costs,
    opportunities,
    revenue_lines,
)

TOP_CLIENTS = 5
LEAST_CLIENTS = 5
CLIENT_COLUMNS = ["client", "client_id", "revenue", "margin", "margin_percent"]
RENEWAL_COLUMNS = ["agreement", "agreement_id", "client", "type", "end_date", "days_left"]
# the business tables this section reads, and where each comes from
SOURCES: dict[str, tuple[str, str]] = {
    "revenue_lines": ("revenue_lines.csv", "invoices"),
    "hard_costs": ("hard_costs.csv", ""),
    "cost_rates": ("cost_rates.csv", ""),
    "agreements": ("agreements.csv", "agreements (Autotask: contracts)"),
    "opportunities": ("opportunities.csv", "opportunities"),
}
_TABLES = {
    "revenue_lines": revenue_lines,
    "hard_costs": hard_costs,
    "cost_rates": cost_rates,
    "agreements": agreements,
    "opportunities": opportunities,
}

register(
    Insight(
        id="business_profitability",
        title="Business: revenue and margin",
        audience="business_owner",
        definition="The period's revenue, hard costs, labour cost, margin, margin % and "
        "effective hourly rate: the rows of the profitability_by_client panel added up (lines "
        "and costs without a client included; time without a client, internal work, left "
        "out), margin % = margin / revenue x 100 (empty when revenue is 0 or less), effective "
        "hourly rate = (revenue - hard costs) / hours (empty without hours). Hours without a "
        "cost rate are reported, not costed at 0. A one-client report shows that client's own "
        "row.",
        attribution="line_date for revenue, cost_date for hard costs, started_at (local day) "
        "for time",
    )
)
register(
    Insight(
        id="business_clients_by_margin",
        title="Business: top and least profitable clients",
        audience="business_owner",
        definition=f"From profitability_by_client: the top clients are those with a positive "
        f"margin, largest margin first (then by name), at most {TOP_CLIENTS}. The least "
        "profitable are those that lose money (margin below 0) or whose margin % is below the "
        "period's overall margin %: first those with no revenue to take a margin % of (lowest "
        f"margin first), then the lowest margin %, at most {LEAST_CLIENTS}. Lines without a "
        "client are never listed. Not in a one-client report.",
        attribution="as profitability_by_client",
    )
)
register(
    Insight(
        id="business_renewals_due",
        title="Business: renewals due",
        audience="business_owner",
        definition="Agreements coming up for renewal after the period's last day, by type: the "
        "contracts_expiring panel (not cancelled, end_date within 30, 60 and 90 days after the "
        "last day; cumulative counts), with the name, client, type, end date and days left of "
        "each agreement counted in the next 30 days, soonest first. A one-client report lists "
        "that client's agreements only.",
        attribution="end_date against the period's last day",
    )
)
register(
    Insight(
        id="business_pipeline",
        title="Business: sales pipeline",
        audience="business_owner",
        definition="Open pipeline, weighted pipeline and coverage against "
        "business.pipeline_coverage_target (the pipeline_coverage panel: opportunities open at "
        "the period end; coverage = pipeline / monthly sales target), and the win rate with "
        "the deals won and lost in the period (the win_rate_and_velocity panel). The whole "
        "MSP's pipeline: left out of a one-client report.",
        attribution="open at the period end; closed_at in the period",
    )
)


@dataclass(frozen=True)
class Profitability:
    """The period's money: totals over every client, and the clients worth naming."""

    revenue: float
    hard_costs: float
    labour_cost: float
    margin: float
    margin_percent: float | None
    hours: float
    hours_without_cost_rate: float
    effective_hourly_rate: float | None
    top: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CLIENT_COLUMNS))
    least: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CLIENT_COLUMNS))

    @property
    def any(self) -> bool:
        """Whether anything was earned, spent or logged in the period."""
        return bool(self.revenue or self.hard_costs or self.labour_cost or self.hours)


@dataclass(frozen=True)
class Renewals:
    """Agreements expiring within 30, 60 and 90 days after the period, and the next 30 days'."""

    by_type: pd.DataFrame  # agreement_type, within_30_days, within_60_days, within_90_days
    next_30: pd.DataFrame  # RENEWAL_COLUMNS, soonest first

    def within(self, days: int) -> int:
        column = f"within_{days}_days"
        return int(self.by_type[column].sum()) if len(self.by_type) else 0


@dataclass(frozen=True)
class Pipeline:
    """Open pipeline at the period end against the target, and deals closed in the period."""

    open_opportunities: int
    pipeline: float
    weighted: float
    monthly_target: float
    target_source: str
    coverage: float | None
    target_multiple: float
    required: float
    meets_target: bool | None
    won: int
    lost: int
    won_amount: float
    win_rate_percent: float | None


@dataclass(frozen=True)
class BusinessSummary:
    """The report's Business section. ``loaded`` names the business tables with any rows: none
    means a warehouse of tickets only, and the section says what fills it."""

    loaded: frozenset[str]
    client_id: str | None
    client_name: str | None  # a one-client report's client, by name
    profitability: Profitability
    renewals: Renewals
    pipeline: Pipeline | None  # None in a one-client report

    @property
    def any_data(self) -> bool:
        return bool(self.loaded)


def business_summary(conn: Connection, settings: Settings, scope: Scope) -> BusinessSummary:
    client = scope.client
    name = client_names(PanelContext(conn, scope, settings)).get(client) if client else None
    return BusinessSummary(
        loaded=loaded_tables(conn),
        client_id=client,
        client_name=(name or client) if client else None,
        profitability=profitability(conn, settings, scope),
        renewals=renewals(conn, settings, scope),
        pipeline=None if scope.client else pipeline(conn, settings, scope),
    )


def loaded_tables(conn: Connection) -> frozenset[str]:
    """The business tables of SOURCES that hold any row, whatever the period."""
    return frozenset(
        name
        for name, table in _TABLES.items()
        if conn.execute(select(*table.primary_key.columns).limit(1)).first() is not None
    )


def profitability(conn: Connection, settings: Settings, scope: Scope) -> Profitability:
    rows = run_panel(conn, settings, scope, "profitability_by_client").frame
    total = {
        c: float(rows[c].sum()) if len(rows) else 0.0
        for c in ("revenue", "hard_costs", "labour_cost", "margin", "hours")
    }
    without_rate = float(rows["hours_without_cost_rate"].sum()) if len(rows) else 0.0
    margin_percent = _first(ratio([total["margin"]], [total["revenue"]], 100))
    rate = _first(ratio([total["revenue"] - total["hard_costs"]], [total["hours"]]))
    top = least = pd.DataFrame(columns=CLIENT_COLUMNS)
    if not scope.client:
        named = rows[[not missing(c) for c in rows["client_id"]]] if len(rows) else rows
        top, least = _top_clients(named), _least_profitable(named, margin_percent)
    return Profitability(
        revenue=total["revenue"],
        hard_costs=total["hard_costs"],
        labour_cost=total["labour_cost"],
        margin=total["margin"],
        margin_percent=margin_percent,
        hours=total["hours"],
        hours_without_cost_rate=without_rate,
        effective_hourly_rate=rate,
        top=top,
        least=least,
    )


def renewals(conn: Connection, settings: Settings, scope: Scope) -> Renewals:
    by_type = run_panel(conn, settings, scope, "contracts_expiring").frame
    return Renewals(by_type, _due_within(conn, settings, scope, HORIZONS[0]))


def pipeline(conn: Connection, settings: Settings, scope: Scope) -> Pipeline:
    coverage = run_panel(conn, settings, scope, "pipeline_coverage").frame.iloc[0]
    closed = run_panel(conn, settings, scope, "win_rate_and_velocity").frame.iloc[0]
    meets = coverage["meets_target"]
    return Pipeline(
        open_opportunities=int(coverage["open_opportunities"]),
        pipeline=float(coverage["pipeline_amount"]),
        weighted=float(coverage["weighted_pipeline"]),
        monthly_target=float(coverage["monthly_target"]),
        target_source=str(coverage["target_source"]),
        coverage=_number(coverage["coverage"]),
        target_multiple=float(coverage["target_multiple"]),
        required=float(coverage["required_pipeline"]),
        meets_target=None if missing(meets) else bool(meets),
        won=int(closed["won"]),
        lost=int(closed["lost"]),
        won_amount=float(closed["won_amount"]),
        win_rate_percent=_number(closed["win_rate_percent"]),
    )


# -- pieces ---------------------------------------------------------------------------------
def _top_clients(rows: pd.DataFrame) -> pd.DataFrame:
    earning = rows[rows["margin"] > 0]
    earning = earning.assign(_name=earning["client"].str.casefold())
    earning = earning.sort_values(["margin", "_name"], ascending=[False, True])
    return earning.head(TOP_CLIENTS)[CLIENT_COLUMNS].reset_index(drop=True)


def _least_profitable(rows: pd.DataFrame, overall: float | None) -> pd.DataFrame:
    """Clients losing money or under the overall margin %; those without revenue first."""
    percent = rows["margin_percent"]
    below = rows["margin"] < 0
    if overall is not None:
        below = below | (percent < overall - 1e-9)
    chosen = rows[below]
    chosen = chosen.assign(
        _has_percent=chosen["margin_percent"].notna(),
        _key=chosen["margin_percent"].fillna(chosen["margin"]),
        _name=chosen["client"].str.casefold(),
    ).sort_values(["_has_percent", "_key", "_name"])
    return chosen.head(LEAST_CLIENTS)[CLIENT_COLUMNS].reset_index(drop=True)


def _due_within(conn: Connection, settings: Settings, scope: Scope, days: int) -> pd.DataFrame:
    """The agreements behind contracts_expiring's within_<days>_days, by the panel's rule."""
    a = agreements.c
    last = scope.date_to
    ctx = PanelContext(conn, scope, settings)
    query = (
        select(a.agreement_id, a.name, a.client_id, a.type, a.end_date)
        .where(
            or_(a.cancelled.is_(None), a.cancelled.is_(False)),
            a.end_date > last,
            a.end_date <= last + timedelta(days=days),
            client_is(ctx, a.client_id),
        )
        .order_by(a.end_date, a.agreement_id)
    )
    rows = conn.execute(query).all()
    if not rows:
        return pd.DataFrame(columns=RENEWAL_COLUMNS)
    names = client_names(ctx)
    return pd.DataFrame(
        {
            "agreement": [r.name or r.agreement_id for r in rows],
            "agreement_id": [r.agreement_id for r in rows],
            "client": [names.get(r.client_id) or r.client_id for r in rows],
            "type": [NONE if r.type is None else r.type for r in rows],
            "end_date": pd.to_datetime([r.end_date for r in rows]),
            "days_left": [(r.end_date - last).days for r in rows],
        }
    )


def _first(series: pd.Series) -> float | None:
    return _number(series.iloc[0])


def _number(value) -> float | None:
    return None if missing(value) or pd.isna(value) else float(value)
