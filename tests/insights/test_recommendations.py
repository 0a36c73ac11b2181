"""Recommendations from the hand-computed alerts and recurring issues
(tests/fixtures/report_alerts/README.md), and the rules on small made-up inputs."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from deskmetrics.cli import main
from deskmetrics.config import Settings
from deskmetrics.insights.alerts import Alert, active_alerts
from deskmetrics.insights.recommendations import MAX_RECURRING, recommendations
from deskmetrics.insights.recurring import COLUMNS, recurring_issues
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "report_alerts"
CONFIG = FIXTURE / "config.yml"
WEEK = ("2025-02-03", "2025-02-09")


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    tmp = tmp_path_factory.mktemp("report_alerts")
    shutil.copytree(FIXTURE, tmp / "data")
    url = f"duckdb:///{tmp / 'w.duckdb'}"
    assert main(["import-csv", str(tmp / "data"), "--warehouse", url, "--config", str(CONFIG)]) == 0
    return Session(url, CONFIG)


def _inputs(session: Session, **filters):
    scope = session.scope(*WEEK, **filters)
    with session.warehouse.reading() as conn:
        alerts = active_alerts(conn, session.settings, scope)
        issues = recurring_issues(conn, session.settings, scope)
    return alerts, issues


def test_one_recommendation_per_alert_then_the_rising_issue(session):
    alerts, issues = _inputs(session)
    recs = recommendations(alerts, issues, settings=session.settings)
    assert [r.title for r in recs] == [
        "Review staffing and ticket priorities",
        "Plan time to bring the backlog down",
        "Contact Alder Clinic",
        "Review the 2 oldest open tickets",
        "Find the cause of the ticket volume spike",
        "Follow up the dissatisfied customers",
        "Create a knowledge-base article or automation for 'Password reset' in Accounts",
    ]
    # each alert's numbers are cited as they are
    for rec, alert in zip(recs, alerts, strict=False):
        assert rec.cites["alert"] == alert.kind
        assert {k: rec.cites[k] for k in alert.numbers} == alert.numbers


def test_details_cite_the_numbers(session):
    alerts, issues = _inputs(session)
    recs = {r.title: r for r in recommendations(alerts, issues, settings=session.settings)}
    assert "75.0% this week against a 90% target (6 of 8 targets met)" in (
        recs["Review staffing and ticket priorities"].detail
    )
    assert "from 4 to 6 (+50%)" in recs["Plan time to bring the backlog down"].detail
    assert "5 tickets this week against a baseline of 1.0 (+400%)" in (
        recs["Contact Alder Clinic"].detail
    )
    assert "2 tickets open longer than 30 days, the oldest for 70 days: review A1, A2" in (
        recs["Review the 2 oldest open tickets"].detail
    )
    volume = recs["Find the cause of the ticket volume spike"]
    assert "10 tickets created this week, 150% above the baseline of 4.0" in volume.detail
    assert "'Outlook keeps crashing' in Email (3 tickets)" in volume.detail
    assert volume.cites["top_issue"] == "Outlook keeps crashing"
    assert "CSAT fell 25.0 points to 50.0% this week (6 responses), from 75.0% (4 responses)" in (
        recs["Follow up the dissatisfied customers"].detail
    )
    issue = recs["Create a knowledge-base article or automation for 'Password reset' in Accounts"]
    assert issue.detail == (
        "3 tickets from 2 clients this week, up from 2 in the previous period "
        "(newest: P06, P02, P01)."
    )
    assert issue.cites == {
        "category": "Accounts",
        "issue": "Password reset",
        "tickets": 3,
        "previous_tickets": 2,
        "trend": "up",
        "clients_affected": 2,
        "example_ticket_ids": "P06, P02, P01",
    }


def test_client_report(session):
    recs = recommendations(*_inputs(session, client="C2"), settings=session.settings)
    assert [(r.title, r.cites["oldest_ticket_ids"]) for r in recs] == [
        ("Review the oldest open ticket", ["A1"])
    ]


def _issues(*rows) -> pd.DataFrame:
    return pd.DataFrame([[c, i, n, p, t, k, "T1"] for c, i, n, p, t, k in rows], columns=COLUMNS)


def test_flat_or_falling_issues_need_twice_the_minimum():
    issues = _issues(
        ("Email", "Outlook keeps crashing", 6, 6, "flat", 3),
        ("Email", "Mailbox full", 5, 9, "down", 2),
        ("Accounts", "MFA prompts", 3, 0, "new", 1),
    )
    recs = recommendations([], issues, settings=Settings())  # recurring_min_count 3
    assert [r.cites["issue"] for r in recs] == ["Outlook keeps crashing", "MFA prompts"]
    assert "6 tickets from 3 clients this week, the same as the previous period" in recs[0].detail
    assert "3 tickets from 1 client this week, none in the previous period" in recs[1].detail


def test_at_most_three_issues_and_the_period_label():
    issues = _issues(*[("Email", f"Issue {i}", 9 - i, 1, "up", 2) for i in range(5)])
    recs = recommendations([], issues, period_label="this month")
    assert len(recs) == MAX_RECURRING
    assert [r.cites["issue"] for r in recs] == ["Issue 0", "Issue 1", "Issue 2"]
    assert "9 tickets from 2 clients this month, up from 1" in recs[0].detail


def test_information_comes_last_and_nothing_gives_nothing():
    info = Alert(
        "client_surge",
        "info",
        "Dune Dental raised 4 tickets after none in the 28 days before the period.",
        {
            "client_name": "Dune Dental",
            "tickets": 4,
            "increase_pct": None,
            "baseline_days": 28,
        },
        "C4",
    )
    issues = _issues(("Accounts", "Password reset", 4, 1, "up", 2))
    recs = recommendations([info], issues, automation=object(), summary=object())
    assert [r.title for r in recs] == [
        "Create a knowledge-base article or automation for 'Password reset' in Accounts",
        "Check in with Dune Dental",
    ]
    assert "4 tickets this week after none in the 28 days before" in recs[1].detail
    assert recommendations([], None) == []


def _automation(*rows):
    """An automation result as insights.automation documents it: potential.categories."""
    columns = ["category", "subcategory", "tickets", "hours", "median_minutes", "cv"]
    return SimpleNamespace(
        potential=SimpleNamespace(categories=pd.DataFrame(rows, columns=columns))
    )


def test_automation_potential_after_recurring_issues():
    automation = _automation(
        ("Accounts", "Password", 12, 3.5, 15.0, 0.25),
        ("Monitoring", None, 8, 2.0, 14.0, 0.4),
        ("Printing", "Toner", 6, 1.0, 10.0, 0.1),
    )
    issues = _issues(("Accounts", "Password reset", 4, 1, "up", 2))
    recs = recommendations([], issues, automation)
    assert [r.title for r in recs] == [
        "Create a knowledge-base article or automation for 'Password reset' in Accounts",
        "Automate the 'Accounts / Password' tickets",
        "Automate the 'Monitoring' tickets",
    ]
    assert recs[1].detail == (
        "12 tickets took 3.5 technician hours this week, a median of 15 minutes each with "
        "little variation (CV 0.25): a script or runbook could take them over."
    )
    assert recs[1].cites["hours"] == 3.5 and recs[1].cites["tickets"] == 12
    assert recommendations([], None, _automation()) == []
