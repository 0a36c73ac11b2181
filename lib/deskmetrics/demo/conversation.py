"""Ticket conversations: customer messages, agent replies and internal notes.

Events are laid over each ticket's *planned* life (see :mod:`~deskmetrics.demo.lifecycle`) and
then cut at ``end``, exactly like the status slots, so open tickets naturally end mid-thread,
some with a customer message nobody has answered yet. Per ticket:

* the opening customer message at ``created_at`` (monitoring alerts have no customer);
* the first agent reply at the first response, by whoever held the ticket then;
* follow-up cycles (customer message, agent reply minutes to hours later) strictly between the
  first response and the resolve: a technician asking before a Waiting Customer period and the
  customer answering when it ends, the customer message that reopened a ticket, plus 0-4
  long-tailed generic cycles, each in its own slice of the window so the thread alternates,
  and on some open tickets a customer message shortly before ``end`` still awaiting an answer;
* internal notes by the working technicians (and the occasional colleague), including a
  handover note on escalation; alerts that were worked always carry notes.

Colliding instants (same ticket, kind and second) are nudged forward by a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deskmetrics.demo import catalog as cat
from deskmetrics.demo._arrays import DAY, HOUR, MINUTE, choice_by_group, lognormal_seconds
from deskmetrics.demo.arrivals import TicketCore
from deskmetrics.demo.entities import Directory
from deskmetrics.demo.lifecycle import (
    ESCALATE_SLOT,
    REOPEN_SLOT,
    RERESOLVE_SLOT,
    RESOLVE_SLOT,
    RESPOND_SLOT,
    TERMINAL_SLOT,
    WAIT_END_SLOT,
    WAIT_SLOT,
    Lifecycle,
)

KINDS: tuple[str, ...] = ("customer_message", "agent_reply", "internal_note")
CUSTOMER, AGENT, NOTE = range(len(KINDS))
ALERT_CHANNEL = cat.CHANNELS.index("alert")

MAX_CYCLES = 4  # follow-up customer messages per ticket, anchored ones included
# Rows: boards; columns: probability of 0..4 generic follow-up cycles (long tail).
CYCLE_PROBS = np.array(
    [
        [0.48, 0.30, 0.13, 0.06, 0.03],
        [0.30, 0.32, 0.20, 0.11, 0.07],
        [0.20, 0.30, 0.25, 0.15, 0.10],
        [1.00, 0.00, 0.00, 0.00, 0.00],  # alerts: nobody on the other end
    ]
)
EXTRA_CYCLE_RATE = 0.4  # waiting periods and reopens mean more back-and-forth
PENDING_RATE = 0.3  # open tickets whose customer has just written and awaits an answer
PENDING_MEDIAN = 5 * HOUR
# Rows: boards; columns: probability of 0..3 internal notes on a worked ticket.
NOTE_PROBS = np.array(
    [
        [0.50, 0.32, 0.13, 0.05],
        [0.25, 0.35, 0.25, 0.15],
        [0.10, 0.30, 0.35, 0.25],
        [0.00, 0.55, 0.30, 0.15],
    ]
)
COLLEAGUE_NOTE = 0.10  # notes left by someone other than the ticket's technician
REPLY_MEDIAN_MIN = np.array([10.0, 25.0, 60.0, 120.0])  # by priority 1..4
MIN_CYCLE_WINDOW = 10 * MINUTE


@dataclass(frozen=True)
class TicketEvents:
    """One row per event, sorted by ticket, then time, then kind."""

    ticket: np.ndarray
    at: np.ndarray  # epoch seconds
    kind: np.ndarray  # index into KINDS
    tech: np.ndarray  # technician row, -1 for customer messages


def _queue_responder(
    rng: np.random.Generator, board: np.ndarray, directory: Directory
) -> np.ndarray:
    """A technician from the board's team, for replies on tickets nobody has taken."""
    out = np.empty(board.size, dtype=np.int64)
    for b in range(len(cat.BOARDS)):
        rows = np.flatnonzero(board == b)
        pool = np.flatnonzero(directory.tech_team == b)
        weight = directory.tech_weight[pool]
        out[rows] = rng.choice(pool, size=rows.size, p=weight / weight.sum())
    return out


def _reply_delay(rng: np.random.Generator, priority: np.ndarray) -> np.ndarray:
    median = REPLY_MEDIAN_MIN[priority - 1] * MINUTE
    return lognormal_seconds(rng, median, 1.0, priority.size, MINUTE, 2 * DAY)


def _answer(
    rng: np.random.Generator,
    core: TicketCore,
    ticket: np.ndarray,
    asked: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Reply times to messages at ``asked``, kept before ``hi`` (ticket, reply time)."""
    room = (hi[ticket] - asked) // 2
    reply = asked + np.maximum(1, np.minimum(_reply_delay(rng, core.priority[ticket]), room))
    ok = reply < hi[ticket]
    return ticket[ok], reply[ok]


def _spread(
    count: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``count`` equal slices of each ticket's (lo, hi): (ticket, slice start, slice width)."""
    ticket = np.repeat(np.arange(count.size), count)
    first = np.cumsum(count) - count
    j = np.arange(ticket.size) - first[ticket]
    width = (hi - lo)[ticket] // count[ticket]
    return ticket, lo[ticket] + j * width, width


def _nudge(ticket: np.ndarray, at: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Make (ticket, at, kind) unique by pushing colliding instants forward a second at a time."""
    if at.size == 0:
        return at
    low, room = int(at.min()), int(at.max() - at.min()) + at.size + 1  # room for every nudge
    group = ticket * len(KINDS) + kind
    # One int64 key; the parts arrive as ticket-sorted runs, which a stable sort merges fast.
    order = np.argsort(group * room + (at - low), kind="stable")
    i = np.arange(order.size)
    # at'[i] = max(at[i], at'[i-1] + 1) within a group, i.e. a running max of (at - i) that
    # restarts per group: lifting each group above all earlier ones makes one cummax do it.
    base = at[order] - low - i + at.size  # >= 1
    offset = group[order] * room
    out = np.empty_like(at)
    out[order] = np.maximum.accumulate(base + offset) - offset + i + low - at.size
    return out


def ticket_events(
    rng: np.random.Generator, core: TicketCore, life: Lifecycle, directory: Directory, end: int
) -> TicketEvents:
    """Build every ticket's conversation, cut at ``end``."""
    n = core.created.size
    times, valid = life.times, life.valid
    human = core.channel != ALERT_CHANNEL
    responded = valid[:, RESPOND_SLOT]
    # Planned window: first response .. final resolve (or the cancel/legacy change, if earlier).
    lo = times[:, RESPOND_SLOT]
    hi = np.where(valid[:, REOPEN_SLOT], times[:, RERESOLVE_SLOT], times[:, RESOLVE_SLOT])
    hi = np.where(valid[:, TERMINAL_SLOT], np.minimum(hi, times[:, TERMINAL_SLOT]), hi)
    responder = _queue_responder(rng, core.board, directory)
    parts: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]] = []  # ticket, at, kind, tech

    def add(ticket: np.ndarray, at: np.ndarray, kind: int, tech: np.ndarray | None = None) -> None:
        if tech is None and kind != CUSTOMER:  # whoever holds the ticket at that moment
            held = np.where(
                at >= life.escalated_at[ticket],
                life.escalation_tech[ticket],
                life.initial_tech[ticket],
            )
            tech = np.where(held < 0, responder[ticket], held)
        parts.append((ticket, at, kind, np.full(ticket.size, -1) if tech is None else tech))

    opening = np.flatnonzero(human)
    add(opening, core.created[opening], CUSTOMER)
    first = np.flatnonzero(responded)
    add(first, lo[first], AGENT)

    # Anchored cycles: the tech asks, the ticket waits on the customer, the customer answers ...
    waits = valid[:, WAIT_SLOT] & (life.status[:, WAIT_SLOT] == cat.WAITING_CUSTOMER) & human
    asks = np.flatnonzero(waits)
    add(asks, times[asks, WAIT_SLOT], AGENT)
    answered = waits & valid[:, WAIT_END_SLOT]
    # ... and a resolved ticket is reopened by the customer writing back.
    reopened = valid[:, REOPEN_SLOT] & human
    for mask, slot in ((answered, WAIT_END_SLOT), (reopened, REOPEN_SLOT)):
        rows = np.flatnonzero(mask)
        add(rows, times[rows, slot], CUSTOMER)
        add(*_answer(rng, core, rows, times[rows, slot], hi), AGENT)

    # Generic cycles, one per equal slice of the window so the thread alternates.
    busy = valid[:, WAIT_SLOT] | valid[:, REOPEN_SLOT]
    count = choice_by_group(rng, CYCLE_PROBS, core.board)
    count = count + (busy & (rng.random(n) < EXTRA_CYCLE_RATE))
    count = np.minimum(count, MAX_CYCLES - answered - reopened)
    count = np.where(human & (hi - lo >= MIN_CYCLE_WINDOW), count, 0)
    ticket, start, width = _spread(count, lo, hi)
    delay = np.minimum(_reply_delay(rng, core.priority[ticket]), width // 2)
    asked = start + 1 + (rng.random(ticket.size) * (width - delay - 2)).astype(np.int64)
    add(ticket, asked, CUSTOMER)
    add(ticket, asked + delay, AGENT)
    # Open tickets whose customer wrote shortly before `end`: not answered yet.
    room = (count + answered + reopened < MAX_CYCLES) & human & responded & (hi > end)
    pending = np.flatnonzero(room & (rng.random(n) < PENDING_RATE))
    wait = lognormal_seconds(rng, PENDING_MEDIAN, 1.0, pending.size, 5 * MINUTE, 5 * DAY)
    after_first = end - wait > lo[pending]
    add(pending[after_first], (end - wait)[after_first], CUSTOMER)

    # Internal notes anywhere in the worked window (some by a colleague) ...
    notes = choice_by_group(rng, NOTE_PROBS, core.board)
    ticket = np.repeat(np.arange(n), np.where(responded & (hi - lo >= 3), notes, 0))
    at = lo[ticket] + 1 + (rng.random(ticket.size) * (hi - lo - 2)[ticket]).astype(np.int64)
    add(ticket, at, NOTE)
    colleague = rng.random(ticket.size) < COLLEAGUE_NOTE
    other = rng.integers(0, len(cat.TECH_ROSTER), ticket.size)
    parts[-1] = (ticket, at, NOTE, np.where(colleague, other, parts[-1][3]))
    # ... and a handover note by the technician escalating the ticket.
    handover = np.flatnonzero(valid[:, ESCALATE_SLOT])
    add(handover, life.escalated_at[handover], NOTE, life.initial_tech[handover])

    ticket = np.concatenate([p[0] for p in parts])
    at = np.concatenate([p[1] for p in parts]).astype(np.int64)
    kind = np.concatenate([np.full(p[0].size, p[2], dtype=np.int8) for p in parts])
    tech = np.concatenate([p[3] for p in parts]).astype(np.int64)
    # Cut at `end` first (open tickets stop mid-thread), so only kept events can collide.
    keep = np.flatnonzero(at <= end)
    ticket, at, kind, tech = ticket[keep], at[keep], kind[keep], tech[keep]
    at = _nudge(ticket, at, kind)
    # Drop the (very rare) events a nudge pushed past `end` or onto the resolve.
    inside = (at < hi[ticket]) | ((kind == CUSTOMER) & (at == core.created[ticket]))
    keep = np.flatnonzero((at <= end) & inside)
    low = int(at.min()) if at.size else 0
    room = int(at.max()) - low + 1 if at.size else 1
    key = (ticket[keep] * room + (at[keep] - low)) * len(KINDS) + kind[keep]
    order = keep[np.argsort(key, kind="stable")]
    return TicketEvents(ticket[order], at[order], kind[order].astype(np.int64), tech[order])
