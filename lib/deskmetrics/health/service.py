"""One entry point for client health: settings, warehouse and store together, for the Health
tab, the CLI and the reports."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd

from deskmetrics.config import Settings
from deskmetrics.health.assessments import import_assessments
from deskmetrics.health.audit import audit_log, utc_now
from deskmetrics.health.board import HealthBoard, health_board
from deskmetrics.health.scores import score_history
from deskmetrics.health.settings import HealthSettings, load_health_settings
from deskmetrics.health.snapshots import metric_history, snapshot_history, write_snapshot
from deskmetrics.health.store import HealthStore
from deskmetrics.warehouse.engine import Warehouse


class Health:
    """Client health over one warehouse; creating it seeds the metrics on first use."""

    def __init__(
        self,
        warehouse: Warehouse,
        settings: Settings,
        health: HealthSettings | None = None,
        *,
        actor: str | None = None,
    ) -> None:
        self.warehouse, self.settings = warehouse, settings
        self.health = health or load_health_settings()
        self.store = HealthStore(warehouse, self.health, actor)

    @property
    def actor(self) -> str:
        return self.store.actor

    def today(self) -> date:
        """Today in the MSP's time zone: the default scoring day."""
        return datetime.now(self.settings.zone).date()

    def board(
        self, day: date | None = None, *, client: str | None = None, baseline: date | None = None
    ) -> HealthBoard:
        with self.warehouse.reading() as conn:
            return health_board(
                conn,
                self.settings,
                self.health,
                day or self.today(),
                client=client,
                baseline=baseline,
            )

    def snapshot(self, day: date | None = None) -> HealthBoard:
        """Score every client for ``day`` and keep it as that day's snapshot."""
        board = self.board(day)
        with self.warehouse.writing() as conn:
            write_snapshot(conn, board, utc_now())
        return board

    def history(self, client_id: str) -> dict[str, pd.DataFrame]:
        """A client's snapshots, per-metric snapshot values and manual score history."""
        with self.warehouse.reading() as conn:
            return {
                "snapshots": snapshot_history(conn, client_id),
                "metrics": metric_history(conn, client_id),
                "scores": score_history(conn, client_id),
            }

    def import_assessments(self, path: str | Path) -> int:
        with self.warehouse.writing() as conn:
            return import_assessments(conn, Path(path), self.actor, self.settings.zone)

    def audit(self, limit: int = 200) -> pd.DataFrame:
        with self.warehouse.reading() as conn:
            return audit_log(conn, limit)
