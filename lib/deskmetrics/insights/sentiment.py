"""Customer sentiment for the Business Owner report: how many interactions were positive, and
which contacts look frustrated and why.

Sentiment is the stored survey column (schema.sentiment), so a "dissatisfied rating" here is
the same negative answer the CSAT KPIs count. Reopens come from the stored per-ticket
``reopen_count`` fact, which is not dated: a contact's reopens are those of their tickets that
were open at some time in the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, and_, case, func, or_, select

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.insights.summary import KpiChange, compare_metrics
from deskmetrics.metrics.frames import surveys_frame, tickets_frame
from deskmetrics.metrics.scope import Scope
from deskmetrics.schema.tables import clients, contacts

FRUSTRATED_COLUMNS = (
    "contact_id",
    "contact",
    "client_id",
    "client",
    "reasons",
    "negative_ratings",
    "negative_comments",
    "reopens",
    "severity",
    "latest_date",
    "latest_comment",
)
REASON_RATING, REASON_COMMENT, REASON_REOPENS = (
    "dissatisfied rating",
    "negative comment",
    "reopens",
)

register(
    Insight(
        id="positive_interactions",
        title="Positive interactions",
        audience="business_owner",
        definition=(
            "The Positive Interactions KPI (positive_interactions_percent) for the period and "
            "the previous period: survey responses of any kind with positive sentiment divided "
            "by all responses, with the change in points."
        ),
        attribution="submitted_at",
    )
)
register(
    Insight(
        id="frustrated_customers",
        title="Frustrated customers",
        audience="business_owner",
        definition=(
            "Contacts who, in the period, gave a dissatisfied rating (a survey response with "
            "negative sentiment: 1-2 stars, SmileBack or Crewhu negative, NPS 0-6, effort 1-3), "
            "left a negative comment (a negative response with a non-blank comment), or had at "
            "least insights.frustrated_reopens reopens (default 2) summed over their tickets "
            "that were open at some time in the period (created before its end, not resolved "
            "before its start). A response belongs to the contact of its ticket; responses "
            "without a ticket name no contact and are left out. One row per contact with the "
            "client, the reasons, the counts, severity = negative ratings + negative comments + "
            "reopens, the latest date (the latest negative response, or the last update of a "
            "reopened ticket, capped at the period's end; local day) and the latest negative "
            "comment. Sorted by severity, then the latest date (newest first). Cancelled "
            "tickets and their responses are left out; the client filter applies."
        ),
        attribution="submitted_at for responses; tickets open in the period for reopens",
    )
)


@dataclass(frozen=True)
class Sentiment:
    positive: KpiChange  # positive_interactions_percent, this period and the previous
    frustrated: pd.DataFrame  # FRUSTRATED_COLUMNS, most severe first


def customer_sentiment(conn: Connection, settings: Settings, scope: Scope) -> Sentiment:
    positive = compare_metrics(conn, ["positive_interactions_percent"], scope)
    return Sentiment(
        positive["positive_interactions_percent"], frustrated_customers(conn, settings, scope)
    )


def frustrated_customers(conn: Connection, settings: Settings, scope: Scope) -> pd.DataFrame:
    """One row per frustrated contact (see the ``frustrated_customers`` definition)."""
    ratings = _negative_responses(conn, scope)
    reopens = _reopens(conn, scope)
    merged = ratings.merge(reopens, on="contact_id", how="outer", suffixes=("", "_t"))
    if merged.empty:
        return pd.DataFrame(columns=FRUSTRATED_COLUMNS)
    merged["client_id"] = merged["client_id"].fillna(merged.pop("client_id_t"))
    counts = ["negative_ratings", "negative_comments", "reopens"]
    merged[counts] = merged[counts].fillna(0).astype(int)
    threshold = settings.insights.frustrated_reopens
    merged = merged[(merged["negative_ratings"] > 0) | (merged["reopens"] >= threshold)].copy()
    if merged.empty:
        return pd.DataFrame(columns=FRUSTRATED_COLUMNS)
    merged["reasons"] = [
        ", ".join(
            reason
            for reason, present in (
                (REASON_RATING, row.negative_ratings > 0),
                (REASON_COMMENT, row.negative_comments > 0),
                (REASON_REOPENS, row.reopens >= threshold),
            )
            if present
        )
        for row in merged.itertuples()
    ]
    merged["severity"] = merged[counts].sum(axis=1)
    latest = _latest(merged, scope, settings)
    merged["latest_date"] = latest.dt.tz_convert(settings.zone).dt.date
    merged = _with_names(conn, merged)
    merged = merged.assign(_latest=latest).sort_values(
        ["severity", "_latest", "contact_id"], ascending=[False, False, True]
    )
    out = merged[list(FRUSTRATED_COLUMNS)].reset_index(drop=True)
    text = ["client_id", "client", "latest_comment"]
    out[text] = out[text].astype(object).where(out[text].notna(), None)
    return out


def _negative_responses(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per contact: negative responses, those with a comment, the latest one and its comment."""
    source, where, c = surveys_frame(scope)
    start, end, _ = scope.naive
    negative = and_(
        c["submitted_at"] >= start,
        c["submitted_at"] < end,
        c["sentiment"] == "negative",
        c["ticket_contact_id"].is_not(None),
    )
    commented = and_(c["comment"].is_not(None), func.trim(c["comment"]) != "")
    query = (
        select(
            c["ticket_contact_id"].label("contact_id"),
            c["submitted_at"],
            func.coalesce(c["ticket_client_id"], c["client_id"]).label("client_id"),
            case((commented, c["comment"]), else_=None).label("comment"),
        )
        .select_from(source)
        .where(and_(where, negative))
    )
    rows = _frame(conn, query)
    columns = ["contact_id", "client_id", "negative_ratings", "negative_comments"]
    if rows.empty:
        return pd.DataFrame(columns=[*columns, "rated_at", "latest_comment"])
    rows = rows.sort_values(["contact_id", "submitted_at"])
    grouped = rows.groupby("contact_id", sort=False)
    out = grouped.agg(
        client_id=("client_id", "last"),
        negative_ratings=("submitted_at", "size"),
        negative_comments=("comment", "count"),
        rated_at=("submitted_at", "max"),
    )
    out["latest_comment"] = rows.dropna(subset=["comment"]).groupby("contact_id")["comment"].last()
    return out.reset_index()


def _reopens(conn: Connection, scope: Scope) -> pd.DataFrame:
    """Per contact: reopens of their tickets open in the period, and those tickets' last update."""
    source, where, c = tickets_frame(scope)
    start, end, _ = scope.naive
    open_in_period = and_(
        c["created_at"] < end,
        or_(c["ended_at"].is_(None), c["ended_at"] >= start),
        c["contact_id"].is_not(None),
        c["reopen_count"] > 0,
    )
    touched = func.coalesce(c["updated_at"], c["ended_at"], c["created_at"])
    query = (
        select(
            c["contact_id"],
            func.max(c["client_id"]).label("client_id"),
            func.sum(c["reopen_count"]).label("reopens"),
            func.max(touched).label("reopened_at"),
        )
        .select_from(source)
        .where(and_(where, open_in_period))
        .group_by(c["contact_id"])
    )
    return _frame(conn, query)


def _latest(merged: pd.DataFrame, scope: Scope, settings: Settings) -> pd.Series:
    """The latest negative response, else the reopened tickets' last update (capped), as UTC."""
    threshold = settings.insights.frustrated_reopens
    cap = pd.Timestamp(scope.end) - pd.Timedelta(microseconds=1)
    rated = _utc(merged["rated_at"])
    reopened = _utc(merged["reopened_at"]).clip(upper=cap)
    reopened = reopened.where(merged["reopens"] >= threshold)
    return pd.concat([rated, reopened], axis=1).max(axis=1)


def _with_names(conn: Connection, merged: pd.DataFrame) -> pd.DataFrame:
    people = dict(
        conn.execute(
            select(contacts.c.contact_id, contacts.c.name).where(
                contacts.c.contact_id.in_(merged["contact_id"].tolist())
            )
        ).all()
    )
    firms = dict(
        conn.execute(
            select(clients.c.client_id, clients.c.name).where(
                clients.c.client_id.in_(merged["client_id"].dropna().tolist())
            )
        ).all()
    )
    return merged.assign(
        contact=merged["contact_id"].map(lambda i: people.get(i) or i),
        client=merged["client_id"].map(lambda i: firms.get(i) or i),
    )


def _utc(values: pd.Series) -> pd.Series:
    # warehouse instants are naive UTC; an all-missing column arrives as objects
    parsed = pd.to_datetime(values)
    return parsed.dt.tz_localize("UTC") if parsed.dt.tz is None else parsed


def _frame(conn: Connection, query) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


__all__ = [
    "FRUSTRATED_COLUMNS",
    "Sentiment",
    "customer_sentiment",
    "frustrated_customers",
]
