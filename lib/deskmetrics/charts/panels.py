"""Figures for registry panels, drawn from a panel's tidy frame and its Chart spec.

As for the Dashboard, each chart has a data part (``panel_chart_data``) that a widget already
on screen can take without being rebuilt, and a figure part for first draw and static reports.
Every trace also carries the frame's row numbers, so a click maps back to the row for drill-down.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from deskmetrics.charts.dashboard import ChartData
from deskmetrics.charts.text import plain
from deskmetrics.charts.theme import COLORS, styled

PALETTE = [
    COLORS["primary"],
    COLORS["secondary"],
    COLORS["good"],
    COLORS["bad"],
    COLORS["muted"],
    "#7c3aed",
    "#0891b2",
]


def chart_rows(frame: pd.DataFrame, chart) -> pd.DataFrame:
    """The rows a panel's chart draws."""
    if chart.kind != "hbar":
        # thousands of clients make an unreadable chart and a slow redraw: the table keeps all
        return frame.head(chart.limit) if chart.limit else frame
    value = chart.y[0]
    data = frame[pd.to_numeric(frame[value], errors="coerce").notna()]
    return data.sort_values(value, ascending=False, kind="stable").head(chart.top)


def panel_chart_data(frame: pd.DataFrame, chart) -> ChartData:
    """Trace data only; the panel's heading carries the title."""
    rows = chart_rows(frame, chart)
    labels = [_label(v) for v in rows[chart.x]] if chart.x in rows else []
    traces = []
    for field in chart.y:
        values = [None if pd.isna(v) else float(v) for v in rows[field]] if field in rows else []
        if chart.kind == "hbar":
            traces.append({"x": values, "y": labels, "customdata": list(rows.index)})
        else:
            traces.append({"x": labels, "y": values, "customdata": list(rows.index)})
    return ChartData("", traces)


def panel_figure(frame: pd.DataFrame, chart) -> go.Figure:
    data = panel_chart_data(frame, chart)
    fig = go.Figure()
    for i, (field, values) in enumerate(zip(chart.y, data.traces, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        name = chart.name_of(field)
        if chart.kind == "hbar":
            fig.add_bar(orientation="h", name=name, marker_color=colour, **values)
        elif chart.kind == "line" or (chart.kind == "bar_line" and i == 1):
            fig.add_scatter(
                mode="lines+markers",
                name=name,
                line={"color": colour, "width": 3},
                yaxis="y2" if chart.kind == "bar_line" and chart.secondary_y else "y",
                **values,
            )
        else:
            fig.add_bar(name=name, marker_color=colour, **values)
    if chart.kind == "hbar":
        fig.update_yaxes(autorange="reversed")
        fig.update_xaxes(title_text=chart.unit)
    else:
        fig.update_yaxes(title_text=chart.unit)
    if chart.kind == "stacked":
        fig.update_layout(barmode="stack")
    if chart.kind == "bar_line" and chart.secondary_y:
        fig.update_layout(
            yaxis2={
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "title": {"text": chart.name_of(chart.y[1])},
            }
        )
    if chart.kind != "hbar":
        fig.update_xaxes(type="category")  # buckets and labels, never a continuous time axis
    fig = styled(fig, "")
    rows = len(data.traces[0]["x"]) if data.traces else 0
    height = 110 + 30 * rows if chart.kind == "hbar" else 300
    fig.update_layout(margin={"t": 20}, height=max(200, min(520, height)))
    return fig


def _label(value) -> str:
    """A category as Plotly text: client, board and technician names are data, not markup."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "(none)"
    return plain(value)
