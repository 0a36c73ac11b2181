"""The demo MSP's sales pipeline: opportunities of the last 18 months and their stage history.

Each opportunity moves through Prospecting, Qualified, Proposal and Negotiation (about two
weeks a stage, a few stall for months) until it is won or lost; those still moving at the demo's
end are the open pipeline, with probabilities near their stage's and expected close dates
(some already past). Won and lost ones carry a reason. Some are for prospects that are not
clients yet (most managed-services deals): they have no client, and the opportunity's name
names the company.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deskmetrics.demo._arrays import utc_column
from deskmetrics.demo.business_common import (
    DAY_S,
    SOURCE,
    Calendar,
    business_seconds,
    date_column,
    ids,
    text_column,
    weekday_days,
)
from deskmetrics.demo.catalog import COMPANY_PREFIXES, COMPANY_SECTORS
from deskmetrics.demo.entities import Directory

STAGES = ("Prospecting", "Qualified", "Proposal", "Negotiation")
WON, LOST = "Closed Won", "Closed Lost"
PROBABILITY = np.array([10, 25, 50, 75])
# category, share, median amount, share for prospects
CATEGORIES: tuple[tuple[str, float, float, float], ...] = (
    ("Managed services", 0.2, 36_000.0, 0.7),
    ("Project", 0.25, 14_000.0, 0.1),
    ("Hardware", 0.2, 6_000.0, 0.1),
    ("Security", 0.15, 9_000.0, 0.15),
    ("Cloud", 0.12, 8_000.0, 0.2),
    ("Backup", 0.08, 5_000.0, 0.15),
)
WIN_RATE = 0.38
WON_REASONS = ("Price", "Relationship", "Service quality", "Referral", "Technical fit")
LOST_REASONS = ("Price", "Went with a competitor", "No decision", "Budget", "Timing", "In-house")
STAGE_DAYS = 15.0  # median days in a stage
STALL_SHARE = 0.12  # opportunities that sit in one stage for months
OVERDUE_SHARE = 0.3  # open ones over two months old whose expected close has passed
HISTORY_DAYS = 548


def opportunities(
    rng: np.random.Generator, directory: Directory, cal: Calendar
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(opportunities, opportunity_stages)."""
    n = int(rng.integers(180, 260))
    day = weekday_days(rng, cal.days_ago(np.full(n, HISTORY_DAYS)), cal.days_ago(np.full(n, 3)))
    created = np.sort(cal.instants(day, business_seconds(rng, n, 8.5, 17)))
    share = np.array([c[1] for c in CATEGORIES])
    category = rng.choice(len(CATEGORIES), size=n, p=share / share.sum())
    amount = np.array([c[2] for c in CATEGORIES])[category] * rng.lognormal(0.0, 0.6, n)
    amount = np.round(amount / 50) * 50

    seats = directory.clients["seats"].to_numpy(dtype=np.float64)
    prospect = rng.random(n) < np.array([c[3] for c in CATEGORIES])[category]
    client = np.where(prospect, -1, rng.choice(seats.size, size=n, p=seats / seats.sum()))
    techs = directory.technicians
    owners = techs["tech_id"].to_numpy()[(techs["tier"] == 3).to_numpy()]
    owner = owners[rng.integers(0, owners.size, n)]

    # the stages reached: won ones all four, lost ones drop out after one of them
    won = rng.random(n) < WIN_RATE
    reached = np.where(won, len(STAGES), rng.integers(1, len(STAGES) + 1, n))
    stay = STAGE_DAYS * DAY_S * rng.lognormal(0.0, 0.7, (n, len(STAGES)))
    stalled = np.flatnonzero(rng.random(n) < STALL_SHARE)
    stuck_in = rng.integers(0, len(STAGES), stalled.size)
    stay[stalled, stuck_in] *= rng.uniform(8, 20, stalled.size)
    enter = created[:, None] + np.concatenate(
        [np.zeros((n, 1)), np.cumsum(stay, axis=1)], axis=1
    ).astype(np.int64)  # enter[:, k]: into stage k; enter[:, reached]: the close
    close = enter[np.arange(n), reached]
    closed = close <= cal.end_s
    slot = np.arange(len(STAGES) + 1)[None, :]
    happened = (slot < reached[:, None]) | ((slot == reached[:, None]) & closed[:, None])
    happened &= enter <= cal.end_s
    current = happened.sum(axis=1) - 1  # index into STAGES, or len(STAGES) once closed

    stage = np.array(STAGES + ("",), dtype=object)[np.minimum(current, len(STAGES))]
    stage[closed] = np.where(won[closed], WON, LOST)
    probability = np.where(
        closed,
        np.where(won, 100, 0),
        np.clip(PROBABILITY[np.minimum(current, 3)] + rng.choice([-10, -5, 0, 5, 10], n), 5, 95),
    ).astype(np.float64)
    created_day = cal.local_days(created)
    expected = np.where(
        closed,
        cal.local_days(close) + rng.integers(-20, 21, n),
        np.maximum(created_day + 60, cal.end_day + rng.integers(7, 90, n)),
    ).astype("datetime64[D]")
    aged = np.flatnonzero(~closed & (created_day < cal.end_day - 60))
    overdue = rng.choice(aged, min(aged.size, max(1, round(OVERDUE_SHARE * aged.size))), False)
    expected[overdue] = cal.end_day - rng.integers(3, 45, overdue.size)
    outcome = np.where(closed, np.where(won, "won", "lost"), None).astype(object)
    reason = np.where(
        won,
        np.array(WON_REASONS, dtype=object)[rng.integers(0, len(WON_REASONS), n)],
        np.array(LOST_REASONS, dtype=object)[rng.integers(0, len(LOST_REASONS), n)],
    )
    reason[~closed] = None
    last_change = np.where(happened, enter, 0).max(axis=1)

    opportunity_ids = ids("OP", n, 4)
    names = _names(rng, category, client, directory)
    frame = pd.DataFrame(
        {
            "opportunity_id": opportunity_ids,
            "client_id": pd.Series(
                pd.array(
                    np.where(client >= 0, directory.clients["client_id"].to_numpy()[client], None),
                    dtype="str",
                )
            ),
            "name": text_column(names),
            "stage": text_column(stage),
            "amount": amount,
            "probability": probability,
            "category": text_column(CATEGORIES[c][0] for c in category),
            "owner_tech_id": text_column(owner),
            "created_at": utc_column(created),
            "expected_close": date_column(expected),
            "closed_at": utc_column(close, closed),
            "outcome": pd.Series(pd.array(outcome, dtype="str")),
            "reason": pd.Series(pd.array(reason, dtype="str")),
            "source": text_column([SOURCE] * n),
            "updated_at": utc_column(last_change),
        }
    )
    return frame, _stages(happened, enter, reached, won, opportunity_ids)


def _stages(
    happened: np.ndarray,
    enter: np.ndarray,
    reached: np.ndarray,
    won: np.ndarray,
    opportunity_ids: pd.Series,
) -> pd.DataFrame:
    row, slot = np.nonzero(happened)  # row-major: each opportunity's stages in order
    names = np.array(STAGES + ("",), dtype=object)[slot]
    final = slot == reached[row]  # the move into Closed Won or Closed Lost
    names[final] = np.where(won[row[final]], WON, LOST)
    return pd.DataFrame(
        {
            "opportunity_id": text_column(opportunity_ids.to_numpy()[row]),
            "changed_at": utc_column(enter[row, slot]),
            "stage": text_column(names),
        }
    )


def _names(rng, category, client, directory: Directory) -> list[str]:
    """ "<company> - <category>", prospects named from companies that are not clients."""
    taken = {name.split(" ")[0] for name in directory.clients["name"]}
    free = [p for p in COMPANY_PREFIXES if p.split(" ")[0] not in taken]
    sector = rng.integers(0, len(COMPANY_SECTORS), len(free))
    prospects = [f"{p} {COMPANY_SECTORS[s]}" for p, s in zip(free, sector, strict=True)]
    pick = rng.integers(0, len(prospects), client.size)
    clients = directory.clients["name"].tolist()
    return [
        f"{clients[c] if c >= 0 else prospects[p]} - {CATEGORIES[k][0]}"
        for c, p, k in zip(client, pick, category, strict=True)
    ]


__all__ = ["opportunities"]
