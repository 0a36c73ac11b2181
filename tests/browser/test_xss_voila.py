"""Every tab under Voilà in headless Chromium on an MSP whose client, technician, team, contact,
board and category names, ticket titles, survey comments and health notes are markup
(tests/xss_payloads.py): nothing runs, no dialog opens, and each payload reads as the text it is,
in tables, drill-downs, dropdowns and the Plotly charts' labels and titles."""

from __future__ import annotations

import pytest
import xss_payloads as x
from serving_app import STAFF_HEADERS

pytestmark = pytest.mark.browser
LOAD_TIMEOUT = 120_000
STEP_TIMEOUT = 30_000
QUERY = f"date_from={x.PERIOD[0]}&date_to={x.PERIOD[1]}"


def _plain(text: str) -> str:
    return text.replace("\xa0", " ")  # ipywidgets and plotly draw some spaces as no-break


def _texts(page, selector: str) -> list[str]:
    """Text of every element matching ``selector`` (SVG text included), spaces made plain."""
    found = page.locator(selector).evaluate_all("els => els.map(e => e.textContent)")
    return [_plain(t) for t in found]


def _chart_labels(page, scope: str) -> list[str]:
    """Tick labels and titles Plotly drew inside ``scope`` (waits for the first chart)."""
    page.locator(f"{scope} .js-plotly-plot .main-svg").first.wait_for(timeout=STEP_TIMEOUT)
    return _texts(page, f"{scope} .js-plotly-plot text")


def _dashboard(page) -> list[tuple[str, str, list[str]]]:
    page.locator(".dm-kpi[data-metric=open_tickets]").wait_for(timeout=LOAD_TIMEOUT)
    clients = _texts(page, ".dm-filter-client option")
    boards = _texts(page, ".dm-filter-board option")
    # the breakdown's hover label draws the category name too
    bar = page.locator(".js-plotly-plot").nth(1).locator(".bars path").first  # the top one
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".js-plotly-plot .hoverlayer text").first.wait_for(timeout=STEP_TIMEOUT)
    return [
        ("client filter", x.CLIENT_C2, clients),
        ("board filter", x.BOARD_TIER2, boards),
        ("open tickets by category", x.CATEGORY_NETWORK, _chart_labels(page, "body")),
        ("its hover label", x.CATEGORY_NETWORK, _texts(page, ".hoverlayer text")),
    ]


def _service_quality(page) -> list[tuple[str, str, list[str]]]:
    panel = page.locator(".dm-panel-tickets_created_by_category")
    panel.wait_for(timeout=LOAD_TIMEOUT)
    table = _plain(panel.locator("table.dm-table").first.inner_text())
    labels = _chart_labels(page, ".dm-panel-tickets_created_by_category")
    boards = _chart_labels(page, ".dm-panel-tickets_created_by_board")
    # drill into the hostile category: the tickets list titles, clients and owners
    choice = panel.locator(".dm-drill-choice select")
    values = choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    choice.select_option(value=next(v for v in values if v.startswith(x.CATEGORY_NETWORK)))
    panel.locator(".dm-drill-button").click()
    tickets = panel.locator(".dm-drill-result table.dm-tickets")
    tickets.wait_for(timeout=STEP_TIMEOUT)
    drilled = _plain(tickets.inner_text())
    return [
        ("category table", x.CATEGORY_NETWORK, [table]),
        ("category chart", x.CATEGORY_NETWORK, labels),
        ("board chart", x.BOARD_TIER2, boards),
        ("drill-down title", x.TITLE_T3, [drilled]),
        ("drill-down client", x.CLIENT_C2, [drilled]),
        ("drill-down owner", x.TECH_K2, [drilled]),
    ]


def _help_desk(page) -> list[tuple[str, str, list[str]]]:
    panel = page.locator(".dm-panel-workload_by_technician")
    panel.wait_for(timeout=LOAD_TIMEOUT)
    table = _plain(panel.locator("table.dm-table").first.inner_text())
    return [
        ("workload table technician", x.TECH_K2, [table]),
        ("workload table team", x.TEAM_K2, [table]),
        ("workload chart", x.TECH_K2, _chart_labels(page, ".dm-panel-workload_by_technician")),
        ("team chart", x.TEAM_K2, _chart_labels(page, ".dm-panel-workload_by_team")),
    ]


def _customer_experience(page) -> list[tuple[str, str, list[str]]]:
    panel = page.locator(".dm-panel-survey_comments")
    panel.wait_for(timeout=LOAD_TIMEOUT)
    comments = _plain(panel.locator("table.dm-table").first.inner_text())
    return [
        ("dissatisfied comment", x.COMMENT_S3, [comments]),
        ("comment's ticket title", x.TITLE_T8, [comments]),
        ("csat by technician", x.TECH_K1, _chart_labels(page, ".dm-panel-csat_by_technician")),
        ("csat by client", x.CLIENT_C1, _chart_labels(page, ".dm-panel-csat_by_client")),
    ]


def _health(page) -> list[tuple[str, str, list[str]]]:
    page.locator(".dm-health-editors").wait_for(timeout=LOAD_TIMEOUT)
    row = _plain(page.locator(".dm-health-list tr[data-client='C2']").inner_text())
    summary = _plain(page.locator(".dm-health-detail-summary").inner_text())
    scores = _plain(page.locator(".dm-health-detail-scores").inner_text())
    audit = _plain(page.locator(".dm-health-audit-box").inner_text())
    page.locator(".dm-health-detail .js-plotly-plot").nth(1).wait_for(timeout=STEP_TIMEOUT)
    titles = _texts(page, ".dm-health-detail .js-plotly-plot .gtitle")
    return [
        ("client list", x.CLIENT_C2, [row]),
        ("detail headline", x.CLIENT_C2, [summary]),
        ("manual score note", x.HEALTH_NOTE, [scores]),
        ("who scored", x.HEALTH_ACTOR, [scores]),
        ("audit log", x.HEALTH_ACTOR, [audit]),
        ("chart titles", x.CLIENT_C2, titles),
    ]


TABS = {
    "dashboard": (QUERY, _dashboard),
    "service_quality": (QUERY, _service_quality),
    "help_desk": (QUERY, _help_desk),
    "customer_experience": (QUERY, _customer_experience),
    "health": ("day=2024-12-06&client=C2", _health),
}


def test_hostile_names_titles_and_comments_render_as_text_on_every_tab(
    browser, voila_server, tmp_path
):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    x.load_hostile_msp(url, x.write_hostile_msp(tmp_path / "msp"))
    base = voila_server(url, x.CONFIG)
    problems = []
    for tab, (query, read) in TABS.items():
        page = browser.new_page(extra_http_headers=STAFF_HEADERS)
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        page.goto(f"{base}/voila/render/{tab}.ipynb?{query}", timeout=LOAD_TIMEOUT)
        checks = read(page)
        page.wait_for_timeout(300)  # an injected <img src=x> fails and fires within this
        ran = page.evaluate("() => window.__dmxss")
        if ran is not None:
            problems.append(f"{tab}: a payload ran (window.__dmxss = {ran})")
        if dialogs:
            problems.append(f"{tab}: dialogs opened: {dialogs}")
        for where, payload, texts in checks:
            if not any(payload in t for t in texts):
                problems.append(f"{tab}, {where}: {payload!r} not shown as text in {texts}")
        page.close()
    assert problems == []
