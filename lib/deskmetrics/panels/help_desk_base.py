"""Shared pieces of the Help Desk panels: "today", teams, the status at the as-of instant, SLA
states of open tickets, counts and rates (metrics reference 1.3, 1.7, 2.3, 3, 4, 5.4).

Instants in the warehouse are naive UTC. "Today" is the local calendar day (settings timezone)
of the as-of instant, from its local midnight up to the as-of instant; an as-of exactly at local
midnight (the default, the end of the period) means the day that just ended.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select, true

from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.customer_experience_base import responses_tickets  # noqa: F401
from deskmetrics.schema.tables import status_changes, surveys, technicians, tickets

TAB = "help_desk"
WAITING = ("waiting_customer", "waiting_vendor")
UNASSIGNED = "(unassigned)"
ALL_TEAMS = "All teams"
NONE = "(none)"
STATES = ("overdue", "due_soon", "active", "paused")
S = surveys.c

STATE_WORDS = (
    "States at the as-of instant, first match wins: overdue = the stored breach instant is at or "
    "before as-of (paused or not); paused = the ticket's status at as-of (its last status change "
    "at or before as-of, else its stored status) is a waiting status, or it is still open with no "
    "breach instant (its clock stopped in a pause); due soon = the stored due-soon instant "
    "(sla.due_soon_pct of the target, default 75 %) is at or before as-of; active otherwise. "
    "Tickets whose priority has no target are not counted."
)


# -- time ---------------------------------------------------------------------------------------
def naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def today_bounds(ctx: PanelContext) -> tuple[datetime, datetime, datetime]:
    """(local midnight, next local midnight, as-of) of "today", as naive UTC instants."""
    zone = ctx.settings.zone
    as_of = ctx.scope.as_of
    day = (as_of - timedelta(microseconds=1)).astimezone(zone).date()
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return naive_utc(start), naive_utc(end), ctx.bounds[2]


def today(ctx: PanelContext, column) -> ColumnElement:
    """The instant falls on "today" and not after the as-of instant."""
    start, end, as_of = today_bounds(ctx)
    return and_(column >= start, column < end, column <= as_of)


def closed_when(ctx: PanelContext, window) -> ColumnElement:
    """Ended (resolved, else closed) within ``window`` and counted as resolved (as in
    ``resolved_in_period``: not before creation, not missing its close time)."""
    t = ctx.t
    return and_(
        window(t.ended_at),
        t.ended_at >= t.created_at,
        or_(t.close_time_missing.is_(None), t.close_time_missing.is_(False)),
    )


# -- teams and technicians ---------------------------------------------------------------------
def owner_tech():
    """The owner's technician row (an alias, so it never correlates with other subqueries)."""
    return technicians.alias("owner_tech")


def team_label(values) -> list[str]:
    return [UNASSIGNED if _missing(v) else v for v in values]


def in_team(column, label) -> ColumnElement:
    """Drill condition: the technician ``column`` belongs to the team ``label``."""
    members = technicians.alias("members")
    if label == ALL_TEAMS:
        return true()
    if label == UNASSIGNED or _missing(label):
        known = select(members.c.tech_id).where(members.c.team.is_not(None)).correlate(None)
        return or_(column.is_(None), column.not_in(known))
    return column.in_(select(members.c.tech_id).where(members.c.team == label).correlate(None))


def teams_in_scope(ctx: PanelContext) -> list[str]:
    """Teams of the technicians table that the scope's owner/team filters leave in view."""
    query = select(func.distinct(technicians.c.team)).where(technicians.c.team.is_not(None))
    if ctx.scope.team:
        query = query.where(technicians.c.team == ctx.scope.team)
    if ctx.scope.owner:
        query = query.where(technicians.c.tech_id == ctx.scope.owner)
    return sorted(r[0] for r in ctx.conn.execute(query).all())


def equals_or_none(column, value) -> ColumnElement:
    if _missing(value) or value in (NONE, UNASSIGNED):
        return column.is_(None)
    return column == value


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


# -- status at as-of ---------------------------------------------------------------------------
def waiting_at(ctx: PanelContext, instant: datetime | None = None) -> ColumnElement:
    """The ticket's raw status at the instant maps to waiting_customer or waiting_vendor.

    The status at the instant is the stored (current) status unless the ticket changed status
    after it; only those tickets look up their last change at or before the instant. Written as
    uncorrelated IN-subqueries because a correlated "latest change" lookup made DuckDB join
    every status change to every ticket (seconds at a million tickets).
    """
    at = instant or ctx.bounds[2]
    raw = {
        r[0]
        for r in ctx.conn.execute(select(func.distinct(tickets.c.status))).all()
        if r[0] is not None
    } | set(ctx.settings.status_map)
    waiting = sorted(s for s in raw if ctx.settings.status_category(s) in WAITING)
    if not waiting:
        return false()
    sc = status_changes.c
    changed_later = select(sc.ticket_id).where(sc.changed_at > at).distinct()
    ranked = (
        select(
            sc.ticket_id,
            sc.status,
            func.row_number()
            .over(partition_by=sc.ticket_id, order_by=(sc.changed_at.desc(), sc.status.desc()))
            .label("rn"),
        )
        .where(sc.changed_at <= at, sc.ticket_id.in_(changed_later))
        .subquery("status_then")
    )
    waiting_then = select(ranked.c.ticket_id).where(ranked.c.rn == 1, ranked.c.status.in_(waiting))
    t = tickets.c
    return case(
        (t.ticket_id.in_(changed_later), t.ticket_id.in_(waiting_then)),
        else_=t.status.in_(waiting),
    )


# -- SLA states of open tickets ------------------------------------------------------------------
def target_rows(ctx: PanelContext, kind: str) -> ColumnElement:
    """Open tickets at as-of still running the ``kind`` target, with a target to meet."""
    t = ctx.t
    as_of = ctx.bounds[2]
    target = getattr(t, f"{kind}_target_s")
    breach = getattr(t, f"{kind}_breach_at")
    applicable = or_(target.is_not(None), breach.is_not(None))
    rows = and_(ctx.open_at(), applicable)
    if kind == "response":
        rows = and_(rows, or_(t.first_response_at.is_(None), t.first_response_at > as_of))
    return rows


def state_case(ctx: PanelContext, kind: str, waiting: ColumnElement) -> ColumnElement:
    """overdue / paused / due_soon / active from the stored breach and due-soon instants."""
    t = ctx.t
    as_of = ctx.bounds[2]
    breach = getattr(t, f"{kind}_breach_at")
    soon = getattr(t, f"{kind}_due_soon_at")
    paused = or_(waiting, and_(breach.is_(None), t.ended_at.is_(None)))
    return case(
        (breach <= as_of, literal("overdue")),
        (paused, literal("paused")),
        (soon <= as_of, literal("due_soon")),
        else_=literal("active"),
    )


# -- surveys -----------------------------------------------------------------------------------
def technician_key() -> ColumnElement:
    """The technician a response credits: its own technician, else the ticket's owner."""
    return func.coalesce(S.tech_id, tickets.c.owner_tech_id)


# -- numbers -----------------------------------------------------------------------------------
def ints(values) -> pd.Series:
    """SQL counts or sums as int; NULL (SUM over no rows) is 0."""
    return pd.to_numeric(pd.Series(values), errors="coerce").fillna(0).astype(int)


def percent(part, whole) -> pd.Series:
    """part / whole x 100, missing where whole is 0."""
    part = pd.to_numeric(pd.Series(part), errors="coerce").astype(float)
    whole = pd.to_numeric(pd.Series(whole), errors="coerce").astype(float)
    return (part / whole.where(whole > 0) * 100).astype(float)
