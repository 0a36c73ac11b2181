"""One SLA target (response or resolution) for every ticket at once: elapsed, breach, met.

Works on the flat segments of :mod:`deskmetrics.sla._timeline` and a
:class:`~deskmetrics.sla.clock.BusinessClock`; all instants are int64 UTC ns (``NAT`` =
missing), all durations int64 ns, so results are exact. See ``compute_ticket_facts`` for the
meaning of each output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deskmetrics.sla._timeline import NAT, OPEN_END, Timeline
from deskmetrics.sla.clock import BusinessClock

NONE = -1  # "no target" in int64 ns target arrays


@dataclass(frozen=True)
class Outcome:
    business_ns: np.ndarray  # elapsed business ns up to the stop (meaningful when stopped)
    breach_ns: np.ndarray
    due_soon_ns: np.ndarray
    decided_ns: np.ndarray
    met: np.ndarray  # int8: 1 met, 0 missed/breached, -1 undecided or not applicable
    source: np.ndarray  # object: "native", "computed" or None


def segment_business(
    tl: Timeline, clock: BusinessClock, cum_start: np.ndarray, stop_ns: np.ndarray
) -> np.ndarray:
    """Business ns of each running segment clipped to its ticket's stop (NAT = still open)."""
    stop = np.where(stop_ns == NAT, OPEN_END, stop_ns)[tl.tpos]
    end = np.minimum(tl.end, stop)
    valid = tl.running & (tl.start != NAT) & (end > tl.start)
    cum_end = clock.cumulative_ns(np.where(valid, end, clock.start_ns))
    return np.where(valid, cum_end - cum_start, 0)


def per_ticket(tl: Timeline, per_segment: np.ndarray) -> np.ndarray:
    """Sum a per-segment array by ticket (every ticket has at least one segment)."""
    if not len(tl.first):
        return np.zeros(0, dtype=per_segment.dtype)
    return np.add.reduceat(per_segment, tl.first)


def crossing(
    tl: Timeline,
    clock: BusinessClock,
    cum_start: np.ndarray,
    bus: np.ndarray,
    threshold_ns: np.ndarray,
) -> np.ndarray:
    """Per ticket, the instant its running business time reached ``threshold_ns`` (or NAT)."""
    # int64 cumsum over all tickets may wrap around, but the per-ticket differences below are
    # exact in two's-complement arithmetic as long as each ticket's own total fits in int64
    csum = np.cumsum(bus)
    base = (csum - bus)[tl.first]
    cum_before = csum - bus - base[tl.tpos]
    thr = threshold_ns[tl.tpos]
    hit = np.flatnonzero((thr > 0) & (bus > 0) & (cum_before < thr) & (thr <= cum_before + bus))
    out = np.full(len(tl.first), NAT, dtype=np.int64)
    # cumulative business time is non-decreasing, so a ticket crosses in at most one segment
    out[tl.tpos[hit]] = clock.instant_at_ns(cum_start[hit] + (thr[hit] - cum_before[hit]))
    return out


def evaluate(
    tl: Timeline,
    clock: BusinessClock,
    cum_start: np.ndarray,
    *,
    stop_ns: np.ndarray,
    target_ns: np.ndarray,
    due_ns: np.ndarray,
    soon_pct: float,
    as_of_ns: int | None,
    computable: np.ndarray,
    cancelled: np.ndarray,
) -> Outcome:
    """Decide one target for every ticket: computed from the clock, or native due date."""
    n = len(stop_ns)
    stopped = stop_ns != NAT
    bus = segment_business(tl, clock, cum_start, stop_ns)
    total = per_ticket(tl, bus)
    has_target = target_ns > 0
    breach = crossing(tl, clock, cum_start, bus, target_ns)
    soon_ns = np.where(has_target, np.rint(soon_pct * target_ns).astype(np.int64), NONE)
    due_soon = crossing(tl, clock, cum_start, bus, soon_ns)

    # for open tickets: elapsed so far (finished segments, or up to as_of when given)
    if as_of_ns is None:
        elapsed_now = total - np.where(stopped, 0, bus[tl.last])
    else:
        elapsed_now = per_ticket(
            tl, segment_business(tl, clock, cum_start, np.full(n, as_of_ns, dtype=np.int64))
        )
    last_running = tl.running[tl.last]

    computed = computable & has_target & ~cancelled
    missed = stopped & (total > target_ns)
    breached_open = ~stopped & (elapsed_now > target_ns)
    met = np.full(n, -1, dtype=np.int8)
    met[computed & stopped & ~missed] = 1
    met[computed & (missed | breached_open)] = 0
    # an open ticket that is running carries its forecast breach; a paused one only a past one
    show_breach = computed & (missed | breached_open | (~stopped & last_running))
    breach_ns = np.where(show_breach, breach, NAT)
    due_soon_ns = np.where(computed, due_soon, NAT)

    # a native PSA due date wins over the computed one
    native = (due_ns != NAT) & ~cancelled
    native_met = stopped & (stop_ns <= due_ns)
    native_missed = stopped & (stop_ns > due_ns)
    if as_of_ns is not None:
        native_missed |= ~stopped & (due_ns < as_of_ns)
    met[native] = np.where(native_met, 1, np.where(native_missed, 0, -1))[native]
    breach_ns = np.where(native, np.where(native_met, NAT, due_ns), breach_ns)
    due_soon_ns = np.where(native, NAT, due_soon_ns)

    decided_ns = np.where(met == 1, stop_ns, np.where(met == 0, breach_ns, NAT))
    source = np.full(n, None, dtype=object)
    source[computed] = "computed"
    source[native] = "native"
    return Outcome(
        business_ns=total,
        breach_ns=breach_ns,
        due_soon_ns=due_soon_ns,
        decided_ns=decided_ns,
        met=met,
        source=source,
    )
