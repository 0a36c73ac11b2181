"""import-csv end to end: all-or-nothing, idempotent, exit code 2 on bad input."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from deskmetrics.cli import main
from deskmetrics.warehouse.engine import Warehouse

CANONICAL = ("clients", "technicians", "tickets", "status_changes", "surveys")


def _snapshot(url: str) -> dict[str, pd.DataFrame]:
    with Warehouse(url).reading() as conn:
        return {
            name: pd.DataFrame(conn.execute(text(f"SELECT * FROM {name}")).mappings().all())
            .sort_values(
                by=pd.DataFrame(
                    conn.execute(text(f"SELECT * FROM {name}")).mappings().all()
                ).columns[0]
            )
            .reset_index(drop=True)
            for name in CANONICAL
        }


def test_loading_twice_changes_nothing(warehouse_url, small_msp, small_config):
    args = [
        "import-csv",
        str(small_msp),
        "--warehouse",
        warehouse_url,
        "--config",
        str(small_config),
    ]
    assert main(args) == 0
    first = _snapshot(warehouse_url)
    assert main(args) == 0
    second = _snapshot(warehouse_url)
    for name in CANONICAL:
        pd.testing.assert_frame_equal(first[name], second[name])
    assert len(second["tickets"]) == 8


def test_updated_rows_replace_old_ones(warehouse_url, small_msp, small_config):
    args = [
        "import-csv",
        str(small_msp),
        "--warehouse",
        warehouse_url,
        "--config",
        str(small_config),
    ]
    assert main(args) == 0
    tickets = small_msp / "tickets.csv"
    tickets.write_text(
        tickets.read_text()
        .replace("T3,2024-12-03T15:00:00Z,In Progress", "T3,2024-12-03T15:00:00Z,Resolved")
        .replace("Site VPN down", "Site VPN down (fixed)")
    )
    assert main(args) == 0
    with Warehouse(warehouse_url).reading() as conn:
        rows = conn.execute(
            text("SELECT status, title, status_category FROM tickets WHERE ticket_id = 'T3'")
        ).all()
    assert rows == [("Resolved", "Site VPN down (fixed)", "resolved")]


def test_bad_row_fails_with_exit_2_and_writes_nothing(
    warehouse_url, small_msp, small_config, capsys
):
    args = [
        "import-csv",
        str(small_msp),
        "--warehouse",
        warehouse_url,
        "--config",
        str(small_config),
    ]
    assert main(args) == 0
    before = _snapshot(warehouse_url)
    # a good new ticket and a survey with a broken timestamp in the same import
    with (small_msp / "tickets.csv").open("a") as fh:
        fh.write("T9,2024-12-06T09:00:00,New,C1,,Help Desk,Hardware,3,K1,,,,Keyboard\n")
    with (small_msp / "surveys.csv").open("a") as fh:
        fh.write("S9,smileback,T9,C1,K1,06/12/2024 10:00,1,smileback,\n")
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "surveys.csv" in err and "row 8" in err and "'submitted_at'" in err
    after = _snapshot(warehouse_url)
    for name in CANONICAL:
        pd.testing.assert_frame_equal(before[name], after[name])


def test_failure_during_load_rolls_back(tmp_path, small_msp, small_config, monkeypatch):
    """A failure after some tables were written leaves the warehouse as it was."""
    from deskmetrics.config import load_settings
    from deskmetrics.warehouse import importer

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    settings = load_settings(small_config, use_local=False)
    warehouse = Warehouse(url)
    importer.import_csv_dir(warehouse, small_msp, settings)
    before = _snapshot(url)

    real_upsert = importer.upsert

    def failing_upsert(conn, table, frame):
        if table.name == "surveys":
            raise RuntimeError("disk full")
        return real_upsert(conn, table, frame)

    monkeypatch.setattr(importer, "upsert", failing_upsert)
    frames = importer.read_csv_dir(small_msp, settings)
    frames["tickets"] = frames["tickets"].assign(title="changed")
    with pytest.raises(RuntimeError, match="disk full"):
        importer.import_frames(warehouse, frames, settings)
    after = _snapshot(url)
    pd.testing.assert_frame_equal(before["tickets"], after["tickets"])


def test_missing_tickets_file_and_directory(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert main(["import-csv", str(tmp_path / "nowhere"), "--warehouse", url]) == 2
    assert "not a directory" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["import-csv", str(tmp_path / "empty"), "--warehouse", url]) == 2
    assert "tickets.csv is required" in capsys.readouterr().err


def test_duplicate_ticket_ids_keep_last_and_show_in_health(
    tmp_path, small_msp, small_config, capsys
):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with (small_msp / "tickets.csv").open("a") as fh:
        fh.write(
            "T2,2024-12-02T09:00:00,Resolved,C1,P1,Help Desk,Software,3,K1,"
            "2024-12-02T09:20:00,2024-12-02T13:00:00,,Outlook (again)\n"
        )
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    assert "1 duplicate ticket ids" in capsys.readouterr().err
    with Warehouse(url).reading() as conn:
        assert conn.execute(text("SELECT title FROM tickets WHERE ticket_id='T2'")).scalar() == (
            "Outlook (again)"
        )
    assert (
        main(
            [
                "metrics",
                "dashboard",
                "--warehouse",
                url,
                "--config",
                str(small_config),
                "--from",
                "2024-12-02",
                "--to",
                "2024-12-06",
                "--json",
            ]
        )
        == 0
    )
    assert "duplicate ticket ids" in capsys.readouterr().out


def test_ticket_events_load_and_bad_kind_is_refused(tmp_path, small_msp, small_config, capsys):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    args = ["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]
    assert main(args) == 0
    with Warehouse(url).reading() as conn:
        kinds = conn.execute(
            text("SELECT kind, count(*) FROM ticket_events GROUP BY kind ORDER BY kind")
        ).all()
        replies = conn.execute(
            text("SELECT agent_replies, next_response_count FROM tickets WHERE ticket_id = 'T8'")
        ).one()
    assert kinds == [("agent_reply", 3), ("customer_message", 3), ("internal_note", 1)]
    assert tuple(replies) == (2, 1)  # the second exchange is a next response
    with (small_msp / "ticket_events.csv").open("a") as fh:
        fh.write("T8,2024-12-05T17:00:00,phone_call,K1\n")
    capsys.readouterr()
    assert main(args) == 2
    assert "column 'kind': 'phone_call' is not an event kind" in capsys.readouterr().err
