"""Importing the business files: on every warehouse, on their own (no tickets.csv), twice without
change, all or nothing, and without touching the ticket facts; time entries without a ticket
load and leave every ticket's facts as they were."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from deskmetrics.cli import main
from deskmetrics.config import load_settings
from deskmetrics.errors import InputError
from deskmetrics.schema.contract import BUSINESS_CONTRACTS
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.importer import import_csv_dir

BUSINESS = Path(__file__).parents[1] / "fixtures" / "business_small"
COUNTS = {
    "agreements": 4,
    "revenue_lines": 6,
    "cost_rates": 3,
    "hard_costs": 2,
    "devices": 4,
    "projects": 2,
    "opportunities": 3,
    "opportunity_stages": 7,
    "timesheets": 4,
}


def _rows(url: str, sql: str) -> list[tuple]:
    with Warehouse(url).reading() as conn:
        return [tuple(r) for r in conn.execute(text(sql)).all()]


def _tickets(url: str) -> pd.DataFrame:
    with Warehouse(url).reading() as conn:
        rows = conn.execute(text("SELECT * FROM tickets ORDER BY ticket_id")).mappings().all()
    return pd.DataFrame(rows)


def _day(value) -> date:
    """SQLite hands a Date back as text through a plain SQL query."""
    return date.fromisoformat(value) if isinstance(value, str) else value


@pytest.fixture
def loaded(warehouse_url, small_msp, small_config):
    """The small MSP, then its business files on top."""
    settings = load_settings(small_config, use_local=False)
    warehouse = Warehouse(warehouse_url)
    import_csv_dir(warehouse, small_msp, settings)
    before = _tickets(warehouse_url)
    summary = import_csv_dir(warehouse, BUSINESS, settings)
    return warehouse_url, settings, before, summary


def test_business_files_load_on_their_own_on_every_warehouse(loaded):
    url, settings, before, summary = loaded
    assert summary.rows == COUNTS and summary.facts_refreshed == 0
    for name, count in COUNTS.items():
        assert _rows(url, f"SELECT count(*) FROM {name}") == [(count,)], name
    assert _rows(url, "SELECT sum(amount), min(amount) FROM revenue_lines") == [(10_200.5, -250.0)]
    (start, end, fee, cancelled, kind), *_ = _rows(
        url,
        "SELECT start_date, end_date, recurring_revenue, cancelled, type FROM agreements "
        "ORDER BY agreement_id",
    )
    assert (_day(start), _day(end), fee, bool(cancelled), kind) == (
        date(2023, 1, 1),
        date(2024, 12, 31),
        3000.0,
        False,
        "recurring",
    )
    assert _rows(url, "SELECT type FROM agreements WHERE agreement_id = 'A3'") == [("block_hours",)]
    assert _rows(url, "SELECT outcome FROM opportunities ORDER BY opportunity_id") == [
        ("won",),
        ("lost",),
        (None,),
    ]
    assert _rows(url, "SELECT count(*) FROM timesheets WHERE status = 'open'") == [(2,)]
    pd.testing.assert_frame_equal(_tickets(url), before)  # the ticket facts are untouched
    # loading the same files again changes nothing
    import_csv_dir(Warehouse(url), BUSINESS, settings)
    for name, count in COUNTS.items():
        assert _rows(url, f"SELECT count(*) FROM {name}") == [(count,)], name
    streams = {r[0] for r in _rows(url, "SELECT stream FROM sync_state WHERE source = 'csv'")}
    assert set(COUNTS) <= streams


def test_time_entries_without_a_ticket_leave_the_ticket_facts(loaded, tmp_path):
    url, settings, before, _ = loaded
    extra = tmp_path / "project_time"
    extra.mkdir()
    shutil.copy(BUSINESS / "projects.csv", extra)
    (extra / "time_entries.csv").write_text(
        "entry_id,ticket_id,tech_id,started_at,hours,billable,client_id,project_id,work_type\n"
        "W1,,K1,2024-12-03T13:00:00,2.5,true,C1,PR1,Project\n"
        "W2,,K2,2024-12-04T09:00:00,0.75,false,,,Internal Meeting\n"
        "E9,T2,K1,2024-12-02T11:00:00,0.5,true,C1,,Remote Support\n"
    )
    summary = import_csv_dir(Warehouse(url), extra, settings)
    assert summary.rows == {"projects": 2, "time_entries": 3}
    assert summary.facts_refreshed == 1  # T2's, for its new entry
    after = _tickets(url)
    others = after["ticket_id"] != "T2"
    pd.testing.assert_frame_equal(after[others], before[others])
    t2 = after.loc[~others].iloc[0]
    assert (t2["time_entry_count"], t2["hours_logged"]) == (2, 1.5)
    assert _rows(url, "SELECT count(*) FROM time_entries WHERE ticket_id IS NULL") == [(2,)]
    assert _rows(url, "SELECT sum(hours) FROM time_entries WHERE project_id = 'PR1'") == [(2.5,)]


def test_one_bad_cell_in_any_business_file_loads_nothing(tmp_path, small_config, capsys):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    args = ["import-csv", "--warehouse", url, "--config", str(small_config)]
    assert main([*args, str(BUSINESS)]) == 0
    for name in BUSINESS_CONTRACTS:
        bad = tmp_path / name
        shutil.copytree(BUSINESS, bad)
        with (bad / "agreements.csv").open("a") as fh:  # a good new row, in every import
            fh.write("A9,C2,Time & materials,time_and_materials,,2024-12-01,,,false,csv,\n")
        path = bad / f"{name}.csv"
        header, first, *rest = path.read_text().splitlines()
        # the first row again with its first cell kept and every other one "-1x", which each
        # file has a typed column to refuse
        cells = first.split(",")
        path.write_text(
            "\n".join([header, first, *rest, ",".join([cells[0]] + ["-1x"] * (len(cells) - 1))])
            + "\n"
        )
        capsys.readouterr()
        assert main([*args, str(bad)]) == 2, name
        assert f"file {name}.csv, row {len(rest) + 2}, column" in capsys.readouterr().err
    for table, count in COUNTS.items():
        assert _rows(url, f"SELECT count(*) FROM {table}") == [(count,)], table


def test_a_directory_without_tickets_or_business_files_is_refused(tmp_path):
    (tmp_path / "clients.csv").write_text("client_id,name\nC1,Acme\n")
    with pytest.raises(InputError, match="tickets.csv is required"):
        import_csv_dir(
            Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}"), tmp_path, load_settings(None)
        )
