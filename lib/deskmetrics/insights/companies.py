"""Manager report: each client's volume, SLA, satisfaction, hours and tickets per seat.

SLA attainment and CSAT come from the Dashboard KPIs broken down by client, tickets per seat
from the Service Quality panel, and hours by the Hours worked panel's rule, so a client's row
matches what the tabs show for that client.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, or_, select

from deskmetrics.config import Settings
from deskmetrics.insights.affinity import client_names, hours_logged
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.metrics.engine import compute_by
from deskmetrics.metrics.scope import Scope
from deskmetrics.panels import get_panel
from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.help_desk_base import NONE, ints
from deskmetrics.schema.tables import clients, tickets

COLUMNS = [
    "client",
    "client_id",
    "created",
    "resolved",
    "sla_decided",
    "sla_attainment_percent",
    "csat_responses",
    "csat_percent",
    "hours_logged",
    "seats",
    "tickets_per_seat_per_month",
]
_NO_ID = "\0none"  # merge key for a missing client: pandas would not match None to None

register(
    Insight(
        id="company_breakdown",
        title="Company breakdown",
        audience="manager",
        definition="One row per client with activity in the period: created = tickets created "
        "in it; resolved = tickets resolved (else closed) in it; sla_attainment_percent = "
        "resolution targets met / decided in the period x 100 (the Resolution SLA Attainment "
        "KPI; a target is decided when met or breached, also while the ticket is open; "
        "sla_decided is its n); csat_percent = satisfied / CSAT responses submitted in the "
        "period x 100 (the Average CSAT Score KPI; a response follows its ticket's client, else "
        "its own; none without responses); hours_logged = hours of time entries started in the "
        "period on the client's tickets; tickets_per_seat_per_month = created / the client's "
        "seats / months in the period (days / 30.44), none without seats (the Tickets per seat "
        "panel). Cancelled tickets count nowhere. Most created first, then most resolved; "
        "(none), for tickets without a client, last.",
        attribution="created_at; resolved_at (else closed_at); SLA decision instant; "
        "submitted_at; time entry started_at",
    )
)


def company_breakdown(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """One row per active client, most created first; see the registered definition."""
    ctx = PanelContext(conn, scope, settings)
    frame = _volumes(ctx)
    for part in (_kpis(conn, scope), _hours(ctx), _seats(ctx)):
        frame = frame.merge(part, on="key", how="outer")
    for column in ("created", "resolved", "sla_decided", "csat_responses"):
        frame[column] = ints(frame[column]).values
    frame["hours_logged"] = pd.to_numeric(frame["hours_logged"]).fillna(0.0).astype(float)
    active = frame[["created", "resolved", "sla_decided", "csat_responses"]].sum(axis=1) > 0
    frame = frame[active | (frame["hours_logged"] > 0)]
    names = client_names(ctx)
    client_id = [None if k == _NO_ID else k for k in frame["key"]]
    seats = pd.to_numeric(frame["seats"], errors="coerce").astype(float)
    per_seat = pd.to_numeric(frame["per_seat"], errors="coerce").astype(float)
    # the panel lists only clients with created tickets; none created over known seats is 0
    per_seat = per_seat.where((frame["created"] > 0) | ~(seats > 0), 0.0)
    out = pd.DataFrame(
        {
            "client": [NONE if i is None else names.get(i) or i for i in client_id],
            "client_id": client_id,
            "created": frame["created"].values,
            "resolved": frame["resolved"].values,
            "sla_decided": frame["sla_decided"].values,
            "sla_attainment_percent": frame["sla_attainment_percent"].astype(float).values,
            "csat_responses": frame["csat_responses"].values,
            "csat_percent": frame["csat_percent"].astype(float).values,
            "hours_logged": frame["hours_logged"].values,
            "seats": seats.values,
            "tickets_per_seat_per_month": per_seat.values,
        }
    )
    out = out.assign(_none=out["client_id"].isna()).sort_values(
        ["_none", "created", "resolved", "client"], ascending=[True, False, False, True]
    )
    return out[COLUMNS].reset_index(drop=True)


def _volumes(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    created, resolved = ctx.in_period(t.created_at), ctx.resolved_in_period()
    frame = ctx.frame(
        select(
            t.client_id.label("key"),
            count_if(created).label("created"),
            count_if(resolved).label("resolved"),
        )
        .select_from(tickets)
        .where(ctx.where, or_(created, resolved))
        .group_by(t.client_id)
    )
    return _keyed(frame)


def _kpis(conn: Connection, scope: Scope) -> pd.DataFrame:
    names = {"resolution_sla_attainment": "sla", "csat_percent": "csat"}
    long = compute_by(conn, list(names), scope, "client")
    parts = []
    for metric, short in names.items():
        rows = long[long["metric"] == metric]
        parts.append(
            pd.DataFrame(
                {
                    "key": rows["client"].values,
                    f"{short}_value": rows["value"].values,
                    f"{short}_n": rows["n"].values,
                }
            )
        )
    frame = _keyed(parts[0].merge(parts[1], on="key", how="outer"))
    return frame.rename(
        columns={
            "sla_value": "sla_attainment_percent",
            "sla_n": "sla_decided",
            "csat_value": "csat_percent",
            "csat_n": "csat_responses",
        }
    )


def _hours(ctx: PanelContext) -> pd.DataFrame:
    frame = hours_logged(ctx, ctx.t.client_id.label("key"))
    return _keyed(frame.rename(columns={"hours": "hours_logged"}))


def _seats(ctx: PanelContext) -> pd.DataFrame:
    seats = ctx.frame(select(clients.c.client_id.label("key"), clients.c.seats))
    panel = get_panel("tickets_per_seat").query(ctx)
    per_seat = pd.DataFrame(
        {"key": panel["client_id"].values, "per_seat": panel["tickets_per_seat_per_month"].values}
    )
    # seats of clients only; the panel's rows carry the rate
    return _keyed(seats).merge(_keyed(per_seat), on="key", how="outer")


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(key=frame["key"].astype(object).where(frame["key"].notna(), _NO_ID))
