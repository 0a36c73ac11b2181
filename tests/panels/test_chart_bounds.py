"""A chart with a bar per client stays readable at thousands of clients: it draws its top rows
(hbar) or its first rows (a limit); the table and the CSV keep every row."""

from __future__ import annotations

import pandas as pd

import deskmetrics.panels  # noqa: F401  (registers every panel)
from deskmetrics.charts.panels import chart_rows
from deskmetrics.panels.model import TABS, panels_for


def test_every_chart_by_client_draws_a_bounded_number_of_rows():
    by_client = [p for tab in TABS for p in panels_for(tab) if p.chart.x == "client"]
    assert len(by_client) >= 5
    many = pd.DataFrame({"client": [f"Client {i}" for i in range(6000)]})
    for panel in by_client:
        chart = panel.chart
        if chart.kind == "table":
            continue
        frame = many.assign(**{field: range(6000) for field in chart.y})
        assert len(chart_rows(frame, chart)) <= 25, panel.id
