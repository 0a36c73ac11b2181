"""Recommendations for the weekly reports: fixed rules over the alerts and recurring issues,
each citing the numbers that triggered it, so a reader can check why it is there."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from deskmetrics.config import Settings
from deskmetrics.insights.alerts import Alert
from deskmetrics.insights.definitions import Insight, register

MAX_RECURRING = 3  # knowledge-base suggestions per report; more would bury the rest
MAX_AUTOMATION = 2  # automation suggestions per report


@dataclass(frozen=True)
class Recommendation:
    title: str
    detail: str
    cites: dict = field(default_factory=dict)  # the numbers behind it, by name


def recommendations(
    alerts: Sequence[Alert],
    recurring: pd.DataFrame | None,
    automation: object | None = None,
    summary: object | None = None,
    *,
    settings: Settings | None = None,
    period_label: str = "this week",
) -> list[Recommendation]:
    """Critical and warning alerts first (in the alerts' order), then recurring issues, then
    automation potential, then information-only alerts.

    ``automation`` is an ``insights.automation.AutomationImpact`` (only its
    ``potential.categories`` frame is read); ``summary`` is accepted so the reports can pass
    everything in one call, but no rule reads it: the alerts already grade its backlog and SLA.
    """
    del summary
    settings = settings or Settings()
    recurring = recurring if recurring is not None else pd.DataFrame()
    urgent = [a for a in alerts if a.severity != "info"]
    out = [_for_alert(a, recurring, period_label) for a in urgent]
    out += _for_recurring(recurring, settings, period_label)
    out += _for_automation(automation, period_label)
    out += [_for_alert(a, recurring, period_label) for a in alerts if a.severity == "info"]
    return out


def _for_alert(alert: Alert, recurring: pd.DataFrame, period: str) -> Recommendation:
    title, detail = _RULES[alert.kind](alert.numbers, recurring, period)
    cites = {"alert": alert.kind, "severity": alert.severity, **alert.numbers}
    if alert.kind == "volume_spike" and len(recurring):
        top = recurring.iloc[0]
        cites.update(top_issue=top["issue"], top_issue_category=top["category"])
        cites["top_issue_tickets"] = int(top["tickets"])
    return Recommendation(title, detail, cites)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _volume(n: dict, recurring: pd.DataFrame, period: str) -> tuple[str, str]:
    detail = (
        f"{_plural(n['tickets'], 'ticket')} created {period}, {n['increase_pct']:.0f}% above the "
        f"baseline of {n['baseline']:.1f}: check for an outage, a change or one client behind it."
    )
    if len(recurring):
        top = recurring.iloc[0]
        detail += (
            f" The largest recurring issue is '{top['issue']}' in {top['category']} "
            f"({_plural(int(top['tickets']), 'ticket')})."
        )
    return "Find the cause of the ticket volume spike", detail


def _sla(n: dict, recurring: pd.DataFrame, period: str) -> tuple[str, str]:
    return "Review staffing and ticket priorities", (
        f"Resolution SLA attainment was {n['attainment_pct']:.1f}% {period} against a "
        f"{n['target_pct']:g}% target ({n['met']} of {n['decided']} targets met): check that "
        "priorities are set right and that staffing covers the busy hours."
    )


def _csat(n: dict, recurring: pd.DataFrame, period: str) -> tuple[str, str]:
    return "Follow up the dissatisfied customers", (
        f"CSAT fell {n['drop_points']:.1f} points to {n['csat_pct']:.1f}% {period} "
        f"({_plural(n['responses'], 'response')}), from {n['previous_csat_pct']:.1f}% "
        f"({_plural(n['previous_responses'], 'response')}): call back the clients behind the "
        "negative responses and read their comments."
    )


def _backlog(n: dict, recurring: pd.DataFrame, period: str) -> tuple[str, str]:
    return "Plan time to bring the backlog down", (
        f"Open tickets grew from {n['open_at_start']} to {n['open_at_end']} "
        f"({n['growth_pct']:+.0f}%) {period}: set aside technician time for the queue before it "
        "ages."
    )


def _surge(n: dict, recurring: pd.DataFrame, period: str) -> tuple[str, str]:
    name = n["client_name"]
    if n["increase_pct"] is None:
        return f"Check in with {name}", (
            f"{name} raised {_plural(n['tickets'], 'ticket')} {period} after none in the "
            f"{n['baseline_days']} days before: confirm onboarding or a new project is planned."
        )
    return f"Contact {name}", (
        f"{name} raised {_plural(n['tickets'], 'ticket')} {period} against a baseline of "
        f"{n['baseline']:.1f} ({n['increase_pct']:+.0f}%): ask about a common cause (a project, "
        "an outage, a new site) and whether the agreement still fits."
    )


def _ageing(n: dict, recurring: pd.DataFrame, period: str) -> tuple[str, str]:
    listed = n["oldest_ticket_ids"]
    title = (
        f"Review the {len(listed)} oldest open tickets"
        if len(listed) > 1
        else "Review the oldest open ticket"
    )
    return title, (
        f"{_plural(n['tickets'], 'ticket')} open longer than {n['limit_days']} days, the oldest "
        f"for {n['oldest_days']} days: review {', '.join(listed)} and close, escalate or re-plan "
        "each."
    )


_RULES: dict[str, Callable[[dict, pd.DataFrame, str], tuple[str, str]]] = {
    "volume_spike": _volume,
    "sla_attainment": _sla,
    "csat_drop": _csat,
    "backlog_growth": _backlog,
    "client_surge": _surge,
    "ageing_tickets": _ageing,
}


def _for_recurring(
    recurring: pd.DataFrame, settings: Settings, period: str
) -> list[Recommendation]:
    # a steady or shrinking issue is worth an article only when it is large
    large = 2 * settings.insights.recurring_min_count
    out = []
    for row in recurring.to_dict("records"):
        if row["trend"] not in ("up", "new") and row["tickets"] < large:
            continue
        cites = dict(row)  # to_dict gives plain Python numbers
        out.append(
            Recommendation(
                f"Create a knowledge-base article or automation for '{row['issue']}' in "
                f"{row['category']}",
                f"{_plural(cites['tickets'], 'ticket')} from "
                f"{_plural(cites['clients_affected'], 'client')} {period}, "
                f"{_change(cites['trend'], cites['previous_tickets'])} (newest: "
                f"{row['example_ticket_ids']}).",
                cites,
            )
        )
        if len(out) == MAX_RECURRING:
            break
    return out


def _for_automation(automation: object | None, period: str) -> list[Recommendation]:
    potential = getattr(automation, "potential", None)
    categories = getattr(potential, "categories", None)
    if categories is None or not len(categories):
        return []
    out = []
    for row in categories.head(MAX_AUTOMATION).to_dict("records"):  # most hours first
        name = " / ".join(p for p in (row["category"], row["subcategory"]) if isinstance(p, str))
        out.append(
            Recommendation(
                f"Automate the '{name}' tickets",
                f"{_plural(row['tickets'], 'ticket')} took {row['hours']:.1f} technician hours "
                f"{period}, a median of {row['median_minutes']:.0f} minutes each with little "
                f"variation (CV {row['cv']:.2f}): a script or runbook could take them over.",
                {"source": "automation_potential", **row},
            )
        )
    return out


def _change(trend: str, previous: int) -> str:
    if trend == "new":
        return "none in the previous period"
    if trend == "flat":
        return "the same as the previous period"
    return f"{trend} from {previous} in the previous period"


register(
    Insight(
        "recommendations",
        "Recommendations",
        "business_owner",
        "Fixed rules, each citing the numbers that triggered it. Every critical or warning alert "
        "gives one: a volume spike, find its cause (naming the largest recurring issue); SLA "
        "attainment under target, review staffing and priorities; a CSAT drop, follow up the "
        "dissatisfied customers; backlog growth, plan time for the queue; a client's surge, "
        "contact the client; ageing tickets, review the oldest (up to five, by ticket id). Then "
        "up to three recurring issues that are new, rising, or at least twice "
        "insights.recurring_min_count tickets get a knowledge-base article or automation "
        "suggestion, and the two categories with the most hours of automation potential an "
        "automation suggestion. Information-only alerts come last.",
        "as the alerts and recurring issues they cite",
    )
)
