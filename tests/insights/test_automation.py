"""Auto-resolved and AI-assisted rates and automation potential on the hand-computed week
(tests/fixtures/report_small/README.md), and the ai_assisted column end to end."""

from __future__ import annotations

import pandas as pd
import pytest
from insights.report_small import (
    CONFIG,
    PREVIOUS_WEEK,
    WEEK,
    copy_report_small,
    load_report_small,
    with_insights,
)
from sqlalchemy import Column, MetaData, Table, create_engine

from deskmetrics.cli import main
from deskmetrics.demo import generate
from deskmetrics.insights.automation import (
    POTENTIAL_COLUMNS,
    AutomationImpact,
    auto_resolved_counts,
    automation_impact,
)
from deskmetrics.insights.definitions import all_insights
from deskmetrics.metrics.engine import compute
from deskmetrics.schema.tables import metadata
from deskmetrics.session import Session


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Session:
    tmp = tmp_path_factory.mktemp("report_small")
    return load_report_small(tmp, f"duckdb:///{tmp / 'w.duckdb'}")


def _impact(session: Session, days=WEEK, settings=None, **filters) -> AutomationImpact:
    scope = session.scope(*days, **filters)
    with session.warehouse.reading() as conn:
        return automation_impact(conn, settings or session.settings, scope)


def _auto(session: Session, settings, days=WEEK) -> tuple[int, int]:
    with session.warehouse.reading() as conn:
        return auto_resolved_counts(conn, settings, session.scope(*days))


def test_auto_resolved_against_the_previous_week(session):
    impact = _impact(session)
    # A1, A2 (BOT owns, no time), A3 (BOT time only), H1 (no time), R11 (BOT resolved it)
    assert (impact.auto_resolved_tickets, impact.resolved) == (5, 17)
    assert impact.auto_resolved.value == pytest.approx(100 * 5 / 17)
    assert impact.auto_resolved.previous == pytest.approx(25.0)  # Q4 of Q1-Q4
    assert impact.auto_resolved.change == pytest.approx(100 * 5 / 17 - 25)
    assert (impact.auto_resolved.n, impact.auto_resolved.previous_n) == (17, 4)


def test_automation_accounts_by_id_or_name_and_none(session):
    by_id = with_insights(session, automation_accounts=["bot"])  # ids match ignoring case
    assert _auto(session, by_id) == (5, 17)
    unknown_id = with_insights(session, automation_accounts=["SCRIPT-7"])  # not in technicians
    assert _auto(session, unknown_id) == (3, 17)
    # without automation accounts only "no time logged" is left: A1, A2, H1
    assert _auto(session, with_insights(session, automation_accounts=[])) == (3, 17)


def test_ai_assisted_against_the_previous_week(session):
    ai = _impact(session).ai_assisted
    assert ai.value == pytest.approx(100 * 3 / 16)  # R2, R5, H1; Z1 is cancelled
    assert ai.previous == pytest.approx(100 * 1 / 7)  # Q2
    assert (ai.n, ai.previous_n) == (16, 7)


def test_client_filter(session):
    impact = _impact(session, client="C1")
    assert (impact.auto_resolved_tickets, impact.resolved) == (3, 8)  # A1, A3, R11
    assert impact.ai_assisted.value == pytest.approx(25.0)  # R2, R5 of 8
    assert impact.potential.categories.empty  # only R1 and R2 are C1's password resets
    assert (impact.potential.tickets, impact.potential.hours) == (0, 0.0)


def test_automation_potential(session):
    potential = _impact(session).potential
    frame = potential.categories
    assert list(frame.columns) == list(POTENTIAL_COLUMNS)
    assert frame[["category", "subcategory", "tickets"]].values.tolist() == [
        ["Accounts", "Password reset", 3]
    ]
    row = frame.iloc[0]
    assert row["hours"] == pytest.approx((12 + 15 + 18) / 60)
    assert row["median_minutes"] == pytest.approx(15)
    assert row["cv"] == pytest.approx(3 / 15)
    assert potential.tickets == 3 and potential.hours == pytest.approx(0.75)


def test_potential_thresholds_are_settings(session):
    loose = with_insights(session, automation_max_cv=0.9, automation_min_tickets=2)
    frame = _impact(session, settings=loose).potential.categories
    # Outlook (6, 30, 60: CV 0.8455) and VPN (24, 24) now qualify; Laptop's median 75 still not
    assert frame[["category", "subcategory", "tickets"]].values.tolist() == [
        ["Software", "Outlook", 3],  # 96 minutes: most hours first
        ["Network", "VPN", 2],
        ["Accounts", "Password reset", 3],
    ]
    outlook = frame.iloc[0]
    assert outlook["cv"] == pytest.approx((1464 / 2) ** 0.5 / 32)
    assert outlook["hours"] == pytest.approx(96 / 60)  # R6's 6 BOT minutes are not human time
    short = with_insights(session, automation_max_median_minutes=14)
    assert _impact(session, settings=short).potential.categories.empty


def test_previous_week_has_no_potential(session):
    impact = _impact(session, PREVIOUS_WEEK)
    assert impact.potential.categories.empty  # one ticket per category
    assert impact.auto_resolved.previous is None  # nothing resolved the week before
    assert impact.auto_resolved.change is None


def test_same_numbers_on_every_warehouse(warehouse_url, tmp_path):
    session = load_report_small(tmp_path, warehouse_url)
    impact = _impact(session)
    assert (impact.auto_resolved_tickets, impact.resolved) == (5, 17)
    assert impact.ai_assisted.value == pytest.approx(18.75)
    assert impact.potential.categories["subcategory"].tolist() == ["Password reset"]
    assert impact.potential.hours == pytest.approx(0.75)


# -- the ai_assisted column ------------------------------------------------------------------
def _ai_percent(session: Session) -> float | None:
    with session.warehouse.reading() as conn:
        return compute(conn, ["ai_assisted_percent"], session.scope(*WEEK))[
            "ai_assisted_percent"
        ].value


def test_csv_without_the_column_has_no_ai_figure(tmp_path):
    data = copy_report_small(tmp_path)
    tickets = pd.read_csv(data / "tickets.csv", dtype=str, keep_default_na=False)
    tickets.drop(columns="ai_assisted").to_csv(data / "tickets.csv", index=False)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert main(["import-csv", str(data), "--warehouse", url, "--config", str(CONFIG)]) == 0
    assert _ai_percent(Session(url, CONFIG)) is None  # unknown, not 0 %


def test_csv_rejects_a_bad_flag(tmp_path, capsys):
    data = copy_report_small(tmp_path)
    path = data / "tickets.csv"
    path.write_text(path.read_text().replace(",Password reset request,true", ",x,maybe"))
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    assert main(["import-csv", str(data), "--warehouse", url, "--config", str(CONFIG)]) == 2
    err = capsys.readouterr().err
    assert "ai_assisted" in err and "maybe" in err


def _warehouse_before_the_column(url: str) -> None:
    old = MetaData()
    for table in metadata.sorted_tables:
        keep = [c for c in table.columns if (table.name, c.name) != ("tickets", "ai_assisted")]
        columns = (
            Column(c.name, c.type, primary_key=c.primary_key, autoincrement=c.autoincrement)
            for c in keep
        )
        Table(table.name, old, *columns)
    engine = create_engine(url)
    with engine.begin() as conn:
        old.create_all(conn)
    engine.dispose()


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_older_warehouse_gains_the_column(tmp_path, dialect):
    url = f"{dialect}:///{tmp_path / 'w.db'}"
    _warehouse_before_the_column(url)
    session = load_report_small(tmp_path, url)  # the import's ensure_schema adds the column
    assert _ai_percent(session) == pytest.approx(18.75)


def test_demo_flags_a_plausible_share():
    tickets = generate(2_000)["tickets"]
    flag = tickets["ai_assisted"]
    assert flag.dtype == bool
    assert 0.05 <= flag.mean() <= 0.30
    assert not flag[tickets["channel"] == "alert"].any()  # no human conversation to assist
    halves = flag.groupby(tickets["created_at"] > tickets["created_at"].median()).mean()
    assert halves[True] > halves[False]  # adoption grows over the history


def test_docs_list_the_report_insights_in_module_order():
    # this file imports automation (and with it summary) before sentiment: the page still
    # follows insights.definitions.MODULES
    mine = [
        "period_summary",
        "positive_interactions",
        "frustrated_customers",
        "auto_resolved_rate",
        "ai_assisted_rate",
        "automation_potential",
        "narrative",
    ]
    assert [i.id for i in all_insights() if i.id in mine] == mine
