"""Per-ticket SLA facts for many tickets at once (metrics reference §1.2-1.7, reopen policy ``resume``).

:func:`compute_ticket_facts` is vectorized end to end: status histories become flat clock
segments, segments go through one :class:`~deskmetrics.sla.clock.BusinessClock`, and per-ticket
results come from array reductions, so a million tickets take seconds, not hours.

Choices where the metrics reference leaves room:

* Both clocks run in ``new``, ``in_progress`` and unmapped (None) statuses only. Waiting,
  resolved/closed and (earlier) cancelled time never counts, so with no first response the
  response clock equals the resolution clock (edge case 11).
* ``*_breach_at`` is the deadline: the first instant the running business time *reached* the
  target; elapsed exceeds the target from the next running instant on. A ticket stopped exactly
  at its target is met and has no breach instant.
* ``pause_calendar_s`` counts every status in which the clocks do not run (including the
  resolved gap before a reopen) within ``[created_at, resolved_at)``, so
  ``resolution_calendar_net_s`` is the calendar-hour twin of ``resolution_business_s``.
* Changes at the same instant keep their input order; changes without a time are dropped.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from deskmetrics.errors import ConfigError, InputError
from deskmetrics.sla._outcomes import NONE, Outcome, evaluate, per_ticket
from deskmetrics.sla._spans import as_utc, to_ns
from deskmetrics.sla._timeline import (
    CANCELLED,
    NAT,
    OPEN_END,
    Timeline,
    build_timeline,
    encode_categories,
    utc_ns,
)
from deskmetrics.sla.business_time import DeadlineOutOfRangeError, add_business
from deskmetrics.sla.calendar import BusinessCalendar
from deskmetrics.sla.clock import BusinessClock, ns_to_seconds

TICKET_COLUMNS = (
    "ticket_id",
    "created_at",
    "first_response_at",
    "resolved_at",
    "response_due_at",
    "resolution_due_at",
    "priority",
    "category_status",
)
CHANGE_COLUMNS = ("ticket_id", "changed_at", "category_status")
FACT_COLUMNS = (
    "ticket_id",
    "response_business_s",
    "resolution_business_s",
    "resolution_calendar_s",
    "resolution_calendar_net_s",
    "pause_calendar_s",
    "response_target_s",
    "resolution_target_s",
    "response_breach_at",
    "resolution_breach_at",
    "response_met",
    "resolution_met",
    "response_decided_at",
    "resolution_decided_at",
    "response_sla_source",
    "resolution_sla_source",
    "reopen_count",
    "negative_duration",
    "response_due_soon_at",
    "resolution_due_soon_at",
)


def compute_ticket_facts(
    tickets: pd.DataFrame,
    status_changes: pd.DataFrame,
    calendar: BusinessCalendar,
    response_hours: Mapping[int, float],
    resolution_hours: Mapping[int, float],
    *,
    due_soon_pct: float = 0.75,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """SLA facts, one row per ticket, index aligned with ``tickets``.

    Args:
        tickets: ``ticket_id``, ``created_at``, ``first_response_at``, ``resolved_at``,
            ``response_due_at``, ``resolution_due_at`` (tz-aware, NaT allowed), ``priority``,
            ``category_status`` (current canonical category, None when unmapped).
        status_changes: ``ticket_id``, ``changed_at``, ``category_status``; changes of tickets
            not in ``tickets`` are ignored.
        calendar: business calendar of both clocks.
        response_hours, resolution_hours: business-hour targets by priority.
        due_soon_pct: share of the target after which a running target is due soon; gives the
            ``*_due_soon_at`` columns.
        as_of: when the data was extracted. Only open tickets use it: with it, an open ticket
            whose elapsed business time exceeded the target (or whose native due date passed)
            is decided as breached; without it, only breaches before the ticket's last status
            change are known.

    Returns:
        ``FACT_COLUMNS``: business seconds (NaN until the clock stopped), calendar seconds
        (NaN until resolved), targets (NaN when the priority has none), breach and due-soon
        instants (a forecast for open running tickets; NaT when met, not applicable, or open
        and paused before breaching), ``*_met`` (nullable: <NA> undecided), decision instants,
        ``*_sla_source`` ("native" when a PSA due date exists, else "computed", else None),
        ``reopen_count`` and ``negative_duration`` (durations clamped to 0). Cancelled tickets
        get no SLA outcome.

    Raises:
        InputError: a column is missing, a timestamp is naive, a category is unknown, or a
            ticket id repeats.
        ConfigError: a target is not a positive number of hours, or ``due_soon_pct`` is
            outside (0, 1].
    """
    _require(tickets, TICKET_COLUMNS, "tickets")
    _require(status_changes, CHANGE_COLUMNS, "status_changes")
    if not 0 < due_soon_pct <= 1:
        raise ConfigError(f"due_soon_pct: {due_soon_pct!r} must be above 0 and at most 1")
    response_targets = _targets(response_hours, "response_hours")
    resolution_targets = _targets(resolution_hours, "resolution_hours")
    ids = pd.Index(tickets["ticket_id"])
    if not ids.is_unique:
        dup = ids[ids.duplicated()][0]
        raise InputError(f"ticket id {dup!r} appears more than once", column="tickets.ticket_id")
    as_of_ns = None if as_of is None else to_ns(as_utc(as_of, "as_of"))

    created = utc_ns(tickets["created_at"], "tickets.created_at")
    responded = utc_ns(tickets["first_response_at"], "tickets.first_response_at")
    resolved = utc_ns(tickets["resolved_at"], "tickets.resolved_at")
    cancelled = (
        encode_categories(tickets["category_status"], "tickets.category_status") == CANCELLED
    )
    priority = pd.to_numeric(tickets["priority"], errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    tl = build_timeline(created, ids, status_changes)
    has_created = created != NAT
    targets_s = [*response_targets.values(), *resolution_targets.values()]
    clock = _clock(calendar, tl, [responded, resolved], max(targets_s, default=0.0), as_of_ns)
    cum_start = clock.cumulative_ns(tl.start)

    common = dict(
        soon_pct=due_soon_pct, as_of_ns=as_of_ns, computable=has_created, cancelled=cancelled
    )
    response_target = _target_ns(priority, response_targets)
    resolution_target = _target_ns(priority, resolution_targets)
    # no response but resolved: the resolution instant answers the response target (edge 11)
    response_stop = np.where(responded != NAT, responded, resolved)
    response = evaluate(
        tl,
        clock,
        cum_start,
        stop_ns=response_stop,
        target_ns=response_target,
        due_ns=utc_ns(tickets["response_due_at"], "tickets.response_due_at"),
        **common,
    )
    resolution = evaluate(
        tl,
        clock,
        cum_start,
        stop_ns=resolved,
        target_ns=resolution_target,
        due_ns=utc_ns(tickets["resolution_due_at"], "tickets.resolution_due_at"),
        **common,
    )

    index = tickets.index
    has_resolved = has_created & (resolved != NAT)
    calendar_s = np.where(has_resolved, ns_to_seconds(np.maximum(resolved - created, 0)), np.nan)
    pause_stop = resolved if as_of_ns is None else np.where(resolved != NAT, resolved, as_of_ns)
    pause_s = np.where(
        has_created & (pause_stop != NAT), ns_to_seconds(_paused_ns(tl, pause_stop)), np.nan
    )
    negative = has_created & (
        ((resolved != NAT) & (resolved < created)) | ((responded != NAT) & (responded < created))
    )
    columns = {
        "ticket_id": tickets["ticket_id"],
        "response_business_s": _business_s(response, response_stop, has_created, cancelled),
        "resolution_business_s": _business_s(resolution, resolved, has_created, cancelled),
        "resolution_calendar_s": calendar_s,
        "resolution_calendar_net_s": np.where(has_resolved, calendar_s - pause_s, np.nan),
        "pause_calendar_s": pause_s,
        "response_target_s": _target_s(response_target, cancelled),
        "resolution_target_s": _target_s(resolution_target, cancelled),
        "response_breach_at": _utc(response.breach_ns, index),
        "resolution_breach_at": _utc(resolution.breach_ns, index),
        "response_met": pd.arrays.BooleanArray(response.met == 1, response.met < 0),
        "resolution_met": pd.arrays.BooleanArray(resolution.met == 1, resolution.met < 0),
        "response_decided_at": _utc(response.decided_ns, index),
        "resolution_decided_at": _utc(resolution.decided_ns, index),
        "response_sla_source": pd.Series(response.source, index=index, dtype=object),
        "resolution_sla_source": pd.Series(resolution.source, index=index, dtype=object),
        "reopen_count": tl.reopen_count.astype(np.int64),
        "negative_duration": negative,
        "response_due_soon_at": _utc(response.due_soon_ns, index),
        "resolution_due_soon_at": _utc(resolution.due_soon_ns, index),
    }
    return pd.DataFrame(columns, index=index)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{name} lacks column(s) {', '.join(missing)} (it has: {', '.join(map(str, frame))})"
        )


def _targets(hours: Mapping[int, float], name: str) -> dict[int, float]:
    """Priority -> target seconds; each value must be a positive, finite number of hours."""
    if not isinstance(hours, Mapping):
        raise ConfigError(f"{name}: expected a mapping of priority to hours, got {hours!r}")
    out = {}
    for priority, value in hours.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name}[{priority}]: {value!r} is not a number of hours")
        if not math.isfinite(value) or value <= 0:
            raise ConfigError(f"{name}[{priority}]: {value!r} is not a positive number of hours")
        out[int(priority)] = float(value) * 3600.0
    return out


def _target_ns(priority: np.ndarray, targets_s: dict[int, float]) -> np.ndarray:
    out = np.full(len(priority), NONE, dtype=np.int64)
    for level, seconds in targets_s.items():
        out[priority == level] = round(seconds * 1e9)
    return out


def _target_s(target_ns: np.ndarray, cancelled: np.ndarray) -> np.ndarray:
    return np.where((target_ns > 0) & ~cancelled, ns_to_seconds(target_ns), np.nan)


def _business_s(
    outcome: Outcome, stop: np.ndarray, ok: np.ndarray, cancelled: np.ndarray
) -> np.ndarray:
    """Elapsed business seconds; NaN while the clock has not stopped, and for cancelled."""
    known = ok & (stop != NAT) & ~cancelled
    return np.where(known, ns_to_seconds(outcome.business_ns), np.nan)


def _clock(
    calendar: BusinessCalendar,
    tl: Timeline,
    stops: list[np.ndarray],
    max_target_s: float,
    as_of_ns: int | None,
) -> BusinessClock:
    """One clock covering every instant used, plus room to forecast the longest target."""
    starts = tl.start[tl.start != NAT]
    known = [starts, *(s[s != NAT] for s in stops)]
    if as_of_ns is not None:
        known.append(np.array([as_of_ns], dtype=np.int64))
    instants = np.concatenate(known)
    if not len(instants):
        anchor = pd.Timestamp(0, tz="UTC").to_pydatetime()
        return BusinessClock(calendar, anchor, anchor)
    day = timedelta(days=1)
    lo = pd.Timestamp(int(instants.min()), tz="UTC").floor("D").to_pydatetime() - day
    hi = pd.Timestamp(int(instants.max()), tz="UTC").ceil("D").to_pydatetime() + day
    # an open ticket that runs from the last known instant breaches by then at the latest;
    # with a calendar of (almost) no hours, forecasts beyond the range stay NaT
    with contextlib.suppress(DeadlineOutOfRangeError):
        hi = add_business(hi, max_target_s, calendar) + day
    return BusinessClock(calendar, lo, hi)


def _paused_ns(tl: Timeline, stop_ns: np.ndarray) -> np.ndarray:
    """Calendar ns per ticket in segments where the clocks do not run, up to ``stop_ns``."""
    stop = np.where(stop_ns == NAT, OPEN_END, stop_ns)[tl.tpos]
    end = np.minimum(tl.end, stop)
    valid = ~tl.running & (tl.start != NAT) & (end > tl.start) & (end != OPEN_END)
    return per_ticket(tl, np.where(valid, end - tl.start, 0))


def _utc(ns: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(ns.view("datetime64[ns]"), index=index).dt.tz_localize("UTC")
