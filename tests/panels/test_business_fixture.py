"""The hand-computed business fixture (tests/fixtures/business_kpis/README.md) and its loader:
the canonical CSV files through ``deskmetrics import-csv``, naive times local to New York."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import func, select

from deskmetrics.cli import main
from deskmetrics.schema.business_tables import BUSINESS_TABLES
from deskmetrics.schema.tables import time_entries
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "business_kpis"
CONFIG = FIXTURE / "config.yml"
DECEMBER = ("2024-12-01", "2024-12-31")


def load_business(url: str) -> Session:
    """Import every CSV of the fixture into the warehouse at ``url``."""
    assert main(["import-csv", str(FIXTURE), "--warehouse", url, "--config", str(CONFIG)]) == 0
    return Session(url, CONFIG)


def test_every_file_loads_with_local_times_as_utc(tmp_path):
    session = load_business(f"duckdb:///{tmp_path / 'w.duckdb'}")
    counts = {
        "agreements": 11,
        "revenue_lines": 15,
        "cost_rates": 5,
        "hard_costs": 5,
        "devices": 9,
        "projects": 7,
        "opportunities": 11,
        "opportunity_stages": 23,
        "timesheets": 8,
    }
    with session.warehouse.reading() as conn:
        for table in BUSINESS_TABLES:
            n = conn.execute(select(func.count()).select_from(table)).scalar_one()
            assert n == counts[table.name], table.name
        assert conn.execute(select(func.count()).select_from(time_entries)).scalar_one() == 34
        e4 = conn.execute(
            select(time_entries.c.started_at).where(time_entries.c.entry_id == "E4")
        ).scalar_one()
    # Sunday 15 December 21:00 in New York is Monday 02:00 UTC: its local day is the 15th
    assert pd.Timestamp(e4) == pd.Timestamp("2024-12-16 02:00:00")


def run(session: Session, panel_id: str, *period: str, **filters: str) -> pd.DataFrame:
    """One Business panel's frame for a period (December 2024 by default)."""
    from deskmetrics.panels.run import run_panel

    scope = session.scope(*(period or DECEMBER), **filters)
    with session.warehouse.reading() as conn:
        return run_panel(conn, session.settings, scope, panel_id).frame


def rows(frame: pd.DataFrame, key: str, digits: int = 2) -> dict:
    """{row label: {column: value}}, numbers rounded, missing values as None."""
    out = {}
    for record in frame.to_dict("records"):
        label = record.pop(key)
        out[label] = {
            k: None
            if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT
            else round(float(v), digits)
            if isinstance(v, int | float) and not isinstance(v, bool)
            else v
            for k, v in record.items()
        }
    return out
