"""Manager report: where escalations come from, by tier, category, priority and over time.

The Help Desk escalation panels already define and compute these rates; the report runs the
same panel queries (on report-sized time buckets) and adds only the breakdown by tier.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd
from sqlalchemy import Connection, select

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.metrics.scope import Scope
from deskmetrics.panels import get_panel
from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.help_desk_base import NONE, ints, percent
from deskmetrics.panels.help_desk_quality import (
    ESCALATION_WORDS,
    escalated_in_period,
    escalation_counts,
)
from deskmetrics.schema.tables import technicians, tickets

RATE_COLUMNS = ["resolved", "escalated", "rate_percent"]
DAILY_UP_TO_DAYS = 7  # a week-long report reads best per day; longer ones per week

register(
    Insight(
        id="escalation_patterns",
        title="Escalation patterns",
        audience="manager",
        definition=ESCALATION_WORDS + " The same rate, with its resolved and escalated counts, "
        "overall, by tier (the tier of the ticket's owner; (none) without an owner or a known "
        "tier), by category and by priority at creation (as the Help Desk escalation panels), "
        f"and over time per day of resolve for periods up to {DAILY_UP_TO_DAYS} days, per week "
        "(from Monday) for longer ones.",
        attribution="resolved_at (else closed_at)",
    )
)


@dataclass(frozen=True)
class EscalationSummary:
    """The headline: escalated tickets among those resolved in the period."""

    resolved: int
    escalated: int
    rate_percent: float | None


@dataclass
class ReportBuckets(PanelContext):
    """A panel context whose time buckets are days for a week or less, else weeks."""

    @cached_property
    def grain(self) -> str:
        days = (self.scope.date_to - self.scope.date_from).days + 1
        return "day" if days <= DAILY_UP_TO_DAYS else "week"


def escalation_summary(conn: Connection, settings: Settings, scope: Scope) -> EscalationSummary:
    ctx = PanelContext(conn, scope, settings)
    row = conn.execute(
        select(
            count_if(ctx.resolved_in_period()).label("resolved"),
            count_if(escalated_in_period(ctx)).label("escalated"),
        )
        .select_from(tickets)
        .where(ctx.where)
    ).one()
    resolved, escalated = (int(v or 0) for v in row)
    rate = percent([escalated], [resolved]).iloc[0]
    return EscalationSummary(resolved, escalated, None if pd.isna(rate) else float(rate))


def escalations_by_tier(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """tier, resolved, escalated, rate_percent; Tier 1, Tier 2, ... then (none)."""
    ctx = PanelContext(conn, scope, settings)
    per_owner = escalation_counts(ctx, ctx.t.owner_tech_id)
    tiers = dict(conn.execute(select(technicians.c.tech_id, technicians.c.tier)).all())
    # counts add up, so summing the owners' rows gives each tier's rate exactly
    per_owner["tier"] = [tiers.get(k) if isinstance(k, str) else None for k in per_owner["key"]]
    per_owner["tier"] = pd.to_numeric(per_owner["tier"], errors="coerce")
    for column in ("resolved", "escalated"):
        per_owner[column] = ints(per_owner[column]).values
    grouped = per_owner.groupby("tier", dropna=False, sort=True)[["resolved", "escalated"]].sum()
    out = grouped.reset_index()
    out["tier"] = [NONE if pd.isna(t) else f"Tier {int(t)}" for t in out["tier"]]
    out["rate_percent"] = percent(out["escalated"], out["resolved"]).values
    return out[["tier", *RATE_COLUMNS]].reset_index(drop=True)


def escalations_by_category(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """category, resolved, escalated, rate_percent: the escalation_rate_by_type panel."""
    return _panel(conn, settings, scope, "escalation_rate_by_type")


def escalations_by_priority(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """priority, resolved, escalated, rate_percent: the escalation_rate_by_priority panel."""
    return _panel(conn, settings, scope, "escalation_rate_by_priority")


def escalations_over_time(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """bucket, grain, resolved, escalated, rate_percent: the escalation_trend panel per day
    (up to a week) or per week."""
    ctx = ReportBuckets(conn, scope, settings)
    frame = get_panel("escalation_trend").query(ctx)
    frame.insert(1, "grain", ctx.grain)
    return frame.reset_index(drop=True)


def _panel(conn: Connection, settings: Settings, scope: Scope, panel_id: str) -> pd.DataFrame:
    return get_panel(panel_id).query(PanelContext(conn, scope, settings)).reset_index(drop=True)
