"""Help Desk panel: SLA progress of the open tickets at the as-of instant, per target (first
response, next response, close), with the states of metrics reference 1.3."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import numpy as np
import pandas as pd
from sqlalchemy import and_, case, false, func, select

from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.help_desk_base import (
    STATE_WORDS,
    STATES,
    TAB,
    ints,
    naive_utc,
    state_case,
    target_rows,
    waiting_at,
)
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.tables import ticket_events, tickets
from deskmetrics.sla import BusinessClock, DeadlineOutOfRangeError, add_business
from deskmetrics.sla.clock import NAT, seconds_to_ns

TARGETS = ("time_to_first_response", "next_response", "time_to_close")
_KIND = {"time_to_first_response": "response", "time_to_close": "resolution"}


# -- SLA progress at as-of -----------------------------------------------------------------------
def pending_next_responses(ctx: PanelContext) -> pd.DataFrame:
    """Open tickets at as-of waiting for a next response: ticket_id, due_at, due_soon_at,
    waiting (status at as-of), as naive UTC instants. Small: pandas is fine."""
    t, e = ctx.t, ticket_events.c
    as_of = ctx.bounds[2]
    columns = ["ticket_id", "due_at", "due_soon_at", "waiting"]
    latest_event = ctx.conn.execute(select(func.max(e["at"]))).scalar()
    if latest_event is None or latest_event <= as_of:
        # live view: nothing happened after as-of, so the stored fact is the answer
        first = ctx.frame(
            select(
                t.ticket_id,
                t.awaiting_reply_since.label("message_at"),
                t.priority,
                case((waiting_at(ctx), 1), else_=0).label("waiting"),
            ).where(
                ctx.where,
                ctx.open_at(),
                t.first_response_at <= as_of,
                t.awaiting_reply_since > t.first_response_at,
            )
        )
    else:
        first = _pending_at(ctx, as_of)
    if first.empty:
        return pd.DataFrame(columns=columns)
    first["message_at"] = pd.to_datetime(first["message_at"])
    hours_by_priority = ctx.settings.sla.next_response_hours
    first["target_s"] = [hours_by_priority.get(_int(p), np.nan) * 3600.0 for p in first["priority"]]
    first = first[first["target_s"].notna()].reset_index(drop=True)
    if first.empty:
        return pd.DataFrame(columns=columns)
    start = first["message_at"].dt.tz_localize("UTC")
    pct = ctx.settings.sla.due_soon_pct
    due = _deadlines(ctx, start, first["target_s"].to_numpy())
    soon = _deadlines(ctx, start, first["target_s"].to_numpy() * pct)
    waiting_flags = [bool(w) if not pd.isna(w) else False for w in first["waiting"]]
    return pd.DataFrame(
        {
            "ticket_id": first["ticket_id"],
            "due_at": due,
            "due_soon_at": soon,
            "waiting": waiting_flags,
        }
    )


def _pending_at(ctx: PanelContext, as_of) -> pd.DataFrame:
    """First unanswered customer message per open ticket at a past instant: one pass over the
    events of open tickets (tens of thousands at scale)."""
    t, e = ctx.t, ticket_events.c
    open_ids = select(t.ticket_id).where(ctx.where, ctx.open_at(), t.first_response_at <= as_of)
    events = (
        select(
            e.ticket_id,
            e["at"].label("at"),
            e.kind,
            func.max(case((e.kind == "agent_reply", e["at"])))
            .over(partition_by=e.ticket_id)
            .label("last_reply"),
        )
        .where(
            e.ticket_id.in_(open_ids),
            e["at"] <= as_of,
            e.kind.in_(("customer_message", "agent_reply")),
        )
        .subquery("conversation")
    )
    answered_until = case(
        (events.c.last_reply > t.first_response_at, events.c.last_reply),
        else_=t.first_response_at,
    )
    first = ctx.frame(
        select(
            t.ticket_id,
            func.min(events.c.at).label("message_at"),
            func.max(t.priority).label("priority"),
            func.max(case((waiting_at(ctx), 1), else_=0)).label("waiting"),
        )
        .select_from(events.join(tickets, t.ticket_id == events.c.ticket_id))
        .where(events.c.kind == "customer_message", events.c.at > answered_until)
        .group_by(t.ticket_id)
    )
    return first


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _deadlines(ctx: PanelContext, start: pd.Series, seconds: np.ndarray) -> list:
    """Business deadlines (naive UTC) of ``seconds`` from each start, on the settings calendar."""
    calendar = ctx.settings.calendar()
    lo = start.min().to_pydatetime() - timedelta(days=1)
    hi = start.max().to_pydatetime() + timedelta(days=1)
    with contextlib.suppress(DeadlineOutOfRangeError):
        hi = add_business(hi, float(np.nanmax(seconds)), calendar) + timedelta(days=1)
    clock = BusinessClock(calendar, lo, hi)
    ns = clock.instant_at_ns(clock.cumulative_ns(start) + seconds_to_ns(seconds))
    return [
        None if v == NAT else naive_utc(pd.Timestamp(int(v), tz="UTC").to_pydatetime()) for v in ns
    ]


def _next_states(ctx: PanelContext) -> pd.DataFrame:
    pending = pending_next_responses(ctx)
    as_of = ctx.bounds[2]
    states = []
    for due, soon, waiting in zip(
        pending["due_at"], pending["due_soon_at"], pending["waiting"], strict=True
    ):
        if due is not None and due <= as_of:
            states.append("overdue")
        elif waiting:
            states.append("paused")
        elif soon is not None and soon <= as_of:
            states.append("due_soon")
        else:
            states.append("active")
    return pending.assign(state=states)


def _sla_progress(ctx: PanelContext) -> pd.DataFrame:
    rows = []
    waiting = waiting_at(ctx)
    for target in TARGETS:
        if target == "next_response":
            counts = _next_states(ctx)["state"].value_counts().to_dict()
        else:
            kind = _KIND[target]
            state = state_case(ctx, kind, waiting)
            row = ctx.conn.execute(
                select(*(count_if(state == s).label(s) for s in STATES))
                .select_from(tickets)
                .where(and_(ctx.where, target_rows(ctx, kind)))
            ).one()
            counts = dict(zip(STATES, row, strict=True))
        rows.append({"target": target, **{s: counts.get(s) for s in STATES}})
    out = pd.DataFrame(rows)
    for s in STATES:
        out[s] = ints(out[s]).values
    return out


def _drill_sla_progress(ctx, row, field):
    target = row["target"]
    if target == "next_response":
        states = _next_states(ctx)
        ids = states.loc[states["state"] == field, "ticket_id"].tolist()
        return ctx.t.ticket_id.in_(ids) if ids else false()
    kind = _KIND[target]
    return and_(target_rows(ctx, kind), state_case(ctx, kind, waiting_at(ctx)) == field)


register(
    Panel(
        id="sla_progress",
        title="SLA progress of open tickets",
        tab=TAB,
        definition="Open tickets at the as-of instant, per target: time_to_first_response (not "
        "yet answered at as-of), next_response (the customer wrote after the last agent reply and "
        "after the first response: the due instant is the first unanswered message plus "
        "sla.next_response_hours of the priority in business hours of the calendar, due soon at "
        "sla.due_soon_pct of it, no pause deducted, as in the next-reply facts), time_to_close "
        "(not resolved). " + STATE_WORDS + " Breach and due-soon instants of the first response "
        "and close targets are the stored ones (computed at load).",
        attribution="open at the as-of instant",
        query=_sla_progress,
        chart=Chart(
            "stacked",
            "target",
            ("overdue", "due_soon", "active", "paused"),
            ("Overdue", "Due soon", "Active", "Paused"),
            "tickets",
        ),
        drill=_drill_sla_progress,
        drill_fields=STATES,
    )
)
