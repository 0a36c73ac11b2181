"""Panel figures from tidy frames: traces follow the Chart spec; clicks map back to rows."""

from __future__ import annotations

import pandas as pd

from deskmetrics.charts.panels import panel_chart_data, panel_figure
from deskmetrics.panels.model import Chart


def test_hbar_keeps_the_largest_rows_and_their_row_numbers():
    frame = pd.DataFrame({"category": ["A", "B", "C", None], "tickets": [2, 9, 0, 4]})
    data = panel_chart_data(frame, Chart("hbar", "category", ("tickets",), top=3))
    assert data.traces[0]["y"] == ["B", "(none)", "A"]
    assert data.traces[0]["x"] == [9.0, 4.0, 2.0]
    assert data.traces[0]["customdata"] == [1, 3, 0]


def test_bucketed_bar_line_uses_dates_as_categories_and_a_second_axis():
    frame = pd.DataFrame(
        {
            "bucket": pd.to_datetime(["2024-12-02", "2024-12-03"]),
            "breaches": [1, 0],
            "avg_hours": [2.5, None],
        }
    )
    chart = Chart("bar_line", "bucket", ("breaches", "avg_hours"), ("Breaches", "Average"))
    fig = panel_figure(frame, chart)
    assert [t.type for t in fig.data] == ["bar", "scatter"]
    assert list(fig.data[0].x) == ["2024-12-02", "2024-12-03"]
    assert fig.data[1].yaxis == "y2" and list(fig.data[1].y) == [2.5, None]
    assert fig.layout.xaxis.type == "category"
    same_axis = panel_figure(
        frame, Chart("bar_line", "bucket", ("breaches", "avg_hours"), secondary_y=False)
    )
    assert same_axis.data[1].yaxis in (None, "y")


def test_stacked_bars():
    frame = pd.DataFrame({"bucket": ["w1"], "billable": [3.0], "other": [1.0]})
    fig = panel_figure(frame, Chart("stacked", "bucket", ("billable", "other")))
    assert fig.layout.barmode == "stack" and len(fig.data) == 2


def test_a_row_limit_draws_the_first_rows_only():
    frame = pd.DataFrame({"client": [f"C{i}" for i in range(40)], "margin": range(40, 0, -1)})
    data = panel_chart_data(frame, Chart("bar", "client", ("margin",), limit=25))
    assert data.traces[0]["x"] == [f"C{i}" for i in range(25)]
    assert data.traces[0]["customdata"] == list(range(25))  # clicks still map to the rows
    everything = panel_chart_data(frame, Chart("bar", "client", ("margin",)))
    assert len(everything.traces[0]["x"]) == 40
