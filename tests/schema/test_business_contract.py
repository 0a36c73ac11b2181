"""The CSV contract of the business files: every table has one, columns match the warehouse,
parents load first, good files parse to typed frames and each kind of bad cell is refused with
its file, row and column."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from deskmetrics.errors import InputError
from deskmetrics.schema.business_tables import BUSINESS_TABLES
from deskmetrics.schema.contract import BUSINESS_CONTRACTS, CONTRACTS, LOAD_ORDER
from deskmetrics.schema.parse import DATE_DTYPE, read_contract_file
from deskmetrics.schema.tables import metadata

NY = ZoneInfo("America/New_York")
FIXTURE = Path(__file__).parents[1] / "fixtures" / "business_small"
# (parent, child): the child names the parent's key
PARENTS = [
    ("clients", "agreements"),
    ("agreements", "revenue_lines"),
    ("agreements", "hard_costs"),
    ("agreements", "time_entries"),
    ("projects", "time_entries"),
    ("tickets", "time_entries"),
    ("technicians", "cost_rates"),
    ("technicians", "timesheets"),
    ("opportunities", "opportunity_stages"),
    ("clients", "devices"),
]


def test_every_business_table_has_a_contract_matching_its_columns():
    assert set(BUSINESS_CONTRACTS) == {t.name for t in BUSINESS_TABLES}
    assert sorted(LOAD_ORDER) == sorted(CONTRACTS)
    for name, contract in CONTRACTS.items():
        table = metadata.tables[name]
        assert set(contract.columns) <= set(table.columns.keys()), name
        needed = {c.name for c in table.columns if c.primary_key or not c.nullable}
        assert needed <= set(contract.required), name
    for parent, child in PARENTS:
        assert LOAD_ORDER.index(parent) < LOAD_ORDER.index(child), (parent, child)


def test_new_columns_of_technicians_and_time_entries_are_optional():
    assert {"role": "text", "weekly_hours": "hours"}.items() <= CONTRACTS[
        "technicians"
    ].optional.items()
    entries = CONTRACTS["time_entries"]
    assert set(entries.required) == {"entry_id", "hours"}
    assert {"ticket_id", "client_id", "agreement_id", "project_id", "work_type"} <= set(
        entries.optional
    )


def _read(name: str) -> pd.DataFrame:
    return read_contract_file(FIXTURE / f"{name}.csv", CONTRACTS[name], NY)


def test_the_small_business_files_parse_to_typed_frames():
    agreements = _read("agreements")
    assert agreements["start_date"].dtype == DATE_DTYPE
    assert agreements["end_date"].tolist()[:2] == [date(2024, 12, 31), pd.NA]
    assert agreements["type"].tolist()[2] == "block_hours"  # matched ignoring case
    assert agreements["period_type"].iloc[1] is None
    assert agreements["cancelled"].tolist() == [False, False, False, True]
    assert str(agreements["updated_at"].iloc[0]) == "2024-11-01 14:00:00+00:00"  # 10:00 EDT

    lines = _read("revenue_lines")
    assert lines["amount"].sum() == pytest.approx(10_200.5)
    assert lines["amount"].min() == -250  # a credit
    assert lines.loc[lines["status"] == "pending", "invoice_id"].isna().all()

    opportunities = _read("opportunities")
    assert opportunities["outcome"].tolist() == ["won", "lost", None]
    assert opportunities["probability"].tolist() == [100, 0, 50]
    assert opportunities["client_id"].iloc[1] is None

    devices = _read("devices")
    assert devices["missing_patches"].tolist()[:3] == [0, 4, 12]
    assert pd.isna(devices["missing_patches"].iloc[3])
    rates = _read("cost_rates")
    assert rates["effective_from"].tolist()[2] == date(2024, 7, 1)
    assert len(_read("opportunity_stages")) == 7
    assert _read("timesheets")["status"].value_counts().to_dict() == {
        "open": 2,
        "approved": 1,
        "submitted": 1,
    }
    projects = _read("projects")
    assert projects["actual_hours"].tolist() == [46.5, 18.0]
    assert len(_read("hard_costs")) == 2


def test_time_entries_without_a_ticket_and_technicians_with_roles(tmp_path):
    path = tmp_path / "time_entries.csv"
    path.write_text(
        "entry_id,ticket_id,tech_id,started_at,hours,billable,client_id,project_id,work_type\n"
        "W1,,K1,2024-12-03T13:00:00,2.5,true,C1,PR1,Project\n"
        "W2,,K2,2024-12-04T09:00:00,0.75,false,,,Internal Meeting\n"
        "E9,T2,K1,2024-12-02T11:00:00,0.5,true,C1,,Remote Support\n"
    )
    entries = read_contract_file(path, CONTRACTS["time_entries"], NY)
    assert entries["ticket_id"].tolist() == [None, None, "T2"]
    assert entries["project_id"].tolist() == ["PR1", None, None]
    path = tmp_path / "technicians.csv"
    path.write_text("tech_id,name,role,weekly_hours\nK1,Kim Lee,Tier 1,32\nK2,Sam Ortiz,,\n")
    techs = read_contract_file(path, CONTRACTS["technicians"], NY)
    assert techs["role"].tolist() == ["Tier 1", None]
    assert techs["weekly_hours"].iloc[0] == 32 and pd.isna(techs["weekly_hours"].iloc[1])


def _replace(name: str, column: str, value: str, row: int = 1) -> str:
    """The fixture file with one cell (data row ``row``, 1-based) changed."""
    frame = pd.read_csv(FIXTURE / f"{name}.csv", dtype=str, keep_default_na=False)
    frame.loc[row - 1, column] = value
    return frame.to_csv(index=False)


BAD_CELLS = [
    ("agreements", "start_date", "2023-01-01T00:00:00", "is a timestamp, not a date"),
    ("agreements", "end_date", "31/12/2024", "is not a date YYYY-MM-DD"),
    ("revenue_lines", "line_date", "2024-02-30", "is not a date YYYY-MM-DD"),
    ("agreements", "type", "managed", "is not one of recurring, block_hours"),
    ("agreements", "period_type", "weekly", "is not one of monthly, quarterly, annual"),
    ("revenue_lines", "status", "billed", "is not one of pending, invoiced"),
    ("cost_rates", "subject", "team", "is not one of technician, role"),
    ("devices", "contract_status", "unknown", "is not one of covered, awaiting_review"),
    ("projects", "status", "done", "is not one of open, on_hold, closed, cancelled"),
    ("opportunities", "outcome", "abandoned", "is not one of won, lost"),
    ("timesheets", "status", "late", "is not one of open, submitted, approved"),
    ("opportunities", "probability", "120", "is not a percentage from 0 to 100"),
    ("opportunities", "amount", "-10", "is a negative amount; only revenue lines"),
    ("hard_costs", "amount", "-275", "is a negative amount; only revenue lines"),
    ("agreements", "recurring_revenue", "-3000", "is a negative amount; only revenue lines"),
    ("cost_rates", "hourly_cost", "-32", "is a negative amount; only revenue lines"),
    ("projects", "budget_hours", "-40", "is negative; hours cannot be"),
    ("devices", "missing_patches", "-1", "is negative; a count cannot be"),
    ("devices", "missing_patches", "2.5", "is not a whole number"),
    ("revenue_lines", "amount", "", "is empty but required"),
    ("revenue_lines", "amount", "ten", "is not a number"),
    ("agreements", "cancelled", "maybe", "is not true/false"),
]


@pytest.mark.parametrize(("name", "column", "value", "message"), BAD_CELLS)
def test_bad_cells_name_file_row_and_column(tmp_path, name, column, value, message):
    (tmp_path / f"{name}.csv").write_text(_replace(name, column, value, row=2))
    with pytest.raises(InputError) as err:
        read_contract_file(tmp_path / f"{name}.csv", CONTRACTS[name], NY)
    assert f"file {name}.csv, row 2, column {column!r}: {value!r} {message}" in str(err.value)


def test_negative_hours_of_a_time_entry_and_a_missing_required_column(tmp_path):
    path = tmp_path / "time_entries.csv"
    path.write_text("entry_id,hours\nW1,1\nW2,-0.5\n")
    with pytest.raises(InputError, match=r"row 2, column 'hours': '-0.5' is negative"):
        read_contract_file(path, CONTRACTS["time_entries"], NY)
    path = tmp_path / "timesheets.csv"
    path.write_text("tech_id,status\nK1,open\n")
    with pytest.raises(InputError, match=r"timesheets.csv, row 1, column 'week_start'"):
        read_contract_file(path, CONTRACTS["timesheets"], NY)
