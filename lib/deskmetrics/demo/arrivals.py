"""Ticket arrivals and static ticket attributes (board, category, priority, client, ...).

Arrival times are drawn from an hourly grid whose weights come from the *local* weekday and
hour in the requested time zone, so DST shifts are handled by the time-zone database, not by us.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskmetrics.demo import catalog
from deskmetrics.demo._arrays import DAY, HOUR, choice_by_group
from deskmetrics.demo.entities import Directory

# Relative arrival intensity by local hour (0..23) for people-raised tickets.
HOUR_WEIGHTS = np.array(
    [0.03, 0.02, 0.02, 0.02, 0.03, 0.05, 0.12, 0.40, 1.00, 1.35, 1.30, 1.20,
     0.90, 1.10, 1.10, 1.00, 0.90, 0.60, 0.25, 0.12, 0.09, 0.07, 0.05, 0.04]
)  # fmt: skip
# Monday peak, quiet weekends (Mon=0 .. Sun=6).
WEEKDAY_WEIGHTS = np.array([1.30, 1.05, 1.00, 0.95, 0.85, 0.06, 0.04])
BUSINESS_HOURS = (8, 18)  # local [start, end) used for "next business hour" response deferral


@dataclass(frozen=True)
class TicketCore:
    """Per-ticket attributes that do not depend on the ticket's lifecycle; sorted by created."""

    created: np.ndarray  # epoch seconds
    business_start: np.ndarray  # created, or the next local business hour if outside hours
    board: np.ndarray
    item: np.ndarray  # index into catalog.ITEMS
    title: np.ndarray  # index into TITLES
    priority: np.ndarray  # 1..4
    channel: np.ndarray  # index into catalog.CHANNELS
    client: np.ndarray
    contact: np.ndarray  # contact row, -1 for monitoring alerts (no human requester)


TITLES: tuple[str, ...] = tuple(t for item in catalog.ITEMS for t in item.titles)
_TITLE_COUNT = np.array([len(item.titles) for item in catalog.ITEMS])
_TITLE_START = np.concatenate([[0], np.cumsum(_TITLE_COUNT)[:-1]])


def window_days(tickets: int) -> float:
    """History length: about two years at 20k tickets, shorter for small demos, capped at 2y."""
    return float(np.clip(730.0 * np.sqrt(tickets / 20_000), 30.0, 730.0))


def _hour_grid(start: int, stop: int, timezone: str) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """UTC hour starts in [start, stop) and the same instants in local time."""
    hours = np.arange(start - start % HOUR, stop, HOUR, dtype=np.int64)
    local = pd.DatetimeIndex(hours.astype("datetime64[s]")).tz_localize("UTC").tz_convert(timezone)
    return hours, local


def sample_core(
    rng: np.random.Generator, n: int, end: int, timezone: str, directory: Directory
) -> TicketCore:
    """Draw arrival times and static attributes for ``n`` tickets ending at ``end``."""
    start = end - int(window_days(n) * DAY)
    # Grid runs a week past `end` so after-hours tickets near the end still find a next open hour.
    hours, local = _hour_grid(start, end + 7 * DAY, timezone)
    dow, hod = np.asarray(local.day_of_week), np.asarray(local.hour)
    in_window = hours < end
    business = (dow < 5) & (hod >= BUSINESS_HOURS[0]) & (hod < BUSINESS_HOURS[1])
    position = (hours - hours[0]) / max(end - hours[0], 1)
    trend = 0.8 + 0.4 * position  # the MSP grows: ~50 % more tickets at the end than the start
    month, day = np.asarray(local.month), np.asarray(local.day)
    holiday = ((month == 12) & (day >= 24)) | ((month == 1) & (day == 1))
    season = np.where(holiday, 0.35, 1.0)
    people = HOUR_WEIGHTS[hod] * WEEKDAY_WEIGHTS[dow] * trend * season * in_window
    # Monitoring alerts fire around the clock, slightly more while people are working.
    machines = (1.0 + 0.4 * business) * trend * in_window

    board = rng.choice(len(catalog.BOARDS), size=n, p=catalog.BOARD_SHARE)
    slot = np.empty(n, dtype=np.int64)
    is_alert = board == catalog.ALERTS
    for mask, weights in ((~is_alert, people), (is_alert, machines)):
        count = int(mask.sum())
        slot[mask] = rng.choice(hours.size, size=count, p=weights / weights.sum())
    created = np.minimum(hours[slot] + rng.integers(0, HOUR, n), end - 1)
    created = np.maximum(created, start)
    order = np.argsort(created, kind="stable")
    created, board, slot = created[order], board[order], slot[order]

    # Next business hour at or after each grid slot (reverse running minimum of indices).
    idx = np.where(business, np.arange(hours.size), hours.size - 1)
    next_open = np.minimum.accumulate(idx[::-1])[::-1]
    business_start = np.where(business[slot], created, np.maximum(created, hours[next_open[slot]]))

    weights = np.array([item.weights for item in catalog.ITEMS], dtype=np.float64).T
    item = choice_by_group(rng, weights, board)
    title = _TITLE_START[item] + (rng.random(n) * _TITLE_COUNT[item]).astype(np.int64)

    urgent = np.array([it.urgent for it in catalog.ITEMS])[item]
    priority_probs = np.vstack([catalog.PRIORITY_PROBS, [catalog.URGENT_PRIORITY_PROBS]])
    priority = choice_by_group(rng, priority_probs, np.where(urgent, 4, board)) + 1
    channel = choice_by_group(rng, np.array(catalog.CHANNEL_PROBS), board)

    volume = directory.client_weight / directory.client_weight.sum()
    client = rng.choice(volume.size, size=n, p=volume)
    # Skew toward each client's first contacts: every office has its "frequent flyers".
    rank = (rng.random(n) ** 1.8 * directory.contact_count[client]).astype(np.int64)
    contact = np.where(board == catalog.ALERTS, -1, directory.contact_start[client] + rank)

    return TicketCore(
        created=created,
        business_start=business_start,
        board=board,
        item=item,
        title=title,
        priority=priority,
        channel=channel,
        client=client,
        contact=contact,
    )
