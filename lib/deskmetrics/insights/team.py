"""Manager report: how each technician performed in the period.

Every figure reuses a published definition instead of restating it: resolved tickets, escalation
and FCR use the Help Desk panels' conditions, the average resolution time uses the Dashboard
KPI's measures, and CSAT is the CSAT by technician panel's row.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.metrics import registry
from deskmetrics.metrics.registry import Columns
from deskmetrics.metrics.scope import Scope
from deskmetrics.panels import get_panel
from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.help_desk_base import UNASSIGNED, ints, percent, team_label
from deskmetrics.panels.help_desk_quality import (
    escalated_in_period,
    fcr_eligible_in_period,
    fcr_in_period,
)
from deskmetrics.schema.tables import technicians, tickets

COLUMNS = [
    "technician",
    "tech_id",
    "team",
    "resolved",
    "avg_resolution_business_hours",
    "escalated",
    "escalation_rate_percent",
    "fcr_eligible",
    "fcr",
    "fcr_percent",
    "fcr_variant",
    "csat_responses",
    "csat_percent",
]
_NO_ID = "\0unassigned"  # merge key for "no technician": pandas would not match None to None

register(
    Insight(
        id="team_performance",
        title="Team performance by technician",
        audience="manager",
        definition="One row per technician (the ticket's owner; a survey's own technician, else "
        "the owner) with activity in the period, with name and team: resolved = tickets "
        "resolved (else closed) in the period; avg_resolution_business_hours = their mean "
        "stored resolution time in business hours net of waiting (tickets without one left "
        "out, as in the Average Resolution Time KPI); escalation_rate_percent = escalated / "
        "resolved x 100 (the Help Desk escalation definition); fcr_percent = FCR / eligible x "
        "100 by the configured variant (analysis.fcr_variant, named in fcr_variant; alert "
        "tickets not eligible); csat_percent = satisfied / CSAT responses submitted in the "
        "period x 100, none without responses. Technicians who resolved nothing and received "
        "no CSAT response are omitted; (unassigned) collects resolved tickets without an "
        "owner. Cancelled tickets count nowhere. Most resolved first.",
        attribution="resolved_at (else closed_at); submitted_at for CSAT",
    )
)


def team_performance(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """One row per active technician; see the registered definition."""
    ctx = PanelContext(conn, scope, settings)
    frame = _resolved_work(ctx).merge(_csat(ctx), on="key", how="outer")
    for column in ("resolved", "escalated", "fcr_eligible", "fcr", "csat_responses"):
        frame[column] = ints(frame[column]).values
    frame = frame[(frame["resolved"] > 0) | (frame["csat_responses"] > 0)]
    people = technician_directory(ctx)
    tech_id = [None if k == _NO_ID else k for k in frame["key"]]
    out = pd.DataFrame(
        {
            "technician": [
                UNASSIGNED if i is None else people.get(i, (i, None))[0] for i in tech_id
            ],
            "tech_id": tech_id,
            "team": team_label([people.get(i, (None, None))[1] for i in tech_id]),
            "resolved": frame["resolved"].values,
            "avg_resolution_business_hours": frame["avg_hours"].astype(float).values,
            "escalated": frame["escalated"].values,
            "escalation_rate_percent": percent(frame["escalated"], frame["resolved"]).values,
            "fcr_eligible": frame["fcr_eligible"].values,
            "fcr": frame["fcr"].values,
            "fcr_percent": percent(frame["fcr"], frame["fcr_eligible"]).values,
            "fcr_variant": settings.analysis.fcr_variant,
            "csat_responses": frame["csat_responses"].values,
            "csat_percent": frame["csat_percent"].astype(float).values,
        }
    )
    out = out.assign(_unassigned=out["tech_id"].isna()).sort_values(
        ["_unassigned", "resolved", "csat_responses", "technician"],
        ascending=[True, False, False, True],
    )
    return out[COLUMNS].reset_index(drop=True)


def _resolved_work(ctx: PanelContext) -> pd.DataFrame:
    """Counts and the average resolution time per owner, over tickets resolved in the period."""
    variant = ctx.settings.analysis.fcr_variant
    kpi = registry.get("avg_resolution_business_hours")
    measures = kpi.measures(ctx.scope, Columns({c.name: c for c in tickets.c}))
    owner = ctx.t.owner_tech_id
    frame = ctx.frame(
        select(
            owner.label("key"),
            count_if(ctx.resolved_in_period()).label("resolved"),
            count_if(escalated_in_period(ctx)).label("escalated"),
            count_if(fcr_eligible_in_period(ctx, variant)).label("fcr_eligible"),
            count_if(fcr_in_period(ctx, variant)).label("fcr"),
            *(m.label(f"kpi_{k}") for k, m in measures.items()),
        )
        .select_from(tickets)
        .where(ctx.where, ctx.resolved_in_period())
        .group_by(owner)
    )
    # the KPI's own finish turns its summed seconds and count into hours
    frame["avg_hours"] = [
        kpi.finish({k: _number(row[f"kpi_{k}"]) for k in measures}) for _, row in frame.iterrows()
    ]
    frame["key"] = frame["key"].fillna(_NO_ID)
    return frame[["key", "resolved", "escalated", "fcr_eligible", "fcr", "avg_hours"]]


def _csat(ctx: PanelContext) -> pd.DataFrame:
    frame = get_panel("csat_by_technician").query(ctx)
    return pd.DataFrame(
        {
            "key": frame["tech_id"].fillna(_NO_ID).values,
            "csat_responses": frame["responses"].values,
            "csat_percent": frame["csat_percent"].values,
        }
    )


def technician_directory(ctx: PanelContext) -> dict[str, tuple[str, str | None]]:
    """tech_id -> (name, else the id; team), for labelling rows keyed by technician."""
    t = technicians.c
    rows = ctx.conn.execute(select(t.tech_id, t.name, t.team)).all()
    return {i: (name or i, team) for i, name, team in rows}


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
