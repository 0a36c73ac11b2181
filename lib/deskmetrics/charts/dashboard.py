"""Figures for the Dashboard tab: tidy frames in, plotly figures out; no metric math here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from deskmetrics.charts.theme import COLORS, styled


def weekly(trend: pd.DataFrame) -> pd.DataFrame:
    """Roll a daily [day, metric, value] frame up to weeks starting Monday."""
    if trend.empty:
        return trend
    week = trend["day"].dt.to_period("W-SUN").dt.start_time
    return trend.assign(day=week).groupby(["metric", "day"], as_index=False)["value"].sum()


def created_vs_resolved(trend: pd.DataFrame, *, days: int) -> go.Figure:
    """Bars of tickets created and a line of tickets resolved, per day (or week past 45 days)."""
    by_week = days > 45
    data = weekly(trend) if by_week else trend
    title = f"Tickets created and resolved per {'week' if by_week else 'day'}"
    fig = go.Figure()
    created = data[data["metric"] == "tickets_created"]
    resolved = data[data["metric"] == "tickets_resolved"]
    fig.add_bar(x=created["day"], y=created["value"], name="Created",
                marker_color=COLORS["primary"])
    fig.add_scatter(x=resolved["day"], y=resolved["value"], name="Resolved", mode="lines+markers",
                    line={"color": COLORS["secondary"], "width": 3})
    fig.update_yaxes(title_text="tickets")
    day_ms = 86_400_000
    fig.update_xaxes(type="date", tickformat="%d %b %Y", dtick=(7 if by_week else 1) * day_ms
                     if days <= 120 else "M1")
    return styled(fig, title)


def breakdown_bars(frame: pd.DataFrame, dimension: str, metric: str, title: str,
                   unit: str = "tickets", top: int = 12) -> go.Figure:
    """Horizontal bars of one metric by a dimension, largest first."""
    data = frame[frame["metric"] == metric].dropna(subset=["value"])
    data = data[data["value"] > 0].sort_values("value", ascending=False).head(top)
    labels = data[dimension].fillna("(none)").astype(str)
    fig = go.Figure(go.Bar(x=data["value"], y=labels, orientation="h",
                           marker_color=COLORS["primary"],
                           hovertemplate="%{y}: %{x:,.1f} " + unit + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=unit)
    return styled(fig, title)
