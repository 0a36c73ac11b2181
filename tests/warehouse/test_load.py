"""Upserts: the same rows twice change nothing, and a column the frame does not carry keeps
its stored value on every dialect (a PSA sync must not wipe what the MSP loaded by CSV)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from deskmetrics.schema.tables import technicians
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.load import ensure_schema, upsert


def _rows(warehouse: Warehouse) -> dict:
    with warehouse.reading() as conn:
        rows = conn.execute(select(technicians).order_by(technicians.c.tech_id)).mappings()
        return {r["tech_id"]: dict(r) for r in rows}


def test_columns_missing_from_the_frame_keep_their_values(warehouse_url):
    warehouse = Warehouse(warehouse_url)
    full = pd.DataFrame(
        {
            "tech_id": ["K1", "K2"],
            "name": ["Ana", "Ben"],
            "team": ["Desk", "Desk"],
            "tier": [1, 2],
            "role": ["Tier 1", "Tier 2"],
            "weekly_hours": [40.0, 30.0],
        }
    )
    synced = pd.DataFrame(
        {"tech_id": ["K1", "K3"], "name": ["Ana Ruiz", "Cal"], "team": ["Escalations", None]}
    )
    with warehouse.writing() as conn:
        ensure_schema(conn)
        upsert(conn, technicians, full)
        upsert(conn, technicians, full)  # idempotent
        upsert(conn, technicians, synced)
    rows = _rows(warehouse)
    assert rows["K1"] == {
        "tech_id": "K1",
        "name": "Ana Ruiz",  # carried by the frame: updated
        "team": "Escalations",
        "tier": 1,  # not carried: kept
        "role": "Tier 1",
        "weekly_hours": 40.0,
    }
    assert rows["K2"]["name"] == "Ben" and rows["K2"]["role"] == "Tier 2"  # untouched
    assert rows["K3"]["role"] is None and rows["K3"]["tier"] is None  # new: nothing to keep
    assert len(rows) == 3
