"""Alerts for the weekly reports: what crossed a threshold in the period, with its numbers.

One severity rule for every kind: an alert is a warning when its measure crosses the threshold
in Settings.insights and critical when it crosses it twice over (twice the increase, twice the
drop, twice the share of missed SLA targets, twice the age). A client with no baseline at all is
only information: there is nothing to scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, or_, select

from deskmetrics.config import Settings
from deskmetrics.insights.definitions import Insight, register
from deskmetrics.metrics.engine import compute
from deskmetrics.metrics.frames import ticket_conditions
from deskmetrics.metrics.scope import Scope
from deskmetrics.panels.context import count_if
from deskmetrics.schema.tables import clients, tickets

SEVERITIES = ("critical", "warning", "info")  # most severe first, the report's order
KINDS = (
    "volume_spike",
    "sla_attainment",
    "csat_drop",
    "backlog_growth",
    "client_surge",
    "ageing_tickets",
)
BASELINE_DAYS = 28
OLDEST_LISTED = 5
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Alert:
    kind: str  # one of KINDS
    severity: str  # one of SEVERITIES
    message: str
    numbers: dict = field(default_factory=dict)
    client: str | None = None  # the client it is about (a surge), else the scope's client filter


def grade(value: float, threshold: float, *, strict: bool = False) -> str | None:
    """None under the threshold, "warning" from it, "critical" from twice it; ``strict`` when
    the threshold itself is still fine ("under the target", "older than")."""

    def over(limit: float) -> bool:
        return value > limit if strict else value >= limit

    if not over(threshold):
        return None
    return "critical" if over(2 * threshold) else "warning"


def active_alerts(conn: Connection, settings: Settings, scope: Scope) -> list[Alert]:
    """Every alert the period raises, most severe first, then in the order of KINDS."""
    counts = _created_by_client(conn, settings, scope)
    found = [
        *_volume_spike(counts, settings, scope),
        *_sla_attainment(conn, settings, scope),
        *_csat_drop(conn, settings, scope),
        *_backlog_growth(conn, settings, scope),
        # filtered to one client, the volume spike already speaks for that client
        *(_client_surges(conn, counts, settings, scope) if scope.client is None else []),
        *_ageing(conn, settings, scope),
    ]
    return sorted(found, key=lambda a: (SEVERITIES.index(a.severity), KINDS.index(a.kind)))


# -- tickets created against the trailing baseline ------------------------------------------


def period_days(scope: Scope) -> float:
    """The period's length in days: whole local days when known, else its duration."""
    if scope.date_from and scope.date_to:
        return float((scope.date_to - scope.date_from).days + 1)
    return (scope.end - scope.start) / DAY


def baseline_start(scope: Scope, settings: Settings) -> datetime:
    """Local midnight BASELINE_DAYS days before the period start, as naive UTC."""
    local = scope.start.astimezone(settings.zone)
    # same-zone aware arithmetic is wall-clock: 28 local days back whatever DST did
    return (local - BASELINE_DAYS * DAY).astimezone(UTC).replace(tzinfo=None)


def _created_by_client(
    conn: Connection, settings: Settings, scope: Scope
) -> dict[str | None, tuple[int, int]]:
    """client_id -> (created in the period, created in the BASELINE_DAYS before it)."""
    start, end, _ = scope.naive
    t = tickets.c
    query = (
        select(
            t.client_id,
            count_if(t.created_at >= start).label("period"),
            count_if(t.created_at < start).label("baseline"),
        )
        .where(
            *ticket_conditions(scope),
            t.created_at >= baseline_start(scope, settings),
            t.created_at < end,
        )
        .group_by(t.client_id)
    )
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in conn.execute(query)}


def _versus_baseline(period: int, baseline_tickets: int, scope: Scope) -> dict:
    expected = baseline_tickets / BASELINE_DAYS * period_days(scope)
    increase = None if expected == 0 else 100.0 * (period - expected) / expected
    return {
        "tickets": period,
        "baseline": expected,
        "baseline_tickets": baseline_tickets,
        "baseline_days": BASELINE_DAYS,
        "period_days": period_days(scope),
        "increase_pct": increase,
    }


def _volume_spike(counts, settings: Settings, scope: Scope) -> list[Alert]:
    limits = settings.insights
    period = sum(p for p, _ in counts.values())
    numbers = _versus_baseline(period, sum(b for _, b in counts.values()), scope)
    increase = numbers["increase_pct"]
    if increase is None or period < limits.alert_min_sample:
        return []
    severity = grade(increase, limits.volume_spike_pct)
    if severity is None:
        return []
    numbers["threshold_pct"] = limits.volume_spike_pct
    message = (
        f"Ticket volume spike: {period} tickets created, {increase:.0f}% above the baseline of "
        f"{numbers['baseline']:.1f} ({numbers['baseline_tickets']} tickets in the {BASELINE_DAYS} "
        f"days before the period, scaled to {numbers['period_days']:g} days)."
    )
    return [Alert("volume_spike", severity, message, numbers, scope.client)]


def _client_surges(conn, counts, settings: Settings, scope: Scope) -> list[Alert]:
    limits = settings.insights
    names = dict(conn.execute(select(clients.c.client_id, clients.c.name)).all())
    found = []
    for client_id in sorted(c for c in counts if c is not None):
        period, baseline_tickets = counts[client_id]
        if period < limits.client_surge_min_tickets:
            continue
        numbers = _versus_baseline(period, baseline_tickets, scope)
        name = names.get(client_id) or client_id
        numbers.update(client_id=client_id, client_name=name, threshold_pct=limits.client_surge_pct)
        increase = numbers["increase_pct"]
        if increase is None:
            severity = "info"
            message = (
                f"{name} raised {period} tickets after none in the {BASELINE_DAYS} days before "
                "the period (a new client, or a quiet one come back)."
            )
        else:
            severity = grade(increase, limits.client_surge_pct)
            message = (
                f"{name} raised {period} tickets, {increase:.0f}% above its own baseline of "
                f"{numbers['baseline']:.1f} ({baseline_tickets} tickets in the {BASELINE_DAYS} "
                "days before the period)."
            )
        if severity is not None:
            found.append(Alert("client_surge", severity, message, numbers, client_id))

    # the largest surge first; clients without a baseline (info) after those with one
    def largest_first(alert: Alert) -> tuple[bool, float]:
        increase = alert.numbers["increase_pct"]
        return increase is None, -(increase or 0.0)

    return sorted(found, key=largest_first)


# -- the registered KPIs: SLA attainment, CSAT, open tickets ---------------------------------


def _sla_attainment(conn, settings: Settings, scope: Scope) -> list[Alert]:
    limits = settings.insights
    value = compute(conn, ["resolution_sla_attainment"], scope)["resolution_sla_attainment"]
    if value.value is None or (value.n or 0) < limits.alert_min_sample:
        return []
    # graded on the share of targets missed against the share the target allows
    severity = grade(100.0 - value.value, 100.0 - limits.sla_target_pct, strict=True)
    if severity is None:
        return []
    met = round(value.value * value.n / 100.0)
    numbers = {
        "attainment_pct": value.value,
        "met": met,
        "decided": value.n,
        "target_pct": limits.sla_target_pct,
    }
    message = (
        f"Resolution SLA attainment {value.value:.1f}% is under the {limits.sla_target_pct:g}% "
        f"target: {met} of {value.n} resolution targets met."
    )
    return [Alert("sla_attainment", severity, message, numbers, scope.client)]


def _csat_drop(conn, settings: Settings, scope: Scope) -> list[Alert]:
    limits = settings.insights
    now = compute(conn, ["csat_percent"], scope)["csat_percent"]
    before = compute(conn, ["csat_percent"], scope.previous())["csat_percent"]
    if now.value is None or before.value is None:
        return []
    if min(now.n or 0, before.n or 0) < limits.alert_min_sample:
        return []
    drop = before.value - now.value
    severity = grade(drop, limits.csat_drop_points)
    if severity is None:
        return []
    numbers = {
        "csat_pct": now.value,
        "previous_csat_pct": before.value,
        "drop_points": drop,
        "responses": now.n,
        "previous_responses": before.n,
        "threshold_points": limits.csat_drop_points,
    }
    message = (
        f"CSAT fell {drop:.1f} points, from {before.value:.1f}% ({before.n} responses) in the "
        f"previous period to {now.value:.1f}% ({now.n} responses)."
    )
    return [Alert("csat_drop", severity, message, numbers, scope.client)]


def _backlog_growth(conn, settings: Settings, scope: Scope) -> list[Alert]:
    limits = settings.insights
    at_start = compute(conn, ["open_tickets"], replace(scope, as_of=scope.start))
    at_end = compute(conn, ["open_tickets"], scope)
    before, after = int(at_start["open_tickets"].n or 0), int(at_end["open_tickets"].n or 0)
    if before == 0 or after < limits.alert_min_sample:
        return []
    growth = 100.0 * (after - before) / before
    severity = grade(growth, limits.backlog_growth_pct)
    if severity is None:
        return []
    numbers = {
        "open_at_start": before,
        "open_at_end": after,
        "growth_pct": growth,
        "threshold_pct": limits.backlog_growth_pct,
    }
    message = (
        f"Open tickets grew {growth:.0f}% over the period, from {before} at its start to "
        f"{after} at its end."
    )
    return [Alert("backlog_growth", severity, message, numbers, scope.client)]


# -- ageing tickets --------------------------------------------------------------------------


def _ageing(conn, settings: Settings, scope: Scope) -> list[Alert]:
    limit = settings.analysis.long_ticket_days
    _, _, as_of = scope.naive
    t = tickets.c
    # the Service Quality tab's long-running tickets: open at as-of, created > limit days before
    where = [
        *ticket_conditions(scope),
        t.created_at < as_of - limit * DAY,
        or_(t.ended_at.is_(None), t.ended_at > as_of),
    ]
    count = conn.execute(select(func.count()).select_from(tickets).where(*where)).scalar()
    if not count:
        return []
    oldest = conn.execute(
        select(t.ticket_id, t.created_at)
        .where(*where)
        .order_by(t.created_at, t.ticket_id)
        .limit(OLDEST_LISTED)
    ).all()
    oldest_days = (as_of - oldest[0][1]) / DAY
    numbers = {
        "tickets": int(count),
        "oldest_days": int(oldest_days),  # whole days, as the ageing buckets count them
        "oldest_ticket_ids": [row[0] for row in oldest],
        "limit_days": limit,
    }
    noun = "ticket has" if count == 1 else "tickets have"
    message = (
        f"{count} {noun} been open longer than {limit} days; the oldest, {oldest[0][0]}, "
        f"for {numbers['oldest_days']} days."
    )
    severity = grade(oldest_days, limit, strict=True) or "warning"  # the query keeps > limit
    return [Alert("ageing_tickets", severity, message, numbers, scope.client)]


# -- definitions for the generated docs page -------------------------------------------------

_SEVERITY = " Warning when the threshold is reached, critical when it is reached twice over."
_BASELINE = (
    f"The baseline is the tickets created in the {BASELINE_DAYS} local days before the period "
    f"start, divided by {BASELINE_DAYS} and multiplied by the period's days."
)
for _insight in (
    Insight(
        "alert_volume_spike",
        "Alert: ticket volume spike",
        "business_owner",
        "Tickets created in the period against the trailing four-week baseline. "
        + _BASELINE
        + " Raised when the increase is at least insights.volume_spike_pct percent and at least "
        "insights.alert_min_sample tickets were created; no alert without a baseline." + _SEVERITY,
        "tickets created in the period and in the 28 days before it",
    ),
    Insight(
        "alert_sla_attainment",
        "Alert: resolution SLA attainment under target",
        "business_owner",
        "Resolution SLA Attainment (`resolution_sla_attainment`) under insights.sla_target_pct, "
        "once at least insights.alert_min_sample targets were decided. Warning when the share "
        "of targets missed exceeds the share the target allows (100 - target), critical when it "
        "exceeds twice that share (with a 90 % target: under 90 % warning, under 80 % critical).",
        "SLA decision instant (resolved if met, breach instant if missed)",
    ),
    Insight(
        "alert_csat_drop",
        "Alert: CSAT drop",
        "business_owner",
        "Average CSAT Score (`csat_percent`) down at least insights.csat_drop_points percentage "
        "points on the previous period of the same length, when both periods have at least "
        "insights.alert_min_sample responses." + _SEVERITY,
        "submitted_at",
    ),
    Insight(
        "alert_backlog_growth",
        "Alert: backlog growth",
        "business_owner",
        "Open Tickets (`open_tickets`) at the as-of instant against open tickets at the period "
        "start, up at least insights.backlog_growth_pct percent, with at least "
        "insights.alert_min_sample open at the end; no alert when none were open at the start."
        + _SEVERITY,
        "open at the period start and at the as-of instant",
    ),
    Insight(
        "alert_client_surge",
        "Alert: one client's surge",
        "business_owner",
        "A client's tickets created in the period against its own baseline. "
        + _BASELINE
        + " Raised for a client with at least insights.client_surge_min_tickets tickets in the "
        "period that are at least insights.client_surge_pct percent above its baseline."
        + _SEVERITY
        + " A client with no tickets in the baseline is information only. Not raised in a "
        "report filtered to one client, where the volume spike covers it.",
        "tickets created in the period and in the 28 days before it",
    ),
    Insight(
        "alert_ageing_tickets",
        "Alert: ageing tickets",
        "business_owner",
        "Tickets open at the as-of instant that were created more than "
        "analysis.long_ticket_days days before it (the Service Quality tab's long-running "
        "tickets), with the oldest listed. Warning when there is any, critical when the "
        "oldest has been open more than twice that many days.",
        "open at the as-of instant",
    ),
):
    register(_insight)
