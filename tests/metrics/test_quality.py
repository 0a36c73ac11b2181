"""Dashboard Health ratings on generated tickets with known data problems."""

from __future__ import annotations

import pandas as pd
import pytest

from deskmetrics.config import load_settings
from deskmetrics.session import Session
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.importer import import_frames


def _tickets(n: int, **overrides) -> pd.DataFrame:
    created = pd.date_range("2024-12-02 14:00", periods=n, freq="10min", tz="UTC")
    frame = pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(n)],
            "created_at": created,
            "status": ["Closed"] * n,
            "owner_tech_id": ["K1"] * n,
            "priority": pd.array([3] * n, dtype="Int64"),
            "resolved_at": created + pd.Timedelta(hours=2),
            "closed_at": created + pd.Timedelta(hours=2),
            "board": ["Help Desk"] * n,
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


def _confidence(tmp_path, tickets: pd.DataFrame):
    settings = load_settings(use_local=False)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    import_frames(Warehouse(url), {"tickets": tickets}, settings)
    session = Session(url, settings=settings)
    return session.confidence(session.scope("2024-12-01", "2024-12-31"))


def test_clean_and_large_enough_is_high(tmp_path):
    result = _confidence(tmp_path, _tickets(80))
    assert (result.rating, result.findings) == ("High", [])


def test_small_sample_is_low(tmp_path):
    result = _confidence(tmp_path, _tickets(10))
    assert result.rating == "Low"
    assert [f.check for f in result.findings] == ["small_sample"]


def test_sample_between_min_and_three_times_min_is_medium(tmp_path):
    assert _confidence(tmp_path, _tickets(40)).rating == "Medium"


def test_few_flagged_records_is_medium_with_reasons_and_actions(tmp_path):
    tickets = _tickets(100)
    tickets.loc[0, "status"] = "Old Triage"  # unmapped
    tickets.loc[1, ["resolved_at", "closed_at"]] = pd.NaT  # closed without close time
    tickets.loc[2, "resolved_at"] = tickets.loc[2, "created_at"] - pd.Timedelta(hours=1)
    result = _confidence(tmp_path, tickets)
    assert result.rating == "Medium"
    assert result.flagged == 3
    checks = {f.check: f for f in result.findings}
    assert set(checks) == {"unmapped_status", "closed_without_close_time", "negative_duration"}
    assert "'Old Triage' (1)" in checks["unmapped_status"].reason
    assert "status_map" in checks["unmapped_status"].action


def test_more_than_five_percent_flagged_is_low(tmp_path):
    tickets = _tickets(100)
    tickets.loc[:5, "status"] = "Old Triage"  # 6 %
    result = _confidence(tmp_path, tickets)
    assert result.rating == "Low"
    assert result.findings[0].severity == "fail"


def test_unassigned_open_tickets_warn(tmp_path):
    tickets = _tickets(100)
    tickets.loc[:19, ["status"]] = "In Progress"
    tickets.loc[:19, ["resolved_at", "closed_at"]] = pd.NaT
    tickets.loc[:4, "owner_tech_id"] = None  # 5 of 20 open = 25 %
    result = _confidence(tmp_path, tickets)
    unassigned = [f for f in result.findings if f.check == "unassigned"]
    assert unassigned and unassigned[0].count == 5
    assert unassigned[0].share == pytest.approx(0.25)
    assert result.rating == "Medium"
