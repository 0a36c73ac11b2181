"""The HTML reports on an MSP whose names, titles and comments are markup (tests/xss_payloads.py):
the Manager report (which holds the Business Owner's sections) and the static tab pages, filtered
by hostile names. Parsed, they hold no element or attribute from the data; opened in Chromium,
nothing runs and every payload reads as text, in the tables and in the charts' labels."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import xss_payloads as x

from deskmetrics.reports.pipeline import ReportRequest, build_report
from deskmetrics.reports.runner import render_tab
from deskmetrics.reports.settings import load_report_settings

pytestmark = pytest.mark.notebook
ORGANIZATION = f"Acme {x.SVG}"


class NoPrinter:
    """The PDF and chart images are test_pipeline's business; this file reads the HTML."""

    def pdf_and_chart_images(self, html_path, pdf_path, out_dir, limit=None):
        return Path(pdf_path), []


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("hostile")
    url = f"duckdb:///{tmp / 'w.duckdb'}"
    x.load_hostile_msp(url, x.write_hostile_msp(tmp / "msp"))
    return url


@pytest.fixture(scope="module")
def pages(hostile, tmp_path_factory) -> dict[str, Path]:
    """Each HTML report once: the Manager report and two static tabs filtered by hostile names."""
    out = tmp_path_factory.mktemp("reports")
    settings = load_report_settings(overrides={"organization": ORGANIZATION})
    report = build_report(
        ReportRequest("manager", end=date(2024, 12, 6)),
        settings,
        printer=NoPrinter(),
        warehouse=hostile,
        config=str(x.CONFIG),
        output_root=out,
    )
    common = {"warehouse": hostile, "config": str(x.CONFIG)}
    period = {"date_from": x.PERIOD[0], "date_to": x.PERIOD[1]}
    dashboard = render_tab(
        "dashboard",
        out / "tabs",
        parameters={**common, **period, "category": x.CATEGORY_NETWORK},
    )
    service = render_tab(
        "service_quality",
        out / "tabs",
        parameters={**common, **period, "board": x.BOARD_TIER2},
    )
    return {"manager": report.html, "dashboard": dashboard, "service_quality": service}


# what each page must show as text (a payload escaped twice, or dropped, would not match)
SHOWN = {
    "manager": [ORGANIZATION, x.CLIENT_C1, x.CLIENT_C2, x.TECH_K1, x.TECH_K2, x.CONTACT_P2],
    "dashboard": [x.CATEGORY_NETWORK],  # the filter line and the chart
    "service_quality": [x.BOARD_TIER2, x.CATEGORY_NETWORK, x.TECH_K2, x.CONTACT_P2],
}
# names that only Plotly draws on a page (its labels are escaped for it, not for HTML)
CHARTED = {
    "manager": [x.CLIENT_C2, x.TECH_K1],  # the technician-by-client heatmap
    "dashboard": [x.CATEGORY_NETWORK],  # open tickets by category
    "service_quality": [x.BOARD_TIER2, x.CATEGORY_NETWORK],
}


@pytest.mark.parametrize("name", sorted(SHOWN))
def test_the_report_html_holds_no_element_from_the_data(pages, name):
    html = pages[name].read_text(encoding="utf-8")
    assert x.injected_elements(html) == []
    text = x.page_text(html)
    for payload in SHOWN[name]:
        assert payload in text, payload


def test_the_reports_run_nothing_in_chromium_and_read_as_text(pages, browser):
    problems = []
    for name, path in pages.items():
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        page.goto(path.as_uri(), wait_until="load")
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=30_000)
        page.wait_for_timeout(300)  # an injected <img src=x> fails and fires within this
        if page.evaluate("() => window.__dmxss") is not None:
            problems.append(f"{name}: a payload ran")
        if dialogs:
            problems.append(f"{name}: dialogs opened: {dialogs}")
        body = page.inner_text("body").replace("\xa0", " ")
        drawn = page.locator(".js-plotly-plot text").evaluate_all(
            "els => els.map(e => e.textContent.replace(/\\u00a0/g, ' '))"
        )
        problems += [f"{name}: {p!r} not in the text" for p in SHOWN[name] if p not in body]
        problems += [
            f"{name}: {p!r} not drawn as text in a chart"
            for p in CHARTED[name]
            if not any(p in t for t in drawn)
        ]
        # the check can see a payload that runs: the same markup, unescaped, sets the flag
        page.evaluate("() => { delete window.__dmxss; }")
        page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", x.IMG)
        page.wait_for_function("() => window.__dmxss === 1", timeout=5_000)
        page.close()
    assert problems == []
