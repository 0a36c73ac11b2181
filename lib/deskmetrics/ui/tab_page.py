"""A detailed tab (Service Quality, Help Desk, Customer Experience): header, filters, panels.

Interactive: one filter change reruns every panel of the tab through one read connection and
updates each in place. Static (papermill): each panel renders as HTML with its CSV beside it.
"""

from __future__ import annotations

from datetime import date, timedelta
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
from deskmetrics.ui.client_choice import ClientChoice
from deskmetrics.ui.freshness import freshness_html, page_freshness
from deskmetrics.ui.nav import nav_html
from deskmetrics.ui.page_request import PageRequest
from deskmetrics.ui.panel_view import PanelView, static_panel
from deskmetrics.ui.preheat import open_page

ALL = ""
FILTER_LABELS = {
    "client": "Client",
    "board": "Board",
    "category": "Category",
    "owner": "Technician",
    "team": "Team",
    "channel": "Channel",
}


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
        self.state = initial_state(session, self.spec.filters, date_from, date_to, filters)
        self._plotly_included = False
        self._quiet = False  # True while filters are moved by code, not by the reader
        self.results = self._run()
        self.views: dict[str, PanelView] = {}
        if not static:
            self._build_filters()

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
            chosen = [f"{FILTER_LABELS[k]}: {escape(str(s[k]))}" for k in self.spec.filters if s[k]]
            text = f"<b>Period</b> {s['date_from']} to {s['date_to']}"
            return HTML(text + ("; " + "; ".join(chosen) if chosen else "; no other filters"))
        return self._filters_box

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
        names = self.spec.filters
        state = initial_state(
            self.session, names, params.get("date_from", ""), params.get("date_to", ""), params
        )
        if state == self.state:
            return
        self._quiet = True
        try:
            self._from.value, self._to.value = state["date_from"], state["date_to"]
            for name, dropdown in self._dropdowns.items():
                known = self._known[name]
                dropdown.value = state[name] if state[name] in known else ALL
        finally:
            self._quiet = False
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

    def _build_filters(self) -> None:
        options = self.session.filter_options(self.viewer.client_id)
        choices = {
            "client": options.clients,
            "board": [(b, b) for b in options.boards],
            "category": [(c, c) for c in options.categories],
            "owner": options.technicians,
            "team": [(t, t) for t in options.teams],
            "channel": [(c, c) for c in options.channels],
        }
        self._from = w.DatePicker(value=self.state["date_from"], description="From")
        self._to = w.DatePicker(value=self.state["date_to"], description="To")
        self._dropdowns = {}
        self._known: dict[str, set[str]] = {}
        for name in self.spec.filters:
            values = {v for _, v in choices[name]}
            value = self.state[name] if self.state[name] in values else ALL
            if name == "client":
                fixed = not self.viewer.is_staff  # a client link: one client
                everyone = None if fixed else "All (client)"
                dropdown = ClientChoice(choices[name], value, everyone=everyone, fixed=fixed)
            else:
                dropdown = w.Dropdown(
                    options=[(f"All ({FILTER_LABELS[name].lower()})", ALL), *choices[name]],
                    value=value,
                    description=FILTER_LABELS[name],
                )
            dropdown.add_class(f"dm-filter-{name}")
            self._dropdowns[name] = dropdown
            self._known[name] = values
        for widget in (self._from, self._to, *self._dropdowns.values()):
            widget.observe(self._on_change, names="value")
        self._from.add_class("dm-filter-from")
        self._to.add_class("dm-filter-to")
        self._status = w.HTML("")
        self._status.add_class("dm-status")
        self._filters_box = w.VBox(
            [w.HBox([self._from, self._to]), w.HBox(list(self._dropdowns.values())), self._status]
        )

    def _on_change(self, _change=None) -> None:
        if self._quiet:
            return
        if self._from.value is None or self._to.value is None or self._to.value < self._from.value:
            self._status.value = "<i>Choose a start date on or before the end date.</i>"
            return
        self._status.value = "<i>Updating…</i>"
        try:
            self.refresh(
                date_from=self._from.value,
                date_to=self._to.value,
                **{k: d.value for k, d in self._dropdowns.items()},
            )
        except AccessError as exc:
            self._status.value = f"<b>{escape(str(exc))}</b>"
            return
        self._status.value = ""


def initial_state(session: Session, names, date_from: str, date_to: str, filters: dict) -> dict:
    """The period (default: the 30 days up to the last day with tickets) and the filters."""
    _, last = session.data_range()
    to = date.fromisoformat(date_to) if date_to else (last or date.today())
    start = date.fromisoformat(date_from) if date_from else to - timedelta(days=29)
    return {"date_from": start, "date_to": to, **{k: filters.get(k) or ALL for k in names}}


def run_state(session: Session, tab: str, state: dict) -> dict:
    """Every panel of a tab for one state, through one read connection."""
    scope = session.scope(
        state["date_from"], state["date_to"], **{k: state[k] for k in TABS[tab].filters}
    )
    with session.warehouse.reading() as conn:
        return run_tab(conn, session.settings, scope, tab)
