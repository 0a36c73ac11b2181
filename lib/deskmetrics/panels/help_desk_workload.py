"""Help Desk panels: workload by technician and team, and tickets by channel, at the as-of
instant."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, select

from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.help_desk_base import (
    NONE,
    TAB,
    UNASSIGNED,
    equals_or_none,
    in_team,
    ints,
    owner_tech,
    team_label,
    today,
    waiting_at,
)
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.tables import tickets


# -- workload ----------------------------------------------------------------------------------
def _overdue(ctx):
    return ctx.t.resolution_breach_at <= ctx.bounds[2]


def _workload_rows(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    tech = owner_tech()
    return ctx.frame(
        select(
            t.owner_tech_id.label("owner_tech_id"),
            tech.c.name.label("name"),
            tech.c.team.label("team"),
            count_if(ctx.open_at()).label("open"),
            count_if(waiting_at(ctx)).label("waiting"),
            count_if(_overdue(ctx)).label("overdue"),
        )
        .select_from(tickets.outerjoin(tech, tech.c.tech_id == t.owner_tech_id))
        .where(and_(ctx.where, ctx.open_at()))
        .group_by(t.owner_tech_id, tech.c.name, tech.c.team)
    )


COUNTS = ["open", "waiting", "overdue"]


def _by_technician(ctx: PanelContext) -> pd.DataFrame:
    frame = _workload_rows(ctx)
    out = pd.DataFrame(
        {
            "technician": [
                UNASSIGNED if not isinstance(o, str) else (n if isinstance(n, str) else o)
                for o, n in zip(frame["owner_tech_id"], frame["name"], strict=True)
            ],
            "owner_tech_id": [o if isinstance(o, str) else None for o in frame["owner_tech_id"]],
            "team": team_label(frame["team"]),
            **{c: ints(frame[c]).values for c in COUNTS},
        }
    )
    return out.sort_values(
        ["open", "overdue", "technician"], ascending=[False, False, True]
    ).reset_index(drop=True)


def _by_team(ctx: PanelContext) -> pd.DataFrame:
    frame = _workload_rows(ctx)
    frame["team"] = team_label(frame["team"])
    for c in COUNTS:
        frame[c] = ints(frame[c]).values
    out = frame.groupby("team", as_index=False)[COUNTS].sum()
    out = out.sort_values(["open", "overdue", "team"], ascending=[False, False, True])
    return out.reset_index(drop=True)


def _workload_drill(key: str):
    def drill(ctx, row, field):
        t = ctx.t
        who = (
            equals_or_none(t.owner_tech_id, row["owner_tech_id"])
            if key == "owner"
            else in_team(t.owner_tech_id, row["team"])
        )
        extra = {"open": None, "waiting": waiting_at(ctx), "overdue": _overdue(ctx)}[field]
        condition = and_(ctx.open_at(), who)
        return condition if extra is None else and_(condition, extra)

    return drill


WORKLOAD_WORDS = (
    "Tickets open at the as-of instant (created at or before it, not yet resolved, closed or "
    "cancelled): open; waiting = those whose status at as-of (the last status change at or "
    "before it, else the stored status) waits on the customer or a vendor; overdue = those "
    "whose resolution breach instant (business time net of waiting crossing the priority's "
    "target, or the PSA's resolution due date) is at or before as-of."
)

register(
    Panel(
        id="workload_by_technician",
        title="Workload by technician",
        tab=TAB,
        definition=WORKLOAD_WORDS + " Per owner ((unassigned) when the ticket has no owner), "
        "largest open count first.",
        attribution="open at the as-of instant",
        query=_by_technician,
        chart=Chart(
            "hbar",
            "technician",
            ("open", "waiting", "overdue"),
            ("Open", "Waiting", "Overdue"),
            "tickets",
        ),
        drill=_workload_drill("owner"),
        drill_fields=("open", "waiting", "overdue"),
    )
)

register(
    Panel(
        id="workload_by_team",
        title="Workload by team",
        tab=TAB,
        definition=WORKLOAD_WORDS + " Per team of the owner ((unassigned) when there is no "
        "owner or the owner has no team).",
        attribution="open at the as-of instant",
        query=_by_team,
        chart=Chart(
            "hbar",
            "team",
            ("open", "waiting", "overdue"),
            ("Open", "Waiting", "Overdue"),
            "tickets",
        ),
        drill=_workload_drill("team"),
        drill_fields=("open", "waiting", "overdue"),
    )
)


# -- channels ----------------------------------------------------------------------------------
def _by_channel(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    created = today(ctx, t.created_at)
    frame = ctx.frame(
        select(
            t.channel.label("channel"),
            count_if(created).label("created_today"),
            count_if(ctx.open_at()).label("open_now"),
        )
        .where(ctx.where)
        .where(created | ctx.open_at())
        .group_by(t.channel)
    )
    out = pd.DataFrame(
        {
            "channel": [NONE if c is None else c for c in frame["channel"]],
            "created_today": ints(frame["created_today"]).values,
            "open_now": ints(frame["open_now"]).values,
        }
    )
    return out.sort_values(
        ["open_now", "created_today", "channel"], ascending=[False, False, True]
    ).reset_index(drop=True)


def _drill_channel(ctx, row, field):
    t = ctx.t
    when = today(ctx, t.created_at) if field == "created_today" else ctx.open_at()
    return and_(when, equals_or_none(t.channel, row["channel"]))


register(
    Panel(
        id="tickets_by_channel",
        title="Tickets by channel",
        tab=TAB,
        definition="Per channel the ticket came in by ((none) when missing): created_today = "
        "tickets created today (the local day of the as-of instant, up to as-of); open_now = "
        "tickets open at the as-of instant. Channels with neither are not listed.",
        attribution="created_at today; open at the as-of instant",
        query=_by_channel,
        chart=Chart(
            "bar",
            "channel",
            ("created_today", "open_now"),
            ("Created today", "Open now"),
            "tickets",
        ),
        drill=_drill_channel,
        drill_fields=("created_today", "open_now"),
    )
)
