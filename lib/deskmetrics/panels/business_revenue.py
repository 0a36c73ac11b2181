"""Business panels about revenue: concentration on the largest clients and revenue still to
invoice (pending), by client."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import func, select

from deskmetrics.panels.business_base import (
    CHART_ROWS,
    NONE,
    TAB,
    as_dates,
    client_is,
    client_names,
    dated_in_period,
    empty,
    key_is,
    missing,
    named,
    numbers,
    whole,
)
from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.business_tables import revenue_lines

RL = revenue_lines.c


def _concentration(ctx: PanelContext) -> pd.DataFrame:
    query = (
        select(RL.client_id, func.sum(RL.amount).label("revenue"))
        .where(dated_in_period(ctx, RL.line_date), client_is(ctx, RL.client_id))
        .group_by(RL.client_id)
    )
    frame = ctx.frame(query)
    columns = ["rank", "client", "client_id", "revenue", "share_percent"]
    if frame.empty:
        return empty([*columns, "cumulative_share_percent"])
    frame["revenue"] = numbers(frame["revenue"])
    total = float(frame["revenue"].sum())
    ranked = frame[[not missing(c) for c in frame["client_id"]]]
    ranked = ranked.sort_values(["revenue", "client_id"], ascending=[False, True])
    ranked = ranked.reset_index(drop=True)
    out = pd.DataFrame(
        {
            "rank": range(1, len(ranked) + 1),
            "client": named(ranked["client_id"], client_names(ctx)),
            "client_id": ranked["client_id"],
            "revenue": ranked["revenue"],
        }
    )
    share = ranked["revenue"] / total * 100 if total > 0 else ranked["revenue"] * float("nan")
    out["share_percent"] = share.astype(float).values
    out["cumulative_share_percent"] = out["share_percent"].cumsum().values
    return out


register(
    Panel(
        id="revenue_concentration",
        title="Revenue concentration",
        tab=TAB,
        definition="Clients ranked by revenue in the period (revenue lines dated in it, invoiced "
        "and pending, credits included), each client's share of all period revenue x 100 and "
        "the running total of shares. The top client's share is the first row's share_percent; "
        "the top-5 share is the cumulative_share_percent of row 5 (of the last row when fewer "
        "than 5 clients have revenue). Lines without a client count in the total but rank as "
        "no client. Shares are empty when period revenue is 0 or less. The Client filter leaves "
        "that one client (100 %).",
        attribution="line_date",
        query=_concentration,
        chart=Chart(
            "bar_line",
            "client",
            ("revenue", "cumulative_share_percent"),
            ("Revenue", "Cumulative share %"),
            "$",
            limit=CHART_ROWS,
        ),
    )
)


def _pending(ctx: PanelContext) -> pd.DataFrame:
    query = (
        select(
            RL.client_id,
            func.sum(RL.amount).label("pending_amount"),
            func.count().label("lines"),
            func.min(RL.line_date).label("oldest_line_date"),
        )
        .where(
            RL.status == "pending",
            RL.line_date <= ctx.scope.date_to,
            client_is(ctx, RL.client_id),
        )
        .group_by(RL.client_id)
    )
    frame = ctx.frame(query)
    columns = ["client", "client_id", "pending_amount", "lines", "oldest_line_date"]
    if frame.empty:
        return empty(columns)
    frame["pending_amount"] = numbers(frame["pending_amount"])
    frame["_none"] = [missing(c) for c in frame["client_id"]]
    frame = frame.sort_values(
        ["_none", "pending_amount", "client_id"], ascending=[True, False, True]
    ).reset_index(drop=True)
    return pd.DataFrame(
        {
            "client": named(frame["client_id"], client_names(ctx)),
            "client_id": frame["client_id"],
            "pending_amount": frame["pending_amount"],
            "lines": whole(frame["lines"]),
            "oldest_line_date": as_dates(frame["oldest_line_date"]),
        }
    )


def _pending_lines(ctx: PanelContext, row: Mapping, field: str) -> pd.DataFrame:
    """The pending lines behind a client's row, oldest first."""
    from deskmetrics.panels.business_profitability import revenue_line_records

    return revenue_line_records(
        ctx,
        RL.status == "pending",
        RL.line_date <= ctx.scope.date_to,
        client_is(ctx, RL.client_id),
        key_is(RL.client_id, row.get("client_id")),
    )


register(
    Panel(
        id="pending_revenue_by_client",
        title="Pending revenue by client",
        tab=TAB,
        definition="Revenue lines whose status is pending (not yet invoiced) dated on or before "
        "the period's last day, earlier periods included (work done and still to bill), by "
        f"client ({NONE} for lines without one): the amount, the number of lines and the oldest "
        "line's date. The status is the one loaded last, not the status the line had at the "
        "period end.",
        attribution="line_date on or before the period's last day",
        query=_pending,
        chart=Chart("hbar", "client", ("pending_amount",), ("Pending",), "$"),
        drill_records=_pending_lines,
        drill_fields=("pending_amount", "lines"),
        drill_label="List pending lines",
    )
)
