"""Business panels about agreements: contracts expiring after the period, and the mix of
contract lengths in force at its end."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import pandas as pd
from sqlalchemy import ColumnElement, and_, case, extract, func, or_, select

from deskmetrics.panels.business_base import (
    NONE,
    TAB,
    client_is,
    client_names,
    day_texts,
    empty,
    key_is,
    named,
    ratio,
    whole,
)
from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.business_tables import agreements

A = agreements.c
HORIZONS = (30, 60, 90)
TERMS = ("longer than 12 months", "12 months or less", "month to month")
UNKNOWN_TERM = "unknown (no start date)"


def _not_cancelled() -> ColumnElement:
    return or_(A.cancelled.is_(None), A.cancelled.is_(False))


def _expiring_agreements(ctx: PanelContext, row: Mapping, field: str) -> pd.DataFrame:
    """The agreements behind a count: that type, ending within the field's horizon."""
    last = ctx.scope.date_to
    horizon = int(field.split("_")[1])
    frame = ctx.frame(
        select(A.agreement_id, A.name, A.client_id, A.type, A.start_date, A.end_date)
        .where(
            _not_cancelled(),
            A.end_date > last,
            A.end_date <= last + timedelta(days=horizon),
            client_is(ctx, A.client_id),
            key_is(A.type, row.get("agreement_type")),
        )
        .order_by(A.end_date, A.agreement_id)
    )
    columns = ["agreement", "agreement_id", "client", "type", "start_date", "end_date"]
    if frame.empty:
        return empty([*columns, "days_left"])
    ends = pd.to_datetime(frame["end_date"])
    return pd.DataFrame(
        {
            "agreement": frame["name"].fillna(frame["agreement_id"]),
            "agreement_id": frame["agreement_id"],
            "client": named(frame["client_id"], client_names(ctx)),
            "type": frame["type"].fillna(NONE),
            "start_date": day_texts(frame["start_date"]),
            "end_date": day_texts(frame["end_date"]),
            "days_left": (ends - pd.Timestamp(last)).dt.days.astype(int),
        }
    )


def _expiring(ctx: PanelContext) -> pd.DataFrame:
    last = ctx.scope.date_to
    ahead = {h: last + timedelta(days=h) for h in HORIZONS}
    query = (
        select(
            A.type,
            *(count_if(A.end_date <= ahead[h]).label(f"within_{h}_days") for h in HORIZONS),
        )
        .where(
            _not_cancelled(),
            A.end_date > last,
            A.end_date <= ahead[HORIZONS[-1]],
            client_is(ctx, A.client_id),
        )
        .group_by(A.type)
    )
    frame = ctx.frame(query)
    columns = ["agreement_type", *(f"within_{h}_days" for h in HORIZONS)]
    if frame.empty:
        return empty(columns)
    frame["agreement_type"] = [NONE if t is None else t for t in frame["type"]]
    for h in HORIZONS:
        frame[f"within_{h}_days"] = whole(frame[f"within_{h}_days"])
    return frame.sort_values("agreement_type")[columns].reset_index(drop=True)


register(
    Panel(
        id="contracts_expiring",
        title="Contracts expiring in 30, 60 and 90 days",
        tab=TAB,
        definition="Agreements that are not cancelled and whose end_date falls within 30, 60 "
        "and 90 days after the period's last day (end_date after that day and at most 30, 60 "
        "or 90 days later; the counts are cumulative, so within_90_days includes the other "
        f"two), by agreement type ({NONE} when empty). Agreements without an end date never "
        "expire; cancelled ones are left out. The Client filter keeps that client's agreements.",
        attribution="end_date against the period's last day",
        query=_expiring,
        chart=Chart(
            "bar",
            "agreement_type",
            tuple(f"within_{h}_days" for h in HORIZONS),
            tuple(f"Within {h} days" for h in HORIZONS),
            "agreements",
        ),
        drill_records=_expiring_agreements,
        drill_fields=tuple(f"within_{h}_days" for h in HORIZONS),
        drill_label="List agreements",
    )
)


def _term() -> ColumnElement:
    months = (extract("year", A.end_date) - extract("year", A.start_date)) * 12 + (
        extract("month", A.end_date) - extract("month", A.start_date)
    )
    longer = or_(
        months > 12,
        and_(months == 12, extract("day", A.end_date) >= extract("day", A.start_date)),
    )
    return case(
        (A.end_date.is_(None), TERMS[2]),
        (A.start_date.is_(None), UNKNOWN_TERM),
        (longer, TERMS[0]),
        else_=TERMS[1],
    )


def _mix(ctx: PanelContext) -> pd.DataFrame:
    last = ctx.scope.date_to
    term = _term()
    query = (
        select(term.label("term"), func.count().label("agreements"))
        .where(
            _not_cancelled(),
            or_(A.start_date.is_(None), A.start_date <= last),
            or_(A.end_date.is_(None), A.end_date >= last),
            client_is(ctx, A.client_id),
        )
        .group_by(term)
    )
    counts = dict(ctx.frame(query).itertuples(index=False, name=None))
    terms = [*TERMS, *([UNKNOWN_TERM] if counts.get(UNKNOWN_TERM) else [])]
    out = pd.DataFrame({"term": terms, "agreements": whole([counts.get(t, 0) for t in terms])})
    out["percent"] = ratio(out["agreements"], [out["agreements"].sum()] * len(out), 100).values
    return out


register(
    Panel(
        id="contract_length_mix",
        title="Contract length mix",
        tab=TAB,
        definition="Agreements in force on the period's last day (not cancelled, started on or "
        "before it, not ended before it) by term: longer than 12 months (the end date is on or "
        "after the start date's first anniversary, e.g. 2024-03-01 to 2025-03-01), 12 months "
        "or less (e.g. 2024-01-21 to 2025-01-20), month to month (no end date); an agreement "
        f"with an end but no start date shows as '{UNKNOWN_TERM}'. Percent of all agreements "
        "in force. The Client filter keeps that client's agreements.",
        attribution="in force on the period's last day",
        query=_mix,
        chart=Chart("bar", "term", ("agreements",), ("Agreements",), "agreements"),
    )
)
