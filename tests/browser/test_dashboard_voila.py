"""The Dashboard tab under Voilà in headless Chromium: KPIs read, Board filter changed, and
the values equal the CLI's JSON for the same filter."""

from __future__ import annotations

import json

import pytest
from serving_app import STAFF_HEADERS

from deskmetrics.cli import main
from deskmetrics.session import Session
from deskmetrics.ui.client_choice import LIMIT_ENV

pytestmark = pytest.mark.browser

PERIOD = ("2024-12-02", "2024-12-06")
TILES = ("open_tickets", "tickets_outside_resolution_sla", "avg_resolution_hours", "csat_percent")


def _cli(capsys, url, config, *extra) -> dict:
    capsys.readouterr()
    assert (
        main(
            [
                "metrics",
                "dashboard",
                "--warehouse",
                url,
                "--config",
                str(config),
                "--from",
                PERIOD[0],
                "--to",
                PERIOD[1],
                *extra,
                "--json",
            ]
        )
        == 0
    )
    return json.loads(capsys.readouterr().out)


def _tiles(page) -> dict[str, float | None]:
    values = {}
    for element in page.query_selector_all(".dm-kpi"):
        raw = element.get_attribute("data-value")
        values[element.get_attribute("data-metric")] = float(raw) if raw else None
    return values


def _assert_matches(tiles: dict, expected: dict) -> None:
    for name in TILES:
        want = expected[name]
        assert tiles[name] == (None if want is None else pytest.approx(want)), name


def test_board_filter_updates_kpis_like_the_cli(
    browser, voila_server, tmp_path, small_msp, small_config, capsys
):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    all_boards = _cli(capsys, url, small_config)
    tier2 = _cli(capsys, url, small_config, "--board", "Tier 2")
    assert all_boards["open_tickets"] != tier2["open_tickets"]  # the filter must matter

    base = voila_server(url, small_config)
    page = browser.new_page(extra_http_headers=STAFF_HEADERS)
    page.goto(
        f"{base}/voila/render/dashboard.ipynb?date_from={PERIOD[0]}&date_to={PERIOD[1]}",
        timeout=120_000,
    )
    page.wait_for_selector(".dm-kpi[data-metric=open_tickets]", timeout=120_000)
    before = _tiles(page)
    _assert_matches(before, all_boards)

    page.locator(".dm-filter-board select").select_option(label="Tier 2")
    page.wait_for_function(
        "want => document.querySelector('.dm-kpi[data-metric=open_tickets]')"
        ".dataset.value === want",
        arg=repr(float(tier2["open_tickets"])),
        timeout=30_000,
    )
    after = _tiles(page)
    assert after != before
    _assert_matches(after, tier2)
    assert (
        page.locator(".dm-health").get_attribute("data-confidence")
        == (tier2["confidence"]["rating"])
    )
    page.close()


def test_past_the_list_limit_the_client_filter_is_a_search_that_filters_like_the_cli(
    browser, voila_server, tmp_path, small_msp, small_config, capsys
):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert (
        main(["import-csv", str(small_msp), "--warehouse", url, "--config", str(small_config)]) == 0
    )
    clients = Session(url, str(small_config)).filter_options().clients
    everyone = _cli(capsys, url, small_config)
    # a client whose numbers differ from the whole MSP's, so the filter must matter
    numbers = ((name, _cli(capsys, url, small_config, "--client", cid)) for name, cid in clients)
    differs = (pair for pair in numbers if pair[1]["open_tickets"] != everyone["open_tickets"])
    name, one = next(differs, (None, None))
    assert name, "every client has the whole MSP's open tickets"

    base = voila_server(url, small_config, **{LIMIT_ENV: "1"})  # every client list is "long"
    page = browser.new_page(extra_http_headers=STAFF_HEADERS)
    page.goto(
        f"{base}/voila/render/dashboard.ipynb?date_from={PERIOD[0]}&date_to={PERIOD[1]}",
        timeout=120_000,
    )
    page.wait_for_selector(".dm-kpi[data-metric=open_tickets]", timeout=120_000)
    assert page.locator(".dm-filter-client select").count() == 0
    search = page.locator(".dm-filter-client input")
    assert search.get_attribute("placeholder") == "All clients: type a name"
    search.fill(name[:3].lower())  # part of a name: suggestions, no filter yet
    page.wait_for_function(
        "want => [...document.querySelectorAll('.dm-filter-client datalist option')]"
        ".some(o => o.value === want)",
        arg=name,
        timeout=30_000,
    )
    _assert_matches(_tiles(page), everyone)
    search.fill(name)
    page.wait_for_function(
        "want => document.querySelector('.dm-kpi[data-metric=open_tickets]')"
        ".dataset.value === want",
        arg=repr(float(one["open_tickets"])),
        timeout=30_000,
    )
    _assert_matches(_tiles(page), one)
    page.close()
