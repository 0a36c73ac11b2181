"""Data as of, per source: hand-made sync_state rows on every warehouse dialect."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd

from deskmetrics.config import Settings
from deskmetrics.schema.tables import sync_state, tickets
from deskmetrics.session import Session
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.freshness import IMPORTED, SourceFreshness, source_freshness
from deskmetrics.warehouse.load import create_schema, upsert

RESUMING = json.dumps({"since": None, "resume": "page=3", "max_seen": None})


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=UTC)


def state(source, stream, last, *, cursor="2026-11-25T13:00:00+00:00", detail="{}"):
    return {
        "source": source,
        "stream": stream,
        "cursor": cursor,
        "last_success_at": last,
        "rows_loaded": 10,
        "detail": detail,
    }


def load(url: str, table, rows: list[dict]) -> Warehouse:
    warehouse = Warehouse(url)
    create_schema(warehouse)
    if rows:
        with warehouse.writing() as conn:
            upsert(conn, table, pd.DataFrame(rows))
    return warehouse


def freshness(warehouse: Warehouse) -> list[SourceFreshness]:
    with warehouse.reading() as conn:
        return source_freshness(conn)


def test_a_source_is_as_fresh_as_its_oldest_stream(warehouse_url):
    warehouse = load(
        warehouse_url,
        sync_state,
        [
            state("cw", "tickets", at(14, 2)),
            state("cw", "notes", at(13, 30)),
            state("cw", "time_entries", at(14, 5)),
            state("crewhu", "surveys", at(13, 58)),
            # its first sync stopped part-way: partial data, no cursor yet
            state("crewhu", "responses", at(14, 1), cursor=None, detail=RESUMING),
            state("halo", "tickets", None, cursor=None),
        ],
    )
    assert freshness(warehouse) == [
        SourceFreshness("crewhu", at(13, 58), at(13, 58), 2, ("responses",)),
        SourceFreshness("cw", at(13, 30), at(14, 5), 3),
        SourceFreshness("halo", None, None, 1, ("tickets",)),
    ]


def test_a_resumed_stream_that_completed_before_still_counts(warehouse_url):
    """A cursor means an earlier sync finished; the data is at least that fresh."""
    warehouse = load(warehouse_url, sync_state, [state("cw", "tickets", at(9, 0), detail=RESUMING)])
    assert freshness(warehouse) == [SourceFreshness("cw", at(9, 0), at(9, 0), 1)]


def test_imported_data_is_as_of_its_newest_ticket_change(warehouse_url):
    rows = [
        {"ticket_id": "T1", "created_at": at(8, 0), "status": "New", "updated_at": at(9, 15)},
        # never updated: its creation is its last change, and the newest of all
        {"ticket_id": "T2", "created_at": at(10, 40), "status": "New", "updated_at": None},
        {"ticket_id": "T3", "created_at": at(7, 0), "status": "New", "updated_at": at(10, 0)},
    ]
    warehouse = load(warehouse_url, tickets, rows)
    assert freshness(warehouse) == [SourceFreshness(IMPORTED, at(10, 40), at(10, 40), 1)]


def test_an_empty_warehouse_has_no_freshness(warehouse_url):
    assert freshness(load(warehouse_url, sync_state, [])) == []


def test_a_warehouse_without_tables_has_no_freshness(tmp_path):
    warehouse = Warehouse(f"duckdb:///{tmp_path / 'bare.duckdb'}")
    with warehouse.writing():
        pass  # creates the file, no tables
    assert freshness(warehouse) == []


def test_session_freshness(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    load(url, sync_state, [state("cw", "tickets", at(14, 2)), state("cw", "notes", at(12, 0))])
    session = Session(url, settings=Settings(timezone="America/New_York"))
    (cw,) = session.freshness()
    assert (cw.name, cw.last_success_at, cw.newest_success_at) == ("cw", at(12, 0), at(14, 2))
    assert session.data_as_of() == datetime(2026, 11, 25, 14, 2)  # max, naive: unchanged
