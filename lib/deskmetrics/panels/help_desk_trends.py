"""Help Desk panels over time: created and closed, time in status, effort score and reopens
(metrics reference 2.3 and 5.4)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, case, exists, func, select

from deskmetrics.metrics.frames import surveys_frame
from deskmetrics.panels.common import in_bucket
from deskmetrics.panels.context import PanelContext, count_if, sum_if
from deskmetrics.panels.help_desk_base import TAB, S, ints, percent, responses_tickets
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.panels.service_quality import created_closed, drill_created_closed
from deskmetrics.schema.tables import status_changes, tickets

# -- created and closed: the Service Quality panel's query, under the help desk's filters ------
register(
    Panel(
        id="tickets_created_closed_hd",
        title="Tickets created and closed",
        tab=TAB,
        definition="Tickets created per day (week or month for long periods), and tickets "
        "closed (resolved, else closed) per period, for the owner, team, channel, board and "
        "client in view. Cancelled tickets count nowhere; a ticket resolved before it was "
        "created, or in a resolved status without a resolved or closed time, is not counted as "
        "closed.",
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


# -- time in status ----------------------------------------------------------------------------
def _steps(ctx: PanelContext):
    """Status changes of the tickets resolved in the period, each with the next change's time
    (LEAD over the ticket's changes in time order) and the ticket's end."""
    sc, t = status_changes.c, ctx.t
    following = func.lead(sc.changed_at).over(
        partition_by=sc.ticket_id, order_by=(sc.changed_at, sc.status)
    )
    return (
        select(
            sc.ticket_id.label("ticket_id"),
            sc.status.label("status"),
            sc.changed_at.label("changed_at"),
            following.label("next_at"),
            t.ended_at.label("ended_at"),
        )
        .select_from(status_changes.join(tickets, t.ticket_id == sc.ticket_id))
        .where(ctx.where, ctx.resolved_in_period())
        .subquery("steps")
    )


def _time_in_status(ctx: PanelContext) -> pd.DataFrame:
    s = _steps(ctx)
    stop = case(
        (and_(s.c.next_at.is_not(None), s.c.next_at < s.c.ended_at), s.c.next_at),
        else_=s.c.ended_at,
    )
    seconds = func.extract("epoch", stop) - func.extract("epoch", s.c.changed_at)
    frame = ctx.frame(
        select(
            s.c.status.label("status"),
            func.sum(seconds).label("seconds"),
            func.count(func.distinct(s.c.ticket_id)).label("tickets"),
        )
        .where(s.c.changed_at < s.c.ended_at)
        .group_by(s.c.status)
    )
    columns = ["status", "avg_hours", "tickets"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    total = pd.to_numeric(frame["seconds"], errors="coerce").astype(float)
    n = ints(frame["tickets"]).values
    out = pd.DataFrame(
        {"status": frame["status"], "avg_hours": (total / n / 3600.0).values, "tickets": n}
    )
    out["avg_hours"] = out["avg_hours"].round(9)  # SQL sums differ in the last bits by dialect
    return out.sort_values(["avg_hours", "status"], ascending=[False, True]).reset_index(drop=True)[
        columns
    ]


def _drill_time_in_status(ctx, row, field):
    sc, t = status_changes.c, ctx.t
    visited = exists(
        select(sc.ticket_id).where(
            sc.ticket_id == t.ticket_id, sc.status == row["status"], sc.changed_at < t.ended_at
        )
    )
    return and_(ctx.resolved_in_period(), visited)


register(
    Panel(
        id="time_in_status",
        title="Time in status",
        tab=TAB,
        definition="For tickets resolved (else closed) in the period: per raw PSA status, the "
        "mean calendar hours a ticket spent in it (all its visits added up), over the tickets "
        "that were in it (tickets). A status lasts from its change until the ticket's next "
        "status change (SQL LEAD over the ticket's changes in time order), the last one until "
        "the ticket's end (resolved, else closed); time after the end (e.g. Resolved before "
        "Closed) is not counted, while time resolved before a reopen is. Time before the first "
        "recorded change is unknown and left out, and so are tickets without status history.",
        attribution="resolved_at (else closed_at)",
        query=_time_in_status,
        chart=Chart("hbar", "status", ("avg_hours",), ("Average hours in status",), "hours"),
        drill=_drill_time_in_status,
        drill_fields=("tickets",),
    )
)


# -- effort score ------------------------------------------------------------------------------
def _ces_in_period(ctx):
    return and_(ctx.in_period(S.submitted_at), S.scale == "ces7")


def _ces(ctx: PanelContext) -> pd.DataFrame:
    joined, where, _ = surveys_frame(ctx.scope)
    b = ctx.bucket_table()
    source = joined.join(b, and_(S.submitted_at >= b.c.b_start, S.submitted_at < b.c.b_end))
    frame = ctx.frame(
        select(
            b.c.bucket,
            func.count().label("responses"),
            sum_if(S.rating.is_not(None), S.rating).label("rating_sum"),
        )
        .select_from(source)
        .where(and_(where, _ces_in_period(ctx)))
        .group_by(b.c.bucket)
    )
    out = ctx.dense(frame, ["responses", "rating_sum"])
    responses = ints(out["responses"]).values
    total = pd.to_numeric(out["rating_sum"], errors="coerce").astype(float)
    return pd.DataFrame(
        {
            "bucket": out["bucket"],
            "mean_ces": (total / pd.Series(responses).where(responses > 0)).astype(float).values,
            "responses": responses,
        }
    )


def _drill_ces(ctx, row, field):
    lo, hi = ctx.bucket_bounds(row["bucket"])
    window = and_(S.submitted_at >= lo, S.submitted_at < hi)
    return responses_tickets(ctx, and_(_ces_in_period(ctx), window))


register(
    Panel(
        id="ces_trend",
        title="Customer effort score",
        tab=TAB,
        definition="Mean effort score of the responses on the 1-7 effort scale (ces7, 7 = very "
        "easy, higher is better) submitted per day (week or month for long periods): the sum of "
        "the ratings / responses. A period without responses has no score. Responses follow "
        "their ticket's owner, team, channel, board and client (the survey's own technician "
        "first for owner and team); those of cancelled tickets are left out. Drill-down lists "
        "each ticket behind the responses once.",
        attribution="submitted_at",
        query=_ces,
        chart=Chart(
            "bar_line", "bucket", ("responses", "mean_ces"), ("Responses", "Mean CES"), "responses"
        ),
        drill=_drill_ces,
        drill_fields=("responses",),
    )
)


# -- reopens -----------------------------------------------------------------------------------
def _reopen(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    resolved = ctx.resolved_in_period()
    out = ctx.by_bucket(
        t.ended_at,
        {
            "resolved": count_if(resolved),
            "reopened": count_if(and_(resolved, t.reopened_within_window.is_(True))),
        },
    )
    resolved_n, reopened = ints(out["resolved"]).values, ints(out["reopened"]).values
    return pd.DataFrame(
        {
            "bucket": out["bucket"],
            "resolved": resolved_n,
            "reopened": reopened,
            "reopen_percent": percent(reopened, resolved_n).values,
        }
    )


def _drill_reopen(ctx, row, field):
    t = ctx.t
    bucket = and_(in_bucket(ctx, t.ended_at, row["bucket"]), ctx.resolved_in_period())
    return bucket if field == "resolved" else and_(bucket, t.reopened_within_window.is_(True))


register(
    Panel(
        id="reopen_rate",
        title="Reopen rate",
        tab=TAB,
        definition="reopen_percent = reopened / resolved x 100 per period, over tickets resolved "
        "(else closed) in it; reopened = the ticket moved from resolved or closed back to an "
        "open status (not cancelled) within analysis.reopen_window_days (default 7) calendar "
        "days of entering resolved. Counted per ticket, in the period of its final resolve.",
        attribution="resolved_at (else closed_at), the final resolve",
        query=_reopen,
        chart=Chart(
            "bar_line",
            "bucket",
            ("resolved", "reopen_percent"),
            ("Resolved", "Reopen %"),
            "tickets",
        ),
        drill=_drill_reopen,
        drill_fields=("resolved", "reopened"),
    )
)
