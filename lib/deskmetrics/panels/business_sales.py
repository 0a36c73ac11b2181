"""Business panels about closed deals: win rate and deal velocity, won and lost by reason."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, select

from deskmetrics.panels.business_base import (
    NONE,
    TAB,
    client_is,
    empty,
    epoch,
    key_is,
    numbers,
    opportunity_records,
    whole,
)
from deskmetrics.panels.business_pipeline import OPEN_WORDS, open_opportunities
from deskmetrics.panels.context import PanelContext, count_if, sum_if
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.business_tables import opportunities

OPP = opportunities.c
CLOSED_WORDS = (
    "Closed in the period: an outcome of won or lost and a closed_at in the period. The Client "
    "filter keeps that client's opportunities (prospects without a client drop out)."
)


def _closed(ctx: PanelContext) -> ColumnElement:
    return and_(
        ctx.in_period(OPP.closed_at),
        OPP.outcome.in_(("won", "lost")),
        client_is(ctx, OPP.client_id),
    )


def _velocity(ctx: PanelContext) -> pd.DataFrame:
    won = OPP.outcome == "won"
    cycle = (epoch(OPP.closed_at) - epoch(OPP.created_at)) / 86400.0
    row = ctx.frame(
        select(
            count_if(won).label("won"),
            count_if(OPP.outcome == "lost").label("lost"),
            sum_if(won, OPP.amount).label("won_amount"),
            func.avg(case((won, OPP.amount), else_=None)).label("average_won_amount"),
            func.avg(case((won, cycle), else_=None)).label("average_sales_cycle_days"),
        ).where(_closed(ctx))
    ).iloc[0]
    live = open_opportunities(ctx)
    n_open = ctx.conn.execute(select(func.count()).select_from(live)).scalar_one()
    wins, losses = int(numbers([row["won"]]).fillna(0)[0]), int(numbers([row["lost"]]).fillna(0)[0])
    rate = wins / (wins + losses) if wins + losses else None
    size = numbers([row["average_won_amount"]])[0]
    cycle_days = numbers([row["average_sales_cycle_days"]])[0]
    usable = (
        rate is not None and wins and pd.notna(size) and pd.notna(cycle_days) and cycle_days > 0
    )
    velocity = int(n_open) * rate * size / cycle_days if usable else None
    return pd.DataFrame(
        {
            "open_opportunities": whole([n_open]),
            "won": [wins],
            "lost": [losses],
            "win_rate_percent": pd.Series([None if rate is None else rate * 100], dtype=float),
            "won_amount": numbers([row["won_amount"]]).fillna(0.0),
            "average_won_amount": pd.Series([size], dtype=float),
            "average_sales_cycle_days": pd.Series([cycle_days], dtype=float),
            "deal_velocity_per_day": pd.Series([velocity], dtype=float),
        }
    )


register(
    Panel(
        id="win_rate_and_velocity",
        title="Win rate and deal velocity",
        tab=TAB,
        definition="Win rate % = won / (won + lost) x 100 over opportunities closed in the "
        "period (empty when none closed). Deal velocity ($ a day) = open opportunities at the "
        "period end x win rate x average won amount / average sales cycle, where the average "
        "won amount and the sales cycle (closed_at - created_at, in days) are over the "
        "opportunities won in the period; empty when none was won. "
        + CLOSED_WORDS
        + " "
        + OPEN_WORDS,
        attribution="closed_at in the period; open at the period end",
        query=_velocity,
        chart=Chart("table", "win_rate_percent", ("win_rate_percent", "deal_velocity_per_day")),
    )
)


def _reasons(ctx: PanelContext) -> pd.DataFrame:
    won, lost = OPP.outcome == "won", OPP.outcome == "lost"
    frame = ctx.frame(
        select(
            OPP.reason,
            count_if(won).label("won"),
            count_if(lost).label("lost"),
            func.coalesce(sum_if(won, OPP.amount), 0.0).label("won_amount"),
            func.coalesce(sum_if(lost, OPP.amount), 0.0).label("lost_amount"),
        )
        .where(_closed(ctx))
        .group_by(OPP.reason)
    )
    columns = ["reason", "won", "lost", "won_amount", "lost_amount"]
    if frame.empty:
        return empty(columns)
    frame["reason"] = frame["reason"].fillna(NONE)
    for column in ("won", "lost"):
        frame[column] = whole(frame[column])
    for column in ("won_amount", "lost_amount"):
        frame[column] = numbers(frame[column])
    frame["_n"] = frame["won"] + frame["lost"]
    frame = frame.sort_values(["_n", "reason"], ascending=[False, True])
    return frame[columns].reset_index(drop=True)


def _closed_opportunities(ctx: PanelContext, row: Mapping, field: str) -> pd.DataFrame:
    """The opportunities won (won, won_amount) or lost (lost, lost_amount) for a reason."""
    outcome = "won" if field.startswith("won") else "lost"
    frame = ctx.frame(
        select(
            OPP.opportunity_id,
            OPP.name,
            OPP.client_id,
            OPP.stage,
            OPP.outcome,
            OPP.reason,
            OPP.amount,
            OPP.probability,
            OPP.expected_close,
            OPP.created_at,
            OPP.closed_at,
        )
        .where(_closed(ctx), OPP.outcome == outcome, key_is(OPP.reason, row.get("reason")))
        .order_by(OPP.closed_at, OPP.opportunity_id)
    )
    columns = ["opportunity", "opportunity_id", "client", "outcome", "reason", "amount"]
    columns += ["created", "closed"]
    if frame.empty:
        return empty(columns)
    return opportunity_records(ctx, frame)[columns]


register(
    Panel(
        id="won_lost_by_reason",
        title="Won and lost by reason",
        tab=TAB,
        definition="Opportunities closed in the period by their reason ((none) when empty): how "
        "many were won and lost, and their amounts. " + CLOSED_WORDS,
        attribution="closed_at",
        query=_reasons,
        chart=Chart("stacked", "reason", ("won", "lost"), ("Won", "Lost"), "opportunities"),
        drill_records=_closed_opportunities,
        drill_fields=("won", "lost", "won_amount", "lost_amount"),
        drill_label="List opportunities",
    )
)
