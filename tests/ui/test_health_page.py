"""The Health tab on the hand-computed health_small fixture (tests/fixtures/health_small/README.md):
the list, segments and detail show the README's numbers, and every editor changes the warehouse
through HealthStore (with its audit row) or shows what to fix and changes nothing."""

from __future__ import annotations

import re
import shutil

import ipywidgets as w
import pytest
from health.health_small import CONFIG, DAY, EARLY, HEALTH_FILE, load_health_small
from IPython.display import HTML

from deskmetrics.health.service import Health
from deskmetrics.health.settings import load_health_settings
from deskmetrics.session import Session
from deskmetrics.ui.health_html import client_csv_frame, client_list_html
from deskmetrics.ui.health_page import HealthPage
from deskmetrics.ui.tables import csv_text

TIER_COLOURS = ["#16a34a", "#f59e0b", "#dc2626", "#9ca3af"]


def _load(url: str):
    health = load_health_small(url)
    health.snapshot(EARLY)  # the README's earlier snapshot: C1 was 53.3 on 2025-03-01
    return health


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One warehouse for the tests that only read."""
    return _load(f"duckdb:///{tmp_path_factory.mktemp('health_page') / 'w.duckdb'}")


@pytest.fixture
def health(shared, tmp_path):
    """A copy of the shared warehouse for a test that edits (copying beats reloading)."""
    target = tmp_path / "w.duckdb"
    shutil.copy(shared.warehouse.file_path, target)
    session = Session(f"duckdb:///{target}", CONFIG)
    return Health(
        session.warehouse, session.settings, load_health_settings(HEALTH_FILE), actor="ana"
    )


def find(widget: w.Widget, css: str) -> list[w.Widget]:
    """Every widget under ``widget`` (itself included) that carries the CSS class."""
    found = [widget] if css in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += find(child, css)
    return found


def one(widget: w.Widget, css: str) -> w.Widget:
    (match,) = find(widget, css)
    return match


def attr(html: str, name: str) -> list[str]:
    return re.findall(rf'{name}="([^"]*)"', html)


def listed_scores(page: HealthPage) -> dict[str, str]:
    html = page.client_list.value
    return dict(zip(attr(html, "data-client"), attr(html, "data-score"), strict=True))


def actions(health, n: int = 1) -> list[tuple[str, str]]:
    audit = health.audit(n)
    return list(zip(audit["action"], audit["subject"].fillna(""), strict=True))


# -- the list, segments and detail -----------------------------------------------------------


def test_list_sorts_by_score_name_and_change(shared):
    page = HealthPage(shared, day=DAY)
    assert attr(page.client_list.value, "data-client") == ["C3", "C2", "C1", "C4"]  # lowest first
    orders = {
        "Score, highest first": ["C1", "C2", "C3", "C4"],  # no score sorts last either way
        "Name, A to Z": ["C1", "C2", "C3", "C4"],
        "Name, Z to A": ["C4", "C3", "C2", "C1"],
        "Change, biggest rise first": ["C1", "C2", "C3", "C4"],
        "Score, lowest first": ["C3", "C2", "C1", "C4"],
    }
    for order, expected in orders.items():
        page.sort_choice.value = order
        assert attr(page.client_list.value, "data-client") == expected, order
    html = page.client_list.value
    assert "Birch &amp; Co Accountants" in html and "Birch & Co" not in html
    assert 'data-client="C1" data-score="78.8" data-tier="Healthy" data-change="25.5"' in html
    assert "↑ +25.5" in html and "2025-03-01: 53.3" in html and "75 %" in html  # C3 coverage


def test_a_long_list_shows_its_first_rows_in_order_and_says_the_csv_holds_all(shared):
    page = HealthPage(shared, day=DAY)
    listed = page.listed()
    short = client_list_html(listed, max_rows=2)
    assert attr(short, "data-client") == ["C3", "C2"]  # the page's order, cut after two
    assert "The first 2 of 4 clients in this order" in short
    assert "dm-health-more" not in client_list_html(listed)  # four fit: no note
    assert len(csv_text(client_csv_frame(listed)).splitlines()) == 5  # the CSV keeps all four


def test_segments_chart_counts_clients_in_cut_score_colours(shared):
    page = HealthPage(shared, day=DAY)
    bars = page.segments_chart.data[0]
    assert list(bars.x) == ["Healthy", "At risk", "Critical", "Insufficient data"]
    assert list(bars.y) == [1, 0, 1, 2]  # README: Healthy 1, At risk 0, Critical 1, Insufficient 2
    assert list(bars.marker.color) == TIER_COLOURS


def test_choosing_a_client_shows_the_readme_breakdown(shared):
    page = HealthPage(shared, day=DAY)
    assert "Choose a client" in page.client_detail.summary.value
    page.client_filter.value = "C1"
    assert attr(page.client_list.value, "data-client") == ["C1"]
    detail = page.client_detail
    assert 'data-client="C1" data-score="78.8"' in detail.summary.value
    assert "100 % of the metric weight" in detail.summary.value
    table = detail.contributions_table.value
    assert attr(table, "data-points") == ["20.0", "18.75", "15.0", "25.0"]
    assert attr(table, "data-normalized") == ["80.0", "75.0", "60.0", "100.0"]
    assert "4 / 5" in table and "75 / 100" in table and "set by ana on 2025-03-20" in table
    assert list(detail.contributions_chart.data[0].x) == [20.0, 18.75, 15.0, 25.0]
    assert list(detail.history_chart.data[0].y) == [53.3]  # the 2025-03-01 snapshot
    assert [s.fillcolor for s in detail.history_chart.layout.shapes] == TIER_COLOURS[:3]
    assert "before the QBR" in detail.scores_table.value
    assert attr(detail.scores_table.value, "data-score") == ["3.0", "5.0", "4.0", "2.0"]

    page.select("C3")
    table = detail.contributions_table.value
    assert 'data-score="33.3"' in detail.summary.value and "75 %" in detail.summary.value
    assert attr(table, "data-points")[0][:6] == "6.6666" and table.count("33.3 %") == 3
    assert "no data" in table
    assert list(detail.contributions_chart.data[0].text) == [
        "6.7 pts",
        "no data",
        "13.3 pts",
        "13.3 pts",
    ]
    assert page.scores_editor.client.value == "C3"


def test_detail_numbers_on_every_warehouse(warehouse_url):
    page = HealthPage(_load(warehouse_url), day=DAY, client="C1")
    summary = page.client_detail.summary.value
    assert 'data-score="78.8"' in summary and "↑ +25.5" in summary
    points = attr(page.client_detail.contributions_table.value, "data-points")
    assert points == ["20.0", "18.75", "15.0", "25.0"]
    page.select("C2")  # 50 % coverage < 60 %: no tier however good the score looks
    summary = page.client_detail.summary.value
    assert 'data-score="50.0"' in summary and "Insufficient data" in summary
    assert attr(page.client_detail.contributions_table.value, "data-points") == [
        "20.0",
        "",
        "",
        "30.0",
    ]


def test_download_is_the_list_as_shown(shared):
    page = HealthPage(shared, day=DAY)
    page.sort_choice.value = "Name, A to Z"
    sent = []
    page.download.send = sent.append  # what the kernel sends the browser on a click
    page.download._received(page.download, {"event": "csv", "version": page.download.version}, [])
    csv = sent[0]["csv"]
    assert csv == csv_text(client_csv_frame(page.listed()))
    lines = csv.splitlines()
    assert lines[0].startswith("client_id,client,score,tier,coverage_percent")
    assert lines[1].startswith("C1,Acme Dental,78.8,Healthy,100.0,2025-03-01,53.3,25.5,up")


# -- static (papermill) ----------------------------------------------------------------------


def test_static_page_is_plain_html_with_the_csv_beside_it(shared, tmp_path):
    export = tmp_path / "health_files"
    page = HealthPage(shared, date_to="2025-03-31", static=True, export_dir=str(export))
    assert page.day == DAY  # date_to from `deskmetrics render` is the scoring day
    cells = [page.header(), page.segments(), page.clients(), page.detail(), page.editors()]
    cells.append(page.audit())
    assert all(isinstance(c, HTML) for c in cells)
    header, segments, clients, detail, editors, audit = (c.data for c in cells)
    assert 'href="dashboard.html"' in header and 'class="dm-current" data-tab="health"' in header
    assert "plotly" in segments and '"#f59e0b"' in segments
    assert attr(clients, "data-client") == ["C3", "C2", "C1", "C4"]
    written = (export / "health_clients.csv").read_text()
    assert written == csv_text(client_csv_frame(page.listed()))
    assert 'href="health_files/health_clients.csv"' in clients
    assert attr(detail, "data-client") == ["C3", "C2", "C1", "C4"]  # every client's breakdown
    assert "Birch &amp; Co Accountants" in detail
    assert 'data-metric="renewals"' in editors and "below 75" in editors
    assert "score.set" in audit

    one_client = HealthPage(shared, day=DAY, client="C1", static=True).detail().data
    assert "Score history: Acme Dental" in one_client and "before the QBR" in one_client


# -- editors ---------------------------------------------------------------------------------


def test_metric_row_save_goes_through_the_store_and_redraws(health):
    page = HealthPage(health, day=DAY, client="C1")
    editor = page.metrics_editor
    fields = editor.fields["sentiment"]
    fields.weight.value = 50.0
    shares = [f.percent.value for f in editor.fields.values()]
    assert shares == ["40.0 %", "20.0 %", "20.0 %", "20.0 %"]  # shown before saving
    row = one(editor.widget, "dm-health-metric-sentiment")
    one(row, "dm-health-metric-save").click()
    assert next(m for m in health.store.metrics() if m.metric_id == "sentiment").weight == 50
    assert actions(health) == [("metric.edit", "sentiment")]
    # (50·80 + 25·75 + 25·60 + 25·100) / 125 = 79.0
    assert listed_scores(page)["C1"] == "79.0"
    assert 'data-score="79.0"' in page.client_detail.summary.value
    assert "metric.edit" in page.audit_table.value
    assert "dm-health-ok" in editor.message.value


def test_refused_metric_changes_show_why_and_change_nothing(health):
    page = HealthPage(health, day=DAY)
    editor = page.metrics_editor
    before, audit_before = health.store.metrics(), len(health.audit())
    editor.fields["org"].weight.value = 0.0
    one(one(editor.widget, "dm-health-metric-org"), "dm-health-metric-save").click()
    assert "dm-health-error" in editor.message.value
    assert "weight must be a number above 0" in editor.message.value
    editor.new.name.value = ""
    one(editor.widget, "dm-health-metric-add").click()
    assert "give the metric a name" in editor.message.value
    assert health.store.metrics() == before and len(health.audit()) == audit_before


def test_reorder_delete_restore_and_add_metrics(health):
    page = HealthPage(health, day=DAY, client="C1")
    editor = page.metrics_editor
    one(one(editor.widget, "dm-health-metric-sentiment"), "dm-health-metric-down").click()
    assert [m.metric_id for m in health.store.metrics()] == ["csat", "sentiment", "org", "renewals"]
    assert actions(health) == [("metrics.reorder", "sentiment")]

    one(one(editor.widget, "dm-health-metric-org"), "dm-health-metric-delete").click()
    assert "org" not in {m.metric_id for m in health.store.metrics()}
    assert listed_scores(page)["C1"] == "85.0"  # (80 + 75 + 100) / 3
    restore = one(editor.widget, "dm-health-deleted-org")
    one(restore, "dm-health-metric-restore").click()
    assert "org" in {m.metric_id for m in health.store.metrics()}
    assert listed_scores(page)["C1"] == "78.8"
    assert actions(health, 2) == [("metric.restore", "org"), ("metric.delete", "org")]

    new = editor.new
    new.name.value, new.max_score.value, new.weight.value = "Projects <on time>", 10.0, 25.0
    new.icon.value, new.kind.value = "📅", "manual"
    one(editor.widget, "dm-health-metric-add").click()
    added = health.store.metrics()[-1]
    assert (added.name, added.max_score, added.weight, added.icon) == (
        "Projects <on time>",
        10.0,
        25.0,
        "📅",
    )
    assert actions(health) == [("metric.add", added.metric_id)]
    assert added.metric_id in dict((v, k) for k, v in page.scores_editor.metric.options)
    assert "80 %" in page.client_detail.summary.value  # 100 of 125 weight has data
    assert "Projects &lt;on time&gt;" in page.client_detail.contributions_table.value


def test_cut_score_editor_refuses_a_bad_table_and_saves_a_good_one(warehouse_url):
    health = _load(warehouse_url)
    page = HealthPage(health, day=DAY)
    editor = page.cuts_editor
    saved = health.store.cut_scores()
    assert [r.maximum.value for r in editor.rows] == ["100", "below 75", "below 50"]

    editor.rows[1].minimum.value = 0.0  # two tiers start at 0
    assert editor.rows[2].maximum.value == "below 0"
    one(editor.widget, "dm-health-cuts-save").click()
    message = editor.message.value
    assert "dm-health-error" in message and "rows 2, 3 do" in message
    assert "row 3 (Critical): minimum 0 must be below row 2&#x27;s 0" in message
    assert health.store.cut_scores() == saved
    assert "cut_scores.save" not in set(health.audit()["action"])

    editor.rows[1].minimum.value = 60.0
    editor.rows[1].name.value = "Watch <list>"
    editor.rows[1].colour.value = "#0000ff"
    one(editor.widget, "dm-health-cuts-save").click()
    assert [(c.name, c.colour, c.min_score) for c in health.store.cut_scores()] == [
        ("Healthy", "#16a34a", 75.0),
        ("Watch <list>", "#0000ff", 60.0),
        ("Critical", "#dc2626", 0.0),
    ]
    assert actions(health) == [("cut_scores.save", "")]
    bars = page.segments_chart.data[0]
    assert list(bars.x)[1] == "Watch &lt;list&gt;" and list(bars.marker.color)[1] == "#0000ff"
    assert "dm-health-ok" in editor.message.value


def test_cut_score_draft_rows_are_added_and_deleted_on_screen_only(health):
    page = HealthPage(health, day=DAY)
    editor = page.cuts_editor
    find(editor.widget, "dm-health-cut-add")[0].click()  # after Healthy (75) and At risk (50)
    assert [(c.name, c.min_score) for c in editor.draft()] == [
        ("Healthy", 75.0),
        ("New tier", 62.5),
        ("At risk", 50.0),
        ("Critical", 0.0),
    ]
    find(editor.widget, "dm-health-cut-delete")[2].click()  # At risk
    assert [c.name for c in editor.draft()] == ["Healthy", "New tier", "Critical"]
    assert [c.name for c in health.store.cut_scores()] == ["Healthy", "At risk", "Critical"]
    one(editor.widget, "dm-health-cuts-save").click()
    assert [c.name for c in health.store.cut_scores()] == ["Healthy", "New tier", "Critical"]
    assert list(page.segments_chart.data[0].x) == [
        "Healthy",
        "New tier",
        "Critical",
        "Insufficient data",
    ]


def test_manual_score_editor_sets_and_clears_a_score(health):
    page = HealthPage(health, client="C3")  # today: a score saved now counts at once
    editor = page.scores_editor
    assert editor.client.value == "C3"
    assert [v for _, v in editor.metric.options] == ["sentiment", "org", "renewals"]  # manual only
    assert editor.metric.value == "sentiment"  # ready to score without picking first
    assert editor.score.value == 1.0 and editor.score.max == 5.0
    assert listed_scores(page)["C3"] == "33.3"
    editor.score.value = 5.0
    editor.note.value = "<b>call</b> went well"
    one(editor.widget, "dm-health-score-save").click()
    latest = health.store.history("C3", "sentiment").iloc[0]
    assert (latest["score"], latest["note"], latest["scored_by"]) == (
        5.0,
        "<b>call</b> went well",
        "ana",
    )
    assert actions(health) == [("score.set", "C3/sentiment")]
    assert listed_scores(page)["C3"] == "60.0"  # (100 + 40 + 40) / 3
    assert "&lt;b&gt;call&lt;/b&gt; went well" in editor.history.value
    assert "&lt;b&gt;call&lt;/b&gt;" in page.client_detail.scores_table.value
    assert 'data-action="score.set" data-subject="C3/sentiment"' in page.audit_table.value

    one(editor.widget, "dm-health-score-clear").click()
    assert health.store.history("C3", "sentiment").iloc[0]["score"] != 5.0
    assert actions(health) == [("score.clear", "C3/sentiment")]
    assert 'data-client="C3" data-score="40.0" data-tier="Insufficient data"' in (
        page.client_list.value
    )


def test_a_past_day_says_when_new_scores_count(shared):
    page = HealthPage(shared, day=DAY)
    assert (
        "Scores count from the moment they are saved"
        in one(page.scores_editor.widget, "dm-health-score-editor").children[0].value
    )


def test_a_failing_warehouse_shows_a_message_instead_of_breaking_the_page(health, monkeypatch):
    page = HealthPage(health, day=DAY)

    def locked(_rows):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(health.store, "save_cut_scores", locked)
    one(page.cuts_editor.widget, "dm-health-cuts-save").click()
    assert "Not saved: RuntimeError: database is locked" in page.cuts_editor.message.value
    monkeypatch.undo()

    def unreadable(*_args, **_kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(health, "board", unreadable)  # saved, then the redraw fails
    page.cuts_editor.rows[0].name.value = "Thriving"
    one(page.cuts_editor.widget, "dm-health-cuts-save").click()
    assert health.store.cut_scores()[0].name == "Thriving"
    assert "could not redraw (RuntimeError: connection lost)" in page._status.value


def test_open_reads_the_page_address(shared, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "client=C3&day=2025-03-31&board=ignored")
    monkeypatch.setenv("DESKMETRICS_USER", "bo")
    url = str(shared.warehouse.url)
    page = HealthPage.open(url, str(CONFIG), str(HEALTH_FILE))
    assert (page.client, page.day) == ("C3", DAY)
    assert page.client_filter.value == "C3"
    assert "recorded as bo" in page._intro.value
    assert "client=C3" in page._nav.value
    static = HealthPage.open(url, str(CONFIG), str(HEALTH_FILE), "2025-03-01", static=True)
    assert (static.client, static.day) == ("", EARLY)  # static pages ignore the address
