"""Every detailed tab under Voilà in headless Chromium: it loads, a filter change updates a
panel, a drill-down lists the right tickets, and a download yields the panel's CSV."""

from __future__ import annotations

import pytest
from serving_app import STAFF_HEADERS

from deskmetrics.cli import main
from deskmetrics.panels.run import drill_tickets, run_panel
from deskmetrics.session import Session
from deskmetrics.ui.tables import csv_text

pytestmark = pytest.mark.browser
PERIOD = ("2024-12-02", "2024-12-06")

# tab -> (panel to watch, filter, value to pick (option label), drill row label, drill field)
CASES = {
    "service_quality": ("tickets_created_by_category", "board", "Tier 2", "Network", "tickets"),
    "help_desk": ("workload_by_team", "board", "Help Desk", "Escalations", "open"),
    "customer_experience": ("csat_distribution", "client", "Acme Dental", "satisfied", "responses"),
}


def _table_text(page, panel_id: str) -> str:
    return page.locator(f".dm-panel-{panel_id} table.dm-table").first.inner_text()


@pytest.mark.parametrize("tab", sorted(CASES))
def test_tab_filters_drills_and_downloads(
    browser, voila_server, tmp_path, small_msp, small_config, tab
):
    panel_id, filter_name, filter_label, drill_label, drill_field = CASES[tab]
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    session = Session(url, small_config)
    base = voila_server(url, small_config)
    page = browser.new_page(accept_downloads=True, extra_http_headers=STAFF_HEADERS)
    page.goto(
        f"{base}/voila/render/{tab}.ipynb?date_from={PERIOD[0]}&date_to={PERIOD[1]}",
        timeout=120_000,
    )
    panel = page.locator(f".dm-panel-{panel_id}")
    panel.wait_for(timeout=120_000)
    assert page.locator(".dm-nav a.dm-current").inner_text() != ""
    before = _table_text(page, panel_id)

    # the download is the panel's data, exactly
    with page.expect_download() as info:
        panel.locator("a.dm-download").first.click()
    downloaded = open(info.value.path(), encoding="utf-8").read()  # noqa: SIM115
    scope = session.scope(*PERIOD)
    with session.warehouse.reading() as conn:
        expected = run_panel(conn, session.settings, scope, panel_id).frame
    assert downloaded == csv_text(expected)

    # drill-down from a count lists the tickets behind it
    choice = panel.locator(".dm-drill-choice select")
    # ipywidgets renders option text with non-breaking spaces; the value keeps plain ones
    values = choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    option = next(v for v in values if v.startswith(f"{drill_label} · {drill_field}"))
    choice.select_option(value=option)
    panel.locator(".dm-drill-button").click()
    result = panel.locator(".dm-drill-result table.dm-tickets")
    result.wait_for(timeout=30_000)
    row = expected[expected[expected.columns[0]] == drill_label].iloc[0].to_dict()
    with session.warehouse.reading() as conn:
        want = drill_tickets(conn, session.settings, scope, panel_id, row, drill_field)
    shown = result.locator("tr td:first-child").all_inner_texts()
    assert shown == list(want["ticket_id"]) and shown

    # a filter change updates the panel in place
    page.locator(f".dm-filter-{filter_name} select").select_option(label=filter_label)
    page.wait_for_function(
        "([id, before]) => { const t = document.querySelector(`.dm-panel-${id} table.dm-table`);"
        " return t && t.innerText !== before; }",
        arg=[panel_id, before],
        timeout=30_000,
    )
    filtered = session.scope(*PERIOD, **{filter_name: _value(session, filter_name, filter_label)})
    with session.warehouse.reading() as conn:
        expected = run_panel(conn, session.settings, filtered, panel_id).frame
    first_cell = str(expected.iloc[0, 0]) if len(expected) else ""
    assert first_cell in _table_text(page, panel_id)
    page.close()


def _value(session: Session, name: str, label: str) -> str:
    options = session.filter_options()
    pairs = {"client": options.clients, "owner": options.technicians}.get(name)
    return dict(pairs)[label] if pairs else label


def test_a_click_on_a_bar_lists_the_tickets_behind_it(
    browser, voila_server, tmp_path, small_msp, small_config
):
    panel_id, _, _, drill_label, drill_field = CASES["service_quality"]
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    session = Session(url, small_config)
    base = voila_server(url, small_config)
    page = browser.new_page(extra_http_headers=STAFF_HEADERS)
    page.goto(
        f"{base}/voila/render/service_quality.ipynb?date_from={PERIOD[0]}&date_to={PERIOD[1]}",
        timeout=120_000,
    )
    plot = page.locator(f".dm-panel-{panel_id} .js-plotly-plot")
    plot.locator(".bars path").first.wait_for(timeout=120_000)
    # the bar of drill_label in the first trace (the field's trace), wherever the axis puts it
    index = plot.evaluate(
        "(g, label) => { const t = g.data[0];"
        " return (t.orientation === 'h' ? t.y : t.x).indexOf(label); }",
        drill_label,
    )
    assert index >= 0
    bar = plot.locator(".trace.bars").first.locator(".point path").nth(index)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    # as a reader does: over the bar (plotly finds the point on hover), then a click
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    plot.locator(".hoverlayer text").first.wait_for(timeout=30_000)
    page.mouse.down()
    page.mouse.up()

    result = page.locator(f".dm-panel-{panel_id} .dm-drill-result table.dm-tickets")
    result.wait_for(timeout=30_000)
    scope = session.scope(*PERIOD)
    with session.warehouse.reading() as conn:
        frame = run_panel(conn, session.settings, scope, panel_id).frame
        row = frame[frame[frame.columns[0]] == drill_label].iloc[0].to_dict()
        want = drill_tickets(conn, session.settings, scope, panel_id, row, drill_field)
    shown = result.locator("tr td:first-child").all_inner_texts()
    assert shown == list(want["ticket_id"]) and shown
    page.close()
