"""A PSA's own export, mapped onto the canonical contract by a mapping file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from deskmetrics.cli import main
from deskmetrics.schema.export_mapping import load_mapping
from deskmetrics.warehouse.engine import Warehouse

MAPPINGS = Path(__file__).parents[2] / "parameters" / "mappings"
EXPORT = (
    '"Ticket #","Entered","Status","Company ID","Board","Type","Subtype","Item","Priority",'
    '"Resource","Closed Date","Summary Description"\n'
    "101,2024-12-02T09:00:00,Closed,C1,Help Desk,Hardware,Laptop,Battery,"
    '"Priority 2 - Quick Response",K1,2024-12-02T12:00:00,Battery swelling\n'
    '102,2024-12-03T10:00:00,New,C2,Tier 2,Network,VPN,,"Priority 1 - Emergency Response",'
    "K2,,VPN down\n"
)


@pytest.mark.parametrize("path", sorted(MAPPINGS.glob("*_export.yaml")), ids=lambda p: p.stem)
def test_every_shipped_mapping_is_valid(path):
    mapping = load_mapping(path)
    assert "tickets" in mapping.files
    assert {"ticket_id", "created_at", "status"} <= set(mapping.files["tickets"].columns)


def test_connectwise_export_imports_with_labels_translated(tmp_path, capsys):
    export = tmp_path / "export"
    export.mkdir()
    (export / "tickets.csv").write_text(EXPORT)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert (
        main(
            [
                "import-csv",
                str(export),
                "--mapping",
                str(MAPPINGS / "connectwise_export.yaml"),
                "--warehouse",
                url,
            ]
        )
        == 0
    )
    with Warehouse(url).reading() as conn:
        rows = conn.execute(
            text(
                "SELECT ticket_id, priority, category, subcategory, item, status_category, source "
                "FROM tickets ORDER BY ticket_id"
            )
        ).all()
    assert rows == [
        ("101", 2, "Hardware", "Laptop", "Battery", "closed", "connectwise"),
        ("102", 1, "Network", "VPN", None, "new", "connectwise"),
    ]


def test_bad_cell_is_reported_in_the_export_terms(tmp_path, capsys):
    export = tmp_path / "export"
    export.mkdir()
    (export / "tickets.csv").write_text(EXPORT.replace("2024-12-03T10:00:00", "3rd Dec"))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    capsys.readouterr()
    assert (
        main(
            [
                "import-csv",
                str(export),
                "--mapping",
                str(MAPPINGS / "connectwise_export.yaml"),
                "--warehouse",
                url,
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "tickets.csv, row 2, column 'Entered'" in err and "(mapped to created_at)" in err


def test_missing_export_column_is_named(tmp_path, capsys):
    export = tmp_path / "export"
    export.mkdir()
    (export / "tickets.csv").write_text(EXPORT.replace('"Board",', '"Queue",'))
    capsys.readouterr()
    assert (
        main(
            [
                "import-csv",
                str(export),
                "--mapping",
                str(MAPPINGS / "connectwise_export.yaml"),
                "--warehouse",
                f"duckdb:///{tmp_path / 'w.duckdb'}",
            ]
        )
        == 2
    )
    assert "column 'Board' named in the mapping is not in the export" in capsys.readouterr().err
