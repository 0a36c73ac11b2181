"""The demo MSP's agreements: managed services for most clients, add-ons, block hours and T&M.

Most clients (32 of 40) pay a monthly managed-services fee per seat; four of them signed in the
last year and were time-and-materials clients before. Renewals are spread so the renewal views
have something in every window: three agreements end within 30 days of the demo's last day,
three within 60, three within 90, the rest later, a few more than a year out and six run month
to month. Some clients add a backup, Microsoft 365, security-training or compliance agreement;
two such add-ons were cancelled during the year. The other eight clients buy prepaid block
hours or work time and materials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskmetrics.demo._arrays import utc_column
from deskmetrics.demo.business_common import (
    SOURCE,
    Calendar,
    date_column,
    ids,
    money,
    text_column,
)
from deskmetrics.demo.catalog import PROJECTS
from deskmetrics.demo.entities import Directory

# name, type, period_type, service (the revenue lines' and hard costs' name for it)
KINDS: tuple[tuple[str, str, str | None, str], ...] = (
    ("Managed IT", "recurring", "monthly", "Managed services"),
    ("Backup & DR", "recurring", "monthly", "Backup & DR"),
    ("Microsoft 365 licensing", "recurring", "monthly", "Microsoft 365"),
    ("Security awareness training", "recurring", "annual", "Security awareness"),
    ("Compliance reporting", "recurring", "quarterly", "Compliance"),
    ("Prepaid block hours", "block_hours", "one_time", "Block hours"),
    ("Time & materials", "time_and_materials", None, "Time and materials"),
)
MS, BACKUP, M365, SECURITY, COMPLIANCE, BLOCK, TM = range(len(KINDS))
ADDONS = np.array([BACKUP, M365, SECURITY, COMPLIANCE])
ADDON_SHARE = np.array([0.35, 0.3, 0.2, 0.15])
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}

N_MANAGED, N_NEW, N_BLOCK = 32, 4, 4  # the rest of the 40 clients work time and materials
N_ADDON, N_EXTRA_TM, N_CANCELLED = 12, 6, 2
SEAT_PRICES = np.array([95, 105, 115, 125, 135, 145])
TIER_NAMES = ((105, "Essentials"), (125, "Professional"), (10**9, "Premium"))
# days from the demo's last day to each renewal; the new agreements take the last bucket
RENEWALS = ((3, 30, 3), (31, 60, 3), (61, 90, 3), (91, 365, 8), (366, 1000, 5), (0, 0, 6))
BLOCK_RATE = 140.0  # prepaid hour
N_EXPANDED, N_CONTRACTED = 6, 2


@dataclass(frozen=True)
class Agreements:
    client: np.ndarray
    kind: np.ndarray  # index into KINDS
    start: np.ndarray  # datetime64[D]
    end: np.ndarray  # datetime64[D], NaT while open-ended
    fee: np.ndarray  # per period today; NaN unless recurring
    change: np.ndarray  # datetime64[M]: the fee was fee * factor before it (NaT: never changed)
    factor: np.ndarray
    block_hours: np.ndarray  # hours per prepaid block (0 unless block hours)
    cancelled: np.ndarray
    updated_s: np.ndarray

    def of_client(self, kind: int, clients: int) -> np.ndarray:
        """Per client, its agreement of ``kind`` (-1 when it has none; one each at most)."""
        out = np.full(clients, -1, dtype=np.int64)
        rows = np.flatnonzero(self.kind == kind)
        out[self.client[rows]] = rows
        return out

    def covering(self, client: np.ndarray, day: np.ndarray, board: np.ndarray) -> np.ndarray:
        """The agreement a piece of work for ``client`` on ``day`` is charged to, or -1.

        Managed services while it runs, but Projects-board work goes to T&M where the client
        has it; then block hours, then T&M once started.
        """
        clients = int(self.client.max()) + 1
        ms, block, tm = (self.of_client(k, clients)[client] for k in (MS, BLOCK, TM))
        has_tm = (tm >= 0) & (day >= self.start[np.maximum(tm, 0)])
        ms_on = (ms >= 0) & self._running(ms, day) & ~((board == PROJECTS) & has_tm)
        block_on = (block >= 0) & (day >= self.start[np.maximum(block, 0)])
        return np.where(ms_on, ms, np.where(block_on, block, np.where(has_tm, tm, -1)))

    def _running(self, rows: np.ndarray, day: np.ndarray) -> np.ndarray:
        safe = np.maximum(rows, 0)
        end = self.end[safe]
        return (day >= self.start[safe]) & (np.isnat(end) | (day <= end))


def build_agreements(rng: np.random.Generator, directory: Directory, cal: Calendar) -> Agreements:
    n = len(directory.clients)
    seats = directory.clients["seats"].to_numpy(dtype=np.int64)
    order = rng.permutation(n)
    managed, block_only = order[:N_MANAGED], order[N_MANAGED : N_MANAGED + N_BLOCK]
    new, settled = managed[:N_NEW], managed[N_NEW:]
    since = cal.days_ago(rng.integers(760, 2600, n)).astype("datetime64[M]").astype("datetime64[D]")
    signed = (cal.end_day.astype("datetime64[M]") - rng.integers(2, 12, N_NEW)).astype(
        "datetime64[D]"
    )

    rows: list[tuple[int, int]] = [(int(c), MS) for c in managed]
    addon_clients = rng.permutation(settled)[:N_ADDON]
    addon_kind = rng.choice(ADDONS, size=N_ADDON, p=ADDON_SHARE)
    rows += [(int(c), int(k)) for c, k in zip(addon_clients, addon_kind, strict=True)]
    tm_clients = np.concatenate(
        [new, rng.permutation(settled)[:N_EXTRA_TM], block_only[:2], order[N_MANAGED + N_BLOCK :]]
    )
    rows += [(int(c), BLOCK) for c in block_only] + [(int(c), TM) for c in tm_clients]
    rows.sort()
    client = np.array([c for c, _ in rows], dtype=np.int64)
    kind = np.array([k for _, k in rows], dtype=np.int64)
    m = kind.size

    signed_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    signed_on[new] = signed
    start = since[client]
    is_new = np.isin(client, new) & (kind == MS)
    start[is_new] = signed_on[client[is_new]]
    tm_before = np.isin(client, new) & (kind == TM)  # their T&M years before they signed
    start[tm_before] = signed_on[client[tm_before]] - rng.integers(200, 900, int(tm_before.sum()))

    end = np.full(m, np.datetime64("NaT"), dtype="datetime64[D]")
    ms_rows = np.flatnonzero(kind == MS)
    buckets = np.concatenate([np.full(count, b) for b, (_, _, count) in enumerate(RENEWALS)])
    later = len(RENEWALS) - 2  # the "more than a year" bucket
    settled_rows = ms_rows[~is_new[ms_rows]]
    bucket = np.full(m, -1)
    bucket[settled_rows] = rng.permutation(buckets[: settled_rows.size])
    bucket[ms_rows[is_new[ms_rows]]] = later
    for b, (low, high, _) in enumerate(RENEWALS):
        hit = bucket == b
        if high and hit.any():
            end[hit] = cal.end_day + rng.integers(low, high + 1, int(hit.sum()))

    addon_rows = np.flatnonzero(np.isin(kind, ADDONS))
    ms_of = {int(client[r]): r for r in ms_rows}
    recent = rng.random(addon_rows.size) < 0.4  # expansion during the last year
    addon_start = np.where(
        recent,
        cal.days_ago(rng.integers(30, 330, addon_rows.size)),
        start[addon_rows] + rng.integers(0, 400, addon_rows.size),
    )
    start[addon_rows] = addon_start.astype("datetime64[M]").astype("datetime64[D]")
    end[addon_rows] = end[[ms_of[int(c)] for c in client[addon_rows]]]
    cancelled = np.zeros(m, dtype=bool)
    older_first = addon_rows[np.argsort(recent, kind="stable")]
    gone = rng.choice(older_first[: max(N_CANCELLED, int((~recent).sum()))], N_CANCELLED, False)
    cancelled[gone] = True
    end[gone] = cal.days_ago(rng.integers(60, 270, N_CANCELLED))
    start[gone] = np.minimum(start[gone], end[gone] - 365)

    fee, block_hours = _fees(rng, kind, seats[client])
    change = np.full(m, np.datetime64("NaT"), dtype="datetime64[M]")
    factor = np.ones(m)
    moved = rng.choice(settled_rows, size=N_EXPANDED + N_CONTRACTED, replace=False)
    change[moved] = cal.months[rng.integers(3, len(cal.months) - 2, moved.size)]
    factor[moved[:N_EXPANDED]] = rng.uniform(0.75, 0.9, N_EXPANDED)  # the fee grew at change
    factor[moved[N_EXPANDED:]] = rng.uniform(1.1, 1.25, N_CONTRACTED)  # ... or shrank

    touched = np.maximum(start, cal.days_ago(rng.integers(5, 300, m)))
    touched = np.where(cancelled, end, touched)
    updated = cal.instants(touched, np.full(m, 10 * 3600))
    return Agreements(
        client, kind, start, end, fee, change, factor, block_hours, cancelled, updated
    )


def _fees(rng: np.random.Generator, kind: np.ndarray, seats: np.ndarray):
    m = kind.size
    per_seat = rng.choice(SEAT_PRICES, size=m)
    fee = np.full(m, np.nan)
    fee = np.where(kind == MS, seats * per_seat, fee)
    fee = np.where(kind == BACKUP, np.round((120 + seats * 6) / 5) * 5, fee)
    fee = np.where(kind == M365, seats * 16.5, fee)
    fee = np.where(kind == SECURITY, seats * 30.0, fee)
    fee = np.where(kind == COMPLIANCE, 450.0 + seats * 3, fee)
    block_hours = np.where(kind == BLOCK, rng.choice([20, 40], size=m), 0)
    return money(fee), block_hours


def _names(a: Agreements, seats: np.ndarray) -> list[str]:
    """Managed IT - Premium, Prepaid block hours (40 h), Backup & DR ..."""
    names = []
    for kind, fee, hours, client_seats in zip(a.kind, a.fee, a.block_hours, seats, strict=True):
        name = KINDS[kind][0]
        if kind == MS:
            name += " - " + next(label for top, label in TIER_NAMES if fee / client_seats <= top)
        elif kind == BLOCK:
            name += f" ({hours} h)"
        names.append(name)
    return names


def agreements_frame(agreements: Agreements, directory: Directory) -> pd.DataFrame:
    a = agreements
    m = a.kind.size
    client_ids = directory.clients["client_id"].to_numpy(dtype=object)
    names = _names(a, directory.clients["seats"].to_numpy()[a.client])
    return pd.DataFrame(
        {
            "agreement_id": ids("AG", m, 4),
            "client_id": text_column(client_ids[a.client]),
            "name": text_column(names),
            "type": text_column(KINDS[k][1] for k in a.kind),
            "period_type": pd.Series(pd.array([KINDS[k][2] for k in a.kind], dtype="str")),
            "start_date": date_column(a.start),
            "end_date": date_column(a.end),
            "recurring_revenue": pd.array(np.where(np.isnan(a.fee), None, a.fee), "Float64"),
            "cancelled": a.cancelled,
            "source": text_column([SOURCE] * m),
            "updated_at": utc_column(a.updated_s),
        }
    )


__all__ = ["KINDS", "Agreements", "agreements_frame", "build_agreements"]
