"""Loading the hand-computed weekly report fixture (tests/fixtures/report_small/README.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from deskmetrics.cli import main
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "report_small"
CONFIG = FIXTURE / "config.yml"
WEEK = ("2024-12-09", "2024-12-15")
PREVIOUS_WEEK = ("2024-12-02", "2024-12-08")


def copy_report_small(tmp: Path) -> Path:
    data = tmp / "report_small"
    shutil.copytree(FIXTURE, data, dirs_exist_ok=True)
    return data


def load_fixture(fixture: Path, tmp: Path, url: str, *, uncancel: bool = False) -> Session:
    """Import a hand-computed fixture directory (its config.yml beside the CSVs); ``uncancel``
    counts its cancelled tickets as new, to show what cancelling removes."""
    data = tmp / fixture.name
    shutil.copytree(fixture, data, dirs_exist_ok=True)
    if uncancel:
        path = data / "tickets.csv"
        path.write_text(path.read_text().replace(",Cancelled,", ",New,"))
    config = fixture / "config.yml"
    assert main(["import-csv", str(data), "--warehouse", url, "--config", str(config)]) == 0
    return Session(url, config)


def load_report_small(tmp: Path, url: str, *, uncancel: bool = False) -> Session:
    return load_fixture(FIXTURE, tmp, url, uncancel=uncancel)  # uncancel: Z1 counts as open


def with_insights(session: Session, **changes):
    """The session's settings with some insights thresholds changed."""
    s = session.settings
    return s.model_copy(update={"insights": s.insights.model_copy(update=changes)})
