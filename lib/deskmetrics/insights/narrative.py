"""The report's opening paragraph: what changed and why, in 3-5 sentences built from the numbers.

The built-in text is deterministic and works offline. A site may plug in its own summarizer
(for example a language model) through ``insights.summarizer`` ("package.module:function"); it
receives the facts and the built-in text, and if it fails the built-in text is used.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any, Protocol

import pandas as pd

from deskmetrics.config import Settings
from deskmetrics.insights.automation import AutomationImpact
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.insights.sentiment import Sentiment
from deskmetrics.insights.summary import KpiChange, PeriodSummary

log = logging.getLogger(__name__)

# alert severities, most urgent first; unknown words rank with "warning"
SEVERITY_RANK = {"critical": 0, "high": 0, "fail": 0, "warning": 1, "warn": 1, "medium": 1}
SEVERITY_RANK |= {"info": 2, "low": 2, "notice": 2}

register(
    Insight(
        id="narrative",
        title="Narrative summary",
        audience="business_owner",
        definition=(
            "A paragraph of 3-5 sentences generated from the period summary, sentiment, "
            "automation and alerts: volume and backlog, speed and SLA attainment, sentiment and "
            "the most frustrated customer, automation, and the most urgent alert. Counts move by "
            "percent, averages in business hours, rates in points; a change that rounds to zero "
            "is described as holding. insights.summarizer may name a function that rewrites it; "
            "if that function fails the generated paragraph is kept."
        ),
        attribution="as the figures it cites",
    )
)


class Summarizer(Protocol):
    """Rewrites the paragraph: gets the facts (plain JSON-ready data) and the built-in text."""

    def __call__(self, facts: Mapping[str, Any], text: str) -> str: ...


class _Alert(Protocol):
    severity: Any
    message: str


def summarize(
    summary: PeriodSummary,
    sentiment: Sentiment,
    automation: AutomationImpact,
    alerts: Iterable[_Alert] | None = None,
    *,
    settings: Settings | None = None,
    summarizer: Summarizer | str | None = None,
) -> str:
    """The narrative; ``summarizer`` (else ``settings.insights.summarizer``) may rewrite it."""
    alerts = list(alerts or [])
    text = deterministic_text(summary, sentiment, automation, alerts)
    chosen = summarizer or (settings.insights.summarizer if settings else None)
    if not chosen:
        return text
    try:
        rewrite = load_summarizer(chosen) if isinstance(chosen, str) else chosen
        out = rewrite(narrative_facts(summary, sentiment, automation, alerts), text)
        if not isinstance(out, str) or not out.strip():
            raise ValueError("it returned no text")
        return out.strip()
    except Exception as exc:  # any failure of a plug-in must not cost the report its summary
        log.warning("summarizer %r failed (%s); using the built-in narrative", chosen, exc)
        return text


def load_summarizer(spec: str) -> Summarizer:
    """Import "package.module:function"."""
    module, _, attr = spec.partition(":")
    target: Any = importlib.import_module(module)
    for part in attr.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{spec} is not callable")
    return target


def narrative_facts(
    summary: PeriodSummary,
    sentiment: Sentiment,
    automation: AutomationImpact,
    alerts: Iterable[_Alert] | None = None,
) -> dict[str, Any]:
    """Everything the paragraph is built from, as plain data for a summarizer."""
    kpis = [*summary.kpis(), sentiment.positive, automation.auto_resolved, automation.ai_assisted]
    day = lambda d: d.isoformat() if d else None  # noqa: E731
    frustrated = sentiment.frustrated.head(5)
    potential = automation.potential.categories
    return {
        "period": {"from": day(summary.date_from), "to": day(summary.date_to)},
        "previous_period": {"from": day(summary.previous_from), "to": day(summary.previous_to)},
        "kpis": {k.name: asdict(k) for k in kpis},
        "frustrated_customers": [
            {k: _plain(row[k]) for k in ("contact", "client", "reasons", "severity")}
            for _, row in frustrated.iterrows()
        ],
        "frustrated_count": len(sentiment.frustrated),
        "automation_potential": [
            {k: _plain(row[k]) for k in ("category", "subcategory", "tickets", "hours")}
            for _, row in potential.iterrows()
        ],
        "alerts": [
            {"severity": _plain(a.severity), "message": str(a.message)} for a in _ranked(alerts)
        ],
    }


def deterministic_text(
    summary: PeriodSummary,
    sentiment: Sentiment,
    automation: AutomationImpact,
    alerts: Iterable[_Alert] | None = None,
) -> str:
    sentences = [
        _volume(summary),
        _speed(summary),
        _sentiment(sentiment),
        _automation(automation),
        _alerts(_ranked(alerts)),
    ]
    return " ".join(s for s in sentences if s)


# -- sentences ----------------------------------------------------------------------------------
def _volume(s: PeriodSummary) -> str:
    created, closed, backlog = (_count(k.value) for k in (s.created, s.closed, s.backlog))
    if not s.has_previous:
        if not (s.created.value or s.closed.value or s.backlog.value):
            return "No tickets were created or closed, and none are open."
        return (
            f"{_tickets(s.created.value)} created and {closed} closed, leaving {backlog} open; "
            "the previous period has no tickets to compare with."
        )
    net = (s.created.value or 0) - (s.closed.value or 0)
    growth = s.backlog.change or 0
    # "so" only when the flows explain the backlog's move
    joined = "so" if (net > 0) == (growth > 0) and (net < 0) == (growth < 0) else "and"
    return (
        f"Tickets created {_count_move(s.created)} while closures {_count_move(s.closed)}, "
        f"{joined} the backlog {_backlog_move(s.backlog)}."
    )


def _speed(s: PeriodSummary) -> str:
    # a missing previous figure is worth a note only when the previous period had tickets
    note = " (none in the previous period)" if s.has_previous else ""
    first = (
        "no ticket got a first response"
        if s.first_response_hours.value is None
        else f"first response time {_hours_move(s.first_response_hours, note)}"
    )
    resolution = (
        "no ticket was resolved"
        if s.resolution_hours.value is None
        else f"resolution time {_hours_move(s.resolution_hours, note)}"
    )
    text = f"{first[0].upper()}{first[1:]} and {resolution}"
    if s.sla_attainment.value is None:
        return f"{text}; no resolution target fell due."
    return f"{text}; resolution SLA attainment {_rate_move(s.sla_attainment, note)}."


def _sentiment(s: Sentiment) -> str:
    if s.positive.value is None:
        text = "No survey responses came in"
    else:
        text = f"{_pct(s.positive.value)} of survey responses were positive"
        text += _points_note(s.positive)
    n = len(s.frustrated)
    if n == 0:
        return f"{text}, and no customer looks frustrated."
    top = s.frustrated.iloc[0]
    who = f"{top['contact']} of {top['client']}" if top["client"] else str(top["contact"])
    look = "customer looks" if n == 1 else "customers look"
    return f"{text}, and {n} {look} frustrated, led by {who} ({_why(top)})."


def _why(row) -> str:
    reasons = str(row["reasons"])
    counts = (
        ("dissatisfied rating", row["negative_ratings"], "dissatisfied rating"),
        ("negative comment", row["negative_comments"], "negative comment"),
        ("reopens", row["reopens"], "reopen"),
    )
    return ", ".join(
        f"{int(n)} {noun}{'' if n == 1 else 's'}" for reason, n, noun in counts if reason in reasons
    )


def _automation(a: AutomationImpact) -> str:
    parts = []
    if a.auto_resolved.value is not None:
        parts.append(
            f"{_pct(a.auto_resolved.value)} of closed tickets were auto-resolved"
            f"{_points_note(a.auto_resolved)}"
        )
    if a.ai_assisted.value is not None:
        parts.append(
            f"{_pct(a.ai_assisted.value)} of new tickets were AI-assisted"
            f"{_points_note(a.ai_assisted)}"
        )
    text = " and ".join(parts)
    potential = a.potential
    if len(potential.categories):
        top = potential.categories.iloc[0]
        name = " / ".join(x for x in (top["category"], top["subcategory"]) if isinstance(x, str))
        work = f"{_count(potential.tickets)} tickets, {potential.hours:.1f} h"
        ready = (
            f"{name} ({work}) looks ready to automate"
            if len(potential.categories) == 1
            else f"{len(potential.categories)} categories ({work}) look ready to automate, "
            f"led by {name}"
        )
        text = f"{text}; {ready}" if text else ready
    return f"{text[0].upper()}{text[1:]}." if text else ""


def _alerts(alerts: list[_Alert]) -> str:
    urgent = [a for a in alerts if _rank(a)[0] < SEVERITY_RANK["info"]]
    if not alerts:
        return ""
    message = str(alerts[0].message).strip().rstrip(".")
    if not urgent:
        return f"For information: {message}."
    if len(urgent) == 1:
        return f"One alert needs attention: {message}."
    return f"{len(urgent)} alerts need attention, most urgently: {message}."


# -- phrases ------------------------------------------------------------------------------------
def _count_move(k: KpiChange) -> str:
    value = _count(k.value)
    if k.previous is None:
        return f"came to {value} (none in the previous period)"
    if k.previous == 0:
        return f"held at {value}" if not k.value else f"rose from 0 to {value}"
    percent = round(k.change_percent or 0)
    if percent == 0:
        return f"held at {value}"
    return f"{'rose' if percent > 0 else 'fell'} {abs(percent)}% to {value}"


def _backlog_move(k: KpiChange) -> str:
    value = _count(k.value)
    if k.change is None:
        return f"stands at {value}"
    if k.change == 0:
        return f"held at {value}"
    return f"{'grew' if k.change > 0 else 'shrank'} by {_count(abs(k.change))} to {value}"


def _hours_move(k: KpiChange, note: str) -> str:
    value = f"{k.value:.1f} business hours"
    if k.previous is None:
        return f"averaged {value}{note}"
    if round(k.value, 1) == round(k.previous, 1):
        return f"held at {value}"
    faster = k.value < k.previous
    return f"{'improved' if faster else 'slowed'} to {value} from {k.previous:.1f}"


def _rate_move(k: KpiChange, note: str) -> str:
    value = _pct(k.value)
    if k.previous is None:
        return f"was {value}{note}"
    points = round(k.change or 0)
    if points == 0:
        return f"held at {value}"
    return f"{'rose' if points > 0 else 'fell'} {abs(points)} points to {value}"


def _points_note(k: KpiChange) -> str:
    if k.previous is None:
        return ""
    points = round(k.change or 0)
    if points == 0:
        return " (unchanged)"
    return f" ({'up' if points > 0 else 'down'} {abs(points)} points)"


def _tickets(value) -> str:
    n = _count(value)
    return "1 ticket was" if n == "1" else f"{n} tickets were"


def _count(value) -> str:
    return f"{round(value or 0):,}"


def _pct(value) -> str:
    return f"{value:.0f}%"


def _rank(alert) -> tuple[int, float]:
    severity = getattr(alert, "severity", None)
    if isinstance(severity, int | float) and not isinstance(severity, bool):
        return (0, -float(severity))  # a numeric severity: higher is more urgent
    word = str(getattr(severity, "value", severity) or "").casefold()
    return (SEVERITY_RANK.get(word, SEVERITY_RANK["warning"]), 0.0)


def _ranked(alerts: Iterable[_Alert] | None) -> list[_Alert]:
    """Most urgent first (SEVERITY_RANK words, or numbers higher first); ties keep their order."""
    return sorted(alerts or [], key=_rank)


def _plain(value):
    """numpy scalars, missing values and enums to plain JSON-ready values."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return getattr(value, "value", value)
