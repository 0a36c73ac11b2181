"""Reading contract CSV files: time zones, types, and errors that name file, row and column."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from deskmetrics.errors import InputError
from deskmetrics.schema.contract import CONTRACTS
from deskmetrics.schema.parse import read_contract_file

NY = ZoneInfo("America/New_York")


def _write(tmp_path, name, text):
    path = tmp_path / f"{name}.csv"
    path.write_text(text)
    return path


def test_offsets_are_instants_and_naive_times_are_local(tmp_path):
    path = _write(
        tmp_path,
        "tickets",
        (
            "ticket_id,created_at,status\n"
            "A,2024-07-01T09:00:00,New\n"  # EDT, -04:00
            "B,2024-12-01T09:00:00,New\n"  # EST, -05:00
            "C,2024-12-01T09:00:00Z,New\n"
            "D,2024-12-01T09:00:00+01:00,New\n"
            "E,2024-03-10T02:30:00,New\n"  # spring-forward gap -> first valid instant
            "F,2024-11-03T01:30:00,New\n"  # autumn overlap -> first occurrence (EDT)
            "G,2024-12-01,New\n"  # a bare date is local midnight
        ),
    )
    frame = read_contract_file(path, CONTRACTS["tickets"], NY)
    got = frame.set_index("ticket_id")["created_at"].dt.strftime("%Y-%m-%dT%H:%M")
    assert got.to_dict() == {
        "A": "2024-07-01T13:00",
        "B": "2024-12-01T14:00",
        "C": "2024-12-01T09:00",
        "D": "2024-12-01T08:00",
        "E": "2024-03-10T07:00",
        "F": "2024-11-03T05:30",
        "G": "2024-12-01T05:00",
    }
    assert str(frame["created_at"].dt.tz) == "UTC"


def test_types_and_missing_values(tmp_path):
    path = _write(
        tmp_path,
        "time_entries",
        (
            "entry_id,ticket_id,tech_id,started_at,hours,billable\n"
            "1,T1,K1,2024-12-02T09:00:00,1.25,true\n"
            "2,T1,,,0.5,\n"
        ),
    )
    frame = read_contract_file(path, CONTRACTS["time_entries"], NY)
    assert frame["hours"].tolist() == [1.25, 0.5]
    assert frame["billable"].tolist()[0] is True or frame["billable"].iloc[0] == True  # noqa: E712
    assert pd.isna(frame["billable"].iloc[1])
    assert frame["tech_id"].iloc[1] is None
    assert pd.isna(frame["started_at"].iloc[1])


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("tickets", "ticket_id,status\nT1,New\n", "tickets.csv, row 1, column 'created_at'"),
        (
            "tickets",
            "ticket_id,created_at,status\nT1,2024-12-02T09:00,New\nT2,yesterday,New\n",
            "tickets.csv, row 2, column 'created_at': 'yesterday' is not an ISO 8601",
        ),
        (
            "tickets",
            "ticket_id,created_at,status,priority\nT1,2024-12-02T09:00,New,7\n",
            "row 1, column 'priority': '7' is not a priority",
        ),
        (
            "tickets",
            "ticket_id,created_at,status\nT1,2024-12-02T09:00,\n",
            "row 1, column 'status': '' is empty but required",
        ),
        (
            "surveys",
            "response_id,submitted_at,rating,scale\nS1,2024-12-02T09:00,3,smileback\n",
            "row 1, column 'rating': '3' is not a valid smileback rating",
        ),
        (
            "surveys",
            "response_id,submitted_at,rating,scale\nS1,2024-12-02T09:00,3,stars10\n",
            "column 'scale': 'stars10' is not a survey scale",
        ),
        (
            "time_entries",
            "entry_id,ticket_id,hours,billable\n1,T1,one,true\n",
            "column 'hours': 'one' is not a number",
        ),
        (
            "time_entries",
            "entry_id,ticket_id,hours,billable\n1,T1,1,maybe\n",
            "column 'billable': 'maybe' is not true/false",
        ),
    ],
)
def test_bad_cells_name_file_row_and_column(tmp_path, name, text, message):
    path = _write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        read_contract_file(path, CONTRACTS[name], NY)
    assert message in str(err.value)
