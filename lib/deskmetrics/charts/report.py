"""Figures of the weekly reports, from the tidy frames the insights return (no metric here)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from deskmetrics.charts.text import plain
from deskmetrics.charts.theme import COLORS, styled
from deskmetrics.insights.summary import PeriodSummary

TOP = 10  # bars beyond this are in the table, not the chart


def summary_chart(summary: PeriodSummary) -> go.Figure:
    """Created, closed and backlog: this period beside the previous one."""
    kpis = [summary.created, summary.closed, summary.backlog]
    labels = [k.label for k in kpis]
    fig = go.Figure(
        [
            go.Bar(
                name="Previous period",
                x=labels,
                y=[k.previous for k in kpis],
                marker_color=COLORS["muted"],
            ),
            go.Bar(
                name="This period",
                x=labels,
                y=[k.value for k in kpis],
                marker_color=COLORS["primary"],
            ),
        ]
    )
    fig.update_layout(barmode="group", yaxis_title="tickets")
    return styled(fig, "Tickets this period and the one before")


def hbar(frame: pd.DataFrame, label: str, value: str, title: str, unit: str = "") -> go.Figure:
    """A horizontal bar per row, largest on top; an empty frame draws an empty axis."""
    top = frame.nlargest(TOP, value) if len(frame) else frame
    fig = go.Figure(
        go.Bar(
            x=top[value].tolist() if len(top) else [],
            y=[plain(v) for v in top[label].astype(str).str.slice(0, 48)] if len(top) else [],
            orientation="h",
            marker_color=COLORS["primary"],
        )
    )
    fig.update_layout(yaxis={"autorange": "reversed"}, xaxis_title=unit)
    return styled(fig, title)


def recurring_chart(frame: pd.DataFrame) -> go.Figure:
    labelled = frame.assign(label=frame["category"].astype(str) + ": " + frame["issue"].astype(str))
    return hbar(labelled, "label", "tickets", "Top recurring issues", "tickets")


def automation_chart(categories: pd.DataFrame) -> go.Figure:
    labelled = categories.assign(
        label=categories["category"].astype(str)
        + " / "
        + categories["subcategory"].fillna("").astype(str)
    )
    return hbar(labelled, "label", "hours", "Automation potential: hours by category", "hours")


def team_chart(team: pd.DataFrame) -> go.Figure:
    return hbar(team, "technician", "resolved", "Tickets resolved per technician", "tickets")


def affinity_chart(affinity: pd.DataFrame) -> go.Figure:
    """Tickets per technician and client, for the busiest clients."""
    clients = affinity.groupby("client")["tickets"].sum().nlargest(TOP).index
    grid = (
        affinity[affinity["client"].isin(clients)]
        .pivot_table(index="technician", columns="client", values="tickets", aggfunc="sum")
        .fillna(0)
    )
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy().tolist(),
            x=[plain(c) for c in grid.columns],
            y=[plain(t) for t in grid.index],
            colorscale="Blues",
            colorbar={"title": "tickets"},
        )
    )
    return styled(fig, "Which technicians handle which clients")


def escalation_trend_chart(over_time: pd.DataFrame) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=over_time["bucket"].astype(str).tolist(),
            y=over_time["rate_percent"].tolist(),
            mode="lines+markers",
            line_color=COLORS["warn"],
        )
    )
    fig.update_layout(yaxis_title="% of resolved tickets escalated")
    return styled(fig, "Escalation rate over the period")


def company_chart(companies: pd.DataFrame) -> go.Figure:
    return hbar(companies, "client", "created", "Tickets created per client", "tickets")
