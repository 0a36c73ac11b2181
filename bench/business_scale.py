"""Benchmark data: the demo MSP's business at the scale of a large MSP, on its own warehouse.

Usage:  .venv/bin/python bench/business_scale.py --warehouse duckdb:///path.duckdb
        [--tickets 1000000] [--agreements 10000] [--revenue-lines 50000] [--seed 7]

The demo generator sizes its business tables by its 40 clients (64 agreements, about 1,400
revenue lines), whatever the number of tickets. This script generates the demo frames, then
replicates the clients and everything they own (contacts, agreements, revenue lines, hard
costs, devices, projects and their time, opportunities and their stages) with new ids until
there are at least ``--agreements`` agreements and ``--revenue-lines`` revenue lines, and loads
the result. Copy 0 keeps the demo's ids; copy k appends ``-k`` to every id it owns, so each
foreign key follows its row. The money of each copy is scaled by a factor of its own (0.8 to
1.25), so the clients do not tie. Every ticket moves to one copy of its client (uniformly at
random, seeded), with its contact, surveys and time entries; time entries keep their agreement,
now the copy's. Time-and-materials revenue is billed again from the time of each copy (hours x
the demo's rate, a line per agreement and month), and invoices are numbered again per client
and month. Technicians, cost rates, timesheets and internal time stay the demo's (25 people):
project time is copied with its projects, so per-technician hours and utilization are far above
a real desk's; this data is for timing, not for reading.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np
import pandas as pd

from deskmetrics.demo.business_common import date_column
from deskmetrics.demo.business_revenue import TM_RATE
from deskmetrics.demo.generator import DEFAULT_END_LOCAL

TM_SERVICE, TM_TYPE = "Time and materials", "time_and_materials"
MONEY = {  # money columns scaled by each copy's factor
    "agreements": ("recurring_revenue",),
    "revenue_lines": ("amount",),
    "hard_costs": ("amount",),
    "opportunities": ("amount",),
}


def copies_needed(frames: dict[str, pd.DataFrame], agreements: int, revenue_lines: int) -> int:
    """Copies of the demo's clients giving at least the asked agreements and revenue lines."""
    return max(
        1,
        math.ceil(agreements / max(len(frames["agreements"]), 1)),
        math.ceil(revenue_lines / max(len(frames["revenue_lines"]), 1)),
    )


def scale(
    frames: dict[str, pd.DataFrame],
    copies: int,
    *,
    timezone: str,
    seed: int = 7,
    end_day: np.datetime64 | None = None,
) -> dict[str, pd.DataFrame]:
    """The demo ``frames`` with ``copies`` copies of every client and what it owns.

    ``end_day`` is the demo's last local day (default: the generator's default end).
    """
    rng = np.random.default_rng(seed)
    factor = np.concatenate([[1.0], rng.uniform(0.8, 1.25, copies - 1)])
    tags = np.array([""] + [f"-{k}" for k in range(1, copies)], dtype=object)
    out = dict(frames)

    clients = _replicate(frames["clients"], copies, ("client_id",))
    clients["name"] = clients["name"] + pd.Series(
        np.repeat([""] + [f" #{k + 1}" for k in range(1, copies)], len(frames["clients"])),
        dtype="str",
    )
    out["clients"] = clients
    contacts = _replicate(frames["contacts"], copies, ("contact_id", "client_id"))
    copy_of = np.repeat(np.arange(copies), len(frames["contacts"]))
    local, _, domain = contacts["email"].str.partition("@").T.to_numpy()
    contacts["email"] = pd.Series(
        [
            f"{a}@{'' if k == 0 else f'b{k}.'}{d}"
            for a, d, k in zip(local, domain, copy_of, strict=True)
        ],
        dtype="str",
    )
    out["contacts"] = contacts

    # every ticket to one copy of its client, with its contact, surveys and time
    tickets = frames["tickets"]
    ticket_copy = rng.integers(0, copies, len(tickets))
    ticket_tag = pd.Series(tags[ticket_copy], dtype="str")
    out["tickets"] = tickets.assign(
        client_id=tickets["client_id"] + ticket_tag,
        contact_id=tickets["contact_id"] + ticket_tag,
    )
    position = pd.Index(tickets["ticket_id"])
    surveys = frames["surveys"]
    out["surveys"] = surveys.assign(
        client_id=surveys["client_id"] + _tags_of(surveys["ticket_id"], position, ticket_copy, tags)
    )

    entries = frames["time_entries"]
    on_ticket = entries[entries["ticket_id"].notna()].reset_index(drop=True)
    tag = _tags_of(on_ticket["ticket_id"], position, ticket_copy, tags)
    on_ticket = on_ticket.assign(
        client_id=on_ticket["client_id"] + tag, agreement_id=on_ticket["agreement_id"] + tag
    )
    projects_time = entries[entries["ticket_id"].isna() & entries["project_id"].notna()]
    internal = entries[entries["ticket_id"].isna() & entries["project_id"].isna()]
    out["time_entries"] = pd.concat(
        [
            on_ticket,
            _replicate(projects_time, copies, ("entry_id", "client_id", "project_id")),
            internal,
        ],
        ignore_index=True,
    )

    owned = {
        "agreements": ("agreement_id", "client_id"),
        "hard_costs": ("cost_id", "client_id", "agreement_id"),
        "devices": ("device_id", "client_id"),
        "projects": ("project_id", "client_id"),
        "opportunities": ("opportunity_id", "client_id"),
        "opportunity_stages": ("opportunity_id",),
    }
    for name, keys in owned.items():
        out[name] = _replicate(frames[name], copies, keys, factor, MONEY.get(name, ()))
    names = dict(zip(clients["client_id"], clients["name"], strict=True))
    projects = out["projects"]
    projects["name"] = projects["category"] + " - " + projects["client_id"].map(names)
    opportunities = out["opportunities"]
    has_client = opportunities["client_id"].notna()
    opportunities.loc[has_client, "name"] = (
        opportunities.loc[has_client, "client_id"].map(names)
        + " - "
        + opportunities.loc[has_client, "category"]
    )

    lines = frames["revenue_lines"]
    other = _replicate(
        lines[lines["service"] != TM_SERVICE],
        copies,
        ("client_id", "agreement_id"),
        factor,
        MONEY["revenue_lines"],
    )
    end = np.datetime64(DEFAULT_END_LOCAL.date(), "D") if end_day is None else end_day
    window = np.datetime64(str(lines["line_date"].min())[:7], "M")
    billed = _time_and_materials(out["time_entries"], out["agreements"], window, end, timezone)
    out["revenue_lines"] = _numbered(pd.concat([other, billed], ignore_index=True), end)
    return out


def _replicate(
    frame: pd.DataFrame,
    copies: int,
    keys: tuple[str, ...],
    factor: np.ndarray | None = None,
    money: tuple[str, ...] = (),
) -> pd.DataFrame:
    """``copies`` copies of ``frame``: copy k's ``keys`` end in ``-k`` (copy 0 as it was), its
    ``money`` columns are times ``factor[k]``."""
    parts = []
    for k in range(copies):
        changed = {c: frame[c] + f"-{k}" for c in keys} if k else {}
        if k and factor is not None:
            changed |= {c: (frame[c] * factor[k]).round(2) for c in money}
        parts.append(frame.assign(**changed))
    return pd.concat(parts, ignore_index=True)


def _tags_of(
    ticket_ids: pd.Series, position: pd.Index, ticket_copy: np.ndarray, tags: np.ndarray
) -> pd.Series:
    """The copy suffix of each row's ticket ("" without a known ticket)."""
    rows = position.get_indexer(ticket_ids)
    copy = np.where(rows >= 0, ticket_copy[np.maximum(rows, 0)], 0)
    return pd.Series(tags[copy], dtype="str", index=ticket_ids.index)


def _time_and_materials(
    entries: pd.DataFrame,
    agreements: pd.DataFrame,
    window: np.datetime64,
    end: np.datetime64,
    timezone: str,
) -> pd.DataFrame:
    """Billable time charged to T&M agreements, billed on each month's last day (the demo's
    rule: hours x its rate, the last month's lines pending)."""
    tm = agreements.loc[agreements["type"] == TM_TYPE, ["agreement_id", "client_id"]]
    charged = entries[entries["billable"] & entries["agreement_id"].isin(tm["agreement_id"])]
    local = charged["started_at"].dt.tz_convert(timezone).dt.tz_localize(None)
    month = local.to_numpy().astype("datetime64[M]")
    keep = month >= window
    billed = (
        pd.DataFrame(
            {
                "agreement_id": charged["agreement_id"].to_numpy()[keep],
                "month": month[keep],
                "hours": charged["hours"].to_numpy()[keep],
            }
        )
        .groupby(["agreement_id", "month"], sort=True)["hours"]
        .sum()
        .reset_index()
        .merge(tm, on="agreement_id")
    )
    months = billed["month"].to_numpy().astype("datetime64[M]")
    day = np.minimum((months + 1).astype("datetime64[D]") - 1, end)
    pending = months == end.astype("datetime64[M]")
    return pd.DataFrame(
        {
            "client_id": billed["client_id"].astype("str"),
            "agreement_id": billed["agreement_id"].astype("str"),
            "service": pd.Series([TM_SERVICE] * len(billed), dtype="str"),
            "amount": np.round(billed["hours"].to_numpy() * TM_RATE, 2),
            "line_date": date_column(day),
            "status": pd.Series(np.where(pending, "pending", "invoiced"), dtype="str"),
            "source": pd.Series(["demo"] * len(billed), dtype="str"),
        }
    )


def _numbered(lines: pd.DataFrame, end: np.datetime64) -> pd.DataFrame:
    """Lines in date order with line ids, and one invoice per client and month (the demo's
    numbering) for the lines not pending."""
    lines = lines.sort_values(
        ["line_date", "client_id", "service", "agreement_id"], kind="stable", ignore_index=True
    )
    month = pd.Series(lines["line_date"].astype(str).str[:7])
    invoiced = (lines["status"] != "pending").to_numpy()
    number = (
        pd.DataFrame({"m": month, "c": lines["client_id"]})[invoiced]
        .groupby(["m", "c"], sort=True)
        .ngroup()
    )
    invoice = np.full(len(lines), None, dtype=object)
    invoice[invoiced] = [f"INV{20001 + n}" for n in number]
    width = max(5, len(str(len(lines))))
    return lines.assign(
        line_id=pd.Series([f"RL{i:0{width}d}" for i in range(1, len(lines) + 1)], dtype="str"),
        invoice_id=pd.Series(invoice, dtype="str"),
    )[
        [
            "line_id",
            "client_id",
            "agreement_id",
            "service",
            "amount",
            "line_date",
            "status",
            "invoice_id",
            "source",
        ]
    ]


def main() -> None:
    from deskmetrics.config import load_settings
    from deskmetrics.demo import generate
    from deskmetrics.warehouse.engine import Warehouse
    from deskmetrics.warehouse.importer import import_frames

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True, help="the warehouse URL to load into")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--agreements", type=int, default=10_000, help="at least this many")
    parser.add_argument("--revenue-lines", type=int, default=50_000, help="at least this many")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = load_settings()
    t = time.perf_counter()
    frames = generate(tickets=args.tickets, seed=args.seed, timezone=settings.timezone)
    generated = time.perf_counter() - t
    copies = copies_needed(frames, args.agreements, args.revenue_lines)
    t = time.perf_counter()
    frames = scale(frames, copies, timezone=settings.timezone, seed=args.seed)
    scaled = time.perf_counter() - t
    t = time.perf_counter()
    summary = import_frames(Warehouse(args.warehouse), frames, settings, source="demo")
    loaded = time.perf_counter() - t
    print(
        json.dumps(
            {
                "copies": copies,
                "generate_s": round(generated, 1),
                "scale_s": round(scaled, 1),
                "import_s": round(loaded, 1),
                "rows": summary.rows,
            }
        )
    )
    print(f"... {args.warehouse} built", file=sys.stderr)


if __name__ == "__main__":
    main()
