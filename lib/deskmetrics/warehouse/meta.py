"""Small key/value facts about the warehouse itself (``warehouse_meta``): what a sync left to
do, when a source was last checked for deletions."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from deskmetrics.schema.tables import warehouse_meta
from deskmetrics.warehouse.load import upsert


def read_meta(conn, key: str) -> str | None:
    rows = conn.execute(select(warehouse_meta.c.value).where(warehouse_meta.c.key == key)).all()
    return rows[0][0] if rows else None


def write_meta(conn, key: str, value: str) -> None:
    upsert(conn, warehouse_meta, pd.DataFrame({"key": [key], "value": [value]}))
