"""Per-ticket facts computed once at load (canonical status, SLA outcome, business durations).

They depend on the settings (calendar, targets, status map); the settings' fingerprint is kept
in ``warehouse_meta`` and facts are rebuilt whenever a reader brings different settings, so a
number is never computed with one calendar and labelled with another.
"""

from __future__ import annotations

import logging

import pandas as pd
from sqlalchemy import Connection, bindparam, select, update

from deskmetrics.config import Settings
from deskmetrics.schema.tables import (
    TICKET_FACT_COLUMNS,
    status_changes,
    technicians,
    ticket_events,
    tickets,
    time_entries,
    warehouse_meta,
)
from deskmetrics.sla import compute_ticket_facts
from deskmetrics.warehouse.activity import ACTIVITY_COLUMNS, compute_activity_facts
from deskmetrics.warehouse.frames import (
    datetime_columns,
    duck,
    is_duckdb,
    read_table,
    records,
    register,
    to_naive_utc,
    unregister,
)
from deskmetrics.warehouse.load import upsert

log = logging.getLogger(__name__)

FINGERPRINT_KEY = "facts_fingerprint"
FACTS_VERSION = "3"  # bump when the facts or their columns change: warehouses then recompute
_TICKET_INPUTS = [
    "ticket_id",
    "created_at",
    "status",
    "priority",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "response_due_at",
    "resolution_due_at",
    "owner_tech_id",
    "channel",
    "board",
]
_TERMINAL = {"resolved", "closed"}


def facts_fingerprint(conn: Connection) -> str | None:
    # .all(): DuckDB refuses other work on a connection while a result is unfinished
    rows = conn.execute(
        select(warehouse_meta.c.value).where(warehouse_meta.c.key == FINGERPRINT_KEY)
    ).all()
    return rows[0][0] if rows else None


def expected_fingerprint(settings: Settings) -> str:
    return f"{FACTS_VERSION}:{settings.fingerprint()}"


def facts_are_current(conn: Connection, settings: Settings) -> bool:
    return facts_fingerprint(conn) == expected_fingerprint(settings)


def map_statuses(statuses: pd.Series, settings: Settings) -> pd.Series:
    """Raw status -> canonical category (None when unmapped), looked up once per distinct value."""
    lookup = {s: settings.status_category(s) for s in statuses.dropna().unique()}
    return statuses.map(lookup).astype(object).where(statuses.notna(), None)


def refresh_facts(conn: Connection, settings: Settings, ticket_ids: pd.Series | None = None) -> int:
    """Recompute and store facts for the given tickets (all when None); returns tickets done."""
    ticket_rows, change_rows = _read_inputs(conn, ticket_ids)
    if ticket_rows.empty:
        _store_fingerprint(conn, settings)
        return 0
    ticket_rows["category_status"] = map_statuses(ticket_rows["status"], settings)
    change_rows["category_status"] = map_statuses(change_rows["status"], settings)
    ended = _ended_at(ticket_rows, change_rows)
    # the SLA clocks stop when the ticket ended; a reopened ticket has not ended
    facts = compute_ticket_facts(
        ticket_rows.assign(resolved_at=ended),
        change_rows,
        settings.calendar(),
        settings.sla.response_hours,
        settings.sla.resolution_hours,
        due_soon_pct=settings.sla.due_soon_pct,
    )
    facts["status_category"] = ticket_rows["category_status"].to_numpy()
    activity = compute_activity_facts(
        ticket_rows.assign(
            ended_at=ended, resolution_business_s=facts["resolution_business_s"].to_numpy()
        ),
        change_rows,
        *_read_activity_inputs(conn, ticket_rows["ticket_id"]),
        settings,
    )
    for column in ACTIVITY_COLUMNS:
        facts[column] = activity[column].to_numpy()
    facts["ended_at"] = ended.to_numpy()
    facts["close_time_missing"] = (
        ticket_rows["category_status"].isin(_TERMINAL)
        & ticket_rows["resolved_at"].isna()
        & ticket_rows["closed_at"].isna()
    ).to_numpy()
    facts["created_date"] = _local_date(ticket_rows["created_at"], settings).to_numpy()
    facts["ended_date"] = _local_date(ended, settings).to_numpy()
    _write_facts(conn, facts[["ticket_id", *TICKET_FACT_COLUMNS]])
    _store_fingerprint(conn, settings)
    return len(facts)


def _read_inputs(conn: Connection, ticket_ids: pd.Series | None):
    change_cols = ["ticket_id", "changed_at", "status", "tech_id"]
    if ticket_ids is not None and is_duckdb(conn):
        staged = register(conn, pd.DataFrame({"ticket_id": ticket_ids.astype(str).unique()}))
        try:
            where = f"WHERE ticket_id IN (SELECT ticket_id FROM {staged})"
            return (
                read_table(conn, tickets, _TICKET_INPUTS, where),
                read_table(conn, status_changes, change_cols, where),
            )
        finally:
            unregister(conn, staged)
    ticket_rows = read_table(conn, tickets, _TICKET_INPUTS)
    change_rows = read_table(conn, status_changes, change_cols)
    if ticket_ids is not None:
        wanted = set(ticket_ids.astype(str))
        ticket_rows = ticket_rows[ticket_rows["ticket_id"].isin(wanted)].reset_index(drop=True)
        change_rows = change_rows[change_rows["ticket_id"].isin(wanted)].reset_index(drop=True)
    return ticket_rows, change_rows


def _read_activity_inputs(conn: Connection, ticket_ids: pd.Series):
    """Time entries, conversation events and technician tiers of the given tickets."""
    entries = read_table(conn, time_entries, ["ticket_id", "tech_id", "hours", "billable"])
    events = read_table(conn, ticket_events, ["ticket_id", "at", "kind", "tech_id"])
    techs = read_table(conn, technicians, ["tech_id", "tier"])
    wanted = set(ticket_ids)
    entries = entries[entries["ticket_id"].isin(wanted)].reset_index(drop=True)
    events = events[events["ticket_id"].isin(wanted)].reset_index(drop=True)
    return entries, events, techs


def _ended_at(ticket_rows: pd.DataFrame, change_rows: pd.DataFrame) -> pd.Series:
    """When a ticket stopped being open, or NaT while it is open (or cancelled).

    A ticket in a resolved/closed status ends at its resolved time, else its closed time, else
    the last move into such a status, else its last update (Dashboard Health flags the missing
    close time). An unmapped status counts by its timestamps alone.
    """
    cat = ticket_rows["category_status"]
    by_time = ticket_rows["resolved_at"].fillna(ticket_rows["closed_at"])
    last_close = (
        change_rows[change_rows["category_status"].isin(_TERMINAL)]
        .groupby("ticket_id")["changed_at"]
        .max()
    )
    # reindex, not map: pandas 3 map() with an empty mapper casts it to float
    moved = pd.Series(
        last_close.reindex(ticket_rows["ticket_id"].to_numpy()).to_numpy(),
        index=ticket_rows.index,
        dtype=by_time.dtype,
    )
    fallback = moved.fillna(ticket_rows["updated_at"]).fillna(ticket_rows["created_at"])
    terminal = by_time.fillna(fallback)
    ended = pd.Series(pd.NaT, index=ticket_rows.index, dtype=by_time.dtype)
    ended = ended.mask(cat.isin(_TERMINAL), terminal)
    return ended.mask(cat.isna().to_numpy(), by_time)


def _local_date(instants: pd.Series, settings: Settings) -> pd.Series:
    local = instants.dt.tz_convert(settings.zone)
    return pd.Series(local.dt.date, index=instants.index, dtype=object).where(local.notna(), None)


def _write_facts(conn: Connection, facts: pd.DataFrame) -> None:
    facts = to_naive_utc(facts, datetime_columns(tickets))
    if is_duckdb(conn):
        staged = register(conn, facts)
        try:
            sets = ", ".join(f'"{c}" = s."{c}"' for c in TICKET_FACT_COLUMNS)
            duck(conn).execute(
                f"UPDATE tickets SET {sets} FROM {staged} s WHERE tickets.ticket_id = s.ticket_id"
            )
        finally:
            unregister(conn, staged)
        return
    stmt = (
        update(tickets)
        .where(tickets.c.ticket_id == bindparam("_ticket_id"))
        .values({c: bindparam(c) for c in TICKET_FACT_COLUMNS})
    )
    rows = records(facts.rename(columns={"ticket_id": "_ticket_id"}))
    for start in range(0, len(rows), 5_000):
        conn.execute(stmt, rows[start : start + 5_000])


def _store_fingerprint(conn: Connection, settings: Settings) -> None:
    upsert(
        conn,
        warehouse_meta,
        pd.DataFrame({"key": [FINGERPRINT_KEY], "value": [expected_fingerprint(settings)]}),
    )


__all__ = ["facts_are_current", "map_statuses", "refresh_facts"]
