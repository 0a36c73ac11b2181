"""Dashboard figures: traces and titles follow the tidy frames; refreshes swap data only."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from deskmetrics.charts.dashboard import (
    apply,
    breakdown_bars,
    breakdown_data,
    created_vs_resolved,
    created_vs_resolved_data,
    weekly,
)


def _trend() -> pd.DataFrame:
    days = pd.date_range("2024-12-02", periods=10, freq="D")
    created = pd.DataFrame({"day": days, "metric": "tickets_created", "value": range(10)})
    resolved = pd.DataFrame({"day": days, "metric": "tickets_resolved", "value": [1] * 10})
    return pd.concat([created, resolved], ignore_index=True)


def test_weekly_rolls_up_to_monday_weeks():
    rolled = weekly(_trend())
    created = rolled[rolled["metric"] == "tickets_created"]
    assert created["day"].dt.day_of_week.eq(0).all()
    assert created["value"].tolist() == [sum(range(7)), 7 + 8 + 9]


def test_daily_for_short_periods_weekly_for_long():
    assert created_vs_resolved_data(_trend(), days=10).title.endswith("per day")
    long = created_vs_resolved_data(_trend(), days=90)
    assert long.title.endswith("per week") and len(long.traces[0]["x"]) == 2


def test_created_vs_resolved_figure():
    fig = created_vs_resolved(_trend(), days=10)
    assert [t.type for t in fig.data] == ["bar", "scatter"]
    assert list(fig.data[0].y) == list(range(10))
    assert fig.layout.title.text == "Tickets created and resolved per day"


def test_breakdown_sorted_top_and_skips_zero():
    frame = pd.DataFrame(
        {
            "category": ["A", "B", None, "D"],
            "metric": "open_tickets",
            "value": [2.0, 5.0, 1.0, 0.0],
        }
    )
    data = breakdown_data(frame, "category", "open_tickets", "Open")
    assert data.traces[0] == {"x": [5.0, 2.0, 1.0], "y": ["B", "A", "(none)"]}
    assert breakdown_bars(frame, "category", "open_tickets", "Open").data[0].orientation == "h"


def test_apply_swaps_data_into_an_existing_widget():
    widget = go.FigureWidget(created_vs_resolved(_trend(), days=10))
    smaller = _trend().assign(value=1)
    apply(widget, created_vs_resolved_data(smaller, days=10))
    assert list(widget.data[0].y) == [1] * 10
