"""Customer Experience panels: survey response rate, comments, NPS and CES (metrics reference
5.2-5.4). Imported by ``customer_experience`` so that they register after the CSAT panels."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
from sqlalchemy import and_, func

from deskmetrics.panels.common import in_bucket as ticket_in_bucket
from deskmetrics.panels.context import PanelContext, count_if, sum_if
from deskmetrics.panels.customer_experience_base import (
    DRILL_WORDS,
    LABEL,
    TAB,
    S,
    as_count,
    client_key,
    csat,
    in_bucket,
    named,
    names,
    of_scale,
    percent,
    responses_tickets,
    survey_buckets,
    survey_rows,
    technician_key,
)
from deskmetrics.panels.model import Chart, Panel, register
from deskmetrics.schema.tables import clients, technicians, tickets


# -- response rate ------------------------------------------------------------------------
def _response_rate(ctx: PanelContext) -> pd.DataFrame:
    responses = survey_buckets(ctx, {"responses": func.count()}, csat(ctx))
    resolved = ctx.by_bucket(ctx.t.ended_at, {"resolved": count_if(ctx.resolved_in_period())})
    out = responses.merge(resolved, on="bucket", how="left")
    out["responses"] = out["responses"].astype(int)
    out["resolved"] = pd.to_numeric(out["resolved"], errors="coerce").fillna(0).astype(int)
    out["response_rate"] = percent(out["responses"], out["resolved"]).values
    return out[["bucket", "responses", "resolved", "response_rate"]]


def _drill_response_rate(ctx, row, field):
    if field == "resolved":  # counted over the scope's tickets, so listed from them too
        bucket = ticket_in_bucket(ctx, ctx.t.ended_at, row["bucket"])
        return and_(ctx.where, bucket, ctx.resolved_in_period())
    return responses_tickets(ctx, and_(csat(ctx), in_bucket(ctx, row["bucket"])))


register(
    Panel(
        id="survey_response_rate",
        title="Survey response rate",
        tab=TAB,
        population="surveys",
        definition="CSAT responses submitted per day (week or month for long periods) divided by "
        "tickets resolved in it, x 100 (like Crewhu's conversion rate; the surveys sent are not "
        "loaded, so this is not responses / sent). A response counts in the period it was "
        "submitted, whenever its ticket was resolved, so a period can exceed 100 %; a ticket "
        "with several responses counts each. Resolved as in Service Quality: resolved (else "
        "closed) in the period, cancelled tickets and tickets resolved before creation left "
        "out." + DRILL_WORDS,
        attribution="submitted_at for responses; resolved_at (else closed_at) for resolved",
        query=_response_rate,
        chart=Chart(
            "bar_line",
            "bucket",
            ("responses", "response_rate"),
            ("CSAT responses", "Response rate %"),
            "responses",
        ),
        drill=_drill_response_rate,
        drill_fields=("responses", "resolved"),
    )
)


# -- comments -----------------------------------------------------------------------------
COMMENT_FIELDS = [
    "submitted",
    "sentiment",
    "rating",
    "scale",
    "comment",
    "ticket_id",
    "ticket_title",
    "client",
    "technician",
]
_ORDER = {"negative": 0, "neutral": 1, "positive": 2}


def _comments(ctx: PanelContext) -> pd.DataFrame:
    has_comment = and_(S.comment.is_not(None), func.trim(S.comment) != "")
    frame = survey_rows(
        ctx,
        {
            "response_id": S.response_id,
            "submitted_at": S.submitted_at,
            "stored": S.sentiment,
            "rating": S.rating,
            "scale": S.scale,
            "comment": S.comment,
            "ticket_id": S.ticket_id,
            "ticket_title": tickets.c.title,
            "client_id": client_key(),
            "tech_id": technician_key(),
        },
        and_(ctx.in_period(S.submitted_at), has_comment),
    )
    if frame.empty:
        return pd.DataFrame(columns=COMMENT_FIELDS)
    frame["_rank"] = frame["stored"].map(_ORDER).fillna(3)
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    frame = frame.sort_values(
        ["_rank", "submitted_at", "response_id"], ascending=[True, False, True]
    )
    local = frame["submitted_at"].dt.tz_localize("UTC").dt.tz_convert(ctx.settings.zone)
    return pd.DataFrame(
        {
            "submitted": local.dt.strftime("%Y-%m-%d %H:%M"),
            "sentiment": frame["stored"].map(LABEL),
            "rating": frame["rating"].astype(float),
            "scale": frame["scale"],
            "comment": frame["comment"],
            "ticket_id": frame["ticket_id"],
            "ticket_title": frame["ticket_title"],
            "client": named(frame["client_id"], names(ctx, clients)),
            "technician": named(frame["tech_id"], names(ctx, technicians)),
        }
    ).reset_index(drop=True)


register(
    Panel(
        id="survey_comments",
        title="Survey comments",
        tab=TAB,
        population="surveys",
        definition="Every survey response submitted in the period with a comment (CSAT, NPS and "
        "effort alike; the scale column tells which): dissatisfied first, then neutral, then "
        "satisfied, newest first within each. Sentiment is the stored one (NPS detractors and "
        "hard-effort answers are dissatisfied). Times are local. Client and technician follow "
        "the response (ticket's client, else the survey's; survey's technician, else the ticket "
        "owner).",
        attribution="submitted_at",
        query=_comments,
        chart=Chart("table", "submitted"),
    )
)


# -- NPS ----------------------------------------------------------------------------------
NPS_GROUPS = (
    ("promoters", lambda r: r >= 9),
    ("passives", lambda r: and_(r >= 7, r < 9)),
    ("detractors", lambda r: r < 7),
)
NPS_FIELDS = ["group", "responses", "percent", "nps", "total"]


def _round_half_away(value: Fraction) -> int:
    whole = int(abs(value) + Fraction(1, 2))
    return whole if value >= 0 else -whole


def _nps(ctx: PanelContext) -> pd.DataFrame:
    measures = {name: count_if(test(S.rating)) for name, test in NPS_GROUPS}
    row = survey_rows(ctx, measures, of_scale(ctx, "nps")).iloc[0]
    n = [as_count(row[name]) for name, _ in NPS_GROUPS]
    total = sum(n)
    if not total:
        return pd.DataFrame(columns=NPS_FIELDS)
    score = _round_half_away(Fraction(100 * (n[0] - n[2]), total))
    return pd.DataFrame(
        {
            "group": [name for name, _ in NPS_GROUPS],
            "responses": n,
            "percent": percent(n, [total] * 3).values,
            "nps": [score] * 3,
            "total": [total] * 3,
        }
    )


register(
    Panel(
        id="nps",
        title="Net Promoter Score",
        tab=TAB,
        population="surveys",
        definition="NPS-scale responses (0-10) submitted in the period: promoters 9-10, passives "
        "7-8, detractors 0-6, each with its percent of all NPS responses. NPS = % promoters - % "
        "detractors, range -100..100, shown as a whole number (rounded half away from zero) "
        "without %. Empty when there is no NPS response." + DRILL_WORDS,
        attribution="submitted_at",
        query=_nps,
        chart=Chart("bar", "group", ("responses",), ("Responses",), "responses"),
        drill=lambda ctx, row, field: responses_tickets(
            ctx, and_(of_scale(ctx, "nps"), dict(NPS_GROUPS)[row["group"]](S.rating))
        ),
        drill_fields=("responses",),
    )
)


# -- CES ----------------------------------------------------------------------------------
def _ces(ctx: PanelContext) -> pd.DataFrame:
    measures = {
        "responses": func.count(),
        "rating_sum": sum_if(S.rating.is_not(None), S.rating),
        "easy": count_if(S.rating >= 5),
        "difficult": count_if(S.rating <= 3),
    }
    out = survey_buckets(ctx, measures, of_scale(ctx, "ces7"))
    responses = out["responses"].astype(int)
    mean = out["rating_sum"].astype(float) / responses.where(responses > 0)
    return pd.DataFrame(
        {
            "bucket": out["bucket"],
            "responses": responses,
            "mean_ces": mean.astype(float),
            "pct_easy": percent(out["easy"], responses).values,
            "pct_difficult": percent(out["difficult"], responses).values,
        }
    )


register(
    Panel(
        id="ces",
        title="Customer effort score",
        tab=TAB,
        population="surveys",
        definition="Effort responses on the 1-7 scale (7 = very easy) submitted per day (week or "
        "month for long periods): responses as bars, the mean score as a line (sum / "
        "responses, higher is easier), % easy (5-7) and % difficult (1-3) of the responses. A "
        "period without responses has no score." + DRILL_WORDS,
        attribution="submitted_at",
        query=_ces,
        chart=Chart(
            "bar_line", "bucket", ("responses", "mean_ces"), ("Responses", "Mean CES"), "responses"
        ),
        drill=lambda ctx, row, field: responses_tickets(
            ctx, and_(of_scale(ctx, "ces7"), in_bucket(ctx, row["bucket"]))
        ),
        drill_fields=("responses",),
    )
)
