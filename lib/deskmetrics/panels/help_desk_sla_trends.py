"""Help Desk panels: first response, next response and time to close over time (metrics
reference 1.7: each target counts once, in the period of its decision instant)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, func, or_

from deskmetrics.panels.common import hours, in_bucket
from deskmetrics.panels.context import PanelContext, count_if, sum_if
from deskmetrics.panels.help_desk_base import TAB, ints
from deskmetrics.panels.model import Chart, Panel, register


# -- first response over time ------------------------------------------------------------------
def _decided(ctx: PanelContext, kind: str):
    t = ctx.t
    return func.coalesce(getattr(t, f"{kind}_decided_at"), getattr(t, f"{kind}_breach_at"))


def _on_time(ctx, kind):
    met = getattr(ctx.t, f"{kind}_met")
    return and_(_decided(ctx, kind) <= ctx.bounds[2], met.is_(True))


def _late(ctx, kind):
    met = getattr(ctx.t, f"{kind}_met")
    return and_(_decided(ctx, kind) <= ctx.bounds[2], or_(met.is_(None), met.is_(False)))


def _attainment(ctx: PanelContext, kind: str) -> pd.DataFrame:
    out = ctx.by_bucket(
        _decided(ctx, kind),
        {"on_time": count_if(_on_time(ctx, kind)), "late": count_if(_late(ctx, kind))},
    )
    return out.assign(on_time=ints(out["on_time"]).values, late=ints(out["late"]).values)


def _first_response(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    answered = t.response_business_s.is_not(None)
    averages = ctx.by_bucket(
        t.first_response_at,
        {"answered": count_if(answered), "total_s": sum_if(answered, t.response_business_s)},
    )
    out = _attainment(ctx, "response").merge(averages, on="bucket")
    return pd.DataFrame(
        {
            "bucket": out["bucket"],
            "on_time": out["on_time"],
            "late": out["late"],
            "avg_first_response_hours": hours(out["total_s"], out["answered"]),
            "answered": ints(out["answered"]).values,
        }
    )


def _drill_attainment(kind: str):
    def drill(ctx, row, field):
        bucket = in_bucket(ctx, _decided(ctx, kind), row["bucket"])
        if field == "on_time":
            return and_(bucket, _on_time(ctx, kind))
        if field == "late":
            return and_(bucket, _late(ctx, kind))
        t = ctx.t
        if field == "answered":
            return and_(
                in_bucket(ctx, t.first_response_at, row["bucket"]),
                t.response_business_s.is_not(None),
            )
        return and_(in_bucket(ctx, t.ended_at, row["bucket"]), ctx.resolved_in_period())

    return drill


DECISION_WORDS = (
    "Each ticket counts once, in the period of its decision instant: the moment it was met, or "
    "its breach instant when missed, also while the ticket is still open (a breach after the "
    "as-of instant has not happened yet). Tickets without a target (no priority) are left out."
)

register(
    Panel(
        id="first_response_sla",
        title="First response: on time vs late",
        tab=TAB,
        definition="First-response targets met (on_time) and missed (late) per day (week or "
        "month for long periods). " + DECISION_WORDS + " A ticket resolved without a response "
        "is answered by its resolve. avg_first_response_hours = mean business hours (net of "
        "waiting) from creation to the first response of the answered tickets first answered "
        "in the period.",
        attribution="response SLA decision instant for on_time/late; first_response_at for the "
        "average",
        query=_first_response,
        chart=Chart("stacked", "bucket", ("on_time", "late"), ("On time", "Late"), "tickets"),
        drill=_drill_attainment("response"),
        drill_fields=("on_time", "late", "answered"),
    )
)


# -- next response over time -------------------------------------------------------------------
def _next_response(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    resolved = ctx.resolved_in_period()
    out = ctx.by_bucket(
        t.ended_at,
        {
            "cycles": sum_if(resolved, t.next_response_count),
            "late": sum_if(resolved, t.next_response_late),
            "total_s": sum_if(resolved, t.next_response_business_s),
        },
    )
    cycles, late = ints(out["cycles"]).values, ints(out["late"]).values
    return pd.DataFrame(
        {
            "bucket": out["bucket"],
            "on_time": cycles - late,
            "late": late,
            "avg_next_response_hours": hours(out["total_s"], cycles),
        }
    )


def _drill_next_response(ctx, row, field):
    t = ctx.t
    bucket = and_(in_bucket(ctx, t.ended_at, row["bucket"]), ctx.resolved_in_period())
    if field == "late":
        return and_(bucket, t.next_response_late > 0)
    return and_(bucket, t.next_response_count > t.next_response_late)


register(
    Panel(
        id="next_response_sla",
        title="Next response: on time vs late",
        tab=TAB,
        definition="Answered next-response cycles (a customer message, or run of messages, after "
        "the first response, up to the agent reply that answers it) on time and late, "
        "attributed to the period in which the ticket was resolved (so a ticket's cycles are "
        "counted once, when its conversation is complete). Late = the reply came more than "
        "sla.next_response_hours of the priority (business hours of the calendar, no pause "
        "deducted) after the first message of the cycle. avg_next_response_hours = mean business "
        "hours per cycle. Drill-down lists the tickets with at least one such cycle.",
        attribution="resolved_at (else closed_at) of the ticket",
        query=_next_response,
        chart=Chart(
            "stacked", "bucket", ("on_time", "late"), ("On time", "Late"), "next responses"
        ),
        drill=_drill_next_response,
        drill_fields=("on_time", "late"),
    )
)


# -- time to close over time -------------------------------------------------------------------
def _time_to_close(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    resolved = ctx.resolved_in_period()
    averages = ctx.by_bucket(
        t.ended_at,
        {
            "closed": count_if(resolved),
            "n_business": count_if(and_(resolved, t.resolution_business_s.is_not(None))),
            "business_s": sum_if(resolved, t.resolution_business_s),
            "n_calendar": count_if(and_(resolved, t.resolution_calendar_s.is_not(None))),
            "calendar_s": sum_if(resolved, t.resolution_calendar_s),
        },
    )
    out = averages.merge(_attainment(ctx, "resolution"), on="bucket")
    return pd.DataFrame(
        {
            "bucket": out["bucket"],
            "avg_close_hours": hours(out["business_s"], out["n_business"]),
            "avg_close_calendar_hours": hours(out["calendar_s"], out["n_calendar"]),
            "closed": ints(out["closed"]).values,
            "on_time": out["on_time"],
            "late": out["late"],
        }
    )


register(
    Panel(
        id="time_to_close",
        title="Time to close",
        tab=TAB,
        definition="Mean time to close of the tickets resolved (else closed) in each period, in "
        "business hours net of waiting (avg_close_hours) and in calendar hours "
        "(avg_close_calendar_hours), over closed tickets; and resolution targets met (on_time) "
        "and missed (late). " + DECISION_WORDS,
        attribution="resolved_at for the averages; resolution SLA decision instant for "
        "on_time/late",
        query=_time_to_close,
        chart=Chart(
            "line",
            "bucket",
            ("avg_close_hours", "avg_close_calendar_hours"),
            ("Business hours", "Calendar hours"),
            "hours",
        ),
        drill=_drill_attainment("resolution"),
        drill_fields=("closed", "on_time", "late"),
    )
)
