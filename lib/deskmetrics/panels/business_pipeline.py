"""Business panels about the open sales pipeline: this month's funnel, days in the current
stage, and pipeline coverage against a monthly sales target."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import and_, func, or_, select

from deskmetrics.panels.business_base import (
    NONE,
    TAB,
    add_months,
    client_is,
    empty,
    epoch,
    epoch_of,
    key_is,
    midnight,
    numbers,
    opportunity_records,
    whole,
)
from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.business_tables import opportunities, opportunity_stages

OPP, ST = opportunities.c, opportunity_stages.c
OPEN_WORDS = (
    "An opportunity is open at the period end when it was created before the end and was not "
    "closed by then (closed_at empty or at/after the end; one with an outcome but no closed_at "
    "counts as closed). Its stage at the period end is its latest stage change before the end "
    "(opportunity_stages; an opportunity moved back to an earlier stage is in that earlier "
    "stage from the move), else its stage field; amount and probability are the current "
    "values. The Client filter keeps that client's opportunities (prospects without a client "
    "drop out)."
)


def open_opportunities(ctx: PanelContext):
    """Opportunities open at the period end with their stage then and when they entered it."""
    _, end, _ = ctx.bounds
    ranked = (
        select(
            ST.opportunity_id,
            ST.stage,
            ST.changed_at,
            func.row_number()
            .over(
                partition_by=ST.opportunity_id,
                order_by=(ST.changed_at.desc(), ST.stage.desc()),
            )
            .label("n"),
        )
        .where(ST.changed_at < end)
        .subquery("stage_ranked")
    )
    latest = (
        select(ranked.c.opportunity_id, ranked.c.stage, ranked.c.changed_at)
        .where(ranked.c.n == 1)
        .subquery("stage_at_end")
    )
    joined = opportunities.outerjoin(latest, latest.c.opportunity_id == OPP.opportunity_id)
    return (
        select(
            OPP.opportunity_id,
            func.coalesce(latest.c.stage, OPP.stage).label("stage"),
            func.coalesce(latest.c.changed_at, OPP.created_at).label("entered_at"),
            OPP.amount,
            OPP.probability,
            OPP.expected_close,
        )
        .select_from(joined)
        .where(
            OPP.created_at < end,
            or_(OPP.closed_at >= end, and_(OPP.closed_at.is_(None), OPP.outcome.is_(None))),
            client_is(ctx, OPP.client_id),
        )
        .subquery("open_at_end")
    )


def _stage_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Stages from the earliest (lowest average probability) to the latest."""
    if frame.empty:
        return empty(columns)
    frame["stage"] = frame["stage"].fillna(NONE)
    frame["_p"] = numbers(frame["_p"])
    frame = frame.sort_values(["_p", "stage"], na_position="last")
    return frame[columns].reset_index(drop=True)


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, add_months(first, 1) - timedelta(days=1)


def _funnel(ctx: PanelContext) -> pd.DataFrame:
    live = open_opportunities(ctx)
    first, last = _month(ctx.scope.date_to)
    weighted = func.sum(live.c.amount * live.c.probability / 100.0)
    query = (
        select(
            live.c.stage,
            func.count().label("opportunities"),
            func.coalesce(func.sum(live.c.amount), 0.0).label("amount"),
            func.coalesce(weighted, 0.0).label("weighted_amount"),
            func.avg(live.c.probability).label("_p"),
        )
        .where(live.c.expected_close >= first, live.c.expected_close <= last)
        .group_by(live.c.stage)
    )
    frame = ctx.frame(query)
    out = _stage_frame(frame, ["stage", "opportunities", "amount", "weighted_amount"])
    out["opportunities"] = whole(out["opportunities"])
    for column in ("amount", "weighted_amount"):
        out[column] = numbers(out[column])
    return out


def _funnel_opportunities(ctx: PanelContext, row: Mapping, field: str) -> pd.DataFrame:
    """The open opportunities behind a funnel stage, with their stage at the period end."""
    live = open_opportunities(ctx)
    first, last = _month(ctx.scope.date_to)
    query = (
        select(
            OPP.opportunity_id,
            OPP.name,
            OPP.client_id,
            live.c.stage,
            OPP.outcome,
            OPP.reason,
            OPP.amount,
            OPP.probability,
            OPP.expected_close,
            OPP.created_at,
            OPP.closed_at,
        )
        .select_from(live.join(opportunities, OPP.opportunity_id == live.c.opportunity_id))
        .where(
            live.c.expected_close >= first,
            live.c.expected_close <= last,
            key_is(live.c.stage, row.get("stage")),
        )
        .order_by(OPP.expected_close, OPP.opportunity_id)
    )
    frame = ctx.frame(query)
    columns = ["opportunity", "opportunity_id", "client", "stage", "amount", "probability"]
    columns += ["weighted_amount", "expected_close", "created"]
    if frame.empty:
        return empty(columns)
    return opportunity_records(ctx, frame)[columns]


register(
    Panel(
        id="sales_funnel",
        title="Sales funnel this month",
        tab=TAB,
        definition="Opportunities open at the period end whose expected close falls in the "
        "calendar month containing the period's last day, by their stage at the period end: "
        "how many, their amount, and their weighted amount (amount x probability / 100). "
        "Stages run from the lowest average probability to the highest. " + OPEN_WORDS,
        attribution="expected_close in the month of the period's last day; open at the end",
        query=_funnel,
        chart=Chart("bar", "stage", ("amount", "weighted_amount"), ("Amount", "Weighted"), "$"),
        drill_records=_funnel_opportunities,
        drill_fields=("opportunities", "amount", "weighted_amount"),
        drill_label="List opportunities",
    )
)


def _days_in_stage(ctx: PanelContext) -> pd.DataFrame:
    live = open_opportunities(ctx)
    _, end, _ = ctx.bounds
    days = (epoch_of(end) - epoch(live.c.entered_at)) / 86400.0
    query = select(
        live.c.stage,
        func.count().label("opportunities"),
        func.avg(days).label("average_days"),
        func.max(days).label("longest_days"),
        func.avg(live.c.probability).label("_p"),
    ).group_by(live.c.stage)
    frame = ctx.frame(query)
    out = _stage_frame(frame, ["stage", "opportunities", "average_days", "longest_days"])
    out["opportunities"] = whole(out["opportunities"])
    for column in ("average_days", "longest_days"):
        out[column] = numbers(out[column])
    return out


register(
    Panel(
        id="days_in_stage",
        title="Days in the current stage",
        tab=TAB,
        definition="Per stage, over opportunities open at the period end: how many, and the "
        "average and longest time (days, fractional) from entering the stage to the period end. "
        "An opportunity enters its stage at its latest stage change before the period end; one "
        "without stage history at its created_at. " + OPEN_WORDS,
        attribution="the latest stage change before the period end",
        query=_days_in_stage,
        chart=Chart("hbar", "stage", ("average_days",), ("Average days",), "days"),
    )
)


def _coverage(ctx: PanelContext) -> pd.DataFrame:
    live = open_opportunities(ctx)
    settings = ctx.settings.business
    row = ctx.frame(
        select(
            func.count().label("open_opportunities"),
            func.sum(live.c.amount).label("pipeline_amount"),
            func.sum(live.c.amount * live.c.probability / 100.0).label("weighted_pipeline"),
        )
    ).iloc[0]
    _, end, _ = ctx.bounds
    since = midnight(ctx, add_months(ctx.scope.date_to + timedelta(days=1), -3))
    won = ctx.frame(
        select(func.sum(OPP.amount).label("won")).where(
            OPP.outcome == "won",
            OPP.closed_at >= since,
            OPP.closed_at < end,
            client_is(ctx, OPP.client_id),
        )
    ).iloc[0]["won"]
    pipeline = float(numbers([row["pipeline_amount"]]).fillna(0.0)[0])
    if settings.monthly_sales_target is not None:
        target, source = settings.monthly_sales_target, "business.monthly_sales_target"
    else:
        target = float(numbers([won]).fillna(0.0)[0]) / 3
        source = "average won a month over the trailing 3 months"
    coverage = pipeline / target if target > 0 else None
    multiple = settings.pipeline_coverage_target
    return pd.DataFrame(
        {
            "as_of": pd.to_datetime([ctx.scope.date_to]),
            "open_opportunities": whole([row["open_opportunities"]]),
            "pipeline_amount": [pipeline],
            "weighted_pipeline": numbers([row["weighted_pipeline"]]).fillna(0.0),
            "monthly_target": [target],
            "target_source": [source],
            "coverage": pd.Series([coverage], dtype=float),
            "target_multiple": [multiple],
            "required_pipeline": [multiple * target],
            "meets_target": [None if coverage is None else coverage >= multiple],
        }
    )


register(
    Panel(
        id="pipeline_coverage",
        title="Pipeline and coverage",
        tab=TAB,
        definition="Over opportunities open at the period end: the pipeline (sum of amounts), "
        "the weighted pipeline (sum of amount x probability / 100; a missing amount or "
        "probability adds 0) and coverage = pipeline / monthly sales target. The monthly target "
        "is business.monthly_sales_target when set, else the average won a month over the "
        "trailing 3 months: amounts of opportunities won (closed_at) in the 3 calendar months "
        "ending on the period's last day, / 3. Coverage is compared with "
        "business.pipeline_coverage_target (default 4x): required_pipeline = target multiple x "
        "monthly target, meets_target = coverage >= the multiple; coverage is empty when the "
        "monthly target is 0. " + OPEN_WORDS,
        attribution="open at the period end; won in the 3 months ending on its last day",
        query=_coverage,
        chart=Chart(
            "bar",
            "as_of",
            ("pipeline_amount", "weighted_pipeline", "required_pipeline"),
            ("Pipeline", "Weighted pipeline", "Required pipeline"),
            "$",
        ),
    )
)
