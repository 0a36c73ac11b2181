"""The Dashboard tab's KPIs."""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_

from deskmetrics.metrics.registry import Metric, register
from deskmetrics.schema.contract import CSAT_SCALES


def _ratio(num: str, den: str, scale: float = 1.0):
    def finish(m):
        return None if not m.get(den) else scale * (m.get(num) or 0.0) / m[den]

    return finish


def _avg(total: str, count: str, divisor: float = 1.0):
    def finish(m):
        return None if not m.get(count) else (m.get(total) or 0.0) / m[count] / divisor

    return finish


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _open_at_as_of(scope, c):
    _, _, as_of = scope.naive
    return and_(c["created_at"] <= as_of, or_(c["ended_at"].is_(None), c["ended_at"] > as_of))


register(
    Metric(
        name="open_tickets",
        label="Open Tickets",
        unit="tickets",
        definition=(
            "Tickets created at or before the as-of instant that were not yet resolved, closed or "
            "cancelled at that instant. A ticket ends at its resolved time, else its closed time; a "
            "ticket in a resolved or closed status without either time ends at the last move into "
            "that status, else its last update (flagged in Dashboard Health). A ticket whose status "
            "is not mapped counts by its timestamps alone."
        ),
        attribution="as-of instant (default: the end of the period)",
        frame="tickets",
        measures=lambda scope, c: {"n": _count_if(_open_at_as_of(scope, c))},
        finish=lambda m: m.get("n") or 0.0,
        count_measure="n",
        higher_is_better=False,
    )
)


def _breached_in_period(scope, c):
    start, end, as_of = scope.naive
    at = c["resolution_breach_at"]
    return and_(at >= start, at < end, at <= as_of)


register(
    Metric(
        name="tickets_outside_resolution_sla",
        label="Tickets Outside Resolution SLA",
        unit="tickets",
        definition=(
            "Tickets whose resolution target was missed, counted once, in the period that holds the "
            "breach instant (the moment the business time net of waiting crossed the priority's "
            "target, or the PSA's own resolution due date when it has one), whether the ticket is "
            "still open or not. Breaches after the as-of instant have not happened yet."
        ),
        attribution="resolution breach instant",
        frame="tickets",
        measures=lambda scope, c: {"n": _count_if(_breached_in_period(scope, c))},
        finish=lambda m: m.get("n") or 0.0,
        count_measure="n",
        higher_is_better=False,
    )
)


def _resolved_in_period(scope, c):
    start, end, _ = scope.naive
    return and_(
        c["ended_at"] >= start,
        c["ended_at"] < end,
        c["ended_at"] >= c["created_at"],  # resolved before created: excluded (DQ-04)
        or_(c["close_time_missing"].is_(None), c["close_time_missing"].is_(False)),
    )


def _resolution_measures(column: str):
    def measures(scope, c):
        resolved = _resolved_in_period(scope, c)
        return {
            "total": func.sum(case((resolved, c[column]), else_=None)),
            "n": _count_if(and_(resolved, c[column].is_not(None))),
        }

    return measures


register(
    Metric(
        name="avg_resolution_hours",
        label="Average Resolution Time",
        unit="hours",
        definition=(
            "Mean calendar hours from creation to resolution over tickets resolved in the period "
            "(resolved time, else closed time). Tickets resolved before they were created, and "
            "tickets in a resolved status without a resolved or closed time, are left out."
        ),
        attribution="resolved_at",
        frame="tickets",
        measures=_resolution_measures("resolution_calendar_s"),
        finish=_avg("total", "n", 3600.0),
        count_measure="n",
        higher_is_better=False,
    )
)

register(
    Metric(
        name="avg_resolution_business_hours",
        label="Average Resolution Time (business hours)",
        unit="hours",
        definition=(
            "The same tickets as Average Resolution Time, measured in business hours of the "
            "configured calendar (time zone, working windows, holidays) with the clock paused while "
            "the ticket waited on the customer or a vendor, and while it sat resolved before a "
            "reopen."
        ),
        attribution="resolved_at",
        frame="tickets",
        measures=_resolution_measures("resolution_business_s"),
        finish=_avg("total", "n", 3600.0),
        count_measure="n",
        higher_is_better=False,
    )
)


def _csat_in_period(scope, c):
    start, end, _ = scope.naive
    return and_(c["submitted_at"] >= start, c["submitted_at"] < end, c["scale"].in_(CSAT_SCALES))


def _csat_measures(scope, c):
    in_period = _csat_in_period(scope, c)
    return {
        "satisfied": _count_if(and_(in_period, c["sentiment"] == "positive")),
        "responses": _count_if(in_period),
    }


register(
    Metric(
        name="csat_percent",
        label="Average CSAT Score",
        unit="percent",
        definition=(
            "Satisfied responses divided by all CSAT responses submitted in the period, times 100 "
            "(neutral answers count in the total). Satisfied means SmileBack positive (1), Crewhu "
            "positive (5), or 4-5 stars on a five-point scale. NPS and effort surveys are not CSAT. "
            "Responses follow their ticket's client, board and category; those of cancelled "
            "tickets are left out."
        ),
        attribution="submitted_at",
        frame="surveys",
        period_column="submitted_at",
        measures=_csat_measures,
        finish=_ratio("satisfied", "responses", 100.0),
        count_measure="responses",
        higher_is_better=True,
    )
)

register(
    Metric(
        name="csat_responses",
        label="CSAT Responses",
        unit="responses",
        definition="CSAT responses submitted in the period (the n behind Average CSAT Score).",
        attribution="submitted_at",
        frame="surveys",
        period_column="submitted_at",
        measures=_csat_measures,
        finish=lambda m: m.get("responses") or 0.0,
        count_measure="responses",
        higher_is_better=None,
    )
)


def _attainment_measures(scope, c):
    start, end, as_of = scope.naive
    # an open ticket still running carries only its breach instant; once as-of passes it, the
    # target is decided (missed) even though the stored outcome is still undecided
    decided = func.coalesce(c["resolution_decided_at"], c["resolution_breach_at"])
    in_period = and_(decided >= start, decided < end, decided <= as_of)
    return {
        "met": _count_if(and_(in_period, c["resolution_met"].is_(True))),
        "decided": _count_if(in_period),
    }


register(
    Metric(
        name="resolution_sla_attainment",
        label="Resolution SLA Attainment",
        unit="percent",
        definition=(
            "Resolution targets met divided by resolution targets decided in the period, times "
            "100. A target is decided when it is met (at the resolve) or breached (at the breach "
            "instant, even while the ticket is still open); each ticket counts once, in the "
            "period of its decision. Tickets without a target (no priority) and cancelled "
            "tickets are left out."
        ),
        attribution="SLA decision instant (resolved if met, breach instant if missed)",
        frame="tickets",
        measures=_attainment_measures,
        finish=_ratio("met", "decided", 100.0),
        count_measure="decided",
        higher_is_better=True,
    )
)

DASHBOARD_KPIS = (
    "open_tickets",
    "tickets_outside_resolution_sla",
    "avg_resolution_hours",
    "avg_resolution_business_hours",
    "csat_percent",
    "csat_responses",
    "resolution_sla_attainment",
)


# -- KPIs the weekly reports add (listed on the docs page under "Reports") -------------------
def _created_in_period(scope, c):
    start, end, _ = scope.naive
    return and_(c["created_at"] >= start, c["created_at"] < end)


register(
    Metric(
        name="tickets_created",
        label="Tickets Created",
        unit="tickets",
        definition="Tickets created in the period. Cancelled tickets are left out.",
        attribution="created_at",
        frame="tickets",
        measures=lambda scope, c: {"n": _count_if(_created_in_period(scope, c))},
        finish=lambda m: m.get("n") or 0.0,
        count_measure="n",
        tab="reports",
    )
)

register(
    Metric(
        name="tickets_closed",
        label="Tickets Closed",
        unit="tickets",
        definition=(
            "Tickets resolved in the period (resolved time, else closed time): the tickets behind "
            "Average Resolution Time, so those resolved before they were created, and those in a "
            "resolved status without a resolved or closed time, are left out."
        ),
        attribution="resolved_at (else closed_at)",
        frame="tickets",
        measures=lambda scope, c: {"n": _count_if(_resolved_in_period(scope, c))},
        finish=lambda m: m.get("n") or 0.0,
        count_measure="n",
        tab="reports",
    )
)


def _first_response_measures(scope, c):
    start, end, _ = scope.naive
    answered = and_(
        c["first_response_at"] >= start,
        c["first_response_at"] < end,
        c["response_business_s"].is_not(None),
    )
    return {
        "total": func.sum(case((answered, c["response_business_s"]), else_=None)),
        "n": _count_if(answered),
    }


register(
    Metric(
        name="avg_first_response_business_hours",
        label="Average First Response Time (business hours)",
        unit="hours",
        definition=(
            "Mean business hours from creation to the first response over tickets first answered "
            "in the period, on the configured calendar with the clock paused while the ticket "
            "waited on the customer or a vendor (the Service Quality first-response panel's "
            "average)."
        ),
        attribution="first_response_at",
        frame="tickets",
        measures=_first_response_measures,
        finish=_avg("total", "n", 3600.0),
        count_measure="n",
        higher_is_better=False,
        tab="reports",
    )
)


def _positive_measures(scope, c):
    start, end, _ = scope.naive
    rated = and_(c["submitted_at"] >= start, c["submitted_at"] < end, c["sentiment"].is_not(None))
    return {
        "positive": _count_if(and_(rated, c["sentiment"] == "positive")),
        "responses": _count_if(rated),
    }


register(
    Metric(
        name="positive_interactions_percent",
        label="Positive Interactions",
        unit="percent",
        definition=(
            "Survey responses with positive sentiment divided by all survey responses submitted "
            "in the period, times 100, over every survey kind: CSAT (as in Average CSAT Score), "
            "NPS promoters (9-10) and easy effort scores (5-7 of 7) are positive; neutral "
            "answers count in the total. Responses follow their ticket's client, board and "
            "category; those of cancelled tickets are left out."
        ),
        attribution="submitted_at",
        frame="surveys",
        period_column="submitted_at",
        measures=_positive_measures,
        finish=_ratio("positive", "responses", 100.0),
        count_measure="responses",
        higher_is_better=True,
        tab="reports",
    )
)


def _ai_measures(scope, c):
    created = _created_in_period(scope, c)
    return {
        "flagged": _count_if(and_(created, c["ai_assisted"].is_(True))),
        "known": _count_if(and_(created, c["ai_assisted"].is_not(None))),
        "created": _count_if(created),
    }


register(
    Metric(
        name="ai_assisted_percent",
        label="AI-Assisted Tickets",
        unit="percent",
        definition=(
            "Tickets created in the period that the PSA flagged as AI-assisted (ai_assisted = "
            "true) divided by all tickets created in the period, times 100; a ticket without the "
            "flag counts as not assisted. Empty when no ticket of the period carries the flag "
            "either way (the source does not export it). Cancelled tickets are left out."
        ),
        attribution="created_at",
        frame="tickets",
        measures=_ai_measures,
        finish=lambda m: None if not m.get("known") else _ratio("flagged", "created", 100.0)(m),
        count_measure="created",
        higher_is_better=None,
        tab="reports",
    )
)
