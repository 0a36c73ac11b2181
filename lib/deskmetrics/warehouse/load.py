"""Idempotent, all-or-nothing upserts of canonical frames into the warehouse.

Rows are keyed by each table's primary key: loading the same data twice leaves the warehouse
exactly as it was. A load runs in one transaction, so a failure part-way writes nothing.
"""

from __future__ import annotations

import logging

import pandas as pd
from sqlalchemy import Connection, Table, inspect, text
from sqlalchemy.dialects import postgresql, sqlite

from deskmetrics.schema.tables import metadata
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.frames import (
    datetime_columns,
    duck,
    is_duckdb,
    records,
    register,
    to_naive_utc,
    unregister,
)

log = logging.getLogger(__name__)
_BATCH = 5_000


def create_schema(warehouse: Warehouse) -> None:
    """Create any missing canonical table (existing ones are left untouched)."""
    with warehouse.writing() as conn:
        metadata.create_all(conn)


def ensure_schema(conn: Connection) -> None:
    """Create missing tables and add columns a newer release introduced (never drops)."""
    inspector = inspect(conn)
    existing = set(inspector.get_table_names())
    metadata.create_all(conn, tables=[t for t in metadata.sorted_tables if t.name not in existing])
    for table in metadata.sorted_tables:
        if table.name not in existing:
            continue
        # a zero-row SELECT, not inspector.get_columns: duckdb-engine's reflection is broken
        present = set(conn.execute(text(f'SELECT * FROM "{table.name}" LIMIT 0')).keys())
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=conn.dialect)
                log.info("adding column %s.%s", table.name, column.name)
                conn.exec_driver_sql(
                    f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
                )


def upsert(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert or update rows by primary key inside the caller's transaction; returns rows.

    Columns the frame carries are written; the others keep their stored values (NULL for a
    new row), on every dialect."""
    if frame.empty:
        return 0
    keys = [c.name for c in table.primary_key.columns]
    columns = [c.name for c in table.columns if c.name in frame.columns]
    rows = to_naive_utc(frame[columns], datetime_columns(table))
    rows = rows.drop_duplicates(subset=keys, keep="last")
    if is_duckdb(conn):
        _upsert_duckdb(conn, table, rows, keys, columns)
    else:
        _upsert_sql(conn, table, rows, keys, columns)
    return len(rows)


def _upsert_duckdb(
    conn: Connection, table: Table, rows: pd.DataFrame, keys: list[str], columns: list[str]
) -> None:
    staged = register(conn, rows)
    db = duck(conn)
    source, written = staged, list(columns)
    try:
        match = " AND ".join(f't."{k}" = s."{k}"' for k in keys)
        missing = [c.name for c in table.columns if c.name not in columns]
        if missing:
            # a column the frame does not carry keeps its stored value, as the other dialects'
            # ON CONFLICT DO UPDATE does (e.g. a technician's role through a PSA sync)
            source = f"{staged}_kept"
            picked = [f's."{c}"' for c in columns] + [f't."{c}"' for c in missing]
            db.execute(
                f"CREATE TEMP TABLE {source} AS SELECT {', '.join(picked)} "
                f'FROM {staged} s LEFT JOIN "{table.name}" t ON {match}'
            )
            written += missing
        cols = ", ".join(f'"{c}"' for c in written)
        db.execute(
            f'DELETE FROM "{table.name}" t WHERE EXISTS (SELECT 1 FROM {staged} s WHERE {match})'
        )
        db.execute(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM {source}')
    finally:
        if source != staged:
            db.execute(f"DROP TABLE IF EXISTS {source}")
        unregister(conn, staged)


def _upsert_sql(
    conn: Connection, table: Table, rows: pd.DataFrame, keys: list[str], columns: list[str]
) -> None:
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(conn.dialect.name)
    if insert is None:
        raise NotImplementedError(f"upsert is not implemented for {conn.dialect.name}")
    stmt = insert(table)
    updates = {c: stmt.excluded[c] for c in columns if c not in keys}
    stmt = (
        stmt.on_conflict_do_update(index_elements=keys, set_=updates)
        if updates
        else stmt.on_conflict_do_nothing(index_elements=keys)
    )
    data = records(rows)
    for start in range(0, len(data), _BATCH):
        conn.execute(stmt, data[start : start + _BATCH])
