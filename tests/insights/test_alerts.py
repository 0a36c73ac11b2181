"""Alerts on the hand-computed fixture (tests/fixtures/report_alerts/README.md)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from insights.report_small import load_fixture

from deskmetrics.config import Settings
from deskmetrics.insights.alerts import active_alerts, baseline_start, grade
from deskmetrics.metrics.scope import Scope
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "report_alerts"
CONFIG = FIXTURE / "config.yml"
WEEK = ("2025-02-03", "2025-02-09")


def _load(tmp: Path, url: str, *, uncancel: bool = False) -> Session:
    # uncancel: the same tickets with X1 and X2 counted, to show what cancelling removes
    return load_fixture(FIXTURE, tmp, url, uncancel=uncancel)


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    tmp = tmp_path_factory.mktemp("report_alerts")
    return _load(tmp, f"duckdb:///{tmp / 'w.duckdb'}")


def _alerts(session: Session, settings: Settings | None = None, **filters):
    scope = session.scope(*WEEK, **filters)
    with session.warehouse.reading() as conn:
        return active_alerts(conn, settings or session.settings, scope)


def _with(session: Session, **changes) -> Settings:
    s = session.settings
    analysis = {k: changes.pop(k) for k in list(changes) if k in type(s.analysis).model_fields}
    return s.model_copy(
        update={
            "insights": s.insights.model_copy(update=changes),
            "analysis": s.analysis.model_copy(update=analysis),
        }
    )


def _by_kind(alerts) -> dict:
    return {a.kind: a for a in alerts}


def test_unfiltered_alerts_in_severity_order(session):
    alerts = _alerts(session)
    assert [(a.kind, a.severity) for a in alerts] == [
        ("sla_attainment", "critical"),
        ("backlog_growth", "critical"),
        ("client_surge", "critical"),
        ("ageing_tickets", "critical"),
        ("volume_spike", "warning"),
        ("csat_drop", "warning"),
    ]
    kinds = _by_kind(alerts)
    volume = kinds["volume_spike"].numbers
    assert (volume["tickets"], volume["baseline_tickets"]) == (10, 16)
    assert volume["baseline"] == pytest.approx(4.0)
    assert volume["increase_pct"] == pytest.approx(150.0)
    sla = kinds["sla_attainment"].numbers
    assert (sla["met"], sla["decided"]) == (6, 8)
    assert sla["attainment_pct"] == pytest.approx(75.0)
    csat = kinds["csat_drop"].numbers
    assert csat["csat_pct"] == pytest.approx(50.0)
    assert csat["previous_csat_pct"] == pytest.approx(75.0)
    assert (csat["responses"], csat["previous_responses"]) == (6, 4)
    backlog = kinds["backlog_growth"].numbers
    assert (backlog["open_at_start"], backlog["open_at_end"]) == (4, 6)
    assert backlog["growth_pct"] == pytest.approx(50.0)
    surge = kinds["client_surge"]
    assert surge.client == "C1"
    assert surge.numbers["client_name"] == "Alder Clinic"
    assert (surge.numbers["tickets"], surge.numbers["baseline_tickets"]) == (5, 4)
    assert surge.numbers["increase_pct"] == pytest.approx(400.0)
    ageing = kinds["ageing_tickets"].numbers
    assert ageing["tickets"] == 2  # A3 is exactly 30 days old: not older than 30
    assert ageing["oldest_ticket_ids"] == ["A1", "A2"]
    assert ageing["oldest_days"] == 70
    assert all(a.client is None for a in alerts if a.kind != "client_surge")


def test_messages_cite_their_numbers(session):
    kinds = _by_kind(_alerts(session))
    assert "10 tickets created, 150% above the baseline of 4.0" in kinds["volume_spike"].message
    assert "16 tickets in the 28 days" in kinds["volume_spike"].message
    assert "75.0% is under the 90% target: 6 of 8" in kinds["sla_attainment"].message
    assert "25.0 points, from 75.0% (4 responses)" in kinds["csat_drop"].message
    assert "to 50.0% (6 responses)" in kinds["csat_drop"].message
    assert "from 4 at its start to 6" in kinds["backlog_growth"].message
    assert "Alder Clinic raised 5 tickets, 400% above" in kinds["client_surge"].message
    assert "2 tickets have been open longer than 30 days" in kinds["ageing_tickets"].message
    assert "A1, for 70 days" in kinds["ageing_tickets"].message


@pytest.mark.parametrize(
    ("kind", "setting", "expected"),
    [
        ("volume_spike", {"volume_spike_pct": 151}, None),
        ("volume_spike", {"volume_spike_pct": 150}, "warning"),
        ("volume_spike", {"volume_spike_pct": 75}, "critical"),
        ("sla_attainment", {"sla_target_pct": 75}, None),
        ("sla_attainment", {"sla_target_pct": 87.5}, "warning"),
        ("sla_attainment", {"sla_target_pct": 80}, "warning"),
        ("sla_attainment", {"sla_target_pct": 90}, "critical"),
        ("csat_drop", {"csat_drop_points": 26}, None),
        ("csat_drop", {"csat_drop_points": 25}, "warning"),
        ("csat_drop", {"csat_drop_points": 12.5}, "critical"),
        ("backlog_growth", {"backlog_growth_pct": 51}, None),
        ("backlog_growth", {"backlog_growth_pct": 30}, "warning"),
        ("backlog_growth", {"backlog_growth_pct": 25}, "critical"),
        ("client_surge", {"client_surge_pct": 401}, None),
        ("client_surge", {"client_surge_pct": 250}, "warning"),
        ("client_surge", {"client_surge_pct": 200}, "critical"),
        ("ageing_tickets", {"long_ticket_days": 71}, None),
        ("ageing_tickets", {"long_ticket_days": 36}, "warning"),
        ("ageing_tickets", {"long_ticket_days": 30}, "critical"),
    ],
)
def test_severity_edges(session, kind, setting, expected):
    alert = _by_kind(_alerts(session, _with(session, **setting))).get(kind)
    assert (alert.severity if alert else None) == expected


def test_ageing_lists_only_tickets_older_than_the_limit(session):
    ageing = _by_kind(_alerts(session, _with(session, long_ticket_days=36)))["ageing_tickets"]
    assert ageing.numbers["oldest_ticket_ids"] == ["A1"]


def test_small_samples_raise_no_volume_sla_csat_or_backlog_alert(session):
    kinds = {a.kind for a in _alerts(session, _with(session, alert_min_sample=11))}
    assert kinds == {"client_surge", "ageing_tickets"}


def test_client_surges_grade_each_client_and_a_new_client_is_information(session):
    surges = [
        (a.client, a.severity, a.numbers["increase_pct"])
        for a in _alerts(session, _with(session, client_surge_min_tickets=1))
        if a.kind == "client_surge"
    ]
    assert surges == [("C1", "critical", 400.0), ("C2", "warning", 50.0), ("C4", "info", None)]


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ("C1", [("volume_spike", "critical", 400.0), ("sla_attainment", "critical", 50.0)]),
        ("C2", [("ageing_tickets", "critical", 1)]),
    ],
)
def test_client_filter(session, client, expected):
    alerts = _alerts(session, client=client)
    first_number = {
        "volume_spike": "increase_pct",
        "sla_attainment": "attainment_pct",
        "ageing_tickets": "tickets",
    }
    got = [(a.kind, a.severity, a.numbers[first_number[a.kind]]) for a in alerts]
    assert got == expected
    assert all(a.client == client for a in alerts)


def test_cancelled_tickets_count_nowhere(session, tmp_path):
    counted = _load(tmp_path, f"duckdb:///{tmp_path / 'u.duckdb'}", uncancel=True)
    for source, (created, baseline, start, end, responses) in (
        (session, (10, 16, 4, 6, 6)),
        (counted, (11, 17, 5, 8, 7)),
    ):
        kinds = _by_kind(_alerts(source, _with(source, volume_spike_pct=1)))
        assert kinds["volume_spike"].numbers["tickets"] == created
        assert kinds["volume_spike"].numbers["baseline_tickets"] == baseline
        backlog = kinds["backlog_growth"].numbers
        assert (backlog["open_at_start"], backlog["open_at_end"]) == (start, end)
        assert kinds["csat_drop"].numbers["responses"] == responses


def test_same_alerts_on_every_warehouse(warehouse_url, tmp_path, session):
    other = _load(tmp_path, warehouse_url)
    assert _alerts(other) == _alerts(session)


def test_grade_thresholds():
    assert [grade(v, 10) for v in (9.9, 10, 19.9, 20)] == [None, "warning", "warning", "critical"]
    assert [grade(v, 10, strict=True) for v in (10, 10.1, 20, 20.1)] == [
        None,
        "warning",
        "warning",
        "critical",
    ]


def test_baseline_starts_at_local_midnight_28_days_back_across_dst():
    settings = Settings(timezone="America/New_York")
    scope = Scope.for_days(settings, "2025-03-10", "2025-03-16")  # the Monday after DST starts
    assert scope.naive[0] == datetime(2025, 3, 10, 4)  # EDT midnight
    assert baseline_start(scope, settings) == datetime(2025, 2, 10, 5)  # EST midnight
