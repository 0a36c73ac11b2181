"""Business panels about projects: those at risk (over schedule, over hours) and the hours
still to deliver by category."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, func, or_, select

from deskmetrics.panels.business_base import (
    NONE,
    TAB,
    as_dates,
    client_is,
    client_names,
    day_texts,
    empty,
    named,
    numbers,
    whole,
)
from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.business_tables import projects

P = projects.c
OPEN_STATUSES = ("open", "on_hold")
RISKS = ("over schedule", "over hours", "both")
RISK_WORDS = (
    "Open projects are those whose status is open or on_hold (as loaded last). Over schedule: "
    "the due date is before the period's last day (a project due on that day is not late "
    "yet). Over hours: actual_hours above budget_hours; a project without a budget is never "
    "over hours. The Client filter keeps that client's projects."
)


def _open(ctx: PanelContext) -> ColumnElement:
    return and_(P.status.in_(OPEN_STATUSES), client_is(ctx, P.client_id))


def _over_schedule(ctx: PanelContext) -> ColumnElement:
    return P.due_date < ctx.scope.date_to


def _over_hours() -> ColumnElement:
    return and_(P.budget_hours.is_not(None), func.coalesce(P.actual_hours, 0.0) > P.budget_hours)


def _at_risk(ctx: PanelContext) -> pd.DataFrame:
    late, over = _over_schedule(ctx), _over_hours()
    query = select(
        count_if(late).label("over schedule"),
        count_if(over).label("over hours"),
        count_if(and_(late, over)).label("both"),
    ).where(_open(ctx))
    row = ctx.frame(query).iloc[0]
    return pd.DataFrame({"risk": list(RISKS), "projects": whole([row[r] for r in RISKS])})


def _risky_projects(ctx: PanelContext, row: Mapping, field: str) -> pd.DataFrame:
    """The projects behind a risk count (both counts in both other rows)."""
    risk = row.get("risk")
    frame = _at_risk_list(ctx)
    keep = {RISKS[0]: RISKS[0::2], RISKS[1]: RISKS[1:], RISKS[2]: RISKS[2:]}.get(risk, ())
    frame = frame[frame["risk"].isin(keep)].reset_index(drop=True)
    frame["due_date"] = day_texts(frame["due_date"])
    return frame


register(
    Panel(
        id="projects_at_risk",
        title="Projects at risk",
        tab=TAB,
        definition="Open projects over schedule, over hours, and both (a project that is both "
        "also counts in the first two rows). " + RISK_WORDS,
        attribution="status, due date and hours as loaded, against the period's last day",
        query=_at_risk,
        chart=Chart("bar", "risk", ("projects",), ("Projects",), "projects"),
        drill_records=_risky_projects,
        drill_fields=("projects",),
        drill_label="List projects",
    )
)


def _at_risk_list(ctx: PanelContext) -> pd.DataFrame:
    late, over = _over_schedule(ctx), _over_hours()
    query = (
        select(
            P.project_id,
            P.name,
            P.client_id,
            P.category,
            P.status,
            P.due_date,
            P.budget_hours,
            P.actual_hours,
            case((late, 1), else_=0).label("late"),
            case((over, 1), else_=0).label("over"),
        )
        .where(_open(ctx), or_(late, over))
        .order_by(P.project_id)
    )
    frame = ctx.frame(query)
    columns = [
        "project",
        "project_id",
        "client",
        "category",
        "status",
        "due_date",
        "days_past_due",
        "budget_hours",
        "actual_hours",
        "hours_over_budget",
        "risk",
    ]
    if frame.empty:
        return empty(columns)
    late_, over_ = whole(frame["late"]) == 1, whole(frame["over"]) == 1
    due = as_dates(frame["due_date"])
    frame["due_date"] = due
    past_due = (pd.Timestamp(ctx.scope.date_to) - due).dt.days
    frame["days_past_due"] = past_due.where(late_).astype("Int64")
    frame["budget_hours"] = numbers(frame["budget_hours"])
    frame["actual_hours"] = numbers(frame["actual_hours"])
    frame["hours_over_budget"] = (frame["actual_hours"] - frame["budget_hours"]).where(over_)
    frame["risk"] = [
        RISKS[2] if a and b else RISKS[0] if a else RISKS[1]
        for a, b in zip(late_, over_, strict=True)
    ]
    frame["project"] = frame["name"].fillna(frame["project_id"])
    frame["client"] = named(frame["client_id"], client_names(ctx))
    frame["category"] = frame["category"].fillna(NONE)
    frame["_order"] = frame["risk"].map({RISKS[2]: 0, RISKS[0]: 1, RISKS[1]: 2})
    frame = frame.sort_values(
        ["_order", "days_past_due", "project_id"], ascending=[True, False, True]
    )
    return frame[columns].reset_index(drop=True)


register(
    Panel(
        id="projects_at_risk_list",
        title="Projects at risk: the list",
        tab=TAB,
        definition="Each open project over schedule or over hours, both first, then the most "
        "overdue: days past due = the period's last day - the due date; hours over budget = "
        "actual - budget hours. " + RISK_WORDS,
        attribution="status, due date and hours as loaded, against the period's last day",
        query=_at_risk_list,
        chart=Chart("table", "project", ("days_past_due", "hours_over_budget")),
    )
)


def _remaining(ctx: PanelContext) -> pd.DataFrame:
    actual = func.coalesce(P.actual_hours, 0.0)
    left = case(
        (P.budget_hours.is_(None), None),
        (P.budget_hours > actual, P.budget_hours - actual),
        else_=0.0,
    )
    query = (
        select(
            P.category,
            func.count().label("open_projects"),
            func.sum(left).label("remaining_hours"),
            count_if(P.budget_hours.is_(None)).label("projects_without_budget"),
        )
        .where(_open(ctx))
        .group_by(P.category)
    )
    frame = ctx.frame(query)
    columns = ["category", "open_projects", "remaining_hours", "projects_without_budget"]
    if frame.empty:
        return empty(columns)
    frame["category"] = frame["category"].fillna(NONE)
    frame["open_projects"] = whole(frame["open_projects"])
    frame["remaining_hours"] = numbers(frame["remaining_hours"]).fillna(0.0)
    frame["projects_without_budget"] = whole(frame["projects_without_budget"])
    frame = frame.sort_values(["remaining_hours", "category"], ascending=[False, True])
    return frame[columns].reset_index(drop=True)


register(
    Panel(
        id="project_hours_remaining",
        title="Project hours still to deliver by category",
        tab=TAB,
        definition="Per project category (empty: (none)), over open projects: budget_hours - "
        "actual_hours, floored at 0 (a project over budget has nothing left, not a negative "
        "amount), summed; projects without a budget add nothing and are counted in "
        "projects_without_budget. Open projects are those whose status is open or on_hold (as "
        "loaded last). The Client filter keeps that client's projects.",
        attribution="open projects as loaded",
        query=_remaining,
        chart=Chart("hbar", "category", ("remaining_hours",), ("Hours to deliver",), "hours"),
    )
)
