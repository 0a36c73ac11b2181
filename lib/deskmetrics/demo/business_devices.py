"""The devices the demo MSP's RMM knows: workstations, servers, network gear, phones, printers.

Only managed-services clients have devices, about one workstation a seat plus servers and
network gear in proportion. Most of a recent client's were discovered at onboarding, the rest
over the years since (an older client's over the last replacement cycle); anything discovered
in the last three weeks awaits a contract review, and three clients have just added a batch of
new workstations. Missing patches are skewed: most devices have none, a
few clients are far behind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deskmetrics.demo._arrays import utc_column
from deskmetrics.demo.business_agreements import MS, Agreements
from deskmetrics.demo.business_common import (
    DAY_S,
    SOURCE,
    Calendar,
    client_codes,
    ids,
    text_column,
)
from deskmetrics.demo.entities import Directory

TYPES = ("workstation", "server", "network", "mobile", "other")
CODES = ("WS", "SRV", "NET", "MOB", "PRN")
MEAN_PATCHES = np.array([2.5, 4.0, 0.5, 1.0, 0.3])  # missing patches by type, before skew
NOT_COVERED_SHARE = np.array([0.01, 0.0, 0.02, 0.2, 0.15])  # by type: BYOD phones, printers
REVIEW_DAYS = 21  # discovered since the last contract review
ONBOARDED_SHARE = 0.55  # devices found in the onboarding week
REPLACEMENT_DAYS = 4 * 365
STALE_SHARE = 0.07  # devices that stopped checking in weeks ago


def _counts(rng: np.random.Generator, seats: np.ndarray) -> np.ndarray:
    """Devices per client (rows) and type (columns)."""
    n = seats.size
    return np.stack(
        [
            np.rint(seats * rng.uniform(0.9, 1.25, n)),
            1 + seats // 20 + (rng.random(n) < 0.3),
            2 + seats // 15,
            np.rint(seats * rng.uniform(0.0, 0.3, n)),
            1 + seats // 25,
        ],
        axis=1,
    ).astype(np.int64)


def devices_frame(
    rng: np.random.Generator, directory: Directory, agreements: Agreements, cal: Calendar
) -> pd.DataFrame:
    managed = (agreements.kind == MS) & ~agreements.cancelled
    clients = agreements.client[managed]
    seats = directory.clients["seats"].to_numpy(dtype=np.int64)[clients]
    counts = _counts(rng, seats)
    batch = np.zeros(clients.size, dtype=np.int64)
    batch[rng.choice(clients.size, 3, replace=False)] = rng.integers(12, 40, 3)
    counts[:, 0] += batch
    cells = counts.ravel()
    owner = np.repeat(np.repeat(np.arange(clients.size), len(TYPES)), cells)
    kind = np.repeat(np.tile(np.arange(len(TYPES)), clients.size), cells)
    n = owner.size

    # devices are replaced every few years: those of older clients date from the last cycle
    cycle = cal.days_ago(np.full(clients.size, REPLACEMENT_DAYS))
    onboarded = agreements.start[managed] > cycle
    first = np.maximum(agreements.start[managed], cycle)[owner]
    span = (cal.end_day - first).astype(np.int64)
    day = np.where(
        onboarded[owner] & (rng.random(n) < ONBOARDED_SHARE),
        first + rng.integers(0, 7, n),
        first + (rng.random(n) * span).astype(np.int64),
    )
    # the newest workstations of the batch clients arrived in the last ten days
    newest = np.zeros(n, dtype=bool)
    for c in np.flatnonzero(batch):
        rows = np.flatnonzero((owner == c) & (kind == 0))
        newest[rows[-batch[c] :]] = True
    day = np.where(newest, cal.end_day - rng.integers(0, 10, n), day)
    day = np.minimum(day, cal.end_day)
    discovered = cal.instants(day, rng.integers(0, DAY_S, n))

    recent = day > cal.end_day - REVIEW_DAYS
    status = np.where(rng.random(n) < NOT_COVERED_SHARE[kind], "not_covered", "covered")
    status = np.where(recent, "awaiting_review", status).astype(object)
    skew = rng.lognormal(0.0, 0.8, clients.size)[owner] * np.where(recent, 3.0, 1.0)
    mean = MEAN_PATCHES[kind] * skew
    patches = rng.negative_binomial(0.5, 0.5 / (0.5 + mean))

    stale = rng.random(n) < STALE_SHARE
    seen = cal.end_s - np.where(
        stale, rng.integers(10 * DAY_S, 60 * DAY_S, n), rng.integers(0, 36 * 3600, n)
    )
    updated = np.maximum(seen, discovered)

    order = np.lexsort((kind, owner, discovered))
    owner, kind, discovered, status, patches, updated = (
        v[order] for v in (owner, kind, discovered, status, patches, updated)
    )
    number = pd.Series(np.ones(n, dtype=np.int64)).groupby([owner, kind]).cumsum().to_numpy()
    codes = np.array(client_codes(directory), dtype=object)[clients[owner]]
    names = [
        f"{code}-{CODES[k]}{num:03d}" for code, k, num in zip(codes, kind, number, strict=True)
    ]
    return pd.DataFrame(
        {
            "device_id": ids("DV", n, 5),
            "client_id": text_column(directory.clients["client_id"].to_numpy()[clients[owner]]),
            "name": text_column(names),
            "device_type": text_column(np.array(TYPES, dtype=object)[kind]),
            "discovered_at": utc_column(discovered),
            "contract_status": text_column(status),
            "missing_patches": pd.Series(pd.array(patches, dtype="Int64")),
            "source": text_column([SOURCE] * n),
            "updated_at": utc_column(updated),
        }
    )


__all__ = ["TYPES", "devices_frame"]
