"""The Business tab under Voilà in headless Chromium, on the hand-computed business_kpis
fixture: the panels render their README numbers, the Client filter narrows them in place, a
download yields the panel's data, and a drill-down lists the revenue lines behind a client."""

from __future__ import annotations

from pathlib import Path

import pytest
from serving_app import STAFF_HEADERS

from deskmetrics.cli import main
from deskmetrics.panels.run import drill_records, run_panel
from deskmetrics.session import Session
from deskmetrics.ui.tables import csv_text

pytestmark = pytest.mark.browser
FIXTURE = Path(__file__).parents[1] / "fixtures" / "business_kpis"
CONFIG = FIXTURE / "config.yml"
PERIOD = ("2024-12-01", "2024-12-31")
PANEL = "profitability_by_client"


def _table(page) -> str:
    return page.locator(f".dm-panel-{PANEL} table.dm-table").first.inner_text()


def test_business_tab_shows_filters_and_downloads(browser, voila_server, tmp_path):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert main(["import-csv", str(FIXTURE), "--warehouse", url, "--config", str(CONFIG)]) == 0
    session = Session(url, CONFIG)
    base = voila_server(url, CONFIG)
    page = browser.new_page(accept_downloads=True, extra_http_headers=STAFF_HEADERS)
    page.goto(
        f"{base}/voila/render/business.ipynb?date_from={PERIOD[0]}&date_to={PERIOD[1]}",
        timeout=120_000,
    )
    panel = page.locator(f".dm-panel-{PANEL}")
    panel.wait_for(timeout=120_000)
    assert page.locator(".dm-nav a.dm-current").inner_text() == "Business"
    everyone = _table(page)
    # the README's December margins: Birch & Co 2,660 (70 %), Acme Dental 1,920 (53.33 %)
    for text in ("Birch & Co Accountants", "Acme Dental", "Cobalt Freight", "2,660", "1,920"):
        assert text in everyone, text

    with page.expect_download() as info:
        panel.locator("a.dm-download").first.click()
    downloaded = Path(info.value.path()).read_text(encoding="utf-8")
    with session.warehouse.reading() as conn:
        expected = run_panel(conn, session.settings, session.scope(*PERIOD), PANEL).frame
    assert downloaded == csv_text(expected)

    # drill-down: the revenue lines behind Acme Dental's revenue (README: 3,600 = L1 + L2)
    choice = panel.locator(".dm-drill-choice select")
    # ipywidgets renders option text with non-breaking spaces; the value keeps plain ones
    values = choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    choice.select_option(value=next(v for v in values if v.startswith("Acme Dental · revenue")))
    assert panel.locator(".dm-drill-button").inner_text().strip() == "List records"
    panel.locator(".dm-drill-button").click()
    result = panel.locator(".dm-drill-result table.dm-records")
    result.wait_for(timeout=30_000)
    row = expected[expected["client_id"] == "C1"].iloc[0].to_dict()
    with session.warehouse.reading() as conn:
        want = drill_records(conn, session.settings, session.scope(*PERIOD), PANEL, row, "revenue")
    assert want["amount"].sum() == 3600
    shown = result.locator("tr td:first-child").all_inner_texts()
    assert shown == list(want["line"]) == ["L1", "L2"]
    assert "2 records" in panel.locator(".dm-drill-result").inner_text()
    with page.expect_download() as info:
        panel.locator(".dm-drill-result a.dm-download").click()
    assert Path(info.value.path()).read_text(encoding="utf-8") == csv_text(want)

    page.locator(".dm-filter-client select").select_option(label="Acme Dental")
    page.wait_for_function(
        "([id, before]) => { const t = document.querySelector(`.dm-panel-${id} table.dm-table`);"
        " return t && t.innerText !== before; }",
        arg=[PANEL, everyone],
        timeout=30_000,
    )
    one = _table(page)
    assert "Acme Dental" in one and "1,920" in one
    assert "Birch & Co Accountants" not in one and "Cobalt Freight" not in one
    page.close()
