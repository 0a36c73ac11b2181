"""Assessment results from CSV: the latest result of the chosen assessment fills a metric;
a bad file loads nothing and names every bad row."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from deskmetrics.errors import InputError
from tests.health.health_small import DAY, load_health_small

GOOD = """assessment,client_id,assessed_at,score
Security review,C1,2025-01-15,40
Security review,C1,2025-03-10,90
Security review,C1,2025-04-20,10
Security review,C4,2025-02-01,70
Network audit,C4,2025-03-01,5
"""


@pytest.fixture
def health(warehouse_url):
    return load_health_small(warehouse_url)


def test_latest_result_on_or_before_the_day_fills_the_metric(health, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(GOOD)
    assert health.import_assessments(path) == 5
    assert health.import_assessments(path) == 5  # idempotent: same keys, same rows
    health.store.add_metric("Security", 100, 25, kind="assessment", assessment="Security review")
    board = health.board(DAY)
    security = board.contributions.set_index(["client_id", "metric_id"])
    assert security.loc[("C1", "security"), "value"] == 90.0  # 04-20 is after the day
    assert security.loc[("C1", "security"), "detail"] == "Security review on 2025-03-10"
    assert security.loc[("C4", "security"), "value"] == 70.0  # Network audit is not this metric
    clients = board.clients.set_index("client_id")
    # C1, five metrics of weight 25: (80 + 75 + 60 + 100 + 90) / 5
    assert clients.loc["C1", "score"] == pytest.approx(81.0)
    # C4 now has one of five metrics: coverage 20 %, still insufficient
    assert clients.loc["C4", "coverage"] == pytest.approx(0.2)
    imports = health.audit().query("action == 'assessments.import'")
    assert len(imports) == 2 and imports.iloc[0]["subject"] == "results.csv"


def test_a_bad_file_loads_nothing_and_names_each_row(health, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(
        "assessment,client_id,assessed_at,score\n"
        "Security review,C1,2025-01-15,40\n"
        "Security review,C9,2025-01-15,40\n"
        ",C1,yesterday,-3\n"
    )
    with pytest.raises(InputError) as caught:
        health.import_assessments(path)
    text = str(caught.value)
    assert "nothing imported" in text and "results.csv" in text
    assert "row 3: client 'C9' is not in the warehouse" in text
    assert "row 4: assessment is empty" in text
    assert "row 4: assessed_at 'yesterday' is not a date" in text
    assert "row 4: score '-3' is not a number of 0 or more" in text
    health.store.add_metric("Security", 100, 25, kind="assessment", assessment="Security review")
    assert health.board(DAY).contributions.query("metric_id == 'security'")["value"].isna().all()
    assert "assessments.import" not in health.audit()["action"].tolist()


def test_missing_columns_are_named(health, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("assessment,client,date,score\nA,C1,2025-01-01,1\n")
    with pytest.raises(InputError, match="missing column.*client_id, assessed_at"):
        health.import_assessments(path)


def test_a_dated_result_counts_from_the_start_of_that_local_day(health, tmp_path):
    path = tmp_path / "results.csv"
    path.write_text(
        "assessment,client_id,assessed_at,score\n"
        "Security review,C3,2025-03-31,60\n"
        "Security review,C2,2025-03-30T23:30:00-04:00,80\n"
    )
    health.import_assessments(path)
    health.store.add_metric("Security", 100, 25, kind="assessment", assessment="Security review")

    def security(day):
        frame = health.board(day).contributions.query("metric_id == 'security'")
        return frame.set_index("client_id")["value"]

    assert pd.isna(security(DAY - timedelta(days=1))["C3"])  # New York's 03-30 ends first
    assert security(DAY)["C3"] == 60.0
    assert security(DAY - timedelta(days=1))["C2"] == 80.0  # an explicit offset is kept
    detail = health.board(DAY).client("C2").set_index("metric_id").loc["security", "detail"]
    assert detail == "Security review on 2025-03-30"
