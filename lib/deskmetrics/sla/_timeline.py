"""Status histories of many tickets as flat arrays of clock segments (no loop per ticket).

Each ticket gets one segment starting at ``created_at`` in its initial category (``new``, or the
last change at/before creation) and one more per later status change. Segments are laid out
ticket by ticket, in time order; the last segment of every ticket is open-ended (``OPEN_END``).
Callers clip segments to their own stop instants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskmetrics.errors import InputError

OPEN_END = np.iinfo(np.int64).max
NAT = np.iinfo(np.int64).min

# category codes: the clock runs for codes <= UNMAPPED; codes <= WAITING_VENDOR are "open"
NEW, IN_PROGRESS, UNMAPPED, WAITING_CUSTOMER, WAITING_VENDOR, RESOLVED, CLOSED, CANCELLED = range(8)
CATEGORY_CODES: dict[str, int] = {
    "new": NEW,
    "in_progress": IN_PROGRESS,
    "open": IN_PROGRESS,  # alias in metrics reference §0.2
    "waiting_customer": WAITING_CUSTOMER,
    "waiting_vendor": WAITING_VENDOR,
    "on_hold": WAITING_VENDOR,  # alias in metrics reference §0.2
    "resolved": RESOLVED,
    "closed": CLOSED,
    "cancelled": CANCELLED,
}


@dataclass(frozen=True)
class Timeline:
    """Flat per-segment arrays plus, per ticket, where its segments start and end."""

    tpos: np.ndarray  # ticket position (0..n-1) of each segment
    start: np.ndarray  # int64 ns
    end: np.ndarray  # int64 ns; OPEN_END for each ticket's last segment
    running: np.ndarray  # bool: the SLA clocks run in this segment
    first: np.ndarray  # per ticket: index of its first segment
    last: np.ndarray  # per ticket: index of its last (open-ended) segment
    reopen_count: np.ndarray  # per ticket: moves from resolved/closed back to an open category


def encode_categories(values: pd.Series, column: str) -> np.ndarray:
    """Category names -> codes; missing -> UNMAPPED; anything else is an InputError."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=np.int8)
    table[-1] = UNMAPPED  # factorize marks missing values with -1
    for k, name in enumerate(uniques):
        if name not in CATEGORY_CODES:
            raise InputError(
                f"{name!r} is not a status category; use one of {', '.join(CATEGORY_CODES)} "
                "or None for an unmapped status",
                column=column,
            )
        table[k] = CATEGORY_CODES[name]
    return table[codes]


def utc_ns(values: pd.Series, column: str) -> np.ndarray:
    """A timestamp column as int64 UTC ns (NaT -> NAT); naive timestamps are refused."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(values).as_unit("ns").asi8
    if pd.api.types.is_datetime64_dtype(values.dtype):
        raise InputError("timestamps must be timezone-aware UTC, not naive", column=column)
    try:
        # e.g. an all-None object column, or aware datetimes stored as objects
        parsed = pd.to_datetime(values, utc=True)
    except (TypeError, ValueError) as exc:
        raise InputError(f"cannot be read as UTC timestamps: {exc}", column=column) from None
    return pd.DatetimeIndex(parsed).as_unit("ns").asi8


def build_timeline(created_ns: np.ndarray, ticket_ids: pd.Index, changes: pd.DataFrame) -> Timeline:
    """Lay out the clock segments of every ticket from its status changes."""
    n = len(created_ns)
    pos = ticket_ids.get_indexer(changes["ticket_id"])
    at = utc_ns(changes["changed_at"], "status_changes.changed_at")
    code = encode_categories(changes["category_status"], "status_changes.category_status")
    # changes for unknown tickets, or without a time, cannot be placed
    keep = (pos >= 0) & (at != NAT)
    pos, at, code = pos[keep], at[keep], code[keep]
    order = np.lexsort((at, pos))  # stable: changes at the same instant keep input order
    pos, at, code = pos[order], at[order], code[order]

    same_as_prev = np.r_[False, pos[1:] == pos[:-1]]
    prev = np.where(same_as_prev, np.r_[NEW, code[:-1]], NEW)  # a ticket starts as `new`
    reopened = (prev >= RESOLVED) & (prev <= CLOSED) & (code <= WAITING_VENDOR)
    reopen_count = np.bincount(pos[reopened], minlength=n)

    # changes at or before creation only set the initial category; they sort first per ticket
    pre = at <= created_ns[pos]
    same_as_next = np.r_[pos[1:] == pos[:-1], False]
    last_pre = pre & ~(same_as_next & np.r_[pre[1:], False])
    initial = np.full(n, NEW, dtype=np.int8)
    initial[pos[last_pre]] = code[last_pre]

    post_pos, post_at, post_code = pos[~pre], at[~pre], code[~pre]
    # ticket i's segments: its initial one, then its later changes in time order
    before = np.r_[0, np.cumsum(np.bincount(post_pos, minlength=n))[:-1]] if n else np.zeros(0)
    first = np.arange(n) + before.astype(np.int64)
    slots = np.arange(len(post_pos)) + post_pos + 1
    size = n + len(post_pos)
    tpos = np.empty(size, dtype=np.int64)
    start = np.empty(size, dtype=np.int64)
    cat = np.empty(size, dtype=np.int8)
    tpos[first], start[first], cat[first] = np.arange(n), created_ns, initial
    tpos[slots], start[slots], cat[slots] = post_pos, post_at, post_code
    end = np.full(size, OPEN_END, dtype=np.int64)
    if size:
        end[:-1] = np.where(tpos[1:] == tpos[:-1], start[1:], OPEN_END)
    last = np.r_[first[1:] - 1, size - 1] if n else np.zeros(0, dtype=np.int64)
    return Timeline(
        tpos=tpos,
        start=start,
        end=end,
        running=cat <= UNMAPPED,
        first=first,
        last=last.astype(np.int64),
        reopen_count=reopen_count,
    )
