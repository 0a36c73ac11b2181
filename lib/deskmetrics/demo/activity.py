"""Work logged against tickets (time entries) and customer feedback (CSAT survey responses).

Both are derived from a ticket's simulated lifecycle: time is logged between first response
and resolution by whoever owned the ticket then, and surveys arrive after the resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deskmetrics.demo import catalog as cat
from deskmetrics.demo._arrays import DAY, HOUR, MINUTE, choice_by_group, lognormal_seconds
from deskmetrics.demo.arrivals import TicketCore
from deskmetrics.demo.entities import Directory
from deskmetrics.demo.lifecycle import RESPOND_SLOT, Lifecycle

# Rows: boards; columns: probability of 0..5 entries on a ticket.
ENTRY_COUNT_PROBS = np.array(
    [
        [0.08, 0.45, 0.26, 0.12, 0.06, 0.03],
        [0.04, 0.25, 0.30, 0.20, 0.13, 0.08],
        [0.02, 0.10, 0.20, 0.25, 0.23, 0.20],
        [0.45, 0.40, 0.10, 0.05, 0.00, 0.00],
    ]
)
ENTRY_HOURS_MEDIAN = np.array([0.5, 1.0, 2.5, 0.4])
BILLABLE_RATE = np.array([0.72, 0.75, 0.90, 0.40])
HELPING_HAND = 0.05  # share of entries logged by a colleague rather than the owner

SURVEY_RATE = 0.25
SCALES: tuple[str, ...] = ("smileback", "crewhu", "stars5", "nps", "ces7")
SMILEBACK, CREWHU, STARS5, NPS, CES7 = range(len(SCALES))
EXTRA_QUESTION_RATE = 0.12  # Simplesat clients also send some NPS / CES questions
COMMENT_RATE = np.array([0.25, 0.50, 0.70])  # by sentiment: positive, neutral, negative
COMMENTS: tuple[tuple[str, ...], ...] = (
    cat.POSITIVE_COMMENTS, cat.NEUTRAL_COMMENTS, cat.NEGATIVE_COMMENTS,
)  # fmt: skip


@dataclass(frozen=True)
class TimeEntries:
    ticket: np.ndarray
    tech: np.ndarray
    started: np.ndarray
    hours: np.ndarray
    billable: np.ndarray


@dataclass(frozen=True)
class Surveys:
    ticket: np.ndarray
    tool: np.ndarray  # index into catalog.SURVEY_TOOLS (gives the source)
    scale: np.ndarray  # index into SCALES
    submitted: np.ndarray
    rating: np.ndarray
    comment: np.ndarray  # index into flattened COMMENTS, -1 for none


def time_entries(
    rng: np.random.Generator, core: TicketCore, life: Lifecycle, end: int
) -> TimeEntries:
    """0..5 entries per ticket, started between first response and resolution (or now)."""
    n = core.created.size
    count = choice_by_group(rng, ENTRY_COUNT_PROBS, core.board)
    # Nobody logs time on tickets nobody has touched or owns (auto-closed alerts, new, unassigned).
    worked = life.valid[:, RESPOND_SLOT] & (life.initial_tech >= 0)
    count = np.where(worked, count, 0)
    still_open = life.current <= cat.SCHEDULED
    low = life.times[:, RESPOND_SLOT]
    high = np.maximum(np.where(still_open, end, life.last_event), low)

    ticket = np.repeat(np.arange(n), count)
    m = ticket.size
    span = (high - low)[ticket]
    started = low[ticket] + (rng.random(m) * span / MINUTE).astype(np.int64) * MINUTE
    after = started >= life.escalated_at[ticket]
    tech = np.where(after, life.escalation_tech[ticket], life.initial_tech[ticket])
    helper = rng.random(m) < HELPING_HAND
    tech = np.where(helper, rng.integers(0, len(cat.TECH_ROSTER), m), tech)
    median = ENTRY_HOURS_MEDIAN[core.board[ticket]]
    raw = median * rng.lognormal(0.0, 0.8, m)
    hours = np.clip(np.ceil(raw * 4) / 4, 0.25, 8.0)  # PSAs log in quarter hours
    billable = rng.random(m) < BILLABLE_RATE[core.board[ticket]]
    order = np.lexsort((ticket, started))  # entry ids follow the clock, like a real PSA
    return TimeEntries(ticket[order], tech[order], started[order], hours[order], billable[order])


def surveys(
    rng: np.random.Generator, core: TicketCore, life: Lifecycle, directory: Directory, end: int
) -> Surveys:
    """CSAT responses on ~20 % of resolved, human-raised tickets; mostly positive."""
    n = core.created.size
    eligible = life.is_resolved & (core.contact >= 0)
    ticket = np.flatnonzero(eligible & (rng.random(n) < SURVEY_RATE))
    delay = lognormal_seconds(rng, 2 * HOUR, 1.4, ticket.size, MINUTE, 10 * DAY)
    submitted = life.resolved[ticket] + delay
    keep = submitted <= end
    ticket, submitted = ticket[keep], submitted[keep]
    m = ticket.size

    tool = directory.client_tool[core.client[ticket]]
    scale = tool.copy()  # tools 0..2 map onto scales smileback, crewhu, stars5
    extra = (tool == STARS5) & (rng.random(m) < EXTRA_QUESTION_RATE)
    scale[extra] = np.where(rng.random(int(extra.sum())) < 0.5, NPS, CES7)

    # Slow or reopened tickets make unhappy customers more likely.
    slow = (life.resolved[ticket] - core.created[ticket] > 5 * DAY) | life.reopened[ticket]
    p_negative = np.where(slow, 0.15, 0.04)
    p_neutral = np.where(slow, 0.12, 0.06)
    u = rng.random(m)
    sentiment = np.where(u < p_negative, 2, np.where(u < p_negative + p_neutral, 1, 0))
    pos, neu = sentiment == 0, sentiment == 1
    v = rng.random(m)
    by_scale = {
        SMILEBACK: np.where(pos, 1, np.where(neu, 0, -1)),
        CREWHU: np.where(pos, 5, np.where(neu, 0, -5)),
        STARS5: np.where(pos, np.where(v < 0.8, 5, 4), np.where(neu, 3, np.where(v < 0.5, 1, 2))),
        NPS: np.where(pos, np.where(v < 0.6, 10, 9), np.where(neu, 7 + (v < 0.5), (v * 7) // 1)),
        CES7: np.where(pos, np.where(v < 0.6, 7, 6), np.where(neu, 4 + (v < 0.5), 1 + v * 3 // 1)),
    }
    rating = np.zeros(m, dtype=np.int64)
    for code, values in by_scale.items():
        rating = np.where(scale == code, values, rating)

    sizes = np.array([len(group) for group in COMMENTS])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pick = offsets[sentiment] + (rng.random(m) * sizes[sentiment]).astype(np.int64)
    comment = np.where(rng.random(m) < COMMENT_RATE[sentiment], pick, -1)

    order = np.lexsort((ticket, submitted))
    return Surveys(
        ticket[order], tool[order], scale[order], submitted[order], rating[order], comment[order]
    )
