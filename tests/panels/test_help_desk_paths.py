"""The live next-response lookup (stored fact) agrees with the historical one (event scan)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deskmetrics.cli import main
from deskmetrics.panels.context import PanelContext
from deskmetrics.panels.help_desk_sla import _pending_at, pending_next_responses
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "help_desk_small"


def test_fact_path_equals_event_scan_after_the_last_event(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    config = FIXTURE / "config.yml"
    assert main(["import-csv", str(FIXTURE), "--warehouse", url, "--config", str(config)]) == 0
    session = Session(url, config)
    scope = session.scope("2024-12-02", "2024-12-06")  # as-of Sat 00:00, after every event
    with session.warehouse.reading() as conn:
        ctx = PanelContext(conn, scope, session.settings)
        live = pending_next_responses(ctx)
        scanned = _pending_at(ctx, scope.naive[2])
    assert len(live) > 0
    scanned = scanned.assign(message_at=pd.to_datetime(scanned["message_at"]))
    assert sorted(live["ticket_id"]) == sorted(scanned["ticket_id"])
