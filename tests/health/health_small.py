"""The hand-computed client-health fixture (tests/fixtures/health_small/README.md)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from deskmetrics.cli import main
from deskmetrics.health.service import Health
from deskmetrics.health.settings import load_health_settings
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "health_small"
CONFIG = FIXTURE / "config.yml"
HEALTH_FILE = FIXTURE / "health.yaml"
DAY = date(2025, 3, 31)  # the scoring day of the README's tables
EARLY = date(2025, 3, 1)  # the day of the earlier snapshot
SCORED_AT = datetime(2025, 3, 20, 12, 0)  # naive UTC, as the warehouse stores it

# (client, metric, score) set on SCORED_AT; C1's renewals were 2 on 2025-02-01 before that
SCORES = [
    ("C1", "sentiment", 4),
    ("C1", "org", 3),
    ("C1", "renewals", 5),
    ("C2", "sentiment", 2),
    ("C2", "renewals", 3),
    ("C3", "sentiment", 1),
    ("C3", "org", 2),
    ("C3", "renewals", 2),
]


def load_health_small(url: str, *, actor: str = "ana") -> Health:
    """Import the CSVs and set the manual scores of the README; no snapshot is taken."""
    command = ["import-csv", str(FIXTURE), "--warehouse", url, "--config", str(CONFIG)]
    assert main(command) == 0
    session = Session(url, CONFIG)
    health = Health(
        session.warehouse, session.settings, load_health_settings(HEALTH_FILE), actor=actor
    )
    health.store.set_score("C1", "renewals", 2, "before the QBR", at=datetime(2025, 2, 1, 15))
    for client, metric, score in SCORES:
        health.store.set_score(client, metric, score, at=SCORED_AT)
    return health
