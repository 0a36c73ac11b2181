"""One look for every figure: colours, fonts and margins."""

from __future__ import annotations

import plotly.graph_objects as go

COLORS = {
    "primary": "#2563eb",
    "secondary": "#f59e0b",
    "good": "#16a34a",
    "warn": "#d97706",
    "bad": "#dc2626",
    "muted": "#6b7280",
}
CONFIDENCE_COLORS = {"High": COLORS["good"], "Medium": COLORS["warn"], "Low": COLORS["bad"]}

LAYOUT = go.Layout(
    template="plotly_white",
    font={"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13},
    margin={"l": 50, "r": 20, "t": 50, "b": 40},
    height=340,
    legend={"orientation": "h", "y": -0.2},
)


def styled(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(LAYOUT)
    fig.update_layout(title={"text": title, "x": 0.01})
    return fig
