"""Help Desk panels: the teams' day at the as-of instant (open now; closed, first replies and CSAT
today)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, select

from deskmetrics.metrics.frames import surveys_frame
from deskmetrics.panels.common import HOUR
from deskmetrics.panels.context import PanelContext, count_if, sum_if
from deskmetrics.panels.help_desk_base import (
    ALL_TEAMS,
    TAB,
    UNASSIGNED,
    S,
    closed_when,
    in_team,
    ints,
    owner_tech,
    percent,
    responses_tickets,
    team_label,
    teams_in_scope,
    technician_key,
    today,
)
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.contract import CSAT_SCALES
from deskmetrics.schema.tables import technicians, tickets

# -- team summary for today --------------------------------------------------------------------
SUMMARY_FIELDS = [
    "team",
    "open_now",
    "closed_today",
    "avg_first_reply_hours",
    "avg_close_hours",
    "csat_percent",
    "csat_responses",
]


def _closed_today(ctx):
    return closed_when(ctx, lambda c: today(ctx, c))


def _first_reply_today(ctx):
    t = ctx.t
    return and_(today(ctx, t.first_response_at), t.response_business_s.is_not(None))


def _csat_today(ctx):
    return and_(today(ctx, S.submitted_at), S.scale.in_(CSAT_SCALES))


def _team_summary(ctx: PanelContext) -> pd.DataFrame:
    t = ctx.t
    tech = owner_tech()
    closed = _closed_today(ctx)
    closed_timed = and_(closed, t.resolution_business_s.is_not(None))
    replied = _first_reply_today(ctx)
    work = ctx.frame(
        select(
            tech.c.team.label("team"),
            count_if(ctx.open_at()).label("open_now"),
            count_if(closed).label("closed_today"),
            sum_if(closed_timed, t.resolution_business_s).label("close_s"),
            count_if(closed_timed).label("closed_timed"),
            sum_if(replied, t.response_business_s).label("reply_s"),
            count_if(replied).label("replied"),
        )
        .select_from(tickets.outerjoin(tech, tech.c.tech_id == t.owner_tech_id))
        .where(ctx.where)
        .group_by(tech.c.team)
    )
    votes = ctx.frame(_csat_votes_query(ctx))
    work["team"] = team_label(work["team"])
    votes["team"] = team_label(votes["team"])
    fields = ["open_now", "closed_today", "close_s", "closed_timed", "reply_s", "replied"]
    merged = work.merge(votes, on="team", how="outer")
    for f in [*fields, "responses", "satisfied"]:
        merged[f] = pd.to_numeric(merged[f], errors="coerce").fillna(0)
    merged = merged.groupby("team", as_index=False).sum(numeric_only=True)
    known = teams_in_scope(ctx)
    busy = merged[merged[[*fields, "responses"]].sum(axis=1) > 0]["team"].tolist()
    teams = sorted(set(known) | {x for x in busy if x != UNASSIGNED})
    if UNASSIGNED in busy:
        teams.append(UNASSIGNED)
    rows = merged.set_index("team").reindex(teams).fillna(0).reset_index()
    total = rows.drop(columns="team").sum().to_frame().T.assign(team=ALL_TEAMS)
    rows = pd.concat([rows, total], ignore_index=True)
    return pd.DataFrame(
        {
            "team": rows["team"],
            "open_now": ints(rows["open_now"]),
            "closed_today": ints(rows["closed_today"]),
            "avg_first_reply_hours": _avg_hours(rows["reply_s"], rows["replied"]),
            "avg_close_hours": _avg_hours(rows["close_s"], rows["closed_timed"]),
            "csat_percent": percent(rows["satisfied"], rows["responses"]),
            "csat_responses": ints(rows["responses"]),
        }
    )[SUMMARY_FIELDS]


def _csat_votes_query(ctx):
    joined, where, _ = surveys_frame(ctx.scope)
    team = technicians.alias("survey_tech")
    joined = joined.outerjoin(team, team.c.tech_id == technician_key())
    return (
        select(
            team.c.team.label("team"),
            count_if(S.response_id.is_not(None)).label("responses"),
            count_if(S.sentiment == "positive").label("satisfied"),
        )
        .select_from(joined)
        .where(and_(where, _csat_today(ctx)))
        .group_by(team.c.team)
    )


def _avg_hours(total, n) -> pd.Series:
    total = pd.to_numeric(pd.Series(total), errors="coerce").astype(float)
    n = pd.to_numeric(pd.Series(n), errors="coerce").astype(float)
    return (total / n.where(n > 0) / HOUR).astype(float)


def _drill_team_summary(ctx, row, field):
    team = row["team"]
    if field == "csat_responses":
        return responses_tickets(ctx, and_(_csat_today(ctx), in_team(technician_key(), team)))
    member = in_team(ctx.t.owner_tech_id, team)
    if field == "open_now":
        return and_(ctx.open_at(), member)
    return and_(_closed_today(ctx), member)


register(
    Panel(
        id="team_summary_today",
        title="Teams today",
        tab=TAB,
        definition="Per team (the team of the ticket owner; (unassigned) when the ticket has no "
        "owner, or its owner has no team) and for all teams together: open_now = tickets open at "
        "the as-of instant (created at or before it, not yet resolved, closed or cancelled); "
        "closed_today = tickets resolved (else closed) today; avg_first_reply_hours = mean "
        "business hours (net of waiting) to the first response of tickets first answered today; "
        "avg_close_hours = mean business hours to resolution of tickets closed today; "
        "csat_percent = satisfied / all CSAT responses submitted today x 100, over csat_responses "
        "(a response credits its own technician's team, else the ticket owner's). Today = the "
        "local calendar day of the as-of instant, up to as-of (as-of at local midnight, the "
        "default end of the period, means the day just ended). The All teams row adds the teams "
        "up (its averages are over all their tickets). Teams of every technician in view are "
        "listed even when quiet.",
        attribution="as-of instant for open; resolved_at, first_response_at and submitted_at "
        "falling today",
        query=_team_summary,
        chart=Chart(
            "bar",
            "team",
            ("open_now", "closed_today"),
            ("Open now", "Closed today"),
            "tickets",
        ),
        drill=_drill_team_summary,
        drill_fields=("open_now", "closed_today", "csat_responses"),
    )
)
