"""The Health tab: customer segments, the client list, one client's breakdown and history,
the editors for metrics, cut scores and manual scores, and the recent changes.

Interactive (Voilà, JupyterLab): every change goes through HealthStore and then the segments,
list, detail and audit redraw in place. Static (papermill): the same visuals as plain HTML,
the editors replaced by the settings in use, the list's CSV written beside the page.
"""

from __future__ import annotations

import logging
from datetime import date
from html import escape
from pathlib import Path

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go
from IPython.display import HTML

from deskmetrics.access.viewer import STAFF, Viewer
from deskmetrics.charts.health import segments_figure
from deskmetrics.health.board import HealthBoard
from deskmetrics.health.service import Health
from deskmetrics.health.settings import load_health_settings
from deskmetrics.session import Session
from deskmetrics.ui.client_choice import ClientChoice
from deskmetrics.ui.download import CsvDownload
from deskmetrics.ui.freshness import freshness_html, page_freshness
from deskmetrics.ui.health_cuts import CutScoreEditor
from deskmetrics.ui.health_detail import ClientDetail, show_figure, static_detail
from deskmetrics.ui.health_editor import MetricsEditor
from deskmetrics.ui.health_html import (
    DEFAULT_SORT,
    SORTS,
    STYLE,
    audit_html,
    client_csv_frame,
    client_list_html,
    contributions_html,
    message_html,
    settings_html,
    sort_clients,
    summary_html,
)
from deskmetrics.ui.health_scores import ScoreEditor, client_options
from deskmetrics.ui.nav import nav_html
from deskmetrics.ui.page_request import current_user
from deskmetrics.ui.preheat import open_page
from deskmetrics.ui.tables import csv_text, download_link

log = logging.getLogger(__name__)
ALL = ""
QUERY = ("day", "client", "date_from", "date_to")
AUDIT_ROWS = 20
STATIC_DETAIL_CLIENTS = 100


def scoring_day(day: str | date | None, date_to: str | None, today: date) -> date:
    """The day to score: ``day``; else the end of the period the other tabs show; else today."""
    if isinstance(day, date):
        return day
    if day:
        return date.fromisoformat(day)
    return date.fromisoformat(date_to) if date_to else today


class HealthPage:
    """State and visuals of the Health tab; each public method is one notebook cell."""

    def __init__(
        self,
        health: Health,
        *,
        day: str | date | None = None,
        client: str = "",
        static: bool = False,
        export_dir: str = "",
        date_from: str = "",
        date_to: str = "",
        viewer: Viewer = STAFF,
        session: Session | None = None,  # for the freshness bar; None: no bar
    ) -> None:
        self.health, self.static, self.viewer, self.session = health, static, viewer, session
        self.export_dir = Path(export_dir) if export_dir else None
        self.day = scoring_day(day, date_to, health.today())
        self.order = DEFAULT_SORT
        self._carry = {"date_from": date_from, "date_to": date_to}  # for the other tabs' links
        self._plotly_included = False
        self._freshness = None
        if not viewer.is_staff:
            client = viewer.client_id  # a client link: its own client, scored alone
        self.board = self._score()
        known = set(self.board.clients["client_id"])
        self.client = client if client in known else ALL
        self._unknown = "" if not client or client in known else client
        self._history = self._read_history()
        if not static:
            self._build()

    @classmethod
    def open(
        cls,
        warehouse: str = "",
        config: str = "",
        health_config: str = "",
        day: str = "",
        client: str = "",
        static: bool = False,
        export_dir: str = "",
        *,
        date_from: str = "",
        date_to: str = "",
    ) -> HealthPage:
        """Build from notebook parameters; under Voilà the page address may override them."""
        params = {"day": day, "client": client, "date_from": date_from, "date_to": date_to}
        session = Session(warehouse or None, config or None)
        health = Health(
            session.warehouse,
            session.settings,
            load_health_settings(health_config or None),
            actor=current_user(),
        )
        if static:
            return cls(health, static=True, export_dir=export_dir, session=session, **params)

        def reuse(page: HealthPage, asked: dict[str, str]) -> HealthPage:
            wanted = {**params, **asked}
            if scoring_day(wanted["day"], wanted["date_to"], health.today()) != page.day:
                return cls(health, session=session, **wanted)  # another day: scored afresh
            known = set(page.board.clients["client_id"])
            page.select(wanted["client"] if wanted["client"] in known else ALL)
            page.health.store.actor = current_user() or page.health.store.actor
            page._intro.value = page._intro_html()
            return page

        return open_page(
            QUERY,
            warm_up=lambda: cls(health, session=session, **params),  # pooled: the staff default
            reuse=reuse,
            build=lambda request: cls(
                health, viewer=request.viewer, session=session, **params | request.params
            ),
        )

    # -- data ---------------------------------------------------------------------------------
    def listed(self) -> pd.DataFrame:
        """The client list as shown: filtered to the chosen client, in the chosen order."""
        clients = self.board.clients
        if self.client:
            clients = clients[clients["client_id"] == self.client]
        return sort_clients(clients, self.order)

    def _selected(self):
        rows = self.board.clients[self.board.clients["client_id"] == self.client]
        return None if rows.empty else rows.iloc[0]

    def _read_history(self) -> dict[str, pd.DataFrame] | None:
        return self.health.history(self.client) if self._selected() is not None else None

    def _names(self) -> dict[str, str]:
        return {m.metric_id: m.name for m in self.health.store.metrics(include_deleted=True)}

    def _score(self) -> HealthBoard:
        """Every client's board for staff; a client link's own client only."""
        return self.health.board(self.day, client=self.viewer.client_id)

    def refresh(self) -> None:
        """Score again from the warehouse and redraw everything in place."""
        self.viewer.check_still_valid()
        self.board = self._score()
        self._history = self._read_history()
        if self.static:
            return
        self.segments_chart = show_figure(
            self._segments_box, segments_figure(self.board.segments())
        )
        self._draw_list()
        self._draw_detail()
        if self.viewer.is_staff:
            self.audit_table.value = audit_html(self.health.audit(AUDIT_ROWS))
            self.scores_editor.set_metrics(self.health.store.metrics())

    def select(self, client: str) -> None:
        """Show one client (or all, with ``""``) in the list and its breakdown in the detail."""
        known = set(self.board.clients["client_id"])
        if client and client not in known:
            raise ValueError(f"no client {client!r} on this page")
        self.client = client or ALL
        self._history = self._read_history()
        if self.static:
            return
        if self.client_filter.value != self.client:
            self.client_filter.value = self.client  # its observer comes back here, once
            return
        self._nav.value = self._nav_html()
        self._draw_list()
        self._draw_detail()
        if self.client and self.viewer.is_staff:
            self.scores_editor.choose(self.client)

    def sort(self, order: str) -> None:
        self.order = order
        if not self.static:
            self.sort_choice.value = order
            self._draw_list()

    # -- visuals ------------------------------------------------------------------------------
    def header(self):
        top = self._nav_html() + self._intro_html()
        if self.static:
            return HTML(top + (freshness_html(self.session) if self.session else ""))
        if self.session is not None and self._freshness is None:  # built once the viewer is known
            self._freshness = page_freshness(self.session, self.viewer, self.refresh)
            self._header.children = (self._nav, self._freshness.widget, *self._header.children[1:])
        return self._header

    def segments(self):
        if self.static:
            return HTML(self._static_figure(segments_figure(self.board.segments())))
        return self._segments_box

    def clients(self):
        if not self.static:
            return self._clients_box
        listed = self.listed()
        return HTML(
            '<div class="dm-health-clients-box">'
            + client_list_html(listed, self.client)
            + self._static_csv(client_csv_frame(listed), "health_clients.csv")
            + "</div>"
        )

    def detail(self):
        if not self.static:
            return self.client_detail.widget
        row = self._selected()
        if row is not None:
            html = static_detail(*self._detail_args(row), self._static_figure)
        else:  # no client chosen: every client's headline and breakdown, in list order
            html = "".join(
                summary_html(r) + contributions_html(self.board.client(r["client_id"]))
                for _, r in self.listed().head(STATIC_DETAIL_CLIENTS).iterrows()
            )
        return HTML(f'<div class="dm-health-detail">{html}</div>')

    def editors(self):
        if self.static or not self.viewer.is_staff:
            return HTML(settings_html(self.board.metrics, self.board.cut_scores))
        return self._editors

    def audit(self):
        if not self.viewer.is_staff:  # the log names every client's changes
            return HTML(message_html("Recent changes are shown to MSP staff only.", error=False))
        html = audit_html(self.health.audit(AUDIT_ROWS))
        return HTML(html) if self.static else self.audit_table

    # -- pieces -------------------------------------------------------------------------------
    def _nav_html(self) -> str:
        query = {**self._carry, "client": self.client}
        return nav_html("health", query, static=self.static, viewer=self.viewer)

    def _intro_html(self) -> str:
        counted = len(self.board.clients)
        notes = [
            f"Health on <b>{self.day.isoformat()}</b> for {counted} clients (data up to the end "
            f"of that day); change since the latest snapshot on or before "
            f"{self.board.baseline.isoformat()}."
        ]
        if self._unknown:
            notes.append(f"No client {escape(self._unknown)} here: showing all clients.")
        if not self.static and self.viewer.is_staff:
            notes.append(f"Changes made here are recorded as {escape(self.health.actor)}.")
        return f'{STYLE}<div class="dm-health-note dm-health-intro">{" ".join(notes)}</div>'

    def _detail_args(self, row) -> tuple:
        contributions = self.board.client(row["client_id"])
        return row, contributions, self._history, self.board.segments(), self._names()

    def _static_figure(self, fig: go.Figure) -> str:
        include = not self._plotly_included  # plotly.js once per page, inline (works offline)
        self._plotly_included = True
        return fig.to_html(full_html=False, include_plotlyjs=include)

    def _static_csv(self, frame: pd.DataFrame, name: str) -> str:
        if self.export_dir is None:
            return download_link(frame, name)
        self.export_dir.mkdir(parents=True, exist_ok=True)
        (self.export_dir / name).write_text(csv_text(frame), encoding="utf-8")
        href = f"{self.export_dir.name}/{name}"
        return f'<a class="dm-download" href="{escape(href)}">Download CSV</a>'

    # -- interactive ----------------------------------------------------------------------------
    def _build(self) -> None:
        self._nav = w.HTML(self._nav_html())
        self._intro = w.HTML(self._intro_html())
        self._status = w.HTML("")
        self._status.add_class("dm-health-status")
        self._header = w.VBox([self._nav, self._intro, self._status])
        self._segments_box = w.VBox([])
        self._segments_box.add_class("dm-health-segments")
        self.segments_chart = show_figure(
            self._segments_box, segments_figure(self.board.segments())
        )

        names = client_options(self.board.clients)
        known = {v for _, v in names}
        fixed = not self.viewer.is_staff  # a client link shows its one client
        self.client_filter = ClientChoice(
            names,
            self.client if self.client in known else ALL,
            everyone=None if fixed else "All clients",
            fixed=fixed,
        )
        self.client_filter.add_class("dm-health-client")
        self.client_filter.observe(lambda c: self.select(c["new"]), names="value")
        self.sort_choice = w.Dropdown(options=list(SORTS), value=self.order, description="Sort")
        self.sort_choice.add_class("dm-health-sort")
        self.sort_choice.observe(lambda c: self.sort(c["new"]), names="value")
        # the CSV of every listed client leaves the kernel only when a reader clicks
        self.download = CsvDownload(pd.DataFrame(), "health_clients.csv")
        self.download.add_class("dm-health-download")
        self.client_list = w.HTML("")
        self.client_list.add_class("dm-health-list")
        self._clients_box = w.VBox(
            [w.HBox([self.client_filter, self.sort_choice, self.download]), self.client_list]
        )
        self._clients_box.add_class("dm-health-clients-box")

        self.client_detail = ClientDetail()
        if self.viewer.is_staff:
            self._build_editors(names, known)
        self._draw_list()
        self._draw_detail()

    def _build_editors(self, names, known) -> None:
        """Staff only: the editors and the audit log."""
        self.audit_table = w.HTML(audit_html(self.health.audit(AUDIT_ROWS)))
        self.audit_table.add_class("dm-health-audit-box")
        store = self.health.store
        self.metrics_editor = MetricsEditor(store, self._after_edit)
        self.cuts_editor = CutScoreEditor(store, self._after_edit)
        self.scores_editor = ScoreEditor(
            store, self._after_edit, names, day=self.day, today=self.health.today()
        )
        if self.client in known:
            self.scores_editor.choose(self.client)
        self._editors = w.VBox(
            [self.metrics_editor.widget, self.cuts_editor.widget, self.scores_editor.widget]
        )
        self._editors.add_class("dm-health-editors")

    def _after_edit(self) -> None:
        """Redraw after a saved change; if that fails, say so rather than break the page."""
        try:
            self.refresh()
        except Exception as exc:
            log.exception("health page redraw failed")
            self._status.value = message_html(
                f"Saved, but the page could not redraw ({type(exc).__name__}: {exc}); "
                "reload the page.",
                error=True,
            )
        else:
            self._status.value = ""

    def _draw_list(self) -> None:
        listed = self.listed()
        self.client_list.value = client_list_html(listed, self.client)
        self.download.show(client_csv_frame(listed))

    def _draw_detail(self) -> None:
        row = self._selected()
        if row is None:
            self.client_detail.hint()
        else:
            self.client_detail.show(*self._detail_args(row))
