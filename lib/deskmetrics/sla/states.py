"""The state of one (ticket, target) at an as-of instant (metrics reference §1.3), scalar version.

Meant for drill-downs and tests; bulk results come from ``compute_ticket_facts``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from deskmetrics.errors import ConfigError
from deskmetrics.sla._spans import as_utc
from deskmetrics.sla.business_time import business_seconds
from deskmetrics.sla.calendar import BusinessCalendar


class SlaState(StrEnum):
    NOT_APPLICABLE = "not_applicable"
    ACTIVE = "active"
    DUE_SOON = "due_soon"
    PAUSED = "paused"
    BREACHED_ACTIVE = "breached_active"
    BREACHED_PAUSED = "breached_paused"
    MET = "met"
    MISSED = "missed"
    CANCELLED = "cancelled"


def sla_state(
    created_at: datetime,
    stop_at: datetime | None,
    target_s: float | None,
    pauses: Iterable[tuple[datetime, datetime | None]],
    as_of: datetime,
    calendar: BusinessCalendar,
    *,
    due_soon_pct: float = 0.75,
    cancelled: bool = False,
) -> SlaState:
    """Classify one target at ``as_of``.

    Args:
        created_at: when the clock started.
        stop_at: when the target was achieved (first response, last resolve), or None.
            A stop after ``as_of`` has not happened yet.
        target_s: target in business seconds; None or NaN means not applicable.
        pauses: ``(start, end)`` intervals when the clock did not run (waiting, or resolved
            before a reopen); ``end=None`` for a pause still in progress.
        as_of: the instant to evaluate at.
        calendar: business calendar of the clock.
        due_soon_pct: share of the target from which a running target is ``due_soon``.
        cancelled: the ticket is cancelled.
    """
    if not 0 < due_soon_pct <= 1:
        raise ConfigError(f"due_soon_pct: {due_soon_pct!r} must be above 0 and at most 1")
    if cancelled:
        return SlaState.CANCELLED
    if target_s is None or math.isnan(target_s):
        return SlaState.NOT_APPLICABLE
    now = as_utc(as_of, "as_of")
    stopped = stop_at is not None and as_utc(stop_at, "stop_at") <= now
    until = as_utc(stop_at, "stop_at") if stopped else now
    spans = [(start, until if end is None else end) for start, end in pauses]
    elapsed = business_seconds(created_at, until, calendar, spans)
    if stopped:
        return SlaState.MET if elapsed <= target_s else SlaState.MISSED
    paused_now = any(
        as_utc(start, "pause start") <= now and (end is None or now < as_utc(end, "pause end"))
        for start, end in pauses
    )
    if elapsed > target_s:
        return SlaState.BREACHED_PAUSED if paused_now else SlaState.BREACHED_ACTIVE
    if paused_now:
        return SlaState.PAUSED
    if elapsed >= due_soon_pct * target_s:
        return SlaState.DUE_SOON
    return SlaState.ACTIVE
