"""The Dashboard tab: filters, KPI tiles, trend, breakdown and Dashboard Health.

Interactive (JupyterLab, Voilà): widgets refresh in place when a filter changes, without
re-running the notebook. Static (papermill reports): the same visuals as plain HTML and
figures, so an executed notebook converts to a self-contained HTML page.
"""

from __future__ import annotations

from datetime import date
from html import escape

import ipywidgets as w
import plotly.graph_objects as go
from IPython.display import HTML

from deskmetrics.access.viewer import STAFF, Viewer
from deskmetrics.charts.dashboard import (
    breakdown_bars,
    breakdown_data,
    created_vs_resolved,
    created_vs_resolved_data,
)
from deskmetrics.metrics.dashboard import DASHBOARD_KPIS
from deskmetrics.metrics.registry import get
from deskmetrics.session import Session
from deskmetrics.ui.chart import Chart
from deskmetrics.ui.filter_bar import FilterBar, period_state
from deskmetrics.ui.freshness import freshness_html, page_freshness
from deskmetrics.ui.nav import nav_html
from deskmetrics.ui.preheat import open_page
from deskmetrics.ui.tiles import health_panel, kpi_row, kpi_tile

PARAMETERS = ("date_from", "date_to", "client", "board", "category")
FILTERS = ("client", "board", "category")
TILES = ("open_tickets", "tickets_outside_resolution_sla", "avg_resolution_hours", "csat_percent")


class DashboardTab:
    """State and visuals of one Dashboard page; each public method is one notebook cell."""

    def __init__(
        self,
        session: Session,
        *,
        date_from: str = "",
        date_to: str = "",
        client: str = "",
        board: str = "",
        category: str = "",
        static: bool = False,
        viewer: Viewer = STAFF,
    ) -> None:
        self.session, self.static, self.viewer = session, static, viewer
        if not viewer.is_staff:
            client = viewer.client_id
        asked = dict(
            date_from=date_from, date_to=date_to, client=client, board=board, category=category
        )
        self.state = period_state(session, FILTERS, asked)
        self._plotly_included = False
        self._bundle = self._compute()
        if not static:
            self._build_widgets()

    @classmethod
    def open(
        cls,
        warehouse: str = "",
        config: str = "",
        date_from: str = "",
        date_to: str = "",
        client: str = "",
        board: str = "",
        category: str = "",
        static: bool = False,
    ) -> DashboardTab:
        """Build from notebook parameters; under Voilà the page address may override them."""
        params = {
            "date_from": date_from,
            "date_to": date_to,
            "client": client,
            "board": board,
            "category": category,
        }
        session = Session(warehouse or None, config or None)
        if static:
            return cls(session, static=True, **params)

        def reuse(page: DashboardTab, asked: dict[str, str]) -> DashboardTab:
            page.follow({**params, **asked})
            return page

        return open_page(
            PARAMETERS,
            warm_up=lambda: cls(session, **params),  # a pooled kernel: the default staff page
            reuse=reuse,
            build=lambda request: cls(session, viewer=request.viewer, **params | request.params),
        )

    # -- data ---------------------------------------------------------------------------
    def scope(self):
        return _scope(self.session, self.state)

    def _compute(self) -> dict:
        return self.session.dashboard_bundle(self.scope())

    # -- visuals --------------------------------------------------------------------------
    def header(self):
        """Links to the tabs (carrying the filters) and how fresh the data is."""
        html = nav_html("dashboard", self._filter_query(), static=self.static, viewer=self.viewer)
        if self.static:
            return HTML(html + freshness_html(self.session))
        if getattr(self, "_header", None) is None:
            self._nav = w.HTML(html)
            self._freshness = page_freshness(self.session, self.viewer, self.refresh)
            self._header = w.VBox([self._nav, self._freshness.widget])
        return self._header

    def _filter_query(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.state.items()}

    def filters(self):
        if self.static:
            s = self.state
            # HTML, not Markdown: a name is escaped once and shows as typed, * and _ included
            chosen = [
                f"{k.title()}: {escape(s[k])}" for k in ("client", "board", "category") if s[k]
            ]
            return HTML(
                f"<b>Period</b> {s['date_from']} to {s['date_to']}"
                + ("; " + "; ".join(chosen) if chosen else "; all clients, boards and categories")
            )
        return self.filter_bar.widget

    def kpis(self):
        html = self._tiles_html()
        return HTML(html) if self.static else self._tiles

    def trend(self):
        days = (self.state["date_to"] - self.state["date_from"]).days + 1
        if self.static:
            return self._static_figure(created_vs_resolved(self._bundle["trend"], days=days))
        self._figures["trend"].apply(created_vs_resolved_data(self._bundle["trend"], days=days))
        return self._figures["trend"]

    def breakdown(self):
        args = (
            self._bundle["open_by_category"],
            "category",
            "open_tickets",
            "Open tickets by category",
        )
        if self.static:
            return self._static_figure(breakdown_bars(*args))
        self._figures["breakdown"].apply(breakdown_data(*args))
        return self._figures["breakdown"]

    def health(self):
        html = health_panel(self._bundle["dashboard"]["confidence"])
        return HTML(html) if self.static else self._health

    # -- internals ------------------------------------------------------------------------
    def _tiles_html(self) -> str:
        result = self._bundle["dashboard"]
        tiles = [
            kpi_tile(name, get(name).label, result[name], get(name).unit, _note(name, result))
            for name in TILES
        ]
        return kpi_row(tiles)

    def _static_figure(self, fig: go.Figure) -> HTML:
        include = not self._plotly_included  # plotly.js once per page, inline (works offline)
        self._plotly_included = True
        return HTML(fig.to_html(full_html=False, include_plotlyjs=include))

    def _build_widgets(self) -> None:
        s = self.state
        options = self.session.filter_options(self.viewer.client_id)
        self.filter_bar = FilterBar(s, FILTERS, options, self.viewer, self.refresh)
        self._tiles = w.HTML(self._tiles_html())
        self._tiles.add_class("dm-kpis")
        self._health = w.HTML(health_panel(self._bundle["dashboard"]["confidence"]))
        days = (s["date_to"] - s["date_from"]).days + 1
        # styled once; refreshes only swap trace data (see charts.dashboard.apply)
        self._figures = {
            "trend": Chart(created_vs_resolved(self._bundle["trend"], days=days)),
            "breakdown": Chart(
                breakdown_bars(
                    self._bundle["open_by_category"],
                    "category",
                    "open_tickets",
                    "Open tickets by category",
                )
            ),
        }

    def follow(self, params: dict[str, str]) -> None:
        """Move a built page to the filters an address asks for; widgets change in place."""
        state = period_state(self.session, FILTERS, params)
        if state == self.state:
            return
        self.filter_bar.move_to(state)
        self.refresh(**state)

    def refresh(self, **filters) -> None:
        """Apply filters (date_from, date_to, client, board, category) and redraw in place."""
        unknown = set(filters) - set(PARAMETERS)
        if unknown:
            raise ValueError(f"unknown filter {sorted(unknown)}; use {', '.join(PARAMETERS)}")
        self.viewer.check_still_valid()
        if not self.viewer.is_staff:
            filters["client"] = self.viewer.client_id
        self.state.update(filters)
        self._bundle = self._compute()
        if self.static:
            return
        if getattr(self, "_nav", None) is not None:
            self._nav.value = nav_html("dashboard", self._filter_query(), viewer=self.viewer)
        self._tiles.value = self._tiles_html()
        self._health.value = health_panel(self._bundle["dashboard"]["confidence"])
        self._refresh_figures()

    def _refresh_figures(self) -> None:
        self.trend()
        self.breakdown()


def _scope(session: Session, state: dict):
    return session.scope(
        state["date_from"],
        state["date_to"],
        client=state["client"],
        board=state["board"],
        category=state["category"],
    )


def _note(name: str, result: dict) -> str:
    """The small print under a tile: sample size and the companion figure."""
    n = result["n"]
    if name == "avg_resolution_hours":
        business = result["avg_resolution_business_hours"]
        extra = "" if business is None else f"; {business:.1f} business h net of waiting"
        return f"n = {n[name]:,}{extra}"
    if name == "tickets_outside_resolution_sla":
        pct = result["resolution_sla_attainment"]
        return (
            ""
            if pct is None
            else (f"attainment {pct:.1f} % of {n['resolution_sla_attainment']:,} decided")
        )
    if name == "csat_percent":
        return f"n = {n[name]:,} responses"
    return "open at the end of the period"


__all__ = ["DASHBOARD_KPIS", "DashboardTab"]
