"""Business panels about people: utilization, hours this week against last week, and overdue
timesheets (metrics reference 6.3)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import case, func, select

from deskmetrics.panels.business_base import (
    ENTRY_WORDS,
    NONE,
    TAB,
    as_dates,
    empty,
    labour_entries,
    midnight,
    missing,
    named,
    numbers,
    ratio,
    technician_names,
    whole,
)
from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.business_tables import timesheets
from deskmetrics.schema.tables import technicians

HOUR = 3600.0


def _week_hours(ctx: PanelContext) -> float:
    """Business hours in a normal week of the calendar (no holidays)."""
    minutes = 0
    for windows in ctx.settings.calendar().windows:
        for start, end in windows:
            minutes += (end if end > start else end + 24 * 60) - start
    return minutes / 60


def _period_hours(ctx: PanelContext) -> float:
    """Business hours of the calendar in the period, holidays and part-day holidays removed."""
    spans = ctx.settings.calendar().intervals(ctx.scope.start, ctx.scope.end)
    return sum((e - s).total_seconds() for s, e in spans) / HOUR


def _roster(ctx: PanelContext) -> pd.DataFrame:
    k = technicians.c
    frame = ctx.frame(select(k.tech_id, k.name, k.weekly_hours))
    frame["weekly_hours"] = numbers(frame["weekly_hours"])
    return frame


def _hours_by_technician(ctx: PanelContext, start=None, end=None) -> pd.DataFrame:
    entries = labour_entries(ctx, start, end)
    billable = entries.c.billable == 1
    query = select(
        entries.c.tech_id,
        func.sum(case((billable, entries.c.hours), else_=0.0)).label("billable_hours"),
        func.sum(case((billable, 0.0), else_=entries.c.hours)).label("non_billable_hours"),
    ).group_by(entries.c.tech_id)
    frame = ctx.frame(query)
    for column in ("billable_hours", "non_billable_hours"):
        frame[column] = numbers(frame[column]).fillna(0.0)
    return frame


def _with_roster(ctx: PanelContext, hours: pd.DataFrame) -> pd.DataFrame:
    """Every technician of the roster, plus any other technician (or none) that logged time."""
    roster = _roster(ctx)
    out = roster.merge(hours, on="tech_id", how="outer")
    out["_none"] = [missing(t) for t in out["tech_id"]]
    out["technician"] = named(out["tech_id"], technician_names(ctx))
    return out.fillna({c: 0.0 for c in hours.columns if c != "tech_id"})


def _utilization(ctx: PanelContext) -> pd.DataFrame:
    columns = [
        "technician",
        "tech_id",
        "weekly_hours",
        "available_hours",
        "billable_hours",
        "non_billable_hours",
        "hours",
        "utilization_percent",
    ]
    frame = _with_roster(ctx, _hours_by_technician(ctx))
    if frame.empty:
        return empty(columns)
    week, period = _week_hours(ctx), _period_hours(ctx)
    weekly = frame["weekly_hours"].where(frame["weekly_hours"].notna(), week or None)
    weekly = weekly.where(~frame["_none"])
    frame["weekly_hours"] = weekly.astype(float)
    # no business hours in the calendar: nothing to prorate by, no available hours
    frame["available_hours"] = frame["weekly_hours"] * period / week if week else float("nan")
    frame["hours"] = frame["billable_hours"] + frame["non_billable_hours"]
    frame["utilization_percent"] = ratio(
        frame["billable_hours"], frame["available_hours"], 100
    ).values
    frame = frame.sort_values(
        ["_none", "utilization_percent", "technician"],
        ascending=[True, False, True],
        na_position="last",
    )
    return frame[columns].reset_index(drop=True)


register(
    Panel(
        id="utilization_by_technician",
        title="Utilization by technician",
        tab=TAB,
        definition="Utilization % = billable hours / available hours x 100 (reference 6.3). "
        "Billable hours: time entries marked billable; every other entry (billable false or "
        "unknown) is non-billable. Available hours = the technician's weekly_hours (the business "
        "calendar's hours in a normal week when weekly_hours is empty) x the calendar's business "
        "hours in the period / its business hours in a normal week: with five equal weekdays, "
        "weekly hours / 5 per business day. A full-day holiday removes its day and a part-day "
        "holiday the hours not worked; PTO is not in the warehouse and is not removed. Every "
        f"technician of the roster is listed (0 hours when none); time of a technician not on "
        f"the roster uses the calendar's week, time without a technician shows as {NONE} without "
        "available hours. Utilization can exceed 100 %. The Client filter keeps that client's "
        "hours (the share of each technician's capacity it took); available hours stay whole. "
        + ENTRY_WORDS,
        attribution="started_at (local day)",
        query=_utilization,
        chart=Chart("hbar", "technician", ("utilization_percent",), ("Utilization %",), "%"),
    )
)


def _weeks(ctx: PanelContext) -> pd.DataFrame:
    last = ctx.scope.date_to
    this_start, last_start = last - timedelta(days=6), last - timedelta(days=13)
    weeks = [
        (this_start, last + timedelta(days=1), "this_week"),
        (last_start, this_start, "last_week"),
    ]
    this, before = (
        _hours_by_technician(ctx, midnight(ctx, lo), midnight(ctx, hi))
        .assign(**{f"{prefix}_hours": lambda f: f["billable_hours"] + f["non_billable_hours"]})
        .rename(columns={"billable_hours": f"{prefix}_billable_hours"})
        .drop(columns="non_billable_hours")
        for lo, hi, prefix in weeks
    )
    frame = _with_roster(ctx, this.merge(before, on="tech_id", how="outer"))
    columns = [
        "technician",
        "tech_id",
        "this_week_hours",
        "this_week_billable_hours",
        "last_week_hours",
        "last_week_billable_hours",
        "change_hours",
    ]
    if frame.empty:
        return empty(columns)
    frame["change_hours"] = frame["this_week_hours"] - frame["last_week_hours"]
    frame = frame.sort_values(["_none", "technician"])
    return frame[columns].reset_index(drop=True)


register(
    Panel(
        id="hours_this_week_vs_last",
        title="Hours this week and last week",
        tab=TAB,
        definition="Hours logged per technician in the 7 local days ending on the period's last "
        "day (this week) and the 7 days before them (last week), each with its billable part, "
        "and the change (this week - last week). The weeks are counted back from the period's "
        "last day whatever the period's length, so they may start before the period. Every "
        "technician of the roster is listed. The Client filter keeps that client's hours. "
        + ENTRY_WORDS,
        attribution="started_at (local day), in the two weeks ending on the period's last day",
        query=_weeks,
        chart=Chart(
            "bar",
            "technician",
            ("last_week_hours", "this_week_hours"),
            ("Last week", "This week"),
            "hours",
        ),
    )
)


def _overdue(ctx: PanelContext) -> pd.DataFrame:
    days = ctx.settings.business.timesheet_overdue_days
    last = ctx.scope.date_to
    s = timesheets.c
    # the week (Monday to Sunday) ended more than `days` days before the period's last day
    latest_start = last - timedelta(days=days + 7)
    query = (
        select(s.tech_id, s.week_start)
        .where(s.status == "open", s.week_start <= latest_start)
        .order_by(s.week_start, s.tech_id)
    )
    frame = ctx.frame(query)
    columns = ["technician", "tech_id", "week_start", "week_end", "days_since_week_end"]
    if frame.empty:
        return empty(columns)
    week_start = as_dates(frame["week_start"])
    week_end = week_start + pd.Timedelta(days=6)
    return pd.DataFrame(
        {
            "technician": named(frame["tech_id"], technician_names(ctx)),
            "tech_id": frame["tech_id"],
            "week_start": week_start,
            "week_end": week_end,
            "days_since_week_end": whole((pd.Timestamp(last) - week_end).dt.days),
        }
    )


register(
    Panel(
        id="overdue_timesheets",
        title="Overdue timesheets",
        tab=TAB,
        definition="Timesheets still open (their status as loaded last) whose week, Monday to "
        "Sunday from week_start, ended more than business.timesheet_overdue_days days (default "
        "2) before the period's last day; oldest first, with the days from the week's end to "
        "the period's last day. Weeks of any earlier period count while they stay open. "
        "Timesheets have no client: the Client filter does not apply.",
        attribution="week_start + 6 days (the week's Sunday) against the period's last day",
        query=_overdue,
        chart=Chart("table", "technician", ("days_since_week_end",)),
    )
)
