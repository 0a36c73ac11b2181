"""Automation impact for the Business Owner report: what already runs without people, how much
AI helps, and which recurring, short, predictable work could be automated next.

Automation accounts (bots, RMM integrations) are configured in ``insights.automation_accounts``
by technician id or name; their time is not human time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, and_, case, exists, false, func, or_, select, true

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.insights.summary import KpiChange, compare_metrics, kpi_change

# the tickets_closed KPI's set, so the rate's denominator is the report's "closed"
from deskmetrics.metrics.dashboard import _resolved_in_period as resolved_in_period
from deskmetrics.metrics.frames import tickets_frame
from deskmetrics.metrics.scope import Scope
from deskmetrics.metrics.stats import percentile
from deskmetrics.schema.tables import status_changes, technicians, time_entries

POTENTIAL_COLUMNS = ("category", "subcategory", "tickets", "hours", "median_minutes", "cv")

register(
    Insight(
        id="auto_resolved_rate",
        title="Auto-resolved tickets",
        audience="business_owner",
        definition=(
            "Auto-resolved tickets divided by the tickets resolved in the period (the "
            "tickets_closed KPI), times 100, with the previous period. A resolved ticket is "
            "auto-resolved when no person logged time on it (no time entry with hours except by "
            "automation accounts; an entry without a technician counts as a person's), when an "
            "automation account owns it, or when one moved it into a resolved or closed status. "
            "Automation accounts are insights.automation_accounts, matched to technician ids or "
            "names (ignoring case)."
        ),
        attribution="resolved_at (else closed_at)",
    )
)
register(
    Insight(
        id="ai_assisted_rate",
        title="AI-assisted tickets",
        audience="business_owner",
        definition=(
            "The AI-Assisted Tickets KPI (ai_assisted_percent) for the period and the previous "
            "period: tickets created that the PSA flagged as AI-assisted / tickets created."
        ),
        attribution="created_at",
    )
)
register(
    Insight(
        id="automation_potential",
        title="Automation potential",
        audience="business_owner",
        definition=(
            "Ticket categories (category and subcategory) whose human work is recurring, short "
            "and predictable. Over tickets resolved in the period with human time logged (all "
            "their time entries, whenever logged, except those of automation accounts), a "
            "category qualifies with at least insights.automation_min_tickets tickets (default "
            "5), a median of at most insights.automation_max_median_minutes minutes per ticket "
            "(default 30; linear interpolation) and a coefficient of variation (sample standard "
            "deviation / mean) of at most insights.automation_max_cv (default 0.5). Per category: "
            "tickets, the human hours they took, the median minutes and the coefficient; plus "
            "the totals over the qualifying categories. Tickets without a category are left out."
        ),
        attribution="resolved_at (else closed_at)",
    )
)


@dataclass(frozen=True)
class AutomationPotential:
    categories: pd.DataFrame  # POTENTIAL_COLUMNS, most hours first
    tickets: int
    hours: float


@dataclass(frozen=True)
class AutomationImpact:
    resolved: int  # tickets resolved in the period
    auto_resolved_tickets: int
    auto_resolved: KpiChange  # percent of resolved, this period and the previous
    ai_assisted: KpiChange  # ai_assisted_percent, this period and the previous
    potential: AutomationPotential


def automation_impact(conn: Connection, settings: Settings, scope: Scope) -> AutomationImpact:
    bots = automation_tech_ids(conn, settings)
    auto, resolved = auto_resolved_counts(conn, settings, scope, bots)
    auto_before, resolved_before = auto_resolved_counts(conn, settings, scope.previous(), bots)
    rate = kpi_change(
        "auto_resolved_percent",
        "Auto-resolved tickets",
        "percent",
        _percent(auto, resolved),
        _percent(auto_before, resolved_before),
        n=resolved,
        previous_n=resolved_before,
        higher_is_better=True,
    )
    ai = compare_metrics(conn, ["ai_assisted_percent"], scope)["ai_assisted_percent"]
    potential = automation_potential(conn, settings, scope, bots)
    return AutomationImpact(resolved, auto, rate, ai, potential)


def automation_tech_ids(conn: Connection, settings: Settings) -> set[str]:
    """Technician ids of the configured automation accounts (given by id or by name)."""
    wanted = {a.casefold() for a in settings.insights.automation_accounts}
    if not wanted:
        return set()
    rows = conn.execute(select(technicians.c.tech_id, technicians.c.name)).all()
    ids = {
        tech
        for tech, name in rows
        if tech.casefold() in wanted or (name or "").casefold() in wanted
    }
    # an id the technicians table does not list can still appear on tickets and time entries
    return ids | set(settings.insights.automation_accounts)


def auto_resolved_counts(
    conn: Connection, settings: Settings, scope: Scope, bots: set[str] | None = None
) -> tuple[int, int]:
    """(auto-resolved, resolved) tickets in the period; see the ``auto_resolved_rate`` definition."""
    bots = automation_tech_ids(conn, settings) if bots is None else bots
    source, where, c = tickets_frame(scope)
    auto = ~_human_time(c["ticket_id"], bots)
    if bots:
        auto = or_(auto, c["owner_tech_id"].in_(bots), _closed_by(conn, settings, c, bots))
    resolved = resolved_in_period(scope, c)
    row = conn.execute(
        select(
            func.sum(case((and_(resolved, auto), 1), else_=0)),
            func.sum(case((resolved, 1), else_=0)),
        )
        .select_from(source)
        .where(where)
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def automation_potential(
    conn: Connection, settings: Settings, scope: Scope, bots: set[str] | None = None
) -> AutomationPotential:
    """Recurring, short, low-variance categories; see the ``automation_potential`` definition."""
    bots = automation_tech_ids(conn, settings) if bots is None else bots
    per_ticket = _human_minutes(conn, scope, bots)
    limits = settings.insights
    rows = []
    for (category, subcategory), group in per_ticket.groupby(
        ["category", "subcategory"], dropna=False, sort=True
    ):
        minutes = group["minutes"].astype(float)
        if len(minutes) < limits.automation_min_tickets:
            continue
        median = percentile(minutes, 50)
        cv = _cv(minutes)
        if median <= limits.automation_max_median_minutes and cv <= limits.automation_max_cv:
            rows.append(
                (category, _none(subcategory), len(minutes), minutes.sum() / 60, median, cv)
            )
    frame = pd.DataFrame(rows, columns=POTENTIAL_COLUMNS)
    frame = frame.sort_values(["hours", "category"], ascending=[False, True], kind="stable")
    frame = frame.reset_index(drop=True)
    return AutomationPotential(frame, int(frame["tickets"].sum()), float(frame["hours"].sum()))


def _by_person(bots: set[str]):
    e = time_entries.c
    return or_(e.tech_id.is_(None), e.tech_id.not_in(bots)) if bots else true()


def _human_time(ticket_id, bots: set[str]):
    e = time_entries.c
    return exists().where(e.ticket_id == ticket_id, e.hours > 0, _by_person(bots))


def _closed_by(conn: Connection, settings: Settings, c, bots: set[str]):
    """A status change by an automation account into a raw status mapped to resolved/closed."""
    s = status_changes.c
    raw = [r[0] for r in conn.execute(select(s.status).distinct()).all()]
    terminal = [x for x in raw if settings.status_category(x) in ("resolved", "closed")]
    if not terminal:
        return false()
    return exists().where(
        s.ticket_id == c["ticket_id"], s.tech_id.in_(bots), s.status.in_(terminal)
    )


def _human_minutes(conn: Connection, scope: Scope, bots: set[str]) -> pd.DataFrame:
    """Per ticket resolved in the period with a category: human minutes logged (> 0)."""
    source, where, c = tickets_frame(scope)
    e = time_entries.c
    minutes = func.sum(e.hours) * 60
    query = (
        select(c["category"], c["subcategory"], minutes.label("minutes"))
        .select_from(source.join(time_entries, e.ticket_id == c["ticket_id"]))
        .where(where, resolved_in_period(scope, c), c["category"].is_not(None), _by_person(bots))
        .group_by(c["ticket_id"], c["category"], c["subcategory"])
        .having(minutes > 0)
    )
    result = conn.execute(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    return frame.astype({"minutes": float})


def _cv(minutes: pd.Series) -> float:
    mean = float(minutes.mean())
    std = float(minutes.std(ddof=1))
    return math.inf if mean == 0 or math.isnan(std) else std / mean


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


def _none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
