"""The base frames metrics aggregate over, with the shared exclusions and filters applied.

Cancelled tickets count nowhere: both frames drop them. Surveys filter through their ticket
(board, category, client of the ticket; the survey's own client when it has no ticket).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, FromClause, and_, func, or_, true

from deskmetrics.metrics.registry import Columns
from deskmetrics.metrics.scope import Scope
from deskmetrics.schema.tables import surveys, tickets


def _not_cancelled(status_category) -> ColumnElement:
    return or_(status_category.is_(None), status_category != "cancelled")


def tickets_frame(scope: Scope) -> tuple[FromClause, ColumnElement, Columns]:
    c = tickets.c
    conds = [_not_cancelled(c.status_category)]
    if scope.client:
        conds.append(c.client_id == scope.client)
    if scope.board:
        conds.append(c.board == scope.board)
    if scope.category:
        conds.append(c.category == scope.category)
    return tickets, and_(*conds), Columns({col.name: col for col in c})


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
    columns = {col.name: col for col in s}
    columns.update({f"ticket_{col.name}": col for col in t})
    return joined, and_(true(), *conds), Columns(columns)


FRAMES = {"tickets": tickets_frame, "surveys": surveys_frame}
