"""A detailed tab (Service Quality, Help Desk, Customer Experience): header, filters, panels.

Interactive: one filter change reruns every panel of the tab through one read connection and
updates each in place. Static (papermill): each panel renders as HTML with its CSV beside it.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

import ipywidgets as w
from IPython.display import HTML

from deskmetrics.access.viewer import STAFF, Viewer
from deskmetrics.errors import AccessError
from deskmetrics.panels.model import TABS, get_panel, panels_for
from deskmetrics.panels.run import drill_panel, run_tab
from deskmetrics.session import Session
from deskmetrics.ui import shared_models as shared
from deskmetrics.ui.filter_bar import LABELS, FilterBar, period_state
from deskmetrics.ui.freshness import freshness_html, page_freshness
from deskmetrics.ui.nav import nav_html
from deskmetrics.ui.page_request import PageRequest
from deskmetrics.ui.panel_view import PanelView, static_panel
from deskmetrics.ui.preheat import open_page


class TabPage:
    """State and visuals of one detailed tab; each public method is one notebook cell."""

    def __init__(
        self,
        session: Session,
        tab: str,
        *,
        date_from: str = "",
        date_to: str = "",
        static: bool = False,
        export_dir: str = "",
        viewer: Viewer = STAFF,
        **filters: str,
    ) -> None:
        if not viewer.may_open(tab):
            raise AccessError("a client link opens the client tabs only")
        self.session, self.tab, self.static, self.viewer = session, tab, static, viewer
        self.spec = TABS[tab]
        self.export_dir = Path(export_dir) if export_dir else None
        if not viewer.is_staff:
            filters["client"] = viewer.client_id
        self.state = period_state(
            session, self.spec.filters, {"date_from": date_from, "date_to": date_to, **filters}
        )
        self._plotly_included = False
        self.results = self._run()
        self.views: dict[str, PanelView] = {}
        if not static:
            options = session.filter_options(viewer.client_id)
            self.filter_bar = FilterBar(
                self.state, self.spec.filters, options, viewer, self.refresh
            )

    @classmethod
    def open(
        cls,
        tab: str,
        warehouse: str = "",
        config: str = "",
        date_from: str = "",
        date_to: str = "",
        static: bool = False,
        export_dir: str = "",
        **filters: str,
    ) -> TabPage:
        """Build from notebook parameters; under Voilà the page address may override them
        and a client link fixes the client."""
        params = {"date_from": date_from, "date_to": date_to, **filters}
        session = Session(warehouse or None, config or None)
        if static:
            return cls(session, tab, static=True, export_dir=export_dir, **params)

        def warm_up() -> TabPage:  # a pooled kernel: the default staff page, every view built
            page = cls(session, tab, export_dir=export_dir, **params)
            for panel in panels_for(tab):
                page.panel(panel.id)
            return page

        def reuse(page: TabPage, asked: dict[str, str]) -> TabPage:
            page.follow({**params, **asked})
            return page

        def build(request: PageRequest) -> TabPage:
            asked = {**params, **request.params}
            return cls(session, tab, export_dir=export_dir, viewer=request.viewer, **asked)

        allowed = ("date_from", "date_to", *TABS[tab].filters)
        return open_page(allowed, warm_up=warm_up, reuse=reuse, build=build)

    # -- data ---------------------------------------------------------------------------
    def scope(self):
        s = self.state
        return self.session.scope(
            s["date_from"], s["date_to"], **{k: s[k] for k in self.spec.filters}
        )

    def _run(self):
        return run_state(self.session, self.tab, self.state)

    def drill(self, panel_id: str, row: dict, field: str):
        with self.session.warehouse.reading() as conn:
            return drill_panel(conn, self.session.settings, self.scope(), panel_id, row, field)

    # -- visuals --------------------------------------------------------------------------
    def header(self):
        """Links to the tabs (carrying the filters) and how fresh the data is."""
        html = nav_html(self.tab, self._filter_query(), static=self.static, viewer=self.viewer)
        if self.static:
            return HTML(html + freshness_html(self.session))
        if getattr(self, "_header", None) is None:
            self._nav = w.HTML(html)
            self._freshness = page_freshness(self.session, self.viewer, self.refresh)
            self._header = w.VBox([self._nav, self._freshness.widget])
        return self._header

    def filters(self):
        if self.static:
            s = self.state
            chosen = [f"{LABELS[k]}: {escape(str(s[k]))}" for k in self.spec.filters if s[k]]
            text = f"<b>Period</b> {s['date_from']} to {s['date_to']}"
            return HTML(text + ("; " + "; ".join(chosen) if chosen else "; no other filters"))
        return self.filter_bar.widget

    def panel(self, panel_id: str):
        panel = get_panel(panel_id)
        frame = self.results[panel_id].frame
        if self.static:
            include = not self._plotly_included
            self._plotly_included = True
            return static_panel(panel, frame, include_plotlyjs=include, export_dir=self.export_dir)
        view = self.views.get(panel_id) or PanelView(panel, frame, self.drill)
        self.views[panel_id] = view
        return view.widget

    def panels(self, *panel_ids: str):
        """A section of panels in one cell: a page of few cells reaches the browser sooner
        (under Voilà each cell is a round trip to the kernel after the page is asked for)."""
        shown = [self.panel(panel_id) for panel_id in panel_ids]
        if self.static:
            return HTML("".join(part.data for part in shown))
        return shared.vbox(shown)

    def follow(self, params: dict[str, str]) -> None:
        """Move a built page to the filters an address asks for; widgets change in place."""
        state = period_state(self.session, self.spec.filters, params)
        if state == self.state:
            return
        self.filter_bar.move_to(state)
        self.refresh(**state)

    def refresh(self, **filters) -> None:
        """Apply filters and rerun every panel of the tab; visible panels update in place."""
        unknown = set(filters) - {"date_from", "date_to", *self.spec.filters}
        if unknown:
            raise ValueError(f"unknown filter {sorted(unknown)} for the {self.spec.title} tab")
        self.viewer.check_still_valid()
        if not self.viewer.is_staff:
            filters["client"] = self.viewer.client_id
        self.state.update(filters)
        self.results = self._run()
        for panel_id, view in self.views.items():
            view.update(self.results[panel_id].frame)
        if getattr(self, "_nav", None) is not None:
            self._nav.value = nav_html(self.tab, self._filter_query(), viewer=self.viewer)

    # -- internals ------------------------------------------------------------------------
    def _filter_query(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.state.items()}


def run_state(session: Session, tab: str, state: dict) -> dict:
    """Every panel of a tab for one state, through one read connection."""
    scope = session.scope(
        state["date_from"], state["date_to"], **{k: state[k] for k in TABS[tab].filters}
    )
    with session.warehouse.reading() as conn:
        return run_tab(conn, session.settings, scope, tab)
