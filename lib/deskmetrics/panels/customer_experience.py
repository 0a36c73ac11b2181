"""Customer Experience panels: CSAT, survey response rate and comments, NPS and effort
(metrics reference 5).

Every panel reads the scoped survey frame (``deskmetrics.metrics.frames.surveys_frame``):
surveys LEFT JOIN tickets, cancelled tickets' responses left out, client through the ticket (else
the survey's own client), board through the ticket, technician = the survey's technician, else
the ticket owner. Responses count in the period of their submitted_at.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_

from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.customer_experience_base import (
    CSAT_WORDS,
    DRILL_WORDS,
    NONE,
    SENTIMENTS,
    STORED,
    TAB,
    S,
    as_count,
    client_key,
    csat,
    csat_measures,
    in_bucket,
    key_equals,
    named,
    names,
    percent,
    responses_tickets,
    survey_buckets,
    survey_rows,
    technician_key,
    with_rates,
)
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.tables import clients, technicians, tickets


def _distribution(ctx: PanelContext) -> pd.DataFrame:
    counts = survey_rows(ctx, csat_measures(), csat(ctx))
    row = counts.iloc[0] if len(counts) else {}
    total = as_count(row.get("responses"))
    n = [as_count(row.get(label)) for label, _ in SENTIMENTS]
    return pd.DataFrame(
        {
            "sentiment": [label for label, _ in SENTIMENTS],
            "responses": n,
            "percent": percent(n, [total] * len(n)).values,
            "total": [total] * len(n),
        }
    )


register(
    Panel(
        id="csat_distribution",
        title="CSAT responses: satisfied, neutral, dissatisfied",
        tab=TAB,
        population="surveys",
        definition="CSAT responses submitted in the period by sentiment, with each sentiment's "
        "percent of all CSAT responses (the satisfied row's percent is CSAT %). "
        + CSAT_WORDS
        + DRILL_WORDS,
        attribution="submitted_at",
        query=_distribution,
        chart=Chart("bar", "sentiment", ("responses",), ("Responses",), "responses"),
        drill=lambda ctx, row, field: responses_tickets(
            ctx, and_(csat(ctx), S.sentiment == STORED[row["sentiment"]])
        ),
        drill_fields=("responses",),
    )
)


def _trend(ctx: PanelContext) -> pd.DataFrame:
    out = with_rates(survey_buckets(ctx, csat_measures(), csat(ctx)))
    columns = ["bucket", "responses", "satisfied", "neutral", "dissatisfied"]
    return out[[*columns, "csat_percent", "net_csat"]]


def _drill_trend(ctx, row, field):
    condition = and_(csat(ctx), in_bucket(ctx, row["bucket"]))
    if field == "dissatisfied":
        condition = and_(condition, S.sentiment == "negative")
    return responses_tickets(ctx, condition)


register(
    Panel(
        id="csat_trend",
        title="CSAT over time",
        tab=TAB,
        population="surveys",
        definition="CSAT responses submitted per day (week or month for long periods) as bars, "
        "and CSAT % as a line; net CSAT and the counts are in the table. A period without "
        "responses has no CSAT. " + CSAT_WORDS + DRILL_WORDS,
        attribution="submitted_at",
        query=_trend,
        chart=Chart(
            "bar_line",
            "bucket",
            ("responses", "csat_percent"),
            ("Responses", "CSAT %"),
            "responses",
        ),
        drill=_drill_trend,
        drill_fields=("responses", "dissatisfied"),
    )
)

# dimension: (label field, id field or None, table of names or None, words)
_DIMENSIONS = {
    "technician": (
        "technician",
        "tech_id",
        technicians,
        "the technician credited: the survey's own technician, else the ticket owner",
    ),
    "client": ("client", "client_id", clients, "the ticket's client, else the survey's own"),
    "category": ("category", None, None, "the ticket's category"),
}


def _key(dim: str):
    if dim == "technician":
        return technician_key()
    return client_key() if dim == "client" else tickets.c.category


def _by(dim: str):
    label, id_field, table, _ = _DIMENSIONS[dim]

    def query(ctx: PanelContext) -> pd.DataFrame:
        key = _key(dim)
        frame = survey_rows(ctx, {"key": key, **csat_measures()}, csat(ctx), group_by=(key,))
        frame = with_rates(frame, bound=True)
        lookup = names(ctx, table) if table is not None else {}
        frame.insert(0, label, named(frame["key"], lookup))
        if id_field:
            frame.insert(1, id_field, frame["key"])
        frame["_none"] = frame["key"].isna()
        frame = frame.sort_values(
            ["_none", "csat_percent", "responses", label],
            ascending=[True, False, False, True],
            na_position="last",
        )
        return frame.drop(columns=["key", "_none"]).reset_index(drop=True)

    def drill(ctx, row, field):
        value = row.get(id_field) if id_field else row.get(label)
        condition = and_(csat(ctx), key_equals(_key(dim), value))
        if field == "dissatisfied":
            condition = and_(condition, S.sentiment == "negative")
        return responses_tickets(ctx, condition)

    return query, drill


for _dim, (_label, _id, _table, _words) in _DIMENSIONS.items():
    _q, _d = _by(_dim)
    register(
        Panel(
            id=f"csat_by_{_dim}",
            title=f"CSAT by {_dim}",
            tab=TAB,
            population="surveys",
            definition=f"CSAT responses submitted in the period by {_words} ({NONE} when there is "
            "none), with CSAT %, net CSAT and the Wilson 95 % lower bound of CSAT % "
            "(csat_lower_bound: small samples rank low). Sorted by CSAT %, then responses. "
            + CSAT_WORDS
            + DRILL_WORDS,
            attribution="submitted_at",
            query=_q,
            chart=Chart("hbar", _label, ("csat_percent",), ("CSAT %",), "percent"),
            drill=_d,
            drill_fields=("responses", "dissatisfied"),
        )
    )

# registers the remaining panels of the tab (response rate, comments, NPS, CES)
from deskmetrics.panels import customer_experience_surveys  # noqa: E402, F401
