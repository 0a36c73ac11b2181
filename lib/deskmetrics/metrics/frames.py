"""The base frames metrics aggregate over, with the shared exclusions and filters applied.

Cancelled tickets count nowhere: both frames drop them. Surveys filter through their ticket
(board, category, client of the ticket; the survey's own client when it has no ticket).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, and_, func, or_, select, true

from deskmetrics.metrics.registry import Columns
from deskmetrics.metrics.scope import Scope
from deskmetrics.schema.tables import surveys, technicians, tickets


def _not_cancelled(status_category) -> ColumnElement:
    return or_(status_category.is_(None), status_category != "cancelled")


def _team_members(team: str):
    return select(technicians.c.tech_id).where(technicians.c.team == team).scalar_subquery()


def ticket_conditions(scope: Scope, c=tickets.c) -> list[ColumnElement]:
    """The shared exclusions and the scope's filters, on the tickets table."""
    conds = [_not_cancelled(c.status_category)]
    for name, column in (
        ("client", c.client_id),
        ("board", c.board),
        ("category", c.category),
        ("owner", c.owner_tech_id),
        ("channel", c.channel),
    ):
        if getattr(scope, name):
            conds.append(column == getattr(scope, name))
    if scope.team:
        conds.append(c.owner_tech_id.in_(_team_members(scope.team)))
    return conds


def tickets_frame(scope: Scope) -> tuple[FromClause, ColumnElement, Columns]:
    return tickets, and_(*ticket_conditions(scope)), Columns({col.name: col for col in tickets.c})


def surveys_frame(scope: Scope) -> tuple[FromClause, ColumnElement, Columns]:
    s, t = surveys.c, tickets.c
    joined = surveys.outerjoin(tickets, s.ticket_id == t.ticket_id)
    conds = [_not_cancelled(t.status_category)]
    if scope.client:
        conds.append(func.coalesce(t.client_id, s.client_id) == scope.client)
    if scope.board:
        conds.append(t.board == scope.board)
    if scope.category:
        conds.append(t.category == scope.category)
    if scope.channel:
        conds.append(t.channel == scope.channel)
    technician = func.coalesce(s.tech_id, t.owner_tech_id)
    if scope.owner:
        conds.append(technician == scope.owner)
    if scope.team:
        conds.append(technician.in_(_team_members(scope.team)))
    columns = {col.name: col for col in s}
    columns.update({f"ticket_{col.name}": col for col in t})
    return joined, and_(true(), *conds), Columns(columns)


FRAMES = {"tickets": tickets_frame, "surveys": surveys_frame}
