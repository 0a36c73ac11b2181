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

from deskmetrics.panels.model import TABS, get_panel
from deskmetrics.panels.run import drill_panel, run_tab
from deskmetrics.session import Session
from deskmetrics.ui.nav import nav_html
from deskmetrics.ui.panel_view import PanelView, static_panel
from deskmetrics.ui.query import query_overrides

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
        **filters: str,
    ) -> None:
        self.session, self.tab, self.static = session, tab, static
        self.spec = TABS[tab]
        self.export_dir = Path(export_dir) if export_dir else None
        _, last = session.data_range()
        to = date.fromisoformat(date_to) if date_to else (last or date.today())
        start = date.fromisoformat(date_from) if date_from else to - timedelta(days=29)
        self.state: dict = {"date_from": start, "date_to": to}
        self.state.update({k: filters.get(k) or ALL for k in self.spec.filters})
        self._plotly_included = False
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
        """Build from notebook parameters; under Voilà the page address may override them."""
        params = {"date_from": date_from, "date_to": date_to, **filters}
        if not static:
            params.update(query_overrides(("date_from", "date_to", *TABS[tab].filters)))
        return cls(
            Session(warehouse or None, config or None),
            tab,
            static=static,
            export_dir=export_dir,
            **params,
        )

    # -- data ---------------------------------------------------------------------------
    def scope(self):
        s = self.state
        return self.session.scope(
            s["date_from"], s["date_to"], **{k: s[k] for k in self.spec.filters}
        )

    def _run(self):
        with self.session.warehouse.reading() as conn:
            return run_tab(conn, self.session.settings, self.scope(), self.tab)

    def drill(self, panel_id: str, row: dict, field: str):
        with self.session.warehouse.reading() as conn:
            return drill_panel(conn, self.session.settings, self.scope(), panel_id, row, field)

    # -- visuals --------------------------------------------------------------------------
    def header(self):
        html = nav_html(self.tab, self._filter_query(), static=self.static)
        if self.static:
            return HTML(html)
        self._nav = getattr(self, "_nav", None) or w.HTML(html)
        return self._nav

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

    def refresh(self, **filters) -> None:
        """Apply filters and rerun every panel of the tab; visible panels update in place."""
        unknown = set(filters) - {"date_from", "date_to", *self.spec.filters}
        if unknown:
            raise ValueError(f"unknown filter {sorted(unknown)} for the {self.spec.title} tab")
        self.state.update(filters)
        self.results = self._run()
        for panel_id, view in self.views.items():
            view.update(self.results[panel_id].frame)
        if getattr(self, "_nav", None) is not None:
            self._nav.value = nav_html(self.tab, self._filter_query())

    # -- internals ------------------------------------------------------------------------
    def _filter_query(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.state.items()}

    def _build_filters(self) -> None:
        options = self.session.filter_options()
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
        for name in self.spec.filters:
            values = {v for _, v in choices[name]}
            dropdown = w.Dropdown(
                options=[(f"All ({FILTER_LABELS[name].lower()})", ALL), *choices[name]],
                value=self.state[name] if self.state[name] in values else ALL,
                description=FILTER_LABELS[name],
            )
            dropdown.add_class(f"dm-filter-{name}")
            self._dropdowns[name] = dropdown
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
        if self._from.value is None or self._to.value is None or self._to.value < self._from.value:
            self._status.value = "<i>Choose a start date on or before the end date.</i>"
            return
        self._status.value = "<i>Updating…</i>"
        self.refresh(
            date_from=self._from.value,
            date_to=self._to.value,
            **{k: d.value for k, d in self._dropdowns.items()},
        )
        self._status.value = ""
