"""Figures for the Health tab: tidy health frames in, plotly figures out; no scoring here.

Names come from the warehouse and are data: plotly reads ``<b>`` and friends in text as markup,
so every label is escaped (plotly turns ``&amp;`` back into ``&`` when it draws).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from deskmetrics.charts.text import plain
from deskmetrics.charts.theme import COLORS, LAYOUT

NO_DATA_COLOUR = "#d1d5db"
BAND_OPACITY = 0.14
MIN_SPAN_DAYS = 30


def _figure(trace, title: str) -> go.Figure:
    """The shared look (charts.theme), given at construction: merging it into a figure
    afterwards costs a few hundred milliseconds, passing it here almost nothing."""
    fig = go.Figure(trace, layout=LAYOUT)
    fig.update_layout(title={"text": title, "x": 0.01})
    return fig


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def tier_range(min_score, max_score, *, top: bool) -> str:
    """How a tier reads in a hover: "75 to 100", "50 to below 75"; no range: not scored."""
    if _missing(min_score):
        return "coverage too low to score"
    if top:
        return f"{min_score:g} to {max_score:g}"
    return f"{min_score:g} to below {max_score:g}"


def segments_figure(segments: pd.DataFrame) -> go.Figure:
    """Clients per tier, one bar per tier in its cut-score colour (HealthBoard.segments())."""
    ranges = [
        tier_range(lo, hi, top=i == 0)
        for i, (lo, hi) in enumerate(zip(segments["min_score"], segments["max_score"], strict=True))
    ]
    counts = [int(c) for c in segments["clients"]]
    fig = _figure(
        go.Bar(
            x=[plain(t) for t in segments["tier"]],
            y=counts,
            marker_color=list(segments["colour"]),
            text=[str(c) for c in counts],
            textposition="outside",
            customdata=ranges,
            hovertemplate="%{x}: %{y} clients<br>score %{customdata}<extra></extra>",
        ),
        "Customer segments: clients per tier",
    )
    fig.update_yaxes(
        title_text="clients", rangemode="tozero", dtick=1 if max(counts, default=0) <= 10 else None
    )
    fig.update_layout(showlegend=False)
    return fig


def contribution_label(icon, metric) -> str:
    return plain(f"{icon or ''} {metric}".strip())


def contributions_figure(contributions: pd.DataFrame, client: str = "") -> go.Figure:
    """Points each metric adds to one client's score (HealthBoard.client()); a metric without
    data shows as "no data" and adds nothing."""
    points = [None if _missing(p) else float(p) for p in contributions["points"]]
    title = "What makes up the score" + (f": {plain(client)}" if client else "")
    fig = _figure(
        go.Bar(
            orientation="h",
            y=[
                contribution_label(i, m)
                for i, m in zip(contributions["icon"], contributions["metric"], strict=True)
            ],
            x=[p or 0.0 for p in points],
            marker_color=[NO_DATA_COLOUR if p is None else COLORS["primary"] for p in points],
            text=["no data" if p is None else f"{p:.1f} pts" for p in points],
            textposition="outside",
            customdata=[plain(d) for d in contributions["detail"]],
            hovertemplate="%{y}: %{text}<br>%{customdata}<extra></extra>",
        ),
        title,
    )
    top = max((p for p in points if p is not None), default=0.0)
    fig.update_xaxes(title_text="points of the score", range=[0, max(top * 1.25, 10.0)])
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(showlegend=False, height=max(220, 60 + 44 * len(points)))
    return fig


def history_figure(snapshots: pd.DataFrame, bands: pd.DataFrame, client: str = "") -> go.Figure:
    """A client's score per snapshot over shaded tier bands (``bands``: tier, colour,
    min_score, max_score as HealthBoard.segments(); rows without a range are skipped)."""
    scores = [None if _missing(s) else float(s) for s in snapshots["score"]]
    coverage = [f"{c * 100:.0f} %" for c in snapshots["coverage"]]
    title = "Score history" + (f": {plain(client)}" if client else "")
    fig = _figure(
        go.Scatter(
            x=[pd.Timestamp(d) for d in snapshots["snapshot_date"]],
            y=scores,
            mode="lines+markers",
            connectgaps=False,
            line={"color": "#111827", "width": 2},
            marker={"size": 8},
            customdata=[[plain(t), c] for t, c in zip(snapshots["tier"], coverage, strict=True)],
            hovertemplate="%{x|%Y-%m-%d}: %{y:.1f} (%{customdata[0]}, coverage "
            "%{customdata[1]})<extra></extra>",
            name="score",
        ),
        title,
    )
    shapes, labels = [], []
    for row in bands.itertuples(index=False):
        if _missing(row.min_score):
            continue
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": float(row.min_score),
                "y1": float(row.max_score),
                "fillcolor": row.colour,
                "opacity": BAND_OPACITY,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        labels.append(
            {
                "xref": "paper",
                "yref": "y",
                "x": 1,
                "xanchor": "right",
                "y": (float(row.min_score) + float(row.max_score)) / 2,
                "text": plain(row.tier),
                "showarrow": False,
                "font": {"color": row.colour, "size": 11},
            }
        )
    if snapshots.empty:
        labels.append(
            {
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "text": "No snapshots yet: the trend starts with the first daily snapshot",
                "showarrow": False,
                "font": {"color": COLORS["muted"]},
            }
        )
    fig.update_layout(shapes=shapes, annotations=labels, showlegend=False)
    fig.update_yaxes(title_text="health score", range=[0, 100.5])
    fig.update_xaxes(type="date", tickformat="%d %b %Y", range=_date_range(snapshots))
    return fig


def _date_range(snapshots: pd.DataFrame) -> list[pd.Timestamp] | None:
    """At least a month wide, so one or two snapshots do not stretch an axis of hours."""
    if snapshots.empty:
        return None
    days = pd.to_datetime(pd.Series(list(snapshots["snapshot_date"])))
    first, last = days.min(), days.max()
    if last - first >= pd.Timedelta(days=MIN_SPAN_DAYS):
        return None
    pad = (pd.Timedelta(days=MIN_SPAN_DAYS) - (last - first)) / 2
    return [first - pad, last + pad]
