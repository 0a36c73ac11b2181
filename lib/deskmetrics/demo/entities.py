"""Small reference frames of the demo: clients, their contacts and the MSP's technicians.

These tables have tens to hundreds of rows, so plain Python loops are fine here; the
per-ticket work lives in :mod:`deskmetrics.demo.lifecycle` and is fully vectorized.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from deskmetrics.demo import catalog

N_CLIENTS = 40


@dataclass(frozen=True)
class Directory:
    """Reference frames plus the numeric arrays the ticket generator samples from."""

    clients: pd.DataFrame
    contacts: pd.DataFrame
    technicians: pd.DataFrame
    client_weight: np.ndarray  # relative ticket volume per client
    contact_start: np.ndarray  # first contact row of each client (contacts are grouped)
    contact_count: np.ndarray  # contacts per client
    client_tool: np.ndarray  # index into catalog.SURVEY_TOOLS, one tool per client
    tech_team: np.ndarray  # index into catalog.BOARD_TEAM
    tech_tier: np.ndarray  # 1..3
    tech_weight: np.ndarray  # relative workload; some people simply take more tickets


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _unique_names(rng: np.random.Generator, count: int) -> list[tuple[str, str]]:
    """Distinct (first, last) pairs; sampling without replacement from the grid avoids clashes."""
    grid = len(catalog.FIRST_NAMES) * len(catalog.LAST_NAMES)
    picks = rng.choice(grid, size=count, replace=False)
    return [
        (
            catalog.FIRST_NAMES[p // len(catalog.LAST_NAMES)],
            catalog.LAST_NAMES[p % len(catalog.LAST_NAMES)],
        )
        for p in picks
    ]


def build_directory(rng: np.random.Generator) -> Directory:
    """Create ~40 clients, a few contacts each and the 25-person technician roster."""
    prefixes = rng.choice(len(catalog.COMPANY_PREFIXES), size=N_CLIENTS, replace=False)
    sectors = rng.choice(len(catalog.COMPANY_SECTORS), size=N_CLIENTS)
    names = [
        f"{catalog.COMPANY_PREFIXES[p]} {catalog.COMPANY_SECTORS[s]}"
        for p, s in zip(prefixes, sectors, strict=True)
    ]
    domains = [
        f"{_slug(catalog.COMPANY_PREFIXES[p])}{_slug(catalog.COMPANY_SECTORS[s].split()[0])}.example"
        for p, s in zip(prefixes, sectors, strict=True)
    ]
    # Long tail: most MSP clients are small offices, a couple are 300+ seat organisations.
    seats = np.clip(np.rint(28 * rng.lognormal(0.0, 0.9, N_CLIENTS)), 5, 400).astype(np.int64)
    seats[np.argmax(seats)] = max(int(seats.max()), int(rng.integers(300, 401)))
    client_ids = [f"CL{i + 1:03d}" for i in range(N_CLIENTS)]
    clients = pd.DataFrame(
        {
            "client_id": pd.array(client_ids, dtype="str"),
            "name": pd.array(names, dtype="str"),
            "seats": seats,
        }
    )

    contact_count = np.clip(2 + seats // 25, 2, 18).astype(np.int64)
    contact_start = np.concatenate([[0], np.cumsum(contact_count)[:-1]])
    rows: list[tuple[str, str, str]] = []
    for client, (count, domain) in enumerate(zip(contact_count, domains, strict=True)):
        for first, last in _unique_names(rng, int(count)):
            email = f"{first}.{last}@{domain}".lower().replace("'", "")
            rows.append((client_ids[client], f"{first} {last}", email))
    contacts = pd.DataFrame(
        {
            "contact_id": pd.array([f"CT{i + 1:04d}" for i in range(len(rows))], dtype="str"),
            "client_id": pd.array([r[0] for r in rows], dtype="str"),
            "name": pd.array([r[1] for r in rows], dtype="str"),
            "email": pd.array([r[2] for r in rows], dtype="str"),
        }
    )

    roster = catalog.TECH_ROSTER
    tech_names = _unique_names(rng, len(roster))
    technicians = pd.DataFrame(
        {
            "tech_id": pd.array([f"TECH{i + 1:02d}" for i in range(len(roster))], dtype="str"),
            "name": pd.array([f"{f} {la}" for f, la in tech_names], dtype="str"),
            "team": pd.array([team for team, _ in roster], dtype="str"),
            "tier": np.array([tier for _, tier in roster], dtype=np.int64),
        }
    )

    # Exact tool counts (shuffled) so every tool is always in use, whatever the seed.
    tool_counts = np.rint(np.array(catalog.SURVEY_TOOL_SHARE) * N_CLIENTS).astype(np.int64)
    tool_counts[0] += N_CLIENTS - tool_counts.sum()
    client_tool = rng.permutation(np.repeat(np.arange(len(tool_counts)), tool_counts))

    return Directory(
        clients=clients,
        contacts=contacts,
        technicians=technicians,
        client_weight=seats.astype(np.float64) ** 0.9,
        contact_start=contact_start,
        contact_count=contact_count,
        client_tool=client_tool,
        tech_team=np.array([catalog.BOARD_TEAM.index(team) for team, _ in roster]),
        tech_tier=np.array([tier for _, tier in roster], dtype=np.int64),
        tech_weight=rng.gamma(5.0, 1.0, len(roster)),
    )
