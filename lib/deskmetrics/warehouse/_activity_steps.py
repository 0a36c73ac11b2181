"""Vectorized per-source reductions behind :func:`deskmetrics.warehouse.activity`.

Each function turns one input frame into per-ticket arrays (position ``i`` is the ``i``-th
input ticket) with sorts, cumulative maxima and ``bincount``; nothing loops over tickets. Rows of
unknown tickets, and rows without a time where a time matters, are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskmetrics.errors import InputError
from deskmetrics.sla._timeline import utc_ns

NAT = np.iinfo(np.int64).min  # numpy/pandas NaT as int64
NEVER = np.iinfo(np.int64).max  # "no instant yet" while taking minima

# category codes; the initial category of every ticket is OPEN (`new`)
OPEN, UNMAPPED, VENDOR, TERMINAL, CANCELLED = range(5)
CATEGORY_CODES: dict[str, int] = {
    "new": OPEN,
    "open": OPEN,  # alias in metrics reference §0.2
    "in_progress": OPEN,
    "waiting_customer": OPEN,
    "waiting_vendor": VENDOR,
    "on_hold": VENDOR,  # alias in metrics reference §0.2
    "resolved": TERMINAL,
    "closed": TERMINAL,
    "cancelled": CANCELLED,
}
CUSTOMER, AGENT, OTHER_EVENT = range(3)


def per_value(values: pd.Series, fn: Callable[[object], int], missing: int) -> np.ndarray:
    """``fn`` applied once per distinct value, broadcast back (``missing`` for NA)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([*(fn(u) for u in uniques), missing], dtype=np.int64)
    return table[codes]  # factorize marks NA with -1, the last slot


def encode_categories(values: pd.Series, column: str) -> np.ndarray:
    """Canonical category names -> codes; None -> UNMAPPED; anything else is an InputError."""

    def code(name: object) -> int:
        if name not in CATEGORY_CODES:
            raise InputError(
                f"{name!r} is not a status category; use one of {', '.join(CATEGORY_CODES)} "
                "or None for an unmapped status",
                column=column,
            )
        return CATEGORY_CODES[name]  # type: ignore[index]

    return per_value(values, code, UNMAPPED)


def group_starts(pos: np.ndarray) -> np.ndarray:
    """True where a row starts a new ticket in rows sorted by ticket position."""
    return np.r_[True, pos[1:] != pos[:-1]] if len(pos) else np.zeros(0, dtype=bool)


def carry_forward(mark: np.ndarray) -> np.ndarray:
    """For each row, the index of the latest marked row at or before it (0 if none)."""
    return np.maximum.accumulate(np.where(mark, np.arange(len(mark)), 0)) if len(mark) else mark


def first_at(n: int, pos: np.ndarray, at: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per ticket, ``at`` of its first row where ``mask`` holds (rows sorted); else NEVER."""
    out = np.full(n, NEVER, dtype=np.int64)
    p, a = pos[mask], at[mask]
    first = group_starts(p)
    out[p[first]] = a[first]
    return out


def any_per_ticket(n: int, pos: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.bincount(pos[mask], minlength=n) > 0


@dataclass(frozen=True)
class ChangeFacts:
    escalated_ns: np.ndarray  # first escalation before the end, NEVER if none
    transferred: np.ndarray  # a same-tier owner move before the end
    vendor_escalated: np.ndarray
    reopened: np.ndarray  # a reopen within the window


def change_facts(
    changes: pd.DataFrame,
    ids: pd.Index,
    ended_ns: np.ndarray,
    tech_tiers: pd.Series,
    window_ns: int,
) -> ChangeFacts:
    """Escalation, transfer, vendor escalation and reopen from the status histories."""
    n = len(ids)
    pos = ids.get_indexer(changes["ticket_id"])
    at = utc_ns(changes["changed_at"], "status_changes.changed_at")
    category = encode_categories(changes["category_status"], "status_changes.category_status")
    escalation_status = per_value(
        changes["status"], lambda s: isinstance(s, str) and "escalat" in s.casefold(), 0
    ).astype(bool)
    tier = tech_tiers.reindex(changes["tech_id"]).to_numpy(dtype=np.float64, na_value=np.nan)
    tech = pd.factorize(changes["tech_id"], use_na_sentinel=True)[0]

    rows = np.flatnonzero((pos >= 0) & (at != NAT))
    rows = rows[np.lexsort((at[rows], pos[rows]))]  # stable: ties keep input order
    pos, at, category = pos[rows], at[rows], category[rows]
    escalation_status, tier, tech = escalation_status[rows], tier[rows], tech[rows]
    end = ended_ns[pos]
    before_end = (end == NAT) | (at < end)

    # tier moves: techs of unknown tier are skipped, the first known one sets the baseline
    known = before_end & ~np.isnan(tier)
    k_pos, k_at, k_tier, k_tech = pos[known], at[known], tier[known], tech[known]
    starts = group_starts(k_pos)
    baseline = k_tier[carry_forward(starts)]
    tier_up_ns = first_at(n, k_pos, k_at, k_tier > baseline)
    lateral = ~starts & (k_tech != np.r_[-1, k_tech[:-1]]) & (k_tier == np.r_[np.nan, k_tier[:-1]])
    status_ns = first_at(n, pos, at, before_end & escalation_status)
    escalated_ns = np.minimum(tier_up_ns, status_ns)

    # a reopen leaves a run of resolved/closed rows; it is timed from the run's first row
    previous = np.where(group_starts(pos), OPEN, np.r_[OPEN, category[:-1]])
    run_start = carry_forward((category == TERMINAL) & (previous != TERMINAL))
    reopen = (previous == TERMINAL) & (category <= VENDOR)
    resolved_at = at[np.r_[0, run_start[:-1]]] if len(at) else at
    within = reopen & (at - resolved_at <= window_ns)
    return ChangeFacts(
        escalated_ns=escalated_ns,
        transferred=any_per_ticket(n, k_pos, lateral) & (escalated_ns == NEVER),
        vendor_escalated=any_per_ticket(n, pos, category == VENDOR),
        reopened=any_per_ticket(n, pos, within),
    )


@dataclass(frozen=True)
class EntryFacts:
    count: np.ndarray
    techs: np.ndarray
    hours: np.ndarray
    billable_hours: np.ndarray


def entry_facts(entries: pd.DataFrame, ids: pd.Index) -> EntryFacts:
    """Time entries per ticket: count, distinct technicians, hours and billable hours."""
    n = len(ids)
    pos = ids.get_indexer(entries["ticket_id"])
    hours = pd.to_numeric(entries["hours"], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    hours = np.where(np.isnan(hours), 0.0, hours)  # an entry without hours still counts
    try:
        billable = entries["billable"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError) as exc:
        raise InputError(f"not a boolean: {exc}", column="time_entries.billable") from None
    tech = pd.factorize(entries["tech_id"], use_na_sentinel=True)[0]
    ok = pos >= 0
    pos, hours, billable, tech = pos[ok], hours[ok], billable[ok], tech[ok]
    named = tech >= 0
    # one int64 key per distinct (ticket, technician) pair
    width = int(tech.max(initial=0)) + 1
    pairs = np.sort(pos[named].astype(np.int64) * width + tech[named])
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs  # distinct
    return EntryFacts(
        count=np.bincount(pos, minlength=n),
        techs=np.bincount(pairs // width, minlength=n),
        hours=np.bincount(pos, weights=hours, minlength=n),
        billable_hours=np.bincount(pos, weights=np.where(billable, hours, 0.0), minlength=n),
    )


@dataclass(frozen=True)
class EventFacts:
    agent_replies: np.ndarray
    customer_followups: np.ndarray
    cycle_pos: np.ndarray  # one row per counted next-reply cycle
    cycle_start_ns: np.ndarray
    cycle_end_ns: np.ndarray
    awaiting_since_ns: np.ndarray  # per ticket: start of an unanswered run after a reply, or NAT


def event_facts(events: pd.DataFrame, ids: pd.Index, created_ns: np.ndarray) -> EventFacts:
    """Reply counts and the answered next-reply cycles (first response excluded)."""
    n = len(ids)
    pos = ids.get_indexer(events["ticket_id"])
    at = utc_ns(events["at"], "ticket_events.at")
    kind = per_value(
        events["kind"],
        lambda k: {"customer_message": CUSTOMER, "agent_reply": AGENT}.get(k, OTHER_EVENT),
        OTHER_EVENT,
    )
    rows = np.flatnonzero((pos >= 0) & (at != NAT) & (kind != OTHER_EVENT))
    # a reply at the same instant as a message answers it, so messages sort first
    rows = rows[np.lexsort((kind[rows], at[rows], pos[rows]))]
    pos, at, kind = pos[rows], at[rows], kind[rows]
    customer, agent = kind == CUSTOMER, kind == AGENT
    created = created_ns[pos]
    followup = customer & (created != NAT) & (at > created)

    continues = ~group_starts(pos)
    after_customer = continues & np.r_[False, customer[:-1]]
    # a cycle starts at the first message of a run and ends at the reply after the run
    run_start = carry_forward(customer & ~after_customer)
    closes = agent & after_customer
    agent_rows = np.flatnonzero(agent)
    first_reply = np.zeros(len(pos), dtype=bool)
    first_reply[agent_rows[group_starts(pos[agent_rows])]] = True
    counted = np.flatnonzero(closes & ~first_reply)
    # a ticket whose conversation ends on a customer run after some reply awaits a next reply
    awaiting = np.full(n, NAT, dtype=np.int64)
    if len(pos):
        last = np.flatnonzero(np.r_[pos[1:] != pos[:-1], True])
        replied = np.zeros(n, dtype=bool)
        replied[pos[agent]] = True
        open_run = last[customer[last] & replied[pos[last]]]
        awaiting[pos[open_run]] = at[run_start[open_run]]
    return EventFacts(
        agent_replies=np.bincount(pos[agent], minlength=n),
        customer_followups=np.bincount(pos[followup], minlength=n),
        cycle_pos=pos[counted],
        cycle_start_ns=at[run_start[counted - 1]],
        cycle_end_ns=at[counted],
        awaiting_since_ns=awaiting,
    )
