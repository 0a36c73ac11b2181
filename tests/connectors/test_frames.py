"""Connector frames carry what the PSA provides and leave out what the MSP keeps itself."""

from __future__ import annotations

from deskmetrics.connectors.connectwise_fields import frame
from deskmetrics.schema.contract import CONTRACTS, MSP_MAINTAINED


def test_technician_frames_leave_role_and_weekly_hours_to_the_msp():
    built = frame("technicians", [{"tech_id": "K1", "name": "Ana", "team": "Desk", "tier": 1}])
    assert "role" not in built.columns and "weekly_hours" not in built.columns
    assert set(built.columns) == set(CONTRACTS["technicians"].columns) - set(
        MSP_MAINTAINED["technicians"]
    )
    assert built.loc[0, "name"] == "Ana"
