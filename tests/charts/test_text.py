"""Names in chart labels are Plotly text, not markup: Plotly.js draws <b>, <span style> and
<a href> found in any label, so each builder escapes the data it labels with (the browser tests
check that the escaped label draws as the name, tests/browser/test_xss_voila.py)."""

from __future__ import annotations

import pandas as pd
import xss_payloads as x

from deskmetrics.charts.dashboard import breakdown_bars, breakdown_data
from deskmetrics.charts.panels import panel_chart_data, panel_figure
from deskmetrics.charts.report import affinity_chart, company_chart, recurring_chart
from deskmetrics.charts.text import plain
from deskmetrics.panels.model import Chart

ESCAPED_LINK = 'Tier &lt;a href="javascript:window.__dmxss=1"&gt;x&lt;/a&gt;'


def no_tags(values) -> bool:
    return all("<" not in str(v) and ">" not in str(v) for v in values)


def test_plain_escapes_what_plotly_reads_and_leaves_quotes():
    assert plain(x.BOARD_TIER2) == ESCAPED_LINK
    assert plain("Birch & Co") == "Birch &amp; Co"  # Plotly draws &amp; as &
    assert plain('say "hi"') == 'say "hi"'  # Plotly would draw &quot; literally
    assert plain(None) == ""


def test_panel_chart_labels_are_escaped_for_every_kind():
    frame = pd.DataFrame({"board": [x.BOARD_TIER2, "Help Desk"], "tickets": [3.0, 2.0]})
    for kind in ("hbar", "bar", "line", "stacked"):
        data = panel_chart_data(frame, Chart(kind, "board", ("tickets",)))
        labels = data.traces[0]["y" if kind == "hbar" else "x"]
        assert labels == [ESCAPED_LINK, "Help Desk"], kind
    fig = panel_figure(frame, Chart("hbar", "board", ("tickets",)))
    assert list(fig.data[0].y) == [ESCAPED_LINK, "Help Desk"]


def test_dashboard_breakdown_labels_are_escaped():
    frame = pd.DataFrame(
        {"category": [x.CATEGORY_NETWORK], "metric": ["open_tickets"], "value": [2.0]}
    )
    data = breakdown_data(frame, "category", "open_tickets", "Open tickets by category")
    assert data.traces[0]["y"] == [plain(x.CATEGORY_NETWORK)]
    fig = breakdown_bars(frame, "category", "open_tickets", "Open tickets by category")
    assert no_tags(fig.data[0].y)


def test_report_chart_labels_are_escaped():
    companies = pd.DataFrame({"client": [x.CLIENT_C2, x.CLIENT_C1], "created": [5, 3]})
    labels = list(company_chart(companies).data[0].y)  # cut to 48 characters, then escaped
    assert labels == [plain(x.CLIENT_C2[:48]), plain(x.CLIENT_C1[:48])]
    recurring = pd.DataFrame({"category": [x.CATEGORY_NETWORK], "issue": ["vpn"], "tickets": [4]})
    assert no_tags(recurring_chart(recurring).data[0].y)
    affinity = pd.DataFrame(
        {
            "technician": [x.TECH_K1, x.TECH_K2],
            "client": [x.CLIENT_C2, x.CLIENT_C1],
            "tickets": [2, 1],
        }
    )
    heatmap = affinity_chart(affinity).data[0]
    assert no_tags(heatmap.x) and no_tags(heatmap.y)
    assert plain(x.TECH_K1) in heatmap.y and plain(x.CLIENT_C2) in heatmap.x
