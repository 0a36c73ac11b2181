"""Service Quality panels: volumes, response and resolution (metrics reference 1-2)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, func

from deskmetrics.panels.common import (
    equals_label,
    group_avg_hours,
    group_count,
    hours,
    in_bucket,
)
from deskmetrics.panels.context import count_if, sum_if
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.tables import contacts

TAB = "service_quality"


def created_closed(ctx) -> pd.DataFrame:
    t = ctx.t
    created = ctx.by_bucket(t.created_at, {"created": func.count()})
    closed = ctx.by_bucket(t.ended_at, {"closed": count_if(ctx.resolved_in_period())})
    out = created.merge(closed, on="bucket")
    return out.fillna({"created": 0, "closed": 0}).astype({"created": int, "closed": int})


def drill_created_closed(ctx, row, field):
    t = ctx.t
    if field == "created":
        return in_bucket(ctx, t.created_at, row["bucket"])
    return and_(in_bucket(ctx, t.ended_at, row["bucket"]), ctx.resolved_in_period())


register(
    Panel(
        id="tickets_created_closed",
        title="Tickets created and closed",
        tab=TAB,
        definition="Tickets created per day (week or month for long periods) as bars, and tickets "
        "closed (resolved, else closed) per period as a line. Cancelled tickets count nowhere.",
        attribution="created_at for created; resolved_at (else closed_at) for closed",
        query=created_closed,
        chart=Chart(
            "bar_line",
            "bucket",
            ("created", "closed"),
            ("Created", "Closed"),
            "tickets",
            secondary_y=False,
        ),
        drill=drill_created_closed,
        drill_fields=("created", "closed"),
    )
)


def _by(column_name: str, label: str):
    def query(ctx):
        column = getattr(ctx.t, column_name)
        return group_count(ctx, column, ctx.in_period(ctx.t.created_at), label)

    def drill(ctx, row, field):
        column = getattr(ctx.t, column_name)
        return and_(ctx.in_period(ctx.t.created_at), equals_label(column, row[label]))

    return query, drill


for _dim, _col in (("category", "category"), ("board", "board")):
    _q, _d = _by(_col, _dim)
    register(
        Panel(
            id=f"tickets_created_by_{_dim}",
            title=f"Tickets created by {_dim}",
            tab=TAB,
            definition=f"Tickets created in the period, counted by {_dim}.",
            attribution="created_at",
            query=_q,
            chart=Chart("hbar", _dim, ("tickets",), ("Tickets",), "tickets"),
            drill=_d,
            drill_fields=("tickets",),
        )
    )


def _by_contact(ctx) -> pd.DataFrame:
    frame = group_count(ctx, ctx.t.contact_id, ctx.in_period(ctx.t.created_at), "contact_id")
    names = dict(
        ctx.conn.execute(
            contacts.select().with_only_columns(contacts.c.contact_id, contacts.c.name)
        ).all()
    )
    frame.insert(0, "contact", [names.get(c) or c for c in frame["contact_id"]])
    return frame


register(
    Panel(
        id="tickets_created_by_contact",
        title="Tickets created by contact",
        tab=TAB,
        definition="Tickets created in the period, counted by the contact who raised them.",
        attribution="created_at",
        query=_by_contact,
        chart=Chart("hbar", "contact", ("tickets",), ("Tickets",), "tickets"),
        drill=lambda ctx, row, field: and_(
            ctx.in_period(ctx.t.created_at), equals_label(ctx.t.contact_id, row["contact_id"])
        ),
        drill_fields=("tickets",),
    )
)


def _sla_over_time(kind: str):
    def query(ctx) -> pd.DataFrame:
        t = ctx.t
        stop = t.first_response_at if kind == "response" else t.ended_at
        seconds = getattr(t, f"{kind}_business_s")
        done = (
            and_(t.first_response_at.is_not(None), seconds.is_not(None))
            if kind == "response"
            else and_(ctx.resolved_in_period(), seconds.is_not(None))
        )
        averages = ctx.by_bucket(stop, {"n": count_if(done), "total_s": sum_if(done, seconds)})
        breach = getattr(t, f"{kind}_breach_at")
        breaches = ctx.by_bucket(breach, {"breaches": count_if(breach <= ctx.bounds[2])})
        out = averages.merge(breaches, on="bucket")
        return pd.DataFrame(
            {
                "bucket": out["bucket"],
                "breaches": out["breaches"].fillna(0).astype(int),
                f"avg_{kind}_business_hours": hours(out["total_s"], out["n"]),
                "n": out["n"].fillna(0).astype(int),
            }
        )

    def drill(ctx, row, field):
        breach = getattr(ctx.t, f"{kind}_breach_at")
        return and_(in_bucket(ctx, breach, row["bucket"]), breach <= ctx.bounds[2])

    return query, drill


_q, _d = _sla_over_time("response")
register(
    Panel(
        id="ticket_response_metrics",
        title="First response: average time and SLA breaches",
        tab=TAB,
        definition="Average first-response time in business hours (net of waiting) of tickets "
        "first answered in each period, and tickets whose response target was breached in it "
        "(breach instant; a ticket never answered but resolved counts its resolve as the answer).",
        attribution="first_response_at for the average; response breach instant for breaches",
        query=_q,
        chart=Chart(
            "bar_line",
            "bucket",
            ("breaches", "avg_response_business_hours"),
            ("Response SLA breaches", "Average first response (business h)"),
            "tickets",
        ),
        drill=_d,
        drill_fields=("breaches",),
    )
)
_q, _d = _sla_over_time("resolution")
register(
    Panel(
        id="ticket_resolution_metrics",
        title="Resolution: average time and SLA breaches",
        tab=TAB,
        definition="Average resolution time in business hours (net of waiting) of tickets resolved "
        "in each period, and tickets whose resolution target was breached in it (breach instant, "
        "open or not).",
        attribution="resolved_at for the average; resolution breach instant for breaches",
        query=_q,
        chart=Chart(
            "bar_line",
            "bucket",
            ("breaches", "avg_resolution_business_hours"),
            ("Resolution SLA breaches", "Average resolution (business h)"),
            "tickets",
        ),
        drill=_d,
        drill_fields=("breaches",),
    )
)

for _dim in ("category", "board"):
    register(
        Panel(
            id=f"avg_resolution_time_by_{_dim}",
            title=f"Average resolution time by {_dim}",
            tab=TAB,
            definition=f"Average resolution time of tickets resolved in the period, by {_dim}, in "
            "business hours net of waiting (and in calendar hours).",
            attribution="resolved_at",
            query=(lambda d: lambda ctx: group_avg_hours(ctx, getattr(ctx.t, d), d))(_dim),
            chart=Chart(
                "hbar",
                _dim,
                ("avg_resolution_business_hours",),
                ("Average resolution (business h)",),
                "hours",
            ),
            drill=(
                lambda d: (
                    lambda ctx, row, field: and_(
                        ctx.resolved_in_period(), equals_label(getattr(ctx.t, d), row[d])
                    )
                )
            )(_dim),
            drill_fields=("resolved",),
        )
    )
