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


def load_report_small(tmp: Path, url: str, *, uncancel: bool = False) -> Session:
    data = copy_report_small(tmp)
    if uncancel:  # Z1 counted as an open ticket, to show what cancelling removes
        path = data / "tickets.csv"
        path.write_text(path.read_text().replace(",Cancelled,", ",New,"))
    assert main(["import-csv", str(data), "--warehouse", url, "--config", str(CONFIG)]) == 0
    return Session(url, CONFIG)


def with_insights(session: Session, **changes):
    """The session's settings with some insights thresholds changed."""
    s = session.settings
    return s.model_copy(update={"insights": s.insights.model_copy(update=changes)})
