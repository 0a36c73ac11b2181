"""Shared pieces of the Customer Experience panels: the survey frame, CSAT counts and rates,
survey time buckets, and drill-down from responses to their tickets (metrics reference 5)."""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import ColumnElement, and_, func, select

from deskmetrics.metrics.frames import surveys_frame
from deskmetrics.panels.context import PanelContext, count_if
from deskmetrics.schema.contract import CSAT_SCALES
from deskmetrics.schema.tables import surveys, technicians, tickets

TAB = "customer_experience"
S = surveys.c
NONE = "(none)"

# (label shown, stored sentiment), in display order
SENTIMENTS = (("satisfied", "positive"), ("neutral", "neutral"), ("dissatisfied", "negative"))
STORED = dict(SENTIMENTS)
LABEL = {stored: label for label, stored in SENTIMENTS}

CSAT_WORDS = (
    "CSAT % = satisfied / all CSAT responses x 100 (neutral answers count in the total; "
    "Simplesat/HubSpot style). Net CSAT = (satisfied - dissatisfied) / all x 100, range -100..100 "
    "(Crewhu/SmileBack style, labelled net, not %). Satisfied / neutral / dissatisfied are the "
    "stored sentiments: SmileBack 1 / 0 / -1, Crewhu 5 / 0 / -5, stars 4-5 / 3 / 1-2. NPS and "
    "effort surveys are not CSAT. Responses follow their ticket's client, board and technician "
    "(the survey's own technician first, else the ticket owner; the survey's own client when it "
    "has no ticket); those of cancelled tickets are left out."
)
DRILL_WORDS = (
    " Drill-down lists each ticket behind the responses once; a response without a ticket has "
    "nothing to list."
)


def technician_key() -> ColumnElement:
    """The technician a response credits: its own technician, else the ticket's owner."""
    return func.coalesce(S.tech_id, tickets.c.owner_tech_id)


def client_key() -> ColumnElement:
    """The client of a response: its ticket's client, else the survey's own client."""
    return func.coalesce(tickets.c.client_id, S.client_id)


def csat(ctx: PanelContext) -> ColumnElement:
    """CSAT-scale responses submitted in the period."""
    return and_(ctx.in_period(S.submitted_at), S.scale.in_(CSAT_SCALES))


def of_scale(ctx: PanelContext, scale: str) -> ColumnElement:
    return and_(ctx.in_period(S.submitted_at), S.scale == scale)


def in_bucket(ctx: PanelContext, label) -> ColumnElement:
    lo, hi = ctx.bucket_bounds(label)
    return and_(S.submitted_at >= lo, S.submitted_at < hi)


def survey_rows(ctx: PanelContext, columns: dict, condition, group_by=()) -> pd.DataFrame:
    """Select ``columns`` from the scoped survey frame (surveys LEFT JOIN tickets)."""
    joined, where, _ = surveys_frame(ctx.scope)
    query = (
        select(*(c.label(k) for k, c in columns.items()))
        .select_from(joined)
        .where(and_(where, condition))
    )
    if group_by:
        query = query.group_by(*group_by)
    return ctx.frame(query)


def survey_buckets(ctx: PanelContext, measures: dict, condition) -> pd.DataFrame:
    """``measures`` per time bucket of submitted_at; every bucket present, empty ones 0."""
    joined, where, _ = surveys_frame(ctx.scope)
    b = ctx.bucket_table()
    source = joined.join(b, and_(S.submitted_at >= b.c.b_start, S.submitted_at < b.c.b_end))
    query = (
        select(b.c.bucket, *(m.label(k) for k, m in measures.items()))
        .select_from(source)
        .where(and_(where, condition))
        .group_by(b.c.bucket)
    )
    out = ctx.dense(ctx.frame(query), list(measures))
    for k in measures:
        out[k] = pd.to_numeric(out[k], errors="coerce").fillna(0)
    return out


def responses_tickets(ctx: PanelContext, condition) -> ColumnElement:
    """Drill condition on ``tickets``: the tickets of the scoped responses meeting condition."""
    joined, where, _ = surveys_frame(ctx.scope)
    inner = (
        select(S.ticket_id)
        .select_from(joined)
        .where(and_(where, condition, S.ticket_id.is_not(None)))
        .correlate(None)
    )
    return tickets.c.ticket_id.in_(inner)


def csat_measures() -> dict[str, ColumnElement]:
    return {
        "responses": func.count(),
        "satisfied": count_if(S.sentiment == "positive"),
        "neutral": count_if(S.sentiment == "neutral"),
        "dissatisfied": count_if(S.sentiment == "negative"),
    }


def as_count(value) -> int:
    """A SQL count or sum as int; NULL (SUM over no rows) is 0."""
    number = pd.to_numeric(value, errors="coerce")
    return 0 if number is None or pd.isna(number) else int(number)


def percent(part, whole) -> pd.Series:
    """part / whole x 100, missing where whole is 0."""
    part = pd.to_numeric(pd.Series(part), errors="coerce").astype(float)
    whole = pd.to_numeric(pd.Series(whole), errors="coerce").astype(float)
    return (part / whole.where(whole > 0) * 100).astype(float)


def wilson_lower(k: float, n: float, z: float = 1.96) -> float | None:
    """Wilson 95 % lower bound of a proportion k / n, in percent (metrics reference 5.2)."""
    if not n:
        return None
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n) * 100


def with_rates(frame: pd.DataFrame, bound: bool = False) -> pd.DataFrame:
    """Integer counts plus csat_percent and net_csat (and the Wilson bound when asked)."""
    out = frame.copy()
    counts = ["responses", "satisfied", "neutral", "dissatisfied"]
    out[counts] = out[counts].apply(pd.to_numeric, errors="coerce").fillna(0).astype(int)
    out["csat_percent"] = percent(out["satisfied"], out["responses"]).values
    out["net_csat"] = percent(out["satisfied"] - out["dissatisfied"], out["responses"]).values
    if bound:
        out["csat_lower_bound"] = [
            wilson_lower(k, n) for k, n in zip(out["satisfied"], out["responses"], strict=True)
        ]
        out["csat_lower_bound"] = out["csat_lower_bound"].astype(float)
    return out


def names(ctx: PanelContext, table) -> dict:
    key = table.c.tech_id if table is technicians else table.c.client_id
    return dict(ctx.conn.execute(select(key, table.c.name)).all())


def named(ids: pd.Series, lookup: dict) -> list[str]:
    """Display names for ids: the name, else the id, else "(none)"."""
    out = []
    for i in ids:
        missing = i is None or (isinstance(i, float) and pd.isna(i))
        out.append(NONE if missing else (lookup.get(i) or i))
    return out


def key_equals(column, value) -> ColumnElement:
    """Drill condition for a grouped key; a missing key (or "(none)") matches NULL."""
    if value is None or value == NONE or (isinstance(value, float) and pd.isna(value)):
        return column.is_(None)
    return column == value
