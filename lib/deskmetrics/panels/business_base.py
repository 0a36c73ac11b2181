"""Shared pieces of the Business panels: local days as instants, the client filter, names, and
time entries priced at the hourly cost in force on their local day (metrics reference 6.3-6.6).

Dates without a time (line_date, cost_date, end_date, ...) are local calendar days compared
with the period's days; instants (started_at, discovered_at, closed_at, ...) are naive UTC
compared with the period's bounds. Only aggregates, and small lookups such as client names,
leave the warehouse.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Double,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)

from deskmetrics.panels.context import PanelContext
from deskmetrics.schema.business_tables import agreements, cost_rates
from deskmetrics.schema.tables import clients, technicians, tickets, time_entries

TAB = "business"
NONE = "(none)"
CHART_ROWS = 25  # rows drawn in the per-client and per-agreement charts (tables keep all)
PROJECT_SERVICE = "Project"  # the service of project time charged to no agreement
TE = time_entries.c

ENTRY_WORDS = (
    "A time entry counts in the period of its started_at (entries without one count nowhere); "
    "its client is its own client_id, else its ticket's client; its agreement is its "
    "agreement_id. Time on cancelled tickets still counts: the hours were worked."
)
COST_WORDS = (
    "Labour cost = each entry's hours x the hourly cost in force on the entry's local day: the "
    "technician's own latest cost rate on or before that day, else the latest rate of the "
    "technician's (current) role. Hours with neither rate are not costed at 0: they are "
    "reported as hours_without_cost_rate, and the row's labour cost and margin leave them out. "
    "No work-type cost multiplier is applied."
)


# -- days and instants ----------------------------------------------------------------------
def midnight(ctx: PanelContext, day: date) -> datetime:
    """Naive UTC instant of local midnight starting ``day`` in the settings' time zone."""
    local = datetime.combine(day, time(), ctx.settings.zone)
    return pd.Timestamp(local).tz_convert("UTC").tz_localize(None).to_pydatetime()


def dated_in_period(ctx: PanelContext, column) -> ColumnElement:
    """A local-date column within the period's days (both ends included)."""
    return and_(column >= ctx.scope.date_from, column <= ctx.scope.date_to)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (earlier when negative), clamped to the
    month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def epoch(column) -> ColumnElement:
    return func.extract("epoch", column)


def epoch_of(instant: datetime) -> float:
    return pd.Timestamp(instant).tz_localize("UTC").timestamp()


# -- filters and names ----------------------------------------------------------------------
def client_is(ctx: PanelContext, column) -> ColumnElement:
    """The Client filter on a client column (true when no client is chosen)."""
    return column == ctx.scope.client if ctx.scope.client else true()


def lookup(ctx: PanelContext, key, name) -> dict:
    return {k: v for k, v in ctx.conn.execute(select(key, name)).all()}


def client_names(ctx: PanelContext) -> dict:
    return lookup(ctx, clients.c.client_id, clients.c.name)


def technician_names(ctx: PanelContext) -> dict:
    return lookup(ctx, technicians.c.tech_id, technicians.c.name)


def agreement_rows(ctx: PanelContext) -> dict:
    """agreement_id -> (name, client_id)."""
    a = agreements.c
    return {
        r[0]: (r[1], r[2]) for r in ctx.conn.execute(select(a.agreement_id, a.name, a.client_id))
    }


def named(ids, names: dict, none: str = NONE) -> list[str]:
    """Display names for ids: the name, else the id, else ``none``."""
    return [none if missing(i) else (names.get(i) or i) for i in ids]


def missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


# -- record drills: the records behind a panel row -------------------------------------------
def key_is(column, value) -> ColumnElement:
    """A row's key on a column: equal to it, or empty when the row is the (none) row."""
    return column.is_(None) if missing(value) or value == NONE else column == value


def day_texts(values) -> list[str]:
    """Local days (dates) as YYYY-MM-DD, empty when missing."""
    return list(as_dates(values).dt.strftime("%Y-%m-%d").fillna(""))


def opportunity_records(ctx: PanelContext, frame: pd.DataFrame) -> pd.DataFrame:
    """Opportunities (opportunity_id, name, client_id, stage, outcome, reason, amount,
    probability, expected_close, created_at, closed_at) as readable records."""
    amount, probability = numbers(frame["amount"]), numbers(frame["probability"])
    return pd.DataFrame(
        {
            "opportunity": frame["name"].fillna(frame["opportunity_id"]),
            "opportunity_id": frame["opportunity_id"],
            "client": named(frame["client_id"], client_names(ctx), "(prospect)"),
            "stage": frame["stage"].fillna(NONE),
            "outcome": frame["outcome"].fillna(""),
            "reason": frame["reason"].fillna(""),
            "amount": amount,
            "probability": probability,
            "weighted_amount": amount * probability / 100.0,
            "expected_close": day_texts(frame["expected_close"]),
            "created": local_day_texts(ctx, frame["created_at"]),
            "closed": local_day_texts(ctx, frame["closed_at"]),
        }
    )


def local_day_texts(ctx: PanelContext, instants) -> list[str]:
    """Naive UTC instants as their local day, YYYY-MM-DD, empty when missing."""
    utc = pd.to_datetime(pd.Series(list(instants), dtype=object), errors="coerce")
    local = utc.dt.tz_localize("UTC").dt.tz_convert(str(ctx.settings.zone))
    return list(local.dt.strftime("%Y-%m-%d").fillna(""))


# -- numbers --------------------------------------------------------------------------------
def numbers(values) -> pd.Series:
    """Floats from SQL results (Decimal from PostgreSQL, None for NULL)."""
    # one vectorised conversion: a per-value loop cost ~30 ms a panel at 10,000 rows
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype(float)


def whole(values) -> pd.Series:
    return numbers(values).fillna(0).astype(int)


def ratio(part, whole_, scale: float = 1.0, positive: bool = True) -> pd.Series:
    """part / whole x scale; missing where the whole is 0 (or not above 0 when ``positive``)."""
    part, whole_ = numbers(part), numbers(whole_)
    valid = whole_ > 0 if positive else whole_ != 0
    return (part / whole_.where(valid) * scale).astype(float)


def as_dates(values) -> pd.Series:
    """Local days as datetime64 (CSV and JSON print them as YYYY-MM-DD)."""
    return pd.to_datetime(pd.Series(list(values), dtype=object), errors="coerce")


def empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def zero() -> ColumnElement:
    return cast(literal(0.0), Double)


# -- labour: time entries priced at the rate in force -----------------------------------------
def _rate_ranges(ctx: PanelContext, name: str):
    """Cost rates as [rate_from, rate_until) instants per subject, or None when there are none.

    A rate takes effect at local midnight of its effective_from day and lasts until the same
    subject's next rate: a time entry's rate is the one whose range holds its started_at.
    """
    r = cost_rates.c
    days = [d for (d,) in ctx.conn.execute(select(r.effective_from).distinct()).all()]
    if not days:
        return None
    start = case(
        *[(r.effective_from == d, literal(midnight(ctx, d), DateTime)) for d in days],
        else_=null(),
    )
    until = func.lead(start).over(partition_by=(r.subject, r.subject_id), order_by=r.effective_from)
    return select(
        r.subject,
        r.subject_id,
        r.hourly_cost,
        start.label("rate_from"),
        until.label("rate_until"),
    ).subquery(name)


def _in_range(rates, subject: str, subject_id, instant) -> ColumnElement:
    return and_(
        rates.c.subject == subject,
        rates.c.subject_id == subject_id,
        rates.c.rate_from <= instant,
        or_(rates.c.rate_until.is_(None), instant < rates.c.rate_until),
    )


def labour_entries(
    ctx: PanelContext,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    detail: bool = False,
):
    """Time entries started in [start, end) (default: the period), with their client, hours
    (0 when missing) and hourly cost (NULL when no rate is in force), Client filter applied;
    ``detail`` adds each entry's entry_id and started_at (for drill-downs).

    Entries that name their client are read without the tickets join, which at a million
    tickets cost most of the Business tab's time; only the others look their ticket up."""
    lo, hi, _ = ctx.bounds
    lo, hi = start or lo, end or hi
    own, role = _rate_ranges(ctx, "own_rate"), _rate_ranges(ctx, "role_rate")
    with_client = _labour_select(ctx, own, role, TE.client_id, time_entries, detail).where(
        TE.client_id.is_not(None)
    )
    via_ticket = _labour_select(
        ctx,
        own,
        role,
        tickets.c.client_id,
        time_entries.outerjoin(tickets, tickets.c.ticket_id == TE.ticket_id),
        detail,
    ).where(TE.client_id.is_(None))
    period = (TE.started_at >= lo, TE.started_at < hi)
    return union_all(with_client.where(*period), via_ticket.where(*period)).subquery("labour")


def _labour_select(ctx: PanelContext, own, role, client, source, detail: bool) -> Select:
    joined = source.outerjoin(technicians, technicians.c.tech_id == TE.tech_id)
    if own is not None and role is not None:
        joined = joined.outerjoin(own, _in_range(own, "technician", TE.tech_id, TE.started_at))
        joined = joined.outerjoin(role, _in_range(role, "role", technicians.c.role, TE.started_at))
        rate = func.coalesce(own.c.hourly_cost, role.c.hourly_cost)
    else:
        rate = cast(null(), Double)
    return (
        select(
            client.label("client_id"),
            TE.agreement_id,
            TE.project_id,
            TE.tech_id,
            case((TE.billable.is_(True), 1), else_=0).label("billable"),
            func.coalesce(TE.hours, 0.0).label("hours"),
            rate.label("hourly_cost"),
            *((TE.entry_id, TE.started_at) if detail else ()),
        )
        .select_from(joined)
        .where(client_is(ctx, client))
    )
