"""Business panels: profitability by client, agreement and service, revenue concentration and
pending revenue (metrics reference 6.4 and 6.6)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from sqlalchemy import case, func, select, union_all

from deskmetrics.panels.business_base import (
    CHART_ROWS,
    COST_WORDS,
    ENTRY_WORDS,
    NONE,
    PROJECT_SERVICE,
    TAB,
    agreement_rows,
    client_is,
    client_names,
    dated_in_period,
    day_texts,
    empty,
    key_is,
    labour_entries,
    local_day_texts,
    missing,
    named,
    numbers,
    ratio,
    technician_names,
    zero,
)
from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.business_tables import hard_costs, revenue_lines

RL, HC = revenue_lines.c, hard_costs.c
MEASURES = ["revenue", "hard_costs", "hours", "hours_without_cost_rate", "labour_cost"]
RESULT = [
    "revenue",
    "hard_costs",
    "labour_cost",
    "margin",
    "margin_percent",
    "hours",
    "hours_without_cost_rate",
    "effective_hourly_rate",
]
PROFIT_WORDS = (
    "Revenue = revenue lines dated in the period (line_date), invoiced and pending, credits "
    "(negative lines) included. Hard costs = hard costs dated in the period (cost_date). "
    + COST_WORDS
    + " Margin = revenue - hard costs - labour cost; margin % = margin / revenue x 100, empty "
    "when revenue is 0 or less. Effective hourly rate = (revenue - hard costs) / hours logged "
    "(every hour, costed or not; reference 6.4, the 'minus cost' EHR), empty when no hours. "
    + ENTRY_WORDS
    + " Time with no client (internal work) is left out of profitability. The Client filter "
    "keeps that client's lines, costs and entries."
)


def _service_of_agreements():
    """Each agreement's service: the service of most of its revenue (all dates; ties by name)."""
    totals = (
        select(RL.agreement_id, RL.service, func.sum(RL.amount).label("total"))
        .where(RL.agreement_id.is_not(None), RL.service.is_not(None))
        .group_by(RL.agreement_id, RL.service)
        .subquery("service_totals")
    )
    ranked = select(
        totals.c.agreement_id,
        totals.c.service,
        func.row_number()
        .over(
            partition_by=totals.c.agreement_id,
            order_by=(totals.c.total.desc(), totals.c.service),
        )
        .label("n"),
    ).subquery("service_ranked")
    return (
        select(ranked.c.agreement_id, ranked.c.service)
        .where(ranked.c.n == 1)
        .subquery("agreement_service")
    )


def _rows(ctx: PanelContext, dimension: str) -> pd.DataFrame:
    """The MEASURES per key of ``dimension`` (client_id, agreement_id or service)."""
    entries = labour_entries(ctx)
    source = entries
    if dimension == "service":
        main = _service_of_agreements()
        source = entries.outerjoin(main, main.c.agreement_id == entries.c.agreement_id)
        project = case((entries.c.project_id.is_not(None), PROJECT_SERVICE), else_=None)
        entry_key = func.coalesce(main.c.service, project)
    else:
        entry_key = entries.c[dimension]
    costed = entries.c.hourly_cost.is_not(None)
    parts = [
        select(
            RL[dimension].label("key"),
            RL.amount.label("revenue"),
            *(zero().label(m) for m in MEASURES[1:]),
        ).where(dated_in_period(ctx, RL.line_date), client_is(ctx, RL.client_id)),
        select(
            HC[dimension].label("key"),
            zero().label("revenue"),
            HC.amount.label("hard_costs"),
            *(zero().label(m) for m in MEASURES[2:]),
        ).where(dated_in_period(ctx, HC.cost_date), client_is(ctx, HC.client_id)),
        select(
            entry_key.label("key"),
            zero().label("revenue"),
            zero().label("hard_costs"),
            entries.c.hours.label("hours"),
            case((costed, 0.0), else_=entries.c.hours).label("hours_without_cost_rate"),
            case((costed, entries.c.hours * entries.c.hourly_cost), else_=0.0).label("labour_cost"),
        )
        .select_from(source)
        .where(entries.c.client_id.is_not(None)),
    ]
    rows = union_all(*parts).subquery("money")
    query = select(rows.c.key, *(func.sum(rows.c[m]).label(m) for m in MEASURES)).group_by(
        rows.c.key
    )
    frame = ctx.frame(query)
    for m in MEASURES:
        frame[m] = numbers(frame[m]).fillna(0.0)
    frame["margin"] = frame["revenue"] - frame["hard_costs"] - frame["labour_cost"]
    frame["margin_percent"] = ratio(frame["margin"], frame["revenue"], 100).values
    frame["effective_hourly_rate"] = ratio(
        frame["revenue"] - frame["hard_costs"], frame["hours"]
    ).values
    frame["_none"] = [missing(k) for k in frame["key"]]
    return frame.sort_values(
        ["_none", "revenue", "key"], ascending=[True, False, True], na_position="last"
    ).reset_index(drop=True)


def _by_client(ctx: PanelContext) -> pd.DataFrame:
    frame = _rows(ctx, "client_id")
    if frame.empty:
        return empty(["client", "client_id", *RESULT])
    out = pd.DataFrame(
        {"client": named(frame["key"], client_names(ctx)), "client_id": frame["key"]}
    )
    return pd.concat([out, frame[RESULT]], axis=1)


def _by_agreement(ctx: PanelContext) -> pd.DataFrame:
    frame = _rows(ctx, "agreement_id")
    if frame.empty:
        return empty(["agreement", "agreement_id", "client", *RESULT])
    known, names = agreement_rows(ctx), client_names(ctx)
    label = [
        "(no agreement)" if missing(k) else (known.get(k, (None, None))[0] or k)
        for k in frame["key"]
    ]
    owner = [None if missing(k) else known.get(k, (None, None))[1] for k in frame["key"]]
    out = pd.DataFrame(
        {
            "agreement": label,
            "agreement_id": frame["key"],
            "client": [None if missing(c) else names.get(c) or c for c in owner],
        }
    )
    return pd.concat([out, frame[RESULT]], axis=1)


def _by_service(ctx: PanelContext) -> pd.DataFrame:
    frame = _rows(ctx, "service")
    if frame.empty:
        return empty(["service", *RESULT])
    out = pd.DataFrame({"service": named(frame["key"], {})})
    return pd.concat([out, frame[RESULT]], axis=1)


# -- record drills: the revenue lines, hard costs and time entries behind a row ---------------
def _money_names(ctx: PanelContext, frame: pd.DataFrame) -> tuple[list, list]:
    known, names = agreement_rows(ctx), client_names(ctx)
    agreement = [
        "" if missing(a) else (known.get(a, (None, None))[0] or a) for a in frame["agreement_id"]
    ]
    return named(frame["client_id"], names), agreement


def revenue_line_records(ctx: PanelContext, *where) -> pd.DataFrame:
    """Revenue lines matching ``where``, oldest first: the line, its day, client, agreement,
    service, status and amount."""
    return _money_records(ctx, RL.line_id, RL.line_date, RL.status, "line", where)


def _hard_cost_records(ctx: PanelContext, *where) -> pd.DataFrame:
    return _money_records(ctx, HC.cost_id, HC.cost_date, HC.description, "cost", where)


def _money_records(ctx: PanelContext, key, day, detail, label: str, where) -> pd.DataFrame:
    """Money rows (revenue lines or hard costs) as readable records: the id, its local day,
    client and agreement names, service, one detail column (status or description), amount."""
    table = key.table
    frame = ctx.frame(
        select(
            key.label("key"),
            day.label("day"),
            table.c.client_id,
            table.c.agreement_id,
            table.c.service,
            detail.label("detail"),
            table.c.amount,
        )
        .where(*where)
        .order_by(day, key)
    )
    columns = [label, "date", "client", "agreement", "service", detail.name, "amount"]
    if frame.empty:
        return empty(columns)
    client, agreement = _money_names(ctx, frame)
    return pd.DataFrame(
        {
            label: frame["key"],
            "date": day_texts(frame["day"]),
            "client": client,
            "agreement": agreement,
            "service": frame["service"].fillna(""),
            detail.name: frame["detail"].fillna(""),  # status is never empty
            "amount": numbers(frame["amount"]),
        }
    )


def _time_entry_records(ctx: PanelContext, dimension: str, key) -> pd.DataFrame:
    entries = labour_entries(ctx, detail=True)
    e = entries.c
    frame = ctx.frame(
        select(e.entry_id, e.started_at, e.tech_id, e.client_id, e.agreement_id, e.billable)
        .add_columns(e.hours, e.hourly_cost)
        .where(e.client_id.is_not(None), key_is(e[dimension], key))
        .order_by(e.started_at, e.entry_id)
    )
    columns = ["entry", "date", "technician", "client", "agreement", "billable", "hours"]
    columns += ["hourly_cost", "labour_cost"]
    if frame.empty:
        return empty(columns)
    client, agreement = _money_names(ctx, frame)
    hours, rate = numbers(frame["hours"]), numbers(frame["hourly_cost"])
    return pd.DataFrame(
        {
            "entry": frame["entry_id"],
            "date": local_day_texts(ctx, frame["started_at"]),
            "technician": named(frame["tech_id"], technician_names(ctx)),
            "client": client,
            "agreement": agreement,
            "billable": ["yes" if b else "no" for b in frame["billable"]],
            "hours": hours,
            "hourly_cost": rate,  # empty: no cost rate in force (hours_without_cost_rate)
            "labour_cost": hours * rate,
        }
    )


def _profit_drill(dimension: str):
    """The records behind a profitability row keyed by ``dimension`` (client_id or
    agreement_id): revenue lines, hard costs, or the time entries behind hours and labour."""

    def drill(ctx: PanelContext, row: Mapping, field: str) -> pd.DataFrame:
        key = row.get(dimension)
        if field == "revenue":
            return revenue_line_records(
                ctx,
                dated_in_period(ctx, RL.line_date),
                client_is(ctx, RL.client_id),
                key_is(RL[dimension], key),
            )
        if field == "hard_costs":
            return _hard_cost_records(
                ctx,
                dated_in_period(ctx, HC.cost_date),
                client_is(ctx, HC.client_id),
                key_is(HC[dimension], key),
            )
        return _time_entry_records(ctx, dimension, key)

    return drill


PROFIT_DRILL_FIELDS = ("revenue", "hard_costs", "labour_cost", "hours")
PROFIT_CHART = ("revenue", "margin"), ("Revenue", "Margin")
for _id, _title, _query, _x, _drill, _words in (
    (
        "profitability_by_client",
        "Profitability by client",
        _by_client,
        "client",
        _profit_drill("client_id"),
        f"Rows: clients ({NONE} for lines and costs without a client).",
    ),
    (
        "profitability_by_agreement",
        "Profitability by agreement",
        _by_agreement,
        "agreement",
        _profit_drill("agreement_id"),
        "Rows: agreements, cancelled ones included (their lines and time are real); lines, "
        "costs and entries charged to no agreement share the row (no agreement). T-BUS-1: a "
        "$3,000 month, $700 of tools and 20 hours give an effective hourly rate of $115.",
    ),
    (
        "profitability_by_service",
        "Profitability by service",
        _by_service,
        "service",
        None,
        "Rows: the service named on revenue lines and hard costs. Time follows its agreement "
        "to the service carrying most of that agreement's revenue (all dates; ties by name); "
        f"time on a project charged to no agreement is '{PROJECT_SERVICE}'; other time is "
        f"{NONE}.",
    ),
):
    register(
        Panel(
            id=_id,
            title=_title,
            tab=TAB,
            definition=f"{_words} {PROFIT_WORDS}",
            attribution="line_date for revenue, cost_date for hard costs, started_at (local "
            "day) for time and its cost rate",
            query=_query,
            chart=Chart("bar", _x, *PROFIT_CHART, unit="$", secondary_y=False, limit=CHART_ROWS),
            drill_records=_drill,
            drill_fields=PROFIT_DRILL_FIELDS if _drill else (),
            drill_label="List records" if _drill else "",
        )
    )
