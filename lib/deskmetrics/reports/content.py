"""Everything one report says, computed in one place: the notebook draws it, the manifest and
the mail quote its headline numbers, so the three always agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection

from deskmetrics.config import Settings
from deskmetrics.health.board import HealthBoard
from deskmetrics.health.model import INSUFFICIENT
from deskmetrics.health.service import Health
from deskmetrics.health.settings import HealthSettings
from deskmetrics.insights.affinity import (
    client_concentration,
    dependent_clients,
    technician_client_affinity,
)
from deskmetrics.insights.alerts import Alert, active_alerts
from deskmetrics.insights.automation import AutomationImpact, automation_impact
from deskmetrics.insights.business import BusinessSummary, business_summary
from deskmetrics.insights.companies import company_breakdown
from deskmetrics.insights.escalations import (
    EscalationSummary,
    escalation_summary,
    escalations_by_category,
    escalations_by_priority,
    escalations_by_tier,
    escalations_over_time,
)
from deskmetrics.insights.health import (
    client_contributions,
    clients_at_risk,
    health_segments,
    metric_breakdown,
    most_improved,
    report_board,
)
from deskmetrics.insights.narrative import summarize
from deskmetrics.insights.recommendations import Recommendation, recommendations
from deskmetrics.insights.recurring import recurring_issues
from deskmetrics.insights.sentiment import Sentiment, customer_sentiment
from deskmetrics.insights.summary import KpiChange, PeriodSummary, period_summary
from deskmetrics.insights.team import team_performance
from deskmetrics.metrics.format import format_value
from deskmetrics.metrics.scope import Scope
from deskmetrics.warehouse.engine import Warehouse

PERIOD_LABELS = {7: "this week", 14: "these two weeks", 30: "this month"}


def report_scope(settings: Settings, period_days: int, end: date, client: str | None) -> Scope:
    """The report's period: ``period_days`` whole local days ending on ``end``."""
    start = end - timedelta(days=period_days - 1)
    return Scope.for_days(settings, start, end, client=client or None)


@dataclass
class HealthContent:
    """Client health in a report. For all clients: the segment counts, the clients at risk and
    the most improved; a one-client report carries that client's own row and contributions
    only, so it never names another client."""

    board: HealthBoard
    min_coverage: float  # 0-1: under it a client's tier is Insufficient data
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    at_risk: pd.DataFrame = field(default_factory=pd.DataFrame)
    improved: pd.DataFrame = field(default_factory=pd.DataFrame)
    client_id: str | None = None  # a one-client report's client
    client: dict | None = None  # that client's row of board.clients
    contributions: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def scored(self) -> bool:
        """Whether any client in the report has enough data for a tier."""
        tiers = self.board.clients["tier"]
        return bool(len(tiers)) and bool((tiers != INSUFFICIENT).any())

    @property
    def has_baseline(self) -> bool:
        """Whether a snapshot on or before the baseline exists to measure the change against."""
        return bool(self.board.clients["previous_date"].notna().any())


def health_content(board: HealthBoard, min_coverage: float, client: str | None) -> HealthContent:
    if client:
        rows = board.clients[board.clients["client_id"] == client]
        row = rows.iloc[0].to_dict() if len(rows) else None
        return HealthContent(
            board,
            min_coverage,
            client_id=client,
            client=row,
            contributions=client_contributions(board, client),
        )
    return HealthContent(
        board,
        min_coverage,
        segments=health_segments(board),
        at_risk=clients_at_risk(board),
        improved=most_improved(board),
    )


def report_health(
    warehouse: Warehouse,
    settings: Settings,
    scope: Scope,
    health_settings: HealthSettings | None = None,
) -> HealthContent:
    """Client health for the report's scope. Health seeds its metrics on first use (a write),
    so call this outside a read connection."""
    health = Health(warehouse, settings, health_settings)
    board = report_board(health, scope)
    return health_content(board, health.health.min_coverage, scope.client)


@dataclass
class OwnerContent:
    """The Business Owner report (also the first half of the Manager report)."""

    summary: PeriodSummary
    sentiment: Sentiment
    automation: AutomationImpact
    alerts: list[Alert]
    recurring: pd.DataFrame
    recommendations: list[Recommendation]
    narrative: str
    health: HealthContent
    business: BusinessSummary


@dataclass
class ManagerContent:
    """What the Manager report adds: people, clients and escalations."""

    team: pd.DataFrame
    affinity: pd.DataFrame
    concentration: pd.DataFrame
    dependent: pd.DataFrame
    escalation: EscalationSummary
    escalations: dict[str, pd.DataFrame] = field(default_factory=dict)  # by tier, category...
    companies: pd.DataFrame = field(default_factory=pd.DataFrame)
    health_breakdown: pd.DataFrame = field(default_factory=pd.DataFrame)  # metric_breakdown


def owner_content(
    conn: Connection, settings: Settings, scope: Scope, health: HealthContent
) -> OwnerContent:
    summary = period_summary(conn, settings, scope)
    sentiment = customer_sentiment(conn, settings, scope)
    automation = automation_impact(conn, settings, scope)
    alerts = active_alerts(conn, settings, scope)
    recurring = recurring_issues(conn, settings, scope)
    days = (scope.date_to - scope.date_from).days + 1 if scope.date_from else 7
    advice = recommendations(
        alerts,
        recurring,
        automation,
        summary,
        settings=settings,
        period_label=PERIOD_LABELS.get(days, f"these {days} days"),
    )
    narrative = summarize(summary, sentiment, automation, alerts, settings=settings)
    business = business_summary(conn, settings, scope)
    return OwnerContent(
        summary, sentiment, automation, alerts, recurring, advice, narrative, health, business
    )


def manager_content(
    conn: Connection, settings: Settings, scope: Scope, health: HealthContent
) -> ManagerContent:
    return ManagerContent(
        team=team_performance(conn, settings, scope),
        affinity=technician_client_affinity(conn, settings, scope),
        concentration=client_concentration(conn, settings, scope),
        dependent=dependent_clients(conn, settings, scope),
        escalation=escalation_summary(conn, settings, scope),
        escalations={
            "tier": escalations_by_tier(conn, settings, scope),
            "category": escalations_by_category(conn, settings, scope),
            "priority": escalations_by_priority(conn, settings, scope),
            "over time": escalations_over_time(conn, settings, scope),
        },
        companies=company_breakdown(conn, settings, scope),
        health_breakdown=metric_breakdown(health.board),
    )


@dataclass(frozen=True)
class HeadlineRow:
    label: str
    value: str
    change: str


def headline_rows(owner: OwnerContent) -> list[HeadlineRow]:
    """The numbers a reader sees first, formatted once for the notebook, manifest and mail."""
    kpis = [*owner.summary.kpis(), owner.sentiment.positive, owner.automation.auto_resolved]
    return [HeadlineRow(k.label, format_value(k.value, k.unit), change_text(k)) for k in kpis]


def change_text(kpi: KpiChange) -> str:
    """'+12.0% on 300' / '-3.5 points on 91.0%' / 'no previous data'."""
    if kpi.previous is None or kpi.change is None:
        return "no previous data"
    before = format_value(kpi.previous, kpi.unit)
    if kpi.unit == "percent":
        return f"{kpi.change:+.1f} points on {before}"
    if kpi.change_percent is None:
        return f"{kpi.change:+,.1f} on {before}"
    return f"{kpi.change_percent:+.1f}% on {before}"
