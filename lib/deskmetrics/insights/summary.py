"""The period summary of the Business Owner report: headline KPIs next to the previous period's.

Every number comes from the metric registry (``metrics.engine.compute``), so the report and the
dashboard can never disagree on what "closed" or "SLA attainment" means.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.metrics import registry
from deskmetrics.metrics.engine import MetricValue, compute
from deskmetrics.metrics.scope import Scope

# field of PeriodSummary -> registered metric
SUMMARY_KPIS: dict[str, str] = {
    "created": "tickets_created",
    "closed": "tickets_closed",
    "backlog": "open_tickets",
    "first_response_hours": "avg_first_response_business_hours",
    "resolution_hours": "avg_resolution_business_hours",
    "sla_attainment": "resolution_sla_attainment",
}

register(
    Insight(
        id="period_summary",
        title="Period summary",
        audience="business_owner",
        definition=(
            "Tickets created, tickets closed, backlog (open tickets at the end of the period), "
            "average first response and average resolution in business hours, and resolution "
            "SLA attainment, each as defined on this page (tickets_created, tickets_closed, "
            "open_tickets, avg_first_response_business_hours, avg_resolution_business_hours, "
            "resolution_sla_attainment), for the period and for the previous period of the same "
            "length. Change = this period minus the previous; change % = change / previous x "
            "100, empty when the previous value is 0 or missing. The previous backlog is the "
            "open tickets at the start of this period."
        ),
        attribution="each KPI's own attribution; previous period = the same number of days "
        "just before",
    )
)


@dataclass(frozen=True)
class KpiChange:
    """One KPI this period and the previous one, with the change between them."""

    name: str
    label: str
    unit: str
    value: float | None
    previous: float | None
    change: float | None  # value - previous
    change_percent: float | None  # change / previous x 100; None when previous is 0 or missing
    n: int | None  # the count behind the value
    previous_n: int | None
    higher_is_better: bool | None


def kpi_change(
    name: str,
    label: str,
    unit: str,
    value: float | None,
    previous: float | None,
    *,
    n: int | None = None,
    previous_n: int | None = None,
    higher_is_better: bool | None = None,
) -> KpiChange:
    change = None if value is None or previous is None else value - previous
    percent = None if change is None or not previous else 100.0 * change / previous
    return KpiChange(
        name, label, unit, value, previous, change, percent, n, previous_n, higher_is_better
    )


def metric_change(name: str, current: MetricValue, previous: MetricValue) -> KpiChange:
    """A registered metric's two values, labelled as the registry defines it."""
    metric = registry.get(name)
    return kpi_change(
        name,
        metric.label,
        metric.unit,
        current.value,
        previous.value,
        n=current.n,
        previous_n=previous.n,
        higher_is_better=metric.higher_is_better,
    )


def compare_metrics(conn: Connection, names, scope: Scope) -> dict[str, KpiChange]:
    """The named registry metrics for the scope and for ``scope.previous()``."""
    names = list(names)
    now, before = compute(conn, names, scope), compute(conn, names, scope.previous())
    return {name: metric_change(name, now[name], before[name]) for name in names}


def previous_days(scope: Scope) -> tuple[date | None, date | None]:
    """The local days of ``scope.previous()`` (Scope keeps only the current period's days)."""
    if scope.date_from is None or scope.date_to is None:
        return None, None
    length = (scope.date_to - scope.date_from).days + 1
    return scope.date_from - timedelta(days=length), scope.date_from - timedelta(days=1)


@dataclass(frozen=True)
class PeriodSummary:
    date_from: date | None
    date_to: date | None
    previous_from: date | None
    previous_to: date | None
    created: KpiChange
    closed: KpiChange
    backlog: KpiChange
    first_response_hours: KpiChange
    resolution_hours: KpiChange
    sla_attainment: KpiChange

    def kpis(self) -> list[KpiChange]:
        return [getattr(self, f) for f in SUMMARY_KPIS]

    @property
    def has_previous(self) -> bool:
        """Whether the previous period held any ticket activity to compare with."""
        return any(k.previous for k in (self.created, self.closed, self.backlog))

    def frame(self) -> pd.DataFrame:
        """Tidy table: one row per KPI with its value, previous value and change."""
        columns = [f.name for f in fields(KpiChange)]
        return pd.DataFrame([asdict(k) for k in self.kpis()], columns=columns)


def period_summary(conn: Connection, settings: Settings, scope: Scope) -> PeriodSummary:
    """The Business Owner headline KPIs for the scope and the period before it."""
    changes = compare_metrics(conn, SUMMARY_KPIS.values(), scope)
    before_from, before_to = previous_days(scope)
    return PeriodSummary(
        scope.date_from,
        scope.date_to,
        before_from,
        before_to,
        **{field: changes[name] for field, name in SUMMARY_KPIS.items()},
    )
