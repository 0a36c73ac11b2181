"""Service Quality panels: backlog, waiting, ageing, long-running tickets, seats and hours
(metrics reference 6.1-6.2)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import and_, case, func, literal, or_, select

from deskmetrics.panels.common import equals_label, group_count, in_bucket
from deskmetrics.panels.context import count_if, sum_if
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.tables import clients, technicians, tickets, time_entries

TAB = "service_quality"
WAITING = ("waiting_customer", "waiting_vendor")


def _open_by_created(ctx) -> pd.DataFrame:
    out = ctx.by_bucket(ctx.t.created_at, {"open": count_if(ctx.open_at())})
    return out.fillna({"open": 0}).astype({"open": int})


register(
    Panel(
        id="open_tickets",
        title="Open tickets by creation date",
        tab=TAB,
        definition="Tickets created in each period of the range that are still open at the end of "
        "the range (as-of), placed by their creation date.",
        attribution="created_at; open at the as-of instant",
        query=_open_by_created,
        chart=Chart("bar", "bucket", ("open",), ("Open tickets",), "tickets"),
        drill=lambda ctx, row, field: and_(
            in_bucket(ctx, ctx.t.created_at, row["bucket"]), ctx.open_at()
        ),
        drill_fields=("open",),
    )
)

for _dim, _col in (("status", "status"), ("category", "category"), ("board", "board")):
    register(
        Panel(
            id=f"open_tickets_by_{_dim}",
            title=f"Open tickets by {_dim}",
            tab=TAB,
            definition=f"Tickets open at the end of the range (as-of), by {_dim}"
            + (" (the PSA's own status name)." if _dim == "status" else "."),
            attribution="open at the as-of instant",
            query=(lambda c, d: lambda ctx: group_count(ctx, getattr(ctx.t, c), ctx.open_at(), d))(
                _col, _dim
            ),
            chart=Chart("hbar", _dim, ("tickets",), ("Open tickets",), "tickets"),
            drill=(
                lambda c, d: (
                    lambda ctx, row, field: and_(
                        ctx.open_at(), equals_label(getattr(ctx.t, c), row[d])
                    )
                )
            )(_col, _dim),
            drill_fields=("tickets",),
        )
    )


def _waiting(ctx):
    return and_(ctx.open_at(), ctx.t.status_category.in_(WAITING))


def _waiting_by_owner(ctx) -> pd.DataFrame:
    frame = group_count(ctx, ctx.t.owner_tech_id, _waiting(ctx), "owner_tech_id")
    names = dict(ctx.conn.execute(select(technicians.c.tech_id, technicians.c.name)).all())
    frame.insert(0, "owner", [names.get(i) or i for i in frame["owner_tech_id"]])
    return frame


register(
    Panel(
        id="tickets_waiting",
        title="Tickets waiting, by owner",
        tab=TAB,
        definition="Open tickets (as-of) whose current status waits on the customer or a vendor, by "
        "owner: the list to review for quality (is the wait real, is someone chasing it?). Their "
        "SLA clocks are paused.",
        attribution="open at the as-of instant, current status",
        query=_waiting_by_owner,
        chart=Chart("hbar", "owner", ("tickets",), ("Waiting tickets",), "tickets"),
        drill=lambda ctx, row, field: and_(
            _waiting(ctx), equals_label(ctx.t.owner_tech_id, row["owner_tech_id"])
        ),
        drill_fields=("tickets",),
    )
)


def _waiting_by_status(ctx) -> pd.DataFrame:
    rows = []
    for category, label in (
        ("waiting_customer", "waiting for client"),
        ("waiting_vendor", "waiting for vendor"),
    ):
        n = ctx.conn.execute(
            select(count_if(and_(ctx.open_at(), ctx.t.status_category == category)))
            .select_from(tickets)
            .where(ctx.where)
        ).scalar()
        rows.append({"waiting_on": label, "status_category": category, "tickets": int(n or 0)})
    return pd.DataFrame(rows)


register(
    Panel(
        id="tickets_waiting_by_status",
        title="Waiting for client vs vendor",
        tab=TAB,
        definition="Open tickets (as-of) waiting on the customer versus waiting on a vendor.",
        attribution="open at the as-of instant, current status",
        query=_waiting_by_status,
        chart=Chart("bar", "waiting_on", ("tickets",), ("Tickets",), "tickets"),
        drill=lambda ctx, row, field: and_(
            ctx.open_at(), ctx.t.status_category == row["status_category"]
        ),
        drill_fields=("tickets",),
    )
)


def _age_case(ctx, instant):
    """Age bucket label of an open ticket as of the period end (whole days, floor)."""
    as_of = ctx.bounds[2]
    bounds = ctx.settings.analysis.age_buckets
    labels = ctx.settings.analysis.age_labels()
    # floor(age) <= b  <=>  instant > as_of - (b + 1) days
    whens = [
        (instant > as_of - timedelta(days=b + 1), literal(lab))
        for b, lab in zip(bounds, labels, strict=False)
    ]
    return case(*whens, else_=literal(labels[-1]))


def _age(column_name: str):
    def instant(ctx):
        t = ctx.t
        return (
            t.created_at if column_name == "created" else func.coalesce(t.updated_at, t.created_at)
        )

    def query(ctx) -> pd.DataFrame:
        bucket = _age_case(ctx, instant(ctx))
        frame = ctx.frame(
            select(bucket.label("age"), func.count().label("tickets"))
            .select_from(tickets)
            .where(and_(ctx.where, ctx.open_at()))
            .group_by(bucket)
        )
        labels = ctx.settings.analysis.age_labels()
        counts = dict(zip(frame["age"], frame["tickets"], strict=False))
        return pd.DataFrame({"age": labels, "tickets": [int(counts.get(x, 0)) for x in labels]})

    def drill(ctx, row, field):
        return and_(ctx.open_at(), _age_case(ctx, instant(ctx)) == row["age"])

    return query, drill


for _kind, _words in (("created", "creation"), ("last_updated", "last update")):
    _q, _d = _age(_kind)
    register(
        Panel(
            id=f"ticket_age_by_{_kind}",
            title=f"Open ticket age since {_words}",
            tab=TAB,
            definition=f"Tickets open at the end of the range (as-of), by whole days since their "
            f"{_words} (floor), in buckets 0-7, 8-14, 15-30 and 31+ days (configurable: "
            "analysis.age_buckets)."
            + (
                " A ticket never updated counts from its creation."
                if _kind == "last_updated"
                else ""
            ),
            attribution="open at the as-of instant",
            query=_q,
            chart=Chart("bar", "age", ("tickets",), ("Open tickets",), "tickets"),
            drill=_d,
            drill_fields=("tickets",),
        )
    )


def _long_at(ctx, instant):
    cut = instant - timedelta(days=ctx.settings.analysis.long_ticket_days)
    return and_(ctx.open_at(instant), ctx.t.created_at < cut)


def _long_over_time(ctx) -> pd.DataFrame:
    # one scan: a conditional count per bucket end
    measures = [
        count_if(_long_at(ctx, hi)).label(f"b{i}") for i, (_, _, hi) in enumerate(ctx.buckets)
    ]
    row = ctx.conn.execute(select(*measures).select_from(tickets).where(ctx.where)).one()
    return pd.DataFrame(
        {
            "bucket": [pd.Timestamp(b[0]) for b in ctx.buckets],
            "long_tickets": [int(v or 0) for v in row],
        }
    )


register(
    Panel(
        id="long_tickets",
        title="Long-running tickets",
        tab=TAB,
        definition="Tickets open at the end of each period that were created more than "
        "analysis.long_ticket_days (default 30) days before it.",
        attribution="open at each period's end",
        query=_long_over_time,
        chart=Chart("line", "bucket", ("long_tickets",), ("Long-running tickets",), "tickets"),
        drill=lambda ctx, row, field: _long_at(ctx, ctx.bucket_bounds(row["bucket"])[1]),
        drill_fields=("long_tickets",),
    )
)

register(
    Panel(
        id="long_tickets_by_category",
        title="Long-running tickets by category",
        tab=TAB,
        definition="Tickets open at the end of the range (as-of) and created more than "
        "analysis.long_ticket_days days before it, by category.",
        attribution="open at the as-of instant",
        query=lambda ctx: group_count(
            ctx, ctx.t.category, _long_at(ctx, ctx.bounds[2]), "category"
        ),
        chart=Chart("hbar", "category", ("tickets",), ("Long-running tickets",), "tickets"),
        drill=lambda ctx, row, field: and_(
            _long_at(ctx, ctx.bounds[2]), equals_label(ctx.t.category, row["category"])
        ),
        drill_fields=("tickets",),
    )
)


def _per_seat(ctx) -> pd.DataFrame:
    created = ctx.in_period(ctx.t.created_at)
    counts = ctx.frame(
        select(ctx.t.client_id, count_if(created).label("tickets"))
        .select_from(tickets)
        .where(and_(ctx.where, created))
        .group_by(ctx.t.client_id)
    )
    seats = ctx.frame(select(clients.c.client_id, clients.c.name, clients.c.seats))
    frame = counts.merge(seats, on="client_id", how="left")
    days = (ctx.scope.date_to - ctx.scope.date_from).days + 1
    months = days / (365.25 / 12)
    seats_known = pd.to_numeric(frame["seats"], errors="coerce").astype(float)
    per_seat = frame["tickets"] / seats_known.where(seats_known > 0) / months
    out = pd.DataFrame(
        {
            "client": frame["name"].fillna(frame["client_id"]).fillna("(none)"),
            "client_id": frame["client_id"],
            "tickets": frame["tickets"].astype(int),
            "seats": seats_known,
            "months": round(months, 4),
            "tickets_per_seat_per_month": per_seat,
        }
    )
    return out.sort_values(
        ["tickets_per_seat_per_month", "client"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)


register(
    Panel(
        id="tickets_per_seat",
        title="Tickets per seat per month, by client",
        tab=TAB,
        definition="Tickets created in the period / the client's seats / months in the period "
        "(days / 30.44). Seats are the client's current count; a client without seats shows no "
        "value rather than a division by zero.",
        attribution="created_at",
        query=_per_seat,
        chart=Chart(
            "hbar",
            "client",
            ("tickets_per_seat_per_month",),
            ("Tickets per seat/month",),
            "tickets per seat per month",
        ),
        drill=lambda ctx, row, field: and_(
            ctx.in_period(ctx.t.created_at), equals_label(ctx.t.client_id, row["client_id"])
        ),
        drill_fields=("tickets",),
    )
)


def _hours_worked(ctx) -> pd.DataFrame:
    b = ctx.bucket_table()
    e = time_entries.c
    joined = time_entries.join(tickets, tickets.c.ticket_id == e.ticket_id).join(
        b, and_(e.started_at >= b.c.b_start, e.started_at < b.c.b_end)
    )
    billable = e.billable.is_(True)
    frame = ctx.frame(
        select(
            b.c.bucket,
            sum_if(billable, e.hours).label("billable_hours"),
            sum_if(or_(e.billable.is_(None), e.billable.is_(False)), e.hours).label(
                "non_billable_hours"
            ),
        )
        .select_from(joined)
        .where(ctx.where)
        .group_by(b.c.bucket)
    )
    out = ctx.dense(frame, ["billable_hours", "non_billable_hours"])
    return out.fillna({"billable_hours": 0.0, "non_billable_hours": 0.0}).astype(
        {"billable_hours": float, "non_billable_hours": float}
    )


register(
    Panel(
        id="hours_worked",
        title="Hours worked: billable vs non-billable",
        tab=TAB,
        definition="Hours of time entries started in each period, billable and not, for tickets in "
        "scope (the ticket's filters apply to its time).",
        attribution="time entry started_at",
        query=_hours_worked,
        chart=Chart(
            "stacked",
            "bucket",
            ("billable_hours", "non_billable_hours"),
            ("Billable", "Non-billable"),
            "hours",
        ),
    )
)
