"""Revenue lines and hard costs of the demo MSP for the last 24 months.

Recurring agreements bill on the first of each period in advance (a few fees rose or fell
during the history, so MRR has expansion and contraction); prepaid blocks are bought again when
used up; time-and-materials work is billed at the end of each month from the billable time
charged to the agreement; fixed-fee projects take a deposit at the start and the rest at the
close; hardware is resold now and then, and a few service credits are negative lines. Lines of
the demo's last month are pending, except the recurring fees already billed in advance.

Hard costs follow the revenue: the tool stack per managed seat, the resale cost of add-ons and
the cost of the hardware sold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskmetrics.demo.business_agreements import (
    BLOCK,
    BLOCK_RATE,
    KINDS,
    MS,
    PERIOD_MONTHS,
    TM,
    Agreements,
)
from deskmetrics.demo.business_common import (
    SOURCE,
    Calendar,
    date_column,
    ids,
    money,
    month_end,
    month_start,
    text_column,
)
from deskmetrics.demo.business_projects import Projects
from deskmetrics.demo.entities import Directory

TM_RATE = 150.0  # an hour of time-and-materials work
HARDWARE_RATE = 0.02  # hardware sales a month per client, times seats ** 0.6
N_CREDITS = 4
# cost of each agreement kind's revenue (managed services: per seat, see _costs)
RESALE_COST = {"Backup & DR": 0.38, "Microsoft 365": 0.82, "Security awareness": 0.35}
RESALE_COST["Compliance"] = 0.2
COST_TEXT = {
    "Managed services": "RMM, EDR and documentation licences",
    "Backup & DR": "Backup storage",
    "Microsoft 365": "Microsoft 365 licences",
    "Security awareness": "Security training platform",
    "Compliance": "Compliance reporting tool",
    "Hardware": "Hardware cost of goods",
}


@dataclass
class Lines:
    """Revenue lines before they become a frame (one array per column)."""

    client: np.ndarray
    agreement: np.ndarray  # -1: none
    service: np.ndarray  # object (str)
    amount: np.ndarray
    day: np.ndarray  # datetime64[D]

    @staticmethod
    def join(parts: list[Lines]) -> Lines:
        return Lines(*(np.concatenate([getattr(p, f) for p in parts]) for f in Lines.FIELDS))

    FIELDS = ("client", "agreement", "service", "amount", "day")


def revenue_lines(
    rng: np.random.Generator,
    agreements: Agreements,
    projects: Projects,
    tm_time: tuple[np.ndarray, np.ndarray, np.ndarray],
    directory: Directory,
    cal: Calendar,
) -> tuple[Lines, np.ndarray]:
    """Every line of the history, and which of them are recurring fees."""
    recurring = _recurring(agreements, cal)
    parts = [
        recurring,
        _blocks(rng, agreements, cal),
        _time_and_materials(agreements, tm_time, cal),
        _projects(projects, cal),
        _hardware(rng, directory, cal),
        _credits(rng, agreements, cal),
    ]
    lines = Lines.join(parts)
    is_recurring = np.zeros(lines.day.size, dtype=bool)
    is_recurring[: recurring.day.size] = True
    order = np.lexsort((lines.agreement, lines.service, lines.client, lines.day))
    return Lines(*(getattr(lines, f)[order] for f in Lines.FIELDS)), is_recurring[order]


def _recurring(a: Agreements, cal: Calendar) -> Lines:
    rows = np.flatnonzero([KINDS[k][1] == "recurring" for k in a.kind])
    months = cal.months
    first = month_start(months)[None, :]
    start_month = a.start[rows].astype("datetime64[M]")[:, None]
    end = a.end[rows][:, None]
    active = (months[None, :] >= start_month) & (np.isnat(end) | (first <= end))
    every = np.array([PERIOD_MONTHS[KINDS[k][2]] for k in a.kind[rows]])[:, None]
    elapsed = (months[None, :] - start_month).astype(np.int64)
    active &= elapsed % every == 0
    change = a.change[rows][:, None]
    factor = np.where(~np.isnat(change) & (months[None, :] < change), a.factor[rows][:, None], 1.0)
    amount = np.round(a.fee[rows][:, None] * factor, 0)
    r, m = np.nonzero(active)
    return Lines(
        a.client[rows][r],
        rows[r],
        np.array([KINDS[k][3] for k in a.kind[rows][r]], dtype=object),
        money(amount[r, m]),
        month_start(months)[m],
    )


def _blocks(rng: np.random.Generator, a: Agreements, cal: Calendar) -> Lines:
    """A new block whenever the last one is used up (every 2.5 to 7 months)."""
    window = month_start(cal.months[:1])[0]
    rows, days = [], []
    for row in np.flatnonzero(a.kind == BLOCK):
        day = max(a.start[row], window) + int(rng.integers(0, 60))
        while day <= cal.end_day:
            rows.append(row)
            days.append(day)
            day = day + int(rng.integers(75, 210))
    rows = np.array(rows, dtype=np.int64)
    return Lines(
        a.client[rows],
        rows,
        np.full(rows.size, KINDS[BLOCK][3], dtype=object),
        money(a.block_hours[rows] * BLOCK_RATE),
        np.array(days, dtype="datetime64[D]"),
    )


def _time_and_materials(
    a: Agreements, tm_time: tuple[np.ndarray, np.ndarray, np.ndarray], cal: Calendar
) -> Lines:
    """Billable hours charged to T&M agreements, billed on the month's last day."""
    agreement, day, hours = tm_time
    keep = (agreement >= 0) & (day >= month_start(cal.months[:1])[0])
    keep &= a.kind[np.maximum(agreement, 0)] == TM
    month = day[keep].astype("datetime64[M]")
    frame = pd.DataFrame({"agreement": agreement[keep], "month": month, "hours": hours[keep]})
    billed = frame.groupby(["agreement", "month"], sort=True)["hours"].sum().reset_index()
    rows = billed["agreement"].to_numpy(dtype=np.int64)
    days = np.minimum(month_end(billed["month"].to_numpy()), cal.end_day)
    return Lines(
        a.client[rows],
        rows,
        np.full(rows.size, KINDS[TM][3], dtype=object),
        money(billed["hours"].to_numpy() * TM_RATE),
        days,
    )


def _projects(p: Projects, cal: Calendar) -> Lines:
    """Half of the fixed fee at the start, the rest when the project closes."""
    window = month_start(cal.months[:1])[0]
    deposit = p.start >= window
    final = p.status == "closed"
    client = np.concatenate([p.client[deposit], p.client[final]])
    amount = np.concatenate([p.price[deposit] / 2, p.price[final] / 2])
    day = np.concatenate([p.start[deposit], p.closed_day[final]])
    return Lines(
        client,
        np.full(client.size, -1),
        np.full(client.size, "Project", dtype=object),
        money(amount),
        day,
    )


def _hardware(rng: np.random.Generator, directory: Directory, cal: Calendar) -> Lines:
    seats = directory.clients["seats"].to_numpy(dtype=np.float64)
    counts = rng.poisson(HARDWARE_RATE * seats[:, None] ** 0.6, (seats.size, cal.months.size))
    client, month = np.nonzero(counts)
    client, month = (
        np.repeat(client, counts[client, month]),
        np.repeat(month, counts[client, month]),
    )
    first = month_start(cal.months)[month]
    length = (month_end(cal.months)[month] - first).astype(np.int64) + 1
    day = np.minimum(first + (rng.random(client.size) * length).astype(np.int64), cal.end_day)
    amount = np.clip(900 * rng.lognormal(0.0, 1.0, client.size), 120, 25_000)
    return Lines(
        client,
        np.full(client.size, -1),
        np.full(client.size, "Hardware", dtype=object),
        money(amount),
        day,
    )


def _credits(rng: np.random.Generator, a: Agreements, cal: Calendar) -> Lines:
    """Service credits (negative lines) on managed-services agreements."""
    rows = rng.choice(np.flatnonzero((a.kind == MS) & ~a.cancelled), N_CREDITS, replace=False)
    day = month_start(cal.months[rng.integers(0, cal.months.size - 1, N_CREDITS)])
    return Lines(
        a.client[rows],
        rows,
        np.full(N_CREDITS, "Credit", dtype=object),
        money(-rng.uniform(100, 600, N_CREDITS)),
        np.maximum(day + rng.integers(3, 25, N_CREDITS), a.start[rows]),
    )


def revenue_frame(
    lines: Lines, is_recurring: np.ndarray, agreement_ids: pd.Series, directory: Directory
) -> pd.DataFrame:
    n = lines.day.size
    last_month = lines.day.astype("datetime64[M]") == lines.day.max().astype("datetime64[M]")
    pending = last_month & ~is_recurring
    # one invoice per client and month, numbered in order
    month = lines.day.astype("datetime64[M]").astype(np.int64)
    key = np.where(pending, -1, month * 1_000 + lines.client)
    numbers = np.unique(key[~pending], return_inverse=True)[1]
    invoice = np.full(n, None, dtype=object)
    invoice[~pending] = [f"INV{20001 + k}" for k in numbers]
    return pd.DataFrame(
        {
            "line_id": ids("RL", n, 5),
            "client_id": text_column(directory.clients["client_id"].to_numpy()[lines.client]),
            "agreement_id": _optional(agreement_ids, lines.agreement),
            "service": text_column(lines.service),
            "amount": lines.amount,
            "line_date": date_column(lines.day),
            "status": text_column(np.where(pending, "pending", "invoiced")),
            "invoice_id": pd.Series(pd.array(invoice, dtype="str")),
            "source": text_column([SOURCE] * n),
        }
    )


def hard_costs_frame(
    rng: np.random.Generator,
    lines: Lines,
    is_recurring: np.ndarray,
    agreement_ids: pd.Series,
    directory: Directory,
) -> pd.DataFrame:
    seats = directory.clients["seats"].to_numpy(dtype=np.float64)
    stack = rng.uniform(9.0, 13.0, seats.size)  # the tool stack's cost per seat, per client
    costed = np.flatnonzero(is_recurring | (lines.service == "Hardware"))
    service = lines.service[costed]
    client = lines.client[costed]
    ratio = np.array([RESALE_COST.get(s, 0.0) for s in service])
    ratio = np.where(service == "Hardware", rng.uniform(0.78, 0.88, costed.size), ratio)
    amount = np.where(
        service == "Managed services", seats[client] * stack[client], lines.amount[costed] * ratio
    )
    text = [
        f"{COST_TEXT[s]} ({int(seats[c])} seats)" if s == "Managed services" else COST_TEXT[s]
        for s, c in zip(service, client, strict=True)
    ]
    n = costed.size
    return pd.DataFrame(
        {
            "cost_id": ids("HC", n, 5),
            "client_id": text_column(directory.clients["client_id"].to_numpy()[client]),
            "agreement_id": _optional(agreement_ids, lines.agreement[costed]),
            "service": text_column(service),
            "amount": money(amount),
            "cost_date": date_column(lines.day[costed]),
            "description": text_column(text),
        }
    )


def _optional(values: pd.Series, rows: np.ndarray) -> pd.Series:
    out = values.to_numpy(dtype=object)[np.maximum(rows, 0)]
    return pd.Series(pd.array(np.where(rows >= 0, out, None), dtype="str"))


__all__ = ["hard_costs_frame", "revenue_frame", "revenue_lines"]
