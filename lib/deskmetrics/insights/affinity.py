"""Manager report: which technicians handle which clients, and the clients that rely on one.

Tickets go to their owner, so each ticket counts once and a client's shares add up to 1; hours
go to whoever logged them, so a technician can show hours for a client without owning a ticket.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.insights.team import technician_directory
from deskmetrics.metrics.scope import Scope
from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.help_desk_base import NONE, team_label
from deskmetrics.schema.tables import clients, tickets, time_entries

AFFINITY_COLUMNS = [
    "client",
    "client_id",
    "technician",
    "tech_id",
    "team",
    "tickets",
    "hours",
    "ticket_share",
]
CONCENTRATION_COLUMNS = [
    "client",
    "client_id",
    "tickets",
    "technicians",
    "top_technician",
    "top_tech_id",
    "top_share",
    "herfindahl",
    "depends_on_one",
]
_NO_ID = "\0none"  # merge key for a missing client: pandas would not match None to None

TICKETS_WORDS = (
    "tickets = tickets created in the period, each counted for its owner (tickets without an "
    "owner are left out); hours = hours of time entries started in the period on the client's "
    "tickets, for the technician who logged them (as in the Hours worked panel). Cancelled "
    "tickets and their time count nowhere."
)

register(
    Insight(
        id="technician_client_affinity",
        title="Technicians and the clients they handle",
        audience="manager",
        definition="One row per client and technician with tickets or hours in the period: "
        + TICKETS_WORDS
        + " ticket_share = the technician's tickets / the client's tickets with an owner. "
        "Clients with the most tickets first, then each client's technicians by tickets and "
        "hours.",
        attribution="created_at for tickets; time entry started_at for hours",
    )
)

register(
    Insight(
        id="client_concentration",
        title="Client concentration on technicians",
        audience="manager",
        definition="Per client with owned tickets created in the period: tickets (with an "
        "owner), technicians owning at least one, the top technician (most tickets, then most "
        "hours, then name) and top_share = their tickets / the client's tickets; herfindahl = "
        "the sum of every technician's squared share (1 = one technician, 1/n = n sharing "
        "equally). depends_on_one when top_share >= insights.affinity_dependency_share "
        "(default 0.8) and the client has at least insights.affinity_min_tickets (default 5) "
        "tickets. " + TICKETS_WORDS,
        attribution="created_at",
    )
)


def technician_client_affinity(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """Tickets and hours per client x technician; see the registered definition."""
    ctx = PanelContext(conn, scope, settings)
    t = ctx.t
    owned = ctx.frame(
        select(t.client_id, t.owner_tech_id.label("tech_id"), func.count().label("tickets"))
        .select_from(tickets)
        .where(ctx.where, ctx.in_period(t.created_at), t.owner_tech_id.is_not(None))
        .group_by(t.client_id, t.owner_tech_id)
    )
    logged = hours_logged(ctx, t.client_id, time_entries.c.tech_id.label("tech_id"))
    logged = logged[logged["tech_id"].notna()]
    frame = _keyed(owned).merge(_keyed(logged), on=["key", "tech_id"], how="outer")
    frame["tickets"] = pd.to_numeric(frame["tickets"]).fillna(0).astype(int)
    frame["hours"] = pd.to_numeric(frame["hours"]).fillna(0.0).astype(float)
    client_total = frame.groupby("key")["tickets"].transform("sum")
    frame["ticket_share"] = (frame["tickets"] / client_total.where(client_total > 0)).astype(float)
    frame["_client_tickets"] = client_total
    names, people = client_names(ctx), technician_directory(ctx)
    client_id = [None if k == _NO_ID else k for k in frame["key"]]
    out = pd.DataFrame(
        {
            "client": [NONE if i is None else names.get(i) or i for i in client_id],
            "client_id": client_id,
            "technician": [people.get(i, (i, None))[0] for i in frame["tech_id"]],
            "tech_id": frame["tech_id"].values,
            "team": team_label([people.get(i, (None, None))[1] for i in frame["tech_id"]]),
            "tickets": frame["tickets"].values,
            "hours": frame["hours"].values,
            "ticket_share": frame["ticket_share"].values,
            "_client_tickets": frame["_client_tickets"].values,
        }
    )
    out = out.sort_values(
        ["_client_tickets", "client", "tickets", "hours", "technician"],
        ascending=[False, True, False, False, True],
    )
    return out[AFFINITY_COLUMNS].reset_index(drop=True)


def client_concentration(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """Share of the top technician and the Herfindahl index per client; see the definition."""
    pairs = technician_client_affinity(conn, settings, scope)
    pairs = pairs[pairs["tickets"] > 0]
    rows = []
    for client_id, group in pairs.groupby(pairs["client_id"].fillna(_NO_ID), sort=False):
        top = group.iloc[0]  # the affinity frame already ranks by tickets, hours, name
        rows.append(
            {
                "client": top["client"],
                "client_id": None if client_id == _NO_ID else client_id,
                "tickets": int(group["tickets"].sum()),
                "technicians": len(group),
                "top_technician": top["technician"],
                "top_tech_id": top["tech_id"],
                "top_share": float(top["ticket_share"]),
                "herfindahl": float((group["ticket_share"] ** 2).sum()),
            }
        )
    out = pd.DataFrame(rows, columns=CONCENTRATION_COLUMNS[:-1])
    limits = settings.insights
    out["depends_on_one"] = (out["tickets"] >= limits.affinity_min_tickets) & (
        out["top_share"] >= limits.affinity_dependency_share
    )
    out = out.sort_values(
        ["depends_on_one", "top_share", "tickets", "client"], ascending=[False, False, False, True]
    )
    return out[CONCENTRATION_COLUMNS].reset_index(drop=True)


def dependent_clients(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """The clients of ``client_concentration`` that depend on one technician."""
    frame = client_concentration(conn, settings, scope)
    return frame[frame["depends_on_one"]].reset_index(drop=True)


def hours_logged(ctx: PanelContext, *keys) -> pd.DataFrame:
    """Hours of time entries started in the period on tickets in scope, grouped by ``keys``
    (columns of tickets or time_entries): the Hours worked panel's rule without its buckets."""
    e = time_entries.c
    return ctx.frame(
        select(*keys, func.sum(e.hours).label("hours"))
        .select_from(time_entries.join(tickets, tickets.c.ticket_id == e.ticket_id))
        .where(and_(ctx.where, ctx.in_period(e.started_at)))
        .group_by(*keys)
    )


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(key=frame["client_id"].fillna(_NO_ID)).drop(columns="client_id")


def client_names(ctx: PanelContext) -> dict[str, str]:
    """client_id -> name, for labelling rows keyed by client."""
    return dict(ctx.conn.execute(select(clients.c.client_id, clients.c.name)).all())
