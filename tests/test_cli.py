"""The deskmetrics command end to end: demo data, its CSVs round-tripping through import-csv,
the text report, the metric list and clear errors."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from deskmetrics.cli import main
from deskmetrics.schema.contract import BUSINESS_CONTRACTS
from deskmetrics.schema.tables import metadata
from deskmetrics.warehouse.engine import Warehouse

TABLES = (
    "clients",
    "contacts",
    "technicians",
    "tickets",
    "status_changes",
    "ticket_events",
    "time_entries",
    "surveys",
    *BUSINESS_CONTRACTS,
)


def _counts(url: str) -> dict[str, int]:
    with Warehouse(url).reading() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def _table(url: str, name: str) -> pd.DataFrame:
    keys = ", ".join(f'"{c.name}"' for c in metadata.tables[name].primary_key.columns)
    with Warehouse(url).reading() as conn:
        rows = conn.execute(text(f'SELECT * FROM "{name}" ORDER BY {keys}')).mappings().all()
    return pd.DataFrame(rows)


def test_demo_csv_round_trips_through_import(tmp_path, capsys):
    demo = f"duckdb:///{tmp_path / 'demo.duckdb'}"
    assert (
        main(
            [
                "demo-data",
                "--tickets",
                "1500",
                "--seed",
                "3",
                "--warehouse",
                demo,
                "--csv",
                str(tmp_path / "csv"),
            ]
        )
        == 0
    )
    imported = f"duckdb:///{tmp_path / 'imported.duckdb'}"
    assert main(["import-csv", str(tmp_path / "csv"), "--warehouse", imported]) == 0
    counts = _counts(demo)
    assert counts == _counts(imported)
    assert counts["tickets"] == 1500 and counts["ticket_events"] > 0
    assert all(counts[name] > 0 for name in BUSINESS_CONTRACTS)
    # the business tables, technicians' roles and time without a ticket come back as they were
    for name in (*BUSINESS_CONTRACTS, "technicians", "time_entries"):
        pd.testing.assert_frame_equal(_table(demo, name), _table(imported, name), obj=name)
    args = ["metrics", "dashboard", "--from", "2026-10-01", "--to", "2026-11-20", "--json"]
    capsys.readouterr()
    assert main([*args, "--warehouse", demo]) == 0
    from_demo = capsys.readouterr().out
    assert main([*args, "--warehouse", imported]) == 0
    assert capsys.readouterr().out == from_demo


def test_text_report_and_metric_list(tmp_path, small_msp, small_config, capsys):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    capsys.readouterr()
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
            ]
        )
        == 0
    )
    report = capsys.readouterr().out
    assert "Open Tickets" in report and "47.2 h" in report and "50.0 %" in report
    assert "Ticket status confidence: Low" in report
    assert main(["metrics", "list"]) == 0
    assert "csat_percent" in capsys.readouterr().out


def test_errors_are_one_line_with_exit_codes(tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'missing.duckdb'}"
    assert (
        main(
            [
                "metrics",
                "dashboard",
                "--warehouse",
                url,
                "--from",
                "2024-12-02",
                "--to",
                "2024-12-06",
            ]
        )
        == 1
    )
    assert "does not exist yet: load data first" in capsys.readouterr().err
    bad = tmp_path / "bad.yml"
    bad.write_text("timezone: Nowhere/Special\n")
    assert main(["import-csv", str(tmp_path), "--config", str(bad), "--warehouse", url]) == 2
    assert "timezone" in capsys.readouterr().err
    assert main(["sync", "nosuchsource", "--warehouse", url]) == 2
    assert "no source named 'nosuchsource'" in capsys.readouterr().err
