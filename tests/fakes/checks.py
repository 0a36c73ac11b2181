"""What connector tests read back from the warehouse, shared by every vendor's tests."""

from __future__ import annotations

import pandas as pd
import yaml
from sqlalchemy import text

from deskmetrics.config import PROJECT_ROOT, Settings
from deskmetrics.schema.tables import metadata
from deskmetrics.warehouse.engine import Warehouse


def vendor_settings(vendor: str) -> Settings:
    """Settings whose status map is the one shipped in parameters/mappings/<vendor>.yaml."""
    mapping = PROJECT_ROOT / "parameters" / "mappings" / f"{vendor}.yaml"
    return Settings(status_map=yaml.safe_load(mapping.read_text())["status_map"])


def table(warehouse: Warehouse, name: str) -> pd.DataFrame:
    """A whole table, sorted by its primary key so two warehouses compare row for row."""
    with warehouse.reading() as conn:
        frame = pd.DataFrame(conn.execute(text(f'SELECT * FROM "{name}"')).mappings().all())
    keys = (
        [c.name for c in metadata.tables[name].primary_key.columns]
        if (name in metadata.tables)
        else []
    )
    if not keys or frame.empty:
        return frame
    return frame.sort_values(keys).reset_index(drop=True)


def rows_of(warehouse, ticket_id: int | str) -> dict[str, int]:
    """How many rows of each ticket table belong to one ticket."""
    names = ("tickets", "status_changes", "ticket_events", "time_entries")
    return {n: int((table(warehouse, n)["ticket_id"] == str(ticket_id)).sum()) for n in names}


def plain_rows(warehouse: Warehouse, name: str) -> list[dict]:
    """A table as plain values: naive UTC instants as ISO text, days as date, NaN as None."""
    frame = table(warehouse, name).astype(object)
    frame = frame.where(frame.notna(), None)
    return [
        {k: v.isoformat() if isinstance(v, pd.Timestamp) else v for k, v in record.items()}
        for record in frame.to_dict("records")
    ]
