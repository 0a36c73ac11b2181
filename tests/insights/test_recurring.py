"""Recurring issues: title normalisation, clustering, and the hand-computed fixture
(tests/fixtures/report_alerts/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from insights.report_small import load_fixture

from deskmetrics.insights import recurring
from deskmetrics.insights.recurring import (
    COLUMNS,
    cluster_keys,
    normalise_title,
    recurring_issues,
    trend,
)
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "report_alerts"
CONFIG = FIXTURE / "config.yml"
WEEK = ("2025-02-03", "2025-02-09")
EMAIL = ["Email", "Outlook keeps crashing", 3, 3, "flat", 3, "P07, P09, P03"]
ACCOUNTS = ["Accounts", "Password reset", 3, 2, "up", 2, "P06, P02, P01"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Password reset", "password reset"),
        ("Password reset request #4411", "password reset"),
        ("RE: Password reset - 2025-02-04", "password reset"),
        ("Password resets", "password reset"),
        ("Password reset for jsmith", "password reset jsmith"),
        ("Outlook keeps crashing - ticket 5521", "outlook keep crashing"),
        ("OUTLOOK KEEPS CRASHING!!", "outlook keep crashing"),
        ("Backup failed on SRV-FS01 (INC0012345) 12/02/2024", "backup failed"),
        ("Fwd: Can't print from laptop on Monday", "print laptop"),
        ("Mail from jane.doe@example.com, see https://x.example/a", "mail see"),
        ("Windows updates: patches and policies", "window update patch policy"),
        ("Access denied: status unknown", "access denied status unknown"),
        ("Wi-Fi down, Wi-Fi down", "wi fi down"),
        ("#1234", ""),
        (None, ""),
    ],
)
def test_normalise_title(title, expected):
    assert normalise_title(title) == expected


def test_clusters_join_at_the_similarity_and_not_below():
    keys = ["password reset", "password reset jsmith", "printer offline"]
    assert cluster_keys(keys, 0.6) == {
        "password reset": 0,
        "password reset jsmith": 0,  # 2 / 3 shared words
        "printer offline": 1,
    }
    assert set(cluster_keys(keys, 0.7).values()) == {0, 1, 2}


def test_a_title_joins_its_most_similar_representative_ties_to_the_earlier():
    # "b c d e" is 3/5 like cluster 0 and 3/4 like cluster 1: the better match wins
    assert cluster_keys(["a b c d", "c d e", "b c d e"], 0.5)["b c d e"] == 1
    # "a b c d" is 2/4 like each: the earlier cluster wins
    assert cluster_keys(["a b", "c d", "a b c d"], 0.5)["a b c d"] == 0


def test_clustering_compares_with_the_representative_only():
    # "b c" joins "a b c" (2/3); "b c x" is 2/4 like the representative, though 2/3 like "b c"
    assert cluster_keys(["a b c", "b c", "b c x"], 0.6) == {"a b c": 0, "b c": 0, "b c x": 1}


@pytest.mark.parametrize(
    ("now", "before", "expected"),
    [(3, 0, "new"), (3, 2, "up"), (2, 3, "down"), (3, 3, "flat")],
)
def test_trend(now, before, expected):
    assert trend(now, before) == expected


def _load(tmp: Path, url: str, *, uncancel: bool = False) -> Session:
    # uncancel: the same tickets with X1 and X2 counted, to show what cancelling removes
    return load_fixture(FIXTURE, tmp, url, uncancel=uncancel)


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    tmp = tmp_path_factory.mktemp("report_alerts")
    return _load(tmp, f"duckdb:///{tmp / 'w.duckdb'}")


def _rows(session: Session, limit: int = 10, client=None, **insights) -> list[list]:
    settings = session.settings.model_copy(
        update={"insights": session.settings.insights.model_copy(update=insights)}
    )
    scope = session.scope(*WEEK, client=client)
    with session.warehouse.reading() as conn:
        frame = recurring_issues(conn, settings, scope, limit=limit)
    assert list(frame.columns) == COLUMNS
    return frame.values.tolist()


def test_recurring_issues_of_the_week(session):
    assert _rows(session) == [EMAIL, ACCOUNTS]


def test_limit_keeps_the_largest(session):
    assert _rows(session, limit=1) == [EMAIL]


def test_smaller_clusters_with_a_lower_minimum(session):
    printers = ["Hardware", "Printer offline", 2, 0, "new", 2, "P05, P10"]
    assert _rows(session, recurring_min_count=2) == [EMAIL, ACCOUNTS, printers]


def test_categories_never_merge(session):
    rows = _rows(session, recurring_min_count=1)
    password = {(r[0], r[1]): r[2] for r in rows if r[1] == "Password reset"}
    assert password == {("Accounts", "Password reset"): 3, ("Email", "Password reset"): 1}
    assert len(rows) == 5


def test_stricter_similarity_splits_the_named_reset(session):
    accounts = [r for r in _rows(session, recurring_similarity=0.7) if r[0] == "Accounts"]
    assert accounts == [["Accounts", "Password reset", 3, 1, "up", 2, "P06, P02, P01"]]


def test_client_filter(session):
    assert _rows(session, client="C1") == []
    assert _rows(session, client="C1", recurring_min_count=2) == [
        ["Accounts", "Password reset", 2, 1, "up", 1, "P02, P01"]
    ]


def test_cancelled_tickets_count_nowhere(session, tmp_path):
    counted = _load(tmp_path, f"duckdb:///{tmp_path / 'u.duckdb'}", uncancel=True)
    assert [r[:4] for r in _rows(counted)] == [
        ["Accounts", "Password reset", 4, 2],
        ["Email", "Outlook keeps crashing", 3, 4],
    ]
    assert [r[:4] for r in _rows(session)] == [EMAIL[:4], ACCOUNTS[:4]]


def test_only_the_two_periods_leave_the_database(session):
    scope = session.scope(*WEEK)
    with session.warehouse.reading() as conn:
        rows = recurring._titles(conn, scope)
    previous = {"H10", "H11", "H12", "H13", "Q1"}
    period = {f"P{i:02d}" for i in range(1, 11)}
    assert set(rows["ticket_id"]) == previous | period
    assert set(rows.loc[rows["current"] == 1, "ticket_id"]) == period


def test_same_issues_on_every_warehouse(warehouse_url, tmp_path, session):
    assert _rows(_load(tmp_path, warehouse_url)) == _rows(session)
