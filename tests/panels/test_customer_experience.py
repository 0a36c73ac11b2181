"""Customer Experience panels on the hand-computed survey set (tests/fixtures/cx_small/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from deskmetrics.cli import main
from deskmetrics.panels import get_panel, panels_for
from deskmetrics.panels.customer_experience_base import wilson_lower
from deskmetrics.panels.run import drill_tickets, run_panel
from deskmetrics.session import Session

FIXTURE = Path(__file__).parents[1] / "fixtures" / "cx_small"
CONFIG = FIXTURE / "config.yml"
WEEK = ("2024-12-02", "2024-12-06")
DAYS = ["2024-12-02", "2024-12-03", "2024-12-04", "2024-12-05", "2024-12-06"]
PANEL_IDS = [
    "csat_distribution",
    "csat_trend",
    "csat_by_technician",
    "csat_by_client",
    "csat_by_category",
    "survey_response_rate",
    "survey_comments",
    "nps",
    "ces",
]


def _load(url: str) -> Session:
    assert main(["import-csv", str(FIXTURE), "--warehouse", url, "--config", str(CONFIG)]) == 0
    return Session(url, CONFIG)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    return _load(f"duckdb:///{tmp_path_factory.mktemp('cx') / 'w.duckdb'}")


def _panel(session, panel_id, *period, **filters) -> pd.DataFrame:
    scope = session.scope(*(period or WEEK), **filters)
    with session.warehouse.reading() as conn:
        return run_panel(conn, session.settings, scope, panel_id).frame


def _drill(session, panel_id, row, field, *period, **filters) -> list[str]:
    scope = session.scope(*(period or WEEK), **filters)
    with session.warehouse.reading() as conn:
        frame = drill_tickets(conn, session.settings, scope, panel_id, row, field)
    return sorted(frame["ticket_id"])


def _by(frame, key, value) -> dict:
    labels = frame[key].map(lambda v: v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v)
    return {k: (None if pd.isna(v) else v) for k, v in zip(labels, frame[value], strict=True)}


def _row(frame, key, label) -> dict:
    labels = frame[key].map(lambda v: v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp) else v)
    return frame[labels == label].iloc[0].to_dict()


def _rounded(mapping: dict, digits: int = 2) -> dict:
    return {k: (None if v is None else round(float(v), digits)) for k, v in mapping.items()}


def test_tab_registers_every_panel_in_order():
    assert [p.id for p in panels_for("customer_experience")] == PANEL_IDS
    for panel in panels_for("customer_experience"):
        assert panel.definition and panel.attribution.startswith("submitted_at")
        if panel.id.startswith("csat"):
            assert "satisfied / all CSAT responses x 100" in panel.definition
            assert "(satisfied - dissatisfied) / all x 100" in panel.definition
    assert get_panel("survey_comments").chart.kind == "table"
    assert get_panel("survey_comments").drill is None


def test_csat_distribution_is_the_reference_example(session):
    frame = _panel(session, "csat_distribution")
    assert list(frame.columns) == ["sentiment", "responses", "percent", "total"]
    assert list(frame["sentiment"]) == ["satisfied", "neutral", "dissatisfied"]
    assert list(frame["responses"]) == [16, 3, 1]
    assert list(frame["percent"]) == [80.0, 15.0, 5.0]
    assert list(frame["total"]) == [20, 20, 20]
    sat, _, dis = frame["responses"]
    assert (sat - dis) / frame["total"][0] * 100 == 75.0  # net CSAT, T-CSAT-1
    rows = {r["sentiment"]: r for r in frame.to_dict("records")}
    assert _drill(session, "csat_distribution", rows["satisfied"], "responses") == [
        "T1",
        "T2",
        "T3",
        "T4",
        "T5",
        "T6",
    ]
    assert _drill(session, "csat_distribution", rows["neutral"], "responses") == ["T2", "T4", "T6"]
    assert _drill(session, "csat_distribution", rows["dissatisfied"], "responses") == ["T3"]


@pytest.mark.parametrize(
    ("filters", "counts"),
    [
        ({"client": "C1"}, [9, 1, 0]),  # R20 has no ticket: it follows its own client
        ({"client": "C2"}, [7, 2, 1]),
        ({"board": "Tier 2"}, [9, 2, 1]),
        ({"board": "Help Desk"}, [6, 1, 0]),
        ({"owner": "K1"}, [9, 2, 0]),  # R16 credits K1 on K2's ticket; R19 falls to owner K1
        ({"owner": "K2"}, [6, 1, 1]),
    ],
)
def test_filters_change_the_distribution(session, filters, counts):
    frame = _panel(session, "csat_distribution", **filters)
    assert list(frame["responses"]) == counts
    assert list(frame["total"]) == [sum(counts)] * 3


def test_period_edges_use_local_days(session):
    # R22 is 2024-12-01 22:00 local (12-02 03:00 UTC): in 12-01, not in the week
    frame = _panel(session, "csat_distribution", "2024-12-01", "2024-12-01")
    assert list(frame["responses"]) == [0, 0, 1]
    empty = _panel(session, "csat_distribution", "2024-11-18", "2024-11-22")
    assert list(empty["responses"]) == [0, 0, 0] and empty["percent"].isna().all()


def test_csat_trend_per_local_day(session):
    frame = _panel(session, "csat_trend")
    assert list(frame.columns) == [
        "bucket",
        "responses",
        "satisfied",
        "neutral",
        "dissatisfied",
        "csat_percent",
        "net_csat",
    ]
    # R19 at 21:30 local on 12-06 is 12-07 UTC: it still counts on 12-06
    assert _by(frame, "bucket", "responses") == dict(zip(DAYS, [6, 5, 5, 1, 3], strict=True))
    assert _rounded(_by(frame, "bucket", "csat_percent")) == dict(
        zip(DAYS, [83.33, 80.0, 80.0, 100.0, 66.67], strict=True)
    )
    assert _rounded(_by(frame, "bucket", "net_csat")) == dict(
        zip(DAYS, [83.33, 60.0, 80.0, 100.0, 66.67], strict=True)
    )
    monday = _row(frame, "bucket", "2024-12-02")
    assert _drill(session, "csat_trend", monday, "responses") == ["T1", "T2"]
    tuesday = _row(frame, "bucket", "2024-12-03")
    assert _drill(session, "csat_trend", tuesday, "dissatisfied") == ["T3"]
    friday = _row(frame, "bucket", "2024-12-06")
    assert _drill(session, "csat_trend", friday, "responses") == ["T6"]


def test_csat_by_technician(session):
    frame = _panel(session, "csat_by_technician")
    assert list(frame.columns) == [
        "technician",
        "tech_id",
        "responses",
        "satisfied",
        "neutral",
        "dissatisfied",
        "csat_percent",
        "net_csat",
        "csat_lower_bound",
    ]
    assert list(frame["technician"]) == ["Kim Lee", "Sam Ortiz", "(none)"]
    assert list(frame["responses"]) == [11, 8, 1]
    assert list(frame["satisfied"]) == [9, 6, 1]
    assert list(frame["neutral"]) == [2, 1, 0]
    assert list(frame["dissatisfied"]) == [0, 1, 0]
    assert [round(v, 2) for v in frame["csat_percent"]] == [81.82, 75.0, 100.0]
    assert [round(v, 2) for v in frame["net_csat"]] == [81.82, 62.5, 100.0]
    assert [round(v, 2) for v in frame["csat_lower_bound"]] == [52.30, 40.93, 20.65]
    kim, sam, nobody = frame.to_dict("records")
    assert _drill(session, "csat_by_technician", kim, "responses") == ["T1", "T2", "T5", "T6"]
    assert _drill(session, "csat_by_technician", sam, "responses") == ["T3", "T4", "T5"]
    assert _drill(session, "csat_by_technician", sam, "dissatisfied") == ["T3"]
    assert _drill(session, "csat_by_technician", nobody, "responses") == []  # R20: no ticket
    only = _panel(session, "csat_by_technician", owner="K2")
    assert list(only["tech_id"]) == ["K2"] and list(only["responses"]) == [8]


def test_wilson_lower_bound_reference_example():
    assert round(wilson_lower(16, 20), 1) == 58.4
    assert wilson_lower(0, 0) is None


def test_csat_by_client(session):
    frame = _panel(session, "csat_by_client")
    assert list(frame["client"]) == ["Acme Dental", "Birch & Co Accountants"]
    assert list(frame["client_id"]) == ["C1", "C2"]
    assert list(frame["responses"]) == [10, 10]
    assert list(frame[["satisfied", "neutral", "dissatisfied"]].itertuples(index=False)) == [
        (9, 1, 0),
        (7, 2, 1),
    ]
    assert list(frame["csat_percent"]) == [90.0, 70.0]
    assert list(frame["net_csat"]) == [90.0, 60.0]
    acme, birch = frame.to_dict("records")
    assert _drill(session, "csat_by_client", acme, "responses") == ["T1", "T2", "T5"]
    assert _drill(session, "csat_by_client", birch, "dissatisfied") == ["T3"]
    board = _panel(session, "csat_by_client", board="Help Desk")
    assert list(board["client_id"]) == ["C1"] and list(board["responses"]) == [7]


def test_csat_by_category(session):
    frame = _panel(session, "csat_by_category")
    assert list(frame["category"]) == ["Hardware", "Software", "(none)"]
    assert list(frame["responses"]) == [11, 8, 1]
    assert [round(v, 2) for v in frame["csat_percent"]] == [81.82, 75.0, 100.0]
    assert [round(v, 2) for v in frame["net_csat"]] == [72.73, 75.0, 100.0]
    hardware = frame.iloc[0].to_dict()
    assert _drill(session, "csat_by_category", hardware, "responses") == ["T1", "T3", "T6"]
    assert _drill(session, "csat_by_category", hardware, "dissatisfied") == ["T3"]
    c2 = _panel(session, "csat_by_category", client="C2")
    assert _by(c2, "category", "responses") == {"Hardware": 7, "Software": 3}


def test_survey_response_rate(session):
    frame = _panel(session, "survey_response_rate")
    assert list(frame.columns) == ["bucket", "responses", "resolved", "response_rate"]
    assert _by(frame, "bucket", "responses") == dict(zip(DAYS, [6, 5, 5, 1, 3], strict=True))
    assert _by(frame, "bucket", "resolved") == dict(zip(DAYS, [2, 1, 2, 0, 1], strict=True))
    assert _by(frame, "bucket", "response_rate") == dict(
        zip(DAYS, [300.0, 500.0, 250.0, None, 300.0], strict=True)
    )
    wednesday = _row(frame, "bucket", "2024-12-04")
    assert _drill(session, "survey_response_rate", wednesday, "responses") == ["T4", "T5"]
    assert _drill(session, "survey_response_rate", wednesday, "resolved") == ["T4", "T5"]
    c1 = _panel(session, "survey_response_rate", client="C1")
    assert _by(c1, "bucket", "resolved") == dict(zip(DAYS, [2, 0, 1, 0, 0], strict=True))
    assert _by(c1, "bucket", "responses") == dict(zip(DAYS, [6, 1, 2, 1, 0], strict=True))


def test_survey_comments_order_and_text(session):
    frame = _panel(session, "survey_comments")
    assert list(frame.columns) == [
        "submitted",
        "sentiment",
        "rating",
        "scale",
        "comment",
        "ticket_id",
        "ticket_title",
        "client",
        "technician",
    ]
    assert list(frame["submitted"]) == [
        "2024-12-04 16:30",
        "2024-12-04 14:30",
        "2024-12-03 13:00",
        "2024-12-06 11:00",
        "2024-12-04 10:00",
        "2024-12-02 14:00",
        "2024-12-05 12:00",
        "2024-12-03 16:00",
        "2024-12-03 09:00",
        "2024-12-02 10:30",
    ]
    assert list(frame["sentiment"]) == ["dissatisfied"] * 3 + ["neutral"] * 3 + ["satisfied"] * 4
    assert list(frame["scale"])[:3] == ["nps", "ces7", "stars5"]
    assert list(frame["rating"])[:3] == [3.0, 2.0, 1.0]
    script = frame.iloc[2].to_dict()
    # data, not markup: stored and returned exactly as submitted
    assert script["comment"] == "<script>alert('x')</script> still jams"
    assert script["ticket_title"] == "<script>alert('title')</script> printer jams"
    assert (script["ticket_id"], script["client"], script["technician"]) == (
        "T3",
        "Birch & Co Accountants",
        "Sam Ortiz",
    )
    general = frame.iloc[6].to_dict()
    assert general["comment"] == "General feedback: great service"
    assert pd.isna(general["ticket_id"]) and pd.isna(general["ticket_title"])
    assert (general["client"], general["technician"]) == ("Acme Dental", "(none)")
    assert "Duplicate survey" not in set(frame["comment"])  # cancelled ticket
    assert "Old complaint" not in set(frame["comment"])  # before the period
    c1 = _panel(session, "survey_comments", client="C1")
    assert list(c1["comment"]) == [
        "Had to call twice",
        "Fine, but took a while",
        "General feedback: great service",
        "Good",
        "Quick fix, thanks",
    ]
    none = _panel(session, "survey_comments", "2024-11-18", "2024-11-22")
    assert none.empty and list(none.columns) == list(frame.columns)


def test_nps_reference_example_and_filters(session):
    frame = _panel(session, "nps")
    assert list(frame.columns) == ["group", "responses", "percent", "nps", "total"]
    assert list(frame["group"]) == ["promoters", "passives", "detractors"]
    assert list(frame["responses"]) == [5, 3, 2]
    assert list(frame["percent"]) == [50.0, 30.0, 20.0]
    assert list(frame["nps"]) == [30, 30, 30]  # T-NPS-1
    assert list(frame["total"]) == [10, 10, 10]
    assert _panel(session, "nps", client="C1")["nps"].iloc[0] == 75
    assert _panel(session, "nps", client="C2")["nps"].iloc[0] == 0
    assert _panel(session, "nps", board="Help Desk")["nps"].iloc[0] == 67  # 66.67
    assert _panel(session, "nps", board="Tier 2")["nps"].iloc[0] == 14  # 14.29
    detractors = frame.iloc[2].to_dict()
    assert _drill(session, "nps", detractors, "responses") == ["T4", "T6"]
    empty = _panel(session, "nps", "2024-11-25", "2024-11-29")
    assert empty.empty and list(empty.columns) == list(frame.columns)


def test_ces_reference_example(session):
    frame = _panel(session, "ces")
    assert list(frame.columns) == ["bucket", "responses", "mean_ces", "pct_easy", "pct_difficult"]
    assert _by(frame, "bucket", "responses") == dict(zip(DAYS, [0, 0, 5, 0, 1], strict=True))
    wednesday = _row(frame, "bucket", "2024-12-04")  # [7, 6, 5, 4, 2], T-CES-1
    assert (wednesday["mean_ces"], wednesday["pct_easy"], wednesday["pct_difficult"]) == (
        4.8,
        60.0,
        20.0,
    )
    friday = _row(frame, "bucket", "2024-12-06")
    assert (friday["mean_ces"], friday["pct_easy"], friday["pct_difficult"]) == (3.0, 0.0, 100.0)
    assert frame[frame["responses"] == 0]["mean_ces"].isna().all()
    assert _drill(session, "ces", wednesday, "responses") == ["T1", "T2", "T3", "T4", "T5"]
    c1 = _row(_panel(session, "ces", client="C1"), "bucket", "2024-12-04")  # [7, 6, 2]
    assert _rounded({k: c1[k] for k in ("mean_ces", "pct_easy", "pct_difficult")}) == {
        "mean_ces": 5.0,
        "pct_easy": 66.67,
        "pct_difficult": 33.33,
    }


def test_drill_respects_the_scope_filters(session):
    frame = _panel(session, "csat_distribution", client="C2")
    satisfied = frame.iloc[0].to_dict()
    assert _drill(session, "csat_distribution", satisfied, "responses", client="C2") == [
        "T3",
        "T4",
        "T6",
    ]
    tier2 = _panel(session, "csat_by_technician", board="Tier 2")
    kim = _row(tier2, "technician", "Kim Lee")
    assert kim["responses"] == 4  # R16 on T5, R17-R19 on T6
    assert _drill(session, "csat_by_technician", kim, "responses", board="Tier 2") == ["T5", "T6"]


def test_sqlite_gives_the_same_frames(session, tmp_path):
    lite = _load(f"sqlite:///{tmp_path / 'w.sqlite'}")
    for filters in ({}, {"client": "C1", "owner": "K1"}):
        for panel_id in PANEL_IDS:
            expected = _panel(session, panel_id, **filters)
            got = _panel(lite, panel_id, **filters)
            pd.testing.assert_frame_equal(got, expected, obj=f"{panel_id} {filters}")


def test_cli_prints_every_panel(session, capsys):
    capsys.readouterr()
    url = session.warehouse.url
    argv = ["metrics", "customer-experience", "--warehouse", url, "--config", str(CONFIG)]
    assert main([*argv, "--from", WEEK[0], "--to", WEEK[1], "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == set(PANEL_IDS)
    assert [r["responses"] for r in payload["csat_distribution"]] == [16, 3, 1]
    assert payload["nps"][0]["nps"] == 30
    assert payload["csat_trend"][0]["bucket"] == "2024-12-02"
