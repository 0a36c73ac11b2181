"""The Health tab under Voilà in headless Chromium, on health_small
(tests/fixtures/health_small/README.md): the page address picks the client, the segments chart
and the list draw, a bad cut-score table is refused with the reason and leaves the warehouse
alone, a good one is saved and shown, and a manual score changes the list and the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from health.health_small import EARLY, load_health_small

from deskmetrics.access.store import AccessStore

pytestmark = pytest.mark.browser
LOAD_TIMEOUT = 120_000
STEP_TIMEOUT = 30_000
ACTOR = "voila-tester"
PASSWORD = "a password for the tests"


@pytest.fixture
def health_site(browser, voila_server, tmp_path, monkeypatch):
    """health_small in a DuckDB file, a Voilà server over it, and a fresh browser page."""
    from health.health_small import CONFIG

    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    health = load_health_small(url)
    health.snapshot(EARLY)
    # the kernel records edits as the staff login, whatever the server's OS user is
    monkeypatch.setenv("DESKMETRICS_USER", "not-this-one")
    AccessStore(f"sqlite:///{tmp_path / 'access.sqlite'}").add_staff(ACTOR, PASSWORD, actor="t")
    base = voila_server(url, CONFIG)
    page = browser.new_page()
    page.goto(f"{base}/login", timeout=LOAD_TIMEOUT)
    page.fill("#username", ACTOR)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/voila/render/dashboard.ipynb", timeout=LOAD_TIMEOUT)
    yield health, base, page
    page.close()


def _open(page, base: str, query: str) -> None:
    page.goto(f"{base}/voila/render/health.ipynb?{query}", timeout=LOAD_TIMEOUT)
    page.locator(".dm-health-editors").wait_for(timeout=LOAD_TIMEOUT)


def _list_row(page, client: str):
    return page.locator(f".dm-health-list tr[data-client='{client}']")


def _commit(locator, text: str) -> None:
    """Type into a widget's input and leave it, as a person would (number boxes sync on blur)."""
    locator.fill(text)
    locator.press("Tab")


def test_segments_list_and_the_cut_score_editor(health_site):
    health, base, page = health_site
    _open(page, base, "client=C1&day=2025-03-31")

    # the address chose C1: the list shows it alone, the detail shows the README's numbers
    assert page.locator(".dm-health-list tr[data-client]").count() == 1
    assert _list_row(page, "C1").get_attribute("data-score") == "78.8"
    assert "Acme Dental" in _list_row(page, "C1").inner_text()
    with page.expect_download() as info:  # the CSV is asked of the kernel on the click
        page.locator(".dm-health-download a.dm-download").click()
    rows = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("client_id,client,score,tier,coverage_percent")
    assert [row.split(",")[:3] for row in rows[1:]] == [["C1", "Acme Dental", "78.8"]]
    points = page.locator(".dm-health-detail-contributions tr[data-metric]").evaluate_all(
        "rows => rows.map(r => r.dataset.points)"
    )
    assert points == ["20.0", "18.75", "15.0", "25.0"]
    charts = page.locator(".dm-health-detail .js-plotly-plot")
    charts.nth(1).wait_for(timeout=STEP_TIMEOUT)
    assert charts.nth(0).evaluate("el => el.data[0].x") == [20, 18.75, 15, 25]  # points
    assert charts.nth(1).evaluate("el => el.data[0].y") == [53.3]  # the 2025-03-01 snapshot

    # the segments chart: clients per tier, each bar in its cut-score colour
    plot = page.locator(".dm-health-segments .js-plotly-plot")
    plot.wait_for(timeout=STEP_TIMEOUT)
    bars = plot.evaluate("el => ({x: el.data[0].x, y: el.data[0].y, c: el.data[0].marker.color})")
    assert bars == {
        "x": ["Healthy", "At risk", "Critical", "Insufficient data"],
        "y": [1, 0, 1, 2],
        "c": ["#16a34a", "#f59e0b", "#dc2626", "#9ca3af"],
    }
    drawn = plot.locator(".xtick text").evaluate_all("ts => ts.map(t => t.textContent)")
    assert drawn == ["Healthy", "At risk", "Critical", "Insufficient data"]

    # a table with two tiers starting at 0 is refused, naming the rows, and nothing is saved
    saved = health.store.cut_scores()
    rows = page.locator(".dm-health-cut-row")
    _commit(rows.nth(1).locator(".dm-health-cut-min input"), "0")
    page.locator("button.dm-health-cuts-save").click()
    error = page.locator(".dm-health-cuts-message .dm-health-error")
    error.wait_for(timeout=STEP_TIMEOUT)
    assert "exactly one row must have minimum 0 (rows 2, 3 do)" in error.inner_text()
    assert health.store.cut_scores() == saved
    assert "cut_scores.save" not in set(health.audit()["action"])

    # a good table is saved, and the chart on the page follows
    _commit(rows.nth(1).locator(".dm-health-cut-min input"), "60")
    _commit(rows.nth(1).locator(".dm-health-cut-name input"), "Watch list")
    page.locator("button.dm-health-cuts-save").click()
    page.locator(".dm-health-cuts-message .dm-health-ok").wait_for(timeout=STEP_TIMEOUT)
    assert [(c.name, c.min_score) for c in health.store.cut_scores()] == [
        ("Healthy", 75.0),
        ("Watch list", 60.0),
        ("Critical", 0.0),
    ]
    page.wait_for_function(
        "() => [...document.querySelectorAll('.dm-health-segments .xtick text')]"
        ".some(t => t.textContent === 'Watch list')",
        timeout=STEP_TIMEOUT,
    )
    page.locator(".dm-health-audit-box tr[data-action='cut_scores.save']").wait_for(
        timeout=STEP_TIMEOUT
    )
    assert rows.nth(2).locator(".dm-health-cut-max").inner_text().strip() == "below 60"


def test_a_manual_score_changes_the_list_and_the_audit_log(health_site):
    health, base, page = health_site
    _open(page, base, "client=C3")  # today: a score saved now counts at once
    assert _list_row(page, "C3").get_attribute("data-score") == "33.3"
    assert page.locator(".dm-health-score-client select").input_value() == "Cobalt Freight"

    page.locator(".dm-health-score-metric select").select_option(label="💬 Sentiment")
    score = page.locator(".dm-health-score-value input")
    page.wait_for_function(  # the editor shows C3's current Sentiment before we type over it
        "() => document.querySelector('.dm-health-score-value input')?.value === '1'",
        timeout=STEP_TIMEOUT,
    )
    _commit(score, "5")
    _commit(page.locator(".dm-health-score-note input"), "<b>QBR</b> went well")
    page.locator("button.dm-health-score-save").click()
    done = page.locator(".dm-health-score-message .dm-health-ok")
    done.wait_for(timeout=STEP_TIMEOUT)
    assert done.inner_text() == "Cobalt Freight: Sentiment set to 5 of 5"
    page.wait_for_function(
        "() => document.querySelector(\".dm-health-list tr[data-client='C3']\")"
        "?.dataset.score === '60.0'",  # (100 + 40 + 40) / 3
        timeout=STEP_TIMEOUT,
    )
    audit = page.locator(
        ".dm-health-audit-box tr[data-action='score.set'][data-subject='C3/sentiment']",
        has_text=ACTOR,
    )
    audit.wait_for(timeout=STEP_TIMEOUT)  # the audit table redraws after the list
    assert '"score": 5.0' in audit.inner_text()
    history = page.locator(".dm-health-score-history").inner_text()
    assert "<b>QBR</b> went well" in history  # the note is text, not markup
    latest = health.store.history("C3", "sentiment").iloc[0]
    assert (latest["score"], latest["note"], latest["scored_by"]) == (
        5.0,
        "<b>QBR</b> went well",
        ACTOR,
    )
