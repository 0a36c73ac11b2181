"""Moving frames between pandas and the warehouse, with a native fast path for DuckDB.

Row-by-row transfer through SQLAlchemy is fine for small tables and for PostgreSQL/SQLite in
tests, but a million tickets would take a minute; DuckDB reads and writes Arrow-backed frames
directly, so bulk moves use it when the warehouse is DuckDB.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, DateTime, Select, Table

_STAGING_COUNTER = itertools.count()


def is_duckdb(conn: Connection) -> bool:
    return conn.dialect.name == "duckdb"


def duck(conn: Connection):
    """The DuckDB connection under a SQLAlchemy connection (same transaction)."""
    return conn.connection.driver_connection


def to_naive_utc(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Warehouse timestamps are naive UTC; convert tz-aware columns on the way in."""
    out = frame.copy()
    for col in columns:
        if col in out and isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def from_naive_utc(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """The reverse of to_naive_utc, so library code always sees tz-aware UTC."""
    out = frame.copy()
    for col in columns:
        if col in out:
            series = pd.to_datetime(out[col])
            out[col] = series.dt.tz_localize("UTC") if series.dt.tz is None else series
    return out


def datetime_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if isinstance(c.type, DateTime)]


def register(conn: Connection, frame: pd.DataFrame) -> str:
    """Expose a frame to DuckDB SQL under a fresh name for this connection."""
    name = f"_staged_{next(_STAGING_COUNTER)}"
    duck(conn).register(name, frame)
    return name


def unregister(conn: Connection, name: str) -> None:
    duck(conn).unregister(name)


def read_table(
    conn: Connection, table: Table, columns: list[str], where_sql: str = ""
) -> pd.DataFrame:
    """Bulk-read columns of a canonical table; instants come back tz-aware UTC."""
    if is_duckdb(conn):
        cols = ", ".join(f'"{c}"' for c in columns)
        frame = duck(conn).execute(f'SELECT {cols} FROM "{table.name}" {where_sql}').df()
    else:
        query: Select = table.select().with_only_columns(*(table.c[c] for c in columns))
        if where_sql:
            raise ValueError("where_sql is only supported on DuckDB; filter with SQLAlchemy")
        frame = pd.read_sql(query, conn)
    dt_cols = [c for c in columns if c in datetime_columns(table)]
    return from_naive_utc(frame, dt_cols)


def records(frame: pd.DataFrame) -> list[dict]:
    """Plain Python rows (None for missing) for SQLAlchemy executemany."""
    clean = frame.astype(object).where(frame.notna(), None)
    rows = clean.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, pd.Timestamp):
                row[key] = value.to_pydatetime()
    return rows
