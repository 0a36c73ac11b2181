"""Positive interactions and frustrated customers on the hand-computed week
(tests/fixtures/report_small/README.md)."""

from __future__ import annotations

from datetime import date

import pytest
from insights.report_small import PREVIOUS_WEEK, WEEK, load_report_small, with_insights

from deskmetrics.insights.sentiment import (
    FRUSTRATED_COLUMNS,
    Sentiment,
    customer_sentiment,
    frustrated_customers,
)
from deskmetrics.session import Session


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    tmp = tmp_path_factory.mktemp("report_small")
    return load_report_small(tmp, f"duckdb:///{tmp / 'w.duckdb'}")


def _sentiment(session: Session, days=WEEK, settings=None, **filters) -> Sentiment:
    scope = session.scope(*days, **filters)
    with session.warehouse.reading() as conn:
        return customer_sentiment(conn, settings or session.settings, scope)


def _rows(frame) -> list[tuple]:
    keys = ["contact", "client", "reasons", "negative_ratings", "negative_comments", "reopens"]
    return [tuple(r) for r in frame[[*keys, "severity", "latest_date"]].itertuples(index=False)]


LEE = ("Lee Park", "Birch & Co Accountants", "dissatisfied rating, negative comment", 2, 2, 0, 4)
OMAR = ("Omar Said", "Birch & Co Accountants", "reopens", 0, 0, 2, 2)
ANA = ("Ana Ruiz", "Acme Dental", "dissatisfied rating", 1, 0, 0, 1)


def test_positive_interactions_against_the_previous_week(session):
    positive = _sentiment(session).positive
    assert positive.value == pytest.approx(100 * 4 / 9)  # V1, V6, V7 (NPS 10), V9
    assert positive.previous == pytest.approx(75.0)  # U1-U3 of U1-U4
    assert positive.change == pytest.approx(100 * 4 / 9 - 75)
    assert positive.change_percent == pytest.approx((100 * 4 / 9 - 75) / 75 * 100)
    assert (positive.n, positive.previous_n) == (9, 4)  # V8 (cancelled ticket) left out


def test_frustrated_customers_most_severe_first(session):
    frame = _sentiment(session).frustrated
    assert list(frame.columns) == list(FRUSTRATED_COLUMNS)
    assert _rows(frame) == [
        (*LEE, date(2024, 12, 12)),
        (*OMAR, date(2024, 12, 10)),  # X1's last update
        (*ANA, date(2024, 12, 10)),
    ]
    assert frame["contact_id"].tolist() == ["P2", "P4", "P3"]
    assert frame["client_id"].tolist() == ["C2", "C2", "C1"]
    assert frame["latest_comment"].tolist() == ["Still asks for the password", None, None]


@pytest.mark.parametrize(
    ("client", "positive", "contacts"),
    [("C1", 40.0, ["Ana Ruiz"]), ("C2", 50.0, ["Lee Park", "Omar Said"])],
)
def test_client_filter(session, client, positive, contacts):
    result = _sentiment(session, client=client)
    assert result.positive.value == pytest.approx(positive)
    assert result.frustrated["contact"].tolist() == contacts


def test_reopen_threshold_is_a_setting(session):
    # Dana Fox's single reopen (Y1) is enough at a threshold of 1
    frame = _sentiment(session, settings=with_insights(session, frustrated_reopens=1)).frustrated
    # equal severity: the newer date first (Ana Ruiz 12-10, Dana Fox 12-09)
    assert frame["contact"].tolist() == ["Lee Park", "Omar Said", "Ana Ruiz", "Dana Fox"]
    dana = frame.set_index("contact").loc["Dana Fox"]
    assert (dana["reasons"], dana["reopens"], dana["severity"]) == ("reopens", 1, 1)
    assert dana["latest_date"] == date(2024, 12, 9)  # Y1 has no update time: its resolve


def test_previous_week_caps_the_reopen_date_at_its_end(session):
    frame = _sentiment(session, PREVIOUS_WEEK).frustrated
    assert _rows(frame) == [(*OMAR, date(2024, 12, 8))]


def test_cancelled_ticket_and_its_response_count_nowhere(tmp_path):
    counted = load_report_small(tmp_path, f"duckdb:///{tmp_path / 'w.duckdb'}", uncancel=True)
    result = _sentiment(counted)
    assert result.positive.n == 10  # V8 now counts
    lee = result.frustrated.set_index("contact").loc["Lee Park"]
    assert (lee["negative_ratings"], lee["negative_comments"]) == (3, 3)
    assert lee["latest_comment"] == "Still asks for the password"  # V8 (12-11) is older


def test_a_quiet_week_has_no_rows(session):
    result = _sentiment(session, ("2025-01-06", "2025-01-12"))
    assert result.positive.value is None and result.positive.n == 0
    assert result.frustrated.empty and list(result.frustrated.columns) == list(FRUSTRATED_COLUMNS)


def test_same_list_on_every_warehouse(warehouse_url, tmp_path):
    session = load_report_small(tmp_path, warehouse_url)
    scope = session.scope(*WEEK)
    with session.warehouse.reading() as conn:
        frame = frustrated_customers(conn, session.settings, scope)
        positive = customer_sentiment(conn, session.settings, scope).positive
    assert _rows(frame) == [
        (*LEE, date(2024, 12, 12)),
        (*OMAR, date(2024, 12, 10)),
        (*ANA, date(2024, 12, 10)),
    ]
    assert positive.value == pytest.approx(100 * 4 / 9)
