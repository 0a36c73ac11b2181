"""Figures for the Dashboard tab: tidy frames in, plotly figures out; no metric math here.

Each chart is split into its data (``*_data``: titles and per-trace x/y) and its figure. A
widget that is already on screen only receives new data, because rebuilding and re-validating
a styled figure costs a few hundred milliseconds while swapping trace arrays costs almost none.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from deskmetrics.charts.text import plain
from deskmetrics.charts.theme import COLORS, styled

DAY_MS = 86_400_000


@dataclass(frozen=True)
class ChartData:
    """What changes between refreshes: the title, axis ticks and each trace's x and y."""

    title: str
    traces: list[dict]
    xaxis: dict = field(default_factory=dict)


def weekly(trend: pd.DataFrame) -> pd.DataFrame:
    """Roll a daily [day, metric, value] frame up to weeks starting Monday."""
    if trend.empty:
        return trend
    week = trend["day"].dt.to_period("W-SUN").dt.start_time
    return trend.assign(day=week).groupby(["metric", "day"], as_index=False)["value"].sum()


def created_vs_resolved_data(trend: pd.DataFrame, *, days: int) -> ChartData:
    by_week = days > 45
    data = weekly(trend) if by_week else trend
    traces = []
    for metric in ("tickets_created", "tickets_resolved"):
        part = data[data["metric"] == metric]
        traces.append({"x": list(part["day"]), "y": list(part["value"])})
    dtick = (7 if by_week else 1) * DAY_MS if days <= 120 else "M1"
    return ChartData(
        f"Tickets created and resolved per {'week' if by_week else 'day'}",
        traces,
        {"dtick": dtick},
    )


def created_vs_resolved(trend: pd.DataFrame, *, days: int) -> go.Figure:
    """Bars of tickets created and a line of tickets resolved, per day (or week past 45 days)."""
    data = created_vs_resolved_data(trend, days=days)
    fig = go.Figure()
    fig.add_bar(name="Created", marker_color=COLORS["primary"], **data.traces[0])
    fig.add_scatter(
        name="Resolved",
        mode="lines+markers",
        line={"color": COLORS["secondary"], "width": 3},
        **data.traces[1],
    )
    fig.update_yaxes(title_text="tickets")
    fig.update_xaxes(type="date", tickformat="%d %b %Y", **data.xaxis)
    return styled(fig, data.title)


def breakdown_data(
    frame: pd.DataFrame, dimension: str, metric: str, title: str, top: int = 12
) -> ChartData:
    data = frame[frame["metric"] == metric].dropna(subset=["value"])
    data = data[data["value"] > 0].sort_values("value", ascending=False).head(top)
    labels = [plain(v) for v in data[dimension].fillna("(none)").astype(str)]
    return ChartData(title, [{"x": list(data["value"]), "y": labels}])


def breakdown_bars(
    frame: pd.DataFrame,
    dimension: str,
    metric: str,
    title: str,
    unit: str = "tickets",
    top: int = 12,
) -> go.Figure:
    """Horizontal bars of one metric by a dimension, largest first."""
    data = breakdown_data(frame, dimension, metric, title, top)
    fig = go.Figure(
        go.Bar(
            orientation="h",
            marker_color=COLORS["primary"],
            hovertemplate="%{y}: %{x:,.1f} " + unit + "<extra></extra>",
            **data.traces[0],
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=unit)
    return styled(fig, data.title)


def apply(widget: go.Figure, data: ChartData) -> None:
    """Swap new data into a styled figure (or a figure widget, in one message to the browser)."""
    with widget.batch_update():
        for trace, values in zip(widget.data, data.traces, strict=True):
            trace.x = values["x"]
            trace.y = values["y"]
            if "customdata" in values:
                trace.customdata = values["customdata"]
        if data.title:
            widget.layout.title.text = data.title
        if data.xaxis:
            widget.layout.xaxis.update(data.xaxis)
