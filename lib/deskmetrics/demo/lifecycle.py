"""Ticket lifecycles as a fixed grid of status-change slots, one row per ticket.

Every ticket gets the same 12 slots (New, Assigned, first response, escalation, waiting,
resolve, reopen, close, cancel/legacy). Slot times are built in slot order, so a ticket's
events are chronological by construction; unused slots and slots after ``end`` are masked
out. The ticket's current status is simply the status of its last valid slot, which keeps
``tickets.status`` and ``status_changes`` consistent without any per-ticket Python code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deskmetrics.demo import catalog as cat
from deskmetrics.demo._arrays import (
    DAY,
    HOUR,
    MINUTE,
    dirty_count,
    lognormal_seconds,
    pick_exact,
)
from deskmetrics.demo.arrivals import TicketCore
from deskmetrics.demo.entities import Directory

(
    NEW_SLOT, ASSIGN_SLOT, RESPOND_SLOT, ESCALATE_SLOT, ESCALATED_WORK_SLOT, WAIT_SLOT,
    WAIT_END_SLOT, RESOLVE_SLOT, REOPEN_SLOT, RERESOLVE_SLOT, CLOSE_SLOT, TERMINAL_SLOT,
) = range(12)  # fmt: skip
N_SLOTS = 12

# Medians by priority 1..4 and multipliers by board (Help Desk, Tier 2, Projects, Alerts).
RESPONSE_MEDIAN_MIN = np.array([8.0, 20.0, 45.0, 90.0])
RESPONSE_BOARD = np.array([1.0, 1.3, 3.0, 0.7])
WORK_MEDIAN_H = np.array([2.5, 7.0, 24.0, 48.0])
WORK_BOARD = np.array([1.0, 2.5, 10.0, 0.6])
ESCALATE_RATE = np.array([0.14, 0.07, 0.05, 0.08])
WAIT_RATE = np.array([0.18, 0.30, 0.55, 0.08])
AUTO_CLOSE_ALERTS = 0.5  # RMM closes half of its own alerts before anyone looks
REOPEN_RATE = 0.045
TWO_STEP_CLOSE = 0.45  # resolved first, closed later (customer confirmation / auto-close timer)
CANCEL_SHARE = 0.01
UNMAPPED_SHARE = 0.005
UNASSIGNED_OPEN_SHARE = 0.05


@dataclass(frozen=True)
class Lifecycle:
    """Slot grid plus the per-ticket facts derived from it."""

    times: np.ndarray  # (n, N_SLOTS) epoch seconds
    status: np.ndarray  # (n, N_SLOTS) index into catalog.ALL_STATUSES
    tech: np.ndarray  # (n, N_SLOTS) technician row, -1 = nobody
    valid: np.ndarray  # (n, N_SLOTS) slot happened on or before `end`
    current: np.ndarray  # current status code
    owner: np.ndarray  # current owner, -1 = unassigned
    initial_tech: np.ndarray  # -1 for deliberately unassigned tickets
    escalation_tech: np.ndarray
    escalated_at: np.ndarray  # meaningful where valid[:, ESCALATE_SLOT]
    resolved: np.ndarray  # true resolution time (before any deliberate damage)
    is_resolved: np.ndarray  # current status is Resolved or Closed
    closed: np.ndarray
    is_closed: np.ndarray  # Closed or Cancelled
    reopened: np.ndarray
    last_event: np.ndarray


def _assign_technicians(
    rng: np.random.Generator, board: np.ndarray, directory: Directory
) -> tuple[np.ndarray, np.ndarray]:
    """Initial owner from the board's team, and a higher-tier escalation target (-1 if none)."""
    team, tier, weight = directory.tech_team, directory.tech_tier, directory.tech_weight
    initial = np.empty(board.size, dtype=np.int64)
    for b in range(len(cat.BOARDS)):
        rows = np.flatnonzero(board == b)
        pool = np.flatnonzero(team == b)
        # Front-line tier-1 staff take most Help Desk tickets; tier 2 picks up the rest.
        w = weight[pool] * np.where((b == cat.HELP_DESK) & (tier[pool] > 1), 0.4, 1.0)
        initial[rows] = rng.choice(pool, size=rows.size, p=w / w.sum())
    target = np.full(board.size, -1, dtype=np.int64)
    for level in (1, 2):
        rows = np.flatnonzero(tier[initial] == level)
        pool = np.flatnonzero((team == cat.BOARD_TEAM.index("Escalations")) & (tier > level))
        target[rows] = rng.choice(pool, size=rows.size, p=weight[pool] / weight[pool].sum())
    return initial, target


def simulate(
    rng: np.random.Generator, core: TicketCore, directory: Directory, end: int
) -> Lifecycle:
    """Plan every ticket's full life, then cut it at ``end`` to get the current state."""
    n = core.created.size
    created, board, p = core.created, core.board, core.priority - 1
    alert = board == cat.ALERTS
    auto = alert & (rng.random(n) < AUTO_CLOSE_ALERTS)
    initial, target = _assign_technicians(rng, board, directory)

    delay = lognormal_seconds(
        rng, RESPONSE_MEDIAN_MIN[p] * RESPONSE_BOARD[board] * MINUTE, 1.1, n, MINUTE, 3 * DAY
    )
    # Normal/low priority tickets raised after hours wait for the next business morning.
    deferred = (core.priority >= 3) & ~alert
    respond = np.where(deferred, core.business_start, created) + delay
    assign = created + np.maximum(30, rng.uniform(0.1, 0.8, n) * (respond - created)).astype(
        np.int64
    )
    work = lognormal_seconds(
        rng, WORK_MEDIAN_H[p] * WORK_BOARD[board] * HOUR, 1.25, n, 10 * MINUTE, 120 * DAY
    )
    work = np.where(rng.random(n) < 0.003, work * 25, work)  # a few forgotten tickets go stale

    escalate = ~auto & (target >= 0) & (rng.random(n) < ESCALATE_RATE[board])
    wait = ~auto & (rng.random(n) < WAIT_RATE[board])
    wait_status = np.where(
        board == cat.PROJECTS,
        np.where(rng.random(n) < 0.8, cat.SCHEDULED, cat.WAITING_CUSTOMER),
        np.where(
            rng.random(n) < np.where(board == cat.TIER2, 0.5, 0.3),
            cat.WAITING_VENDOR,
            cat.WAITING_CUSTOMER,
        ),
    )
    wait_len = lognormal_seconds(
        rng, np.where(wait_status == cat.SCHEDULED, 4 * DAY, 18 * HOUR), 1.1, n, 30 * MINUTE,
        45 * DAY,
    )  # fmt: skip

    # Build the timeline in slot order; each step starts from the previous event.
    escalate_at = respond + (rng.uniform(0.05, 0.4, n) * work).astype(np.int64)
    escalated_work = escalate_at + lognormal_seconds(rng, 20 * MINUTE, 0.8, n, MINUTE, 6 * HOUR)
    cursor = np.where(escalate, escalated_work, respond)
    wait_at = cursor + (rng.uniform(0.05, 0.4, n) * work).astype(np.int64)
    wait_end = wait_at + wait_len
    cursor = np.where(wait, wait_end, cursor)
    resolve = cursor + (rng.uniform(0.2, 0.6, n) * work).astype(np.int64)
    auto_resolve = created + lognormal_seconds(rng, 12 * MINUTE, 0.9, n, MINUTE, 4 * HOUR)
    resolve = np.where(auto, auto_resolve, resolve)

    reopen = ~auto & (rng.random(n) < REOPEN_RATE)
    reopen_at = resolve + lognormal_seconds(rng, 20 * HOUR, 1.0, n, 10 * MINUTE, 14 * DAY)
    reresolve = reopen_at + lognormal_seconds(rng, 3 * HOUR, 1.2, n, 5 * MINUTE, 10 * DAY)
    final_resolve = np.where(reopen, reresolve, resolve)
    two_step = ~auto & (rng.random(n) < TWO_STEP_CLOSE)
    close_delay = lognormal_seconds(rng, 30 * HOUR, 1.0, n, 10 * MINUTE, 14 * DAY)
    close = final_resolve + np.where(two_step, close_delay, 0)

    # Exact counts (not coin flips) so small demos still contain every kind of record.
    people = np.flatnonzero(~auto)
    cancelled = pick_exact(rng, people, round(CANCEL_SHARE * n))
    legacy = pick_exact(rng, np.setdiff1d(people, cancelled), dirty_count(UNMAPPED_SHARE, n, 1))
    terminal = np.full(n, -1, dtype=np.int64)
    terminal[cancelled] = cat.CANCELLED
    terminal[legacy] = cat.FIRST_UNMAPPED + rng.integers(0, len(cat.UNMAPPED_STATUSES), legacy.size)
    term_median = np.where(terminal == cat.CANCELLED, 5 * HOUR, 2 * DAY)
    terminal_at = created + lognormal_seconds(rng, term_median, 1.2, n, 2 * MINUTE, 30 * DAY)
    terminal_at = np.minimum(terminal_at, end)  # always visible, even on very recent tickets

    open_at_end = np.flatnonzero((terminal < 0) & ~auto & (resolve > end))
    unassigned = np.zeros(n, dtype=bool)
    # At least one as soon as there is a real backlog, so the data-quality check has a hit.
    count = max(round(UNASSIGNED_OPEN_SHARE * open_at_end.size), int(open_at_end.size >= 10))
    unassigned[pick_exact(rng, open_at_end, count)] = True
    escalate &= ~unassigned

    current_tech = np.where(escalate, target, initial)
    times = np.column_stack(
        [created, assign, respond, escalate_at, escalated_work, wait_at, wait_end, resolve,
         reopen_at, reresolve, close, terminal_at]
    )  # fmt: skip
    status = np.empty((n, N_SLOTS), dtype=np.int16)
    status[:] = [
        cat.NEW, cat.ASSIGNED, cat.IN_PROGRESS, cat.ASSIGNED, cat.IN_PROGRESS, 0,
        cat.IN_PROGRESS, cat.RESOLVED, cat.IN_PROGRESS, cat.RESOLVED, cat.CLOSED, 0,
    ]  # fmt: skip
    status[:, WAIT_SLOT] = wait_status
    status[:, TERMINAL_SLOT] = np.maximum(terminal, 0)
    tech = np.column_stack(
        [np.full(n, -1), initial, initial, target, target] + [current_tech] * 6 + [np.full(n, -1)]
    ).astype(np.int16)
    valid = np.column_stack(
        [np.ones(n, dtype=bool), ~auto & ~unassigned, ~auto, escalate, escalate, wait, wait,
         np.ones(n, dtype=bool), reopen, reopen, np.ones(n, dtype=bool), terminal >= 0]
    )  # fmt: skip
    # A cancelled or legacy ticket stops at its terminal change; nothing after it happened.
    ended = terminal >= 0
    valid[ended, 1:TERMINAL_SLOT] &= times[ended, 1:TERMINAL_SLOT] < terminal_at[ended, None]
    valid &= times <= end
    tech[unassigned] = -1
    tech[:, TERMINAL_SLOT] = np.where(
        valid[:, ESCALATE_SLOT], target, np.where(valid[:, ASSIGN_SLOT], initial, -1)
    )
    # Guard: valid slot times never decrease within a ticket (ties keep slot order).
    running = np.maximum.accumulate(np.where(valid, times, np.iinfo(np.int64).min), axis=1)
    times = np.where(valid, running, times)

    rows = np.arange(n)
    never = np.iinfo(np.int64).max
    last = N_SLOTS - 1 - np.argmax(valid[:, ::-1], axis=1)
    current = status[rows, last].astype(np.int64)
    is_resolved = (current == cat.RESOLVED) | (current == cat.CLOSED)
    resolved = np.where(valid[:, RERESOLVE_SLOT], times[:, RERESOLVE_SLOT], times[:, RESOLVE_SLOT])
    closed = np.where(current == cat.CANCELLED, times[:, TERMINAL_SLOT], times[:, CLOSE_SLOT])
    return Lifecycle(
        times=times,
        status=status,
        tech=tech,
        valid=valid,
        current=current,
        owner=tech[rows, last].astype(np.int64),
        initial_tech=np.where(unassigned, -1, initial),
        escalation_tech=target,
        escalated_at=np.where(valid[:, ESCALATE_SLOT], times[:, ESCALATE_SLOT], never),
        resolved=resolved,
        is_resolved=is_resolved,
        closed=closed,
        is_closed=(current == cat.CLOSED) | (current == cat.CANCELLED),
        reopened=valid[:, RERESOLVE_SLOT] & is_resolved,
        last_event=times[rows, last],
    )
