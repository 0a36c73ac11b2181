"""Per-ticket activity facts: work logged, escalation, reopen, next replies and FCR.

Owns metrics reference §2.3 (reopen within a window), §3.2 (the four FCR variants), §4.2 (escalation,
transfer, vendor escalation) and the "next reply" clock of §1.2. :func:`compute_activity_facts`
derives them for every ticket at once from status changes, time entries, conversation events and
technician tiers; it is vectorized (see ``_activity_steps``), so a million tickets take seconds.

Choices where the metrics reference leaves room:

* Escalation and transfer look only at status changes strictly before ``ended_at`` (the resolve
  change itself, at ``ended_at``, does not count). The technician sequence skips changes without
  a technician or whose technician has no known tier; the first remaining one sets the baseline
  tier. A transfer is a move between two different technicians of equal tier; a ticket that is
  ever escalated is not also a transfer. ``analysis.board_tiers`` is not used: the inputs hold
  only the current board, not board moves. An escalation before ``created_at`` measures 0 s.
* A reopen is a change from resolved/closed to any category but cancelled (unmapped included, as
  in the SLA clocks), at most ``reopen_window_days`` calendar days after the ticket *entered*
  resolved/closed (so resolved -> closed -> reopened counts from the resolve).
* ``vendor_escalated`` counts entering waiting_vendor at any time.
* Events and status changes without a time are dropped; so are rows of unknown tickets.
  ``customer_followups`` is 0 when ``created_at`` is missing.
* Next reply: a message and a reply at the same instant count as answered in 0 s. A cycle
  closed by the ticket's first agent reply is the first response and is skipped, so if an agent
  wrote first, the first customer message starts a counted cycle.
* FCR eligibility matches the channel "alert" ignoring case and spaces; a missing channel or an
  unmapped current category does not exclude an ended ticket. ``fcr_1_business_hour`` is <NA>
  for an eligible ticket without ``resolution_business_s``.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from deskmetrics.config import Settings
from deskmetrics.errors import InputError
from deskmetrics.sla import BusinessClock
from deskmetrics.sla.clock import ns_to_seconds
from deskmetrics.warehouse._activity_steps import (
    NAT,
    NEVER,
    TERMINAL,
    UNMAPPED,
    change_facts,
    encode_categories,
    entry_facts,
    event_facts,
    per_value,
    utc_ns,
)

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "tickets": (
        "ticket_id",
        "created_at",
        "ended_at",
        "category_status",
        "channel",
        "priority",
        "resolution_business_s",
    ),
    "status_changes": ("ticket_id", "changed_at", "status", "category_status", "tech_id"),
    "time_entries": ("ticket_id", "tech_id", "hours", "billable"),
    "ticket_events": ("ticket_id", "at", "kind"),
    "technicians": ("tech_id", "tier"),
}
ACTIVITY_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "time_entry_count",
    "time_entry_techs",
    "hours_logged",
    "billable_hours",
    "escalated",
    "escalated_at",
    "escalation_business_s",
    "transferred",
    "vendor_escalated",
    "reopened_within_window",
    "agent_replies",
    "customer_followups",
    "next_response_count",
    "next_response_late",
    "next_response_business_s",
    "awaiting_reply_since",
    "fcr_eligible",
    "fcr_time_entry",
    "fcr_one_touch",
    "fcr_1_business_hour",
    "fcr_no_customer_followup",
)
FCR_BUSINESS_S = 3600.0  # HDI/MetricNet email/web FCR: resolved within one business hour


def compute_activity_facts(
    tickets: pd.DataFrame,
    status_changes: pd.DataFrame,
    time_entries: pd.DataFrame,
    ticket_events: pd.DataFrame,
    technicians: pd.DataFrame,
    settings: Settings,
) -> pd.DataFrame:
    """Activity facts, one row per ticket, in the order and with the index of ``tickets``.

    Args:
        tickets: ``ticket_id``, ``created_at``, ``ended_at`` (NaT while open),
            ``category_status`` (canonical, None when unmapped), ``channel``, ``priority``,
            ``resolution_business_s``; all instants tz-aware UTC.
        status_changes: ``ticket_id``, ``changed_at``, ``status`` (raw), ``category_status``,
            ``tech_id`` (the technician owning or making the change, may be None).
        time_entries: ``ticket_id``, ``tech_id``, ``hours``, ``billable`` (nullable bool).
        ticket_events: ``ticket_id``, ``at``, ``kind`` (customer_message, agent_reply or
            internal_note).
        technicians: ``tech_id``, ``tier`` (1 = first line; NA = unknown).
        settings: calendar, ``sla.next_response_hours`` and the ``analysis`` knobs.

    Returns:
        ``ACTIVITY_COLUMNS``: counts as int64, hours and business seconds as float,
        ``escalated_at`` as UTC (NaT if never), flags as bool, and the FCR variants as
        nullable booleans that are <NA> for tickets not eligible for FCR.

    Raises:
        InputError: a column is missing (the message names frame and column), a timestamp is
            naive, a category is unknown, or a ticket or technician id repeats.
    """
    frames = {
        "tickets": tickets,
        "status_changes": status_changes,
        "time_entries": time_entries,
        "ticket_events": ticket_events,
        "technicians": technicians,
    }
    for name, frame in frames.items():
        _require(frame, name)
    ids = _unique_index(tickets["ticket_id"], "tickets.ticket_id")
    tiers = pd.Series(
        pd.to_numeric(technicians["tier"], errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        ),
        index=_unique_index(technicians["tech_id"], "technicians.tech_id"),
    )
    created = utc_ns(tickets["created_at"], "tickets.created_at")
    ended = utc_ns(tickets["ended_at"], "tickets.ended_at")
    analysis = settings.analysis
    window_ns = int(timedelta(days=analysis.reopen_window_days).total_seconds()) * 10**9

    changes = change_facts(status_changes, ids, ended, tiers[tiers.index.notna()], window_ns)
    entries = entry_facts(time_entries, ids)
    events = event_facts(ticket_events, ids, created)

    escalated = changes.escalated_ns != NEVER
    escalated_ns = np.where(escalated, changes.escalated_ns, NAT)
    from_ns = np.where(escalated & (created != NAT), created, NAT)
    clock = _clock(settings, [from_ns, escalated_ns, events.cycle_start_ns, events.cycle_end_ns])
    escalation_s = _business_s(clock, from_ns, escalated_ns)

    n = len(ids)
    cycle_s = _business_s(clock, events.cycle_start_ns, events.cycle_end_ns)
    target_s = _targets_s(tickets["priority"], settings.sla.next_response_hours)
    late = cycle_s > target_s[events.cycle_pos]  # NaN target (no priority) is never late

    reopened = changes.reopened
    eligible = _fcr_eligible(tickets, ended)
    resolution_s = pd.to_numeric(tickets["resolution_business_s"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    index = tickets.index
    columns = {
        "ticket_id": tickets["ticket_id"],
        "time_entry_count": entries.count.astype(np.int64),
        "time_entry_techs": entries.techs.astype(np.int64),
        "hours_logged": entries.hours.astype(np.float64),
        "billable_hours": entries.billable_hours.astype(np.float64),
        "escalated": escalated,
        "escalated_at": _utc(escalated_ns, index),
        "escalation_business_s": escalation_s,
        "transferred": changes.transferred,
        "vendor_escalated": changes.vendor_escalated,
        "reopened_within_window": reopened,
        "agent_replies": events.agent_replies.astype(np.int64),
        "customer_followups": events.customer_followups.astype(np.int64),
        "next_response_count": np.bincount(events.cycle_pos, minlength=n).astype(np.int64),
        "next_response_late": np.bincount(events.cycle_pos[late], minlength=n).astype(np.int64),
        "next_response_business_s": np.bincount(
            events.cycle_pos, weights=cycle_s, minlength=n
        ).astype(np.float64),
        "awaiting_reply_since": _utc(events.awaiting_since_ns, index),
        "fcr_eligible": eligible,
        "fcr_time_entry": _fcr(
            (entries.count <= analysis.fcr_max_time_entries)
            & (entries.techs <= 1)
            & ~reopened
            & ~escalated,
            eligible,
        ),
        "fcr_one_touch": _fcr((events.agent_replies <= 1) & ~reopened, eligible),
        "fcr_1_business_hour": _fcr(
            (resolution_s <= FCR_BUSINESS_S) & ~reopened, eligible & ~np.isnan(resolution_s)
        ),
        "fcr_no_customer_followup": _fcr(events.customer_followups == 0, eligible),
    }
    return pd.DataFrame(columns, index=index)


def _require(frame: pd.DataFrame, name: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS[name] if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} lacks column(s) {', '.join(missing)} (it has: {', '.join(map(str, frame))})",
            column=f"{name}.{missing[0]}",
        )


def _unique_index(values: pd.Series, column: str) -> pd.Index:
    index = pd.Index(values)
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise InputError(f"id {dup!r} appears more than once", column=column)
    return index


def _clock(settings: Settings, instants: list[np.ndarray]) -> BusinessClock:
    """One business clock covering every instant measured (a day of margin each side)."""
    known = np.concatenate([a[a != NAT] for a in instants])
    if not len(known):
        anchor = pd.Timestamp(0, tz="UTC").to_pydatetime()
        return BusinessClock(settings.calendar(), anchor, anchor)
    day = timedelta(days=1)
    lo = pd.Timestamp(int(known.min()), tz="UTC").floor("D").to_pydatetime() - day
    hi = pd.Timestamp(int(known.max()), tz="UTC").ceil("D").to_pydatetime() + day
    return BusinessClock(settings.calendar(), lo, hi)


def _business_s(clock: BusinessClock, start_ns: np.ndarray, end_ns: np.ndarray) -> np.ndarray:
    """Business seconds from start to end (never negative); NaN where either is missing."""
    ok = (start_ns != NAT) & (end_ns != NAT)
    # NAT is int64 min, so subtracting it would overflow: measure a dummy 0 there instead
    span = clock.cumulative_ns(np.where(ok, end_ns, 0)) - clock.cumulative_ns(
        np.where(ok, start_ns, 0)
    )
    return np.where(ok, np.maximum(ns_to_seconds(span), 0.0), np.nan)


def _targets_s(priority: pd.Series, hours: dict[int, float]) -> np.ndarray:
    """Next-reply target seconds per ticket; NaN when the priority is missing or has none."""
    level = pd.to_numeric(priority, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    out = np.full(len(level), np.nan)
    for p, h in hours.items():
        out[level == p] = float(h) * 3600.0
    return out


def _fcr_eligible(tickets: pd.DataFrame, ended_ns: np.ndarray) -> np.ndarray:
    """Ended in resolved/closed (or an unmapped status) and not an alert/automation ticket."""
    category = encode_categories(tickets["category_status"], "tickets.category_status")
    alert = per_value(
        tickets["channel"], lambda c: isinstance(c, str) and c.strip().casefold() == "alert", 0
    ).astype(bool)
    return (ended_ns != NAT) & ((category == TERMINAL) | (category == UNMAPPED)) & ~alert


def _fcr(values: np.ndarray, known: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.asarray(values, dtype=bool), ~np.asarray(known, dtype=bool))


def _utc(ns: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(ns.view("datetime64[ns]"), index=index).dt.tz_localize("UTC")


__all__ = ["ACTIVITY_COLUMNS", "compute_activity_facts"]
