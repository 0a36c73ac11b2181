"""One panel on screen: title, chart, table, CSV download and drill-down to the tickets (or,
on the Business tab, the records) behind a count."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from deskmetrics.charts.panels import chart_rows, panel_chart_data, panel_figure
from deskmetrics.panels.model import Panel
from deskmetrics.ui import shared_models as shared
from deskmetrics.ui.chart import Chart
from deskmetrics.ui.download import CsvDownload
from deskmetrics.ui.tables import TABLE_ROWS, csv_text, download_link, frame_html

Drill = Callable[[str, dict, str], pd.DataFrame]
DRILL_ROWS = 50  # longer frames offer the rows on screen only (see drill_rows)


def _heading(panel: Panel) -> str:
    return (
        f'<h3 style="margin:14px 0 2px">{escape(panel.title)}</h3>'
        f'<div class="dm-note" style="color:#6b7280;font-size:12px">'
        f"{escape(panel.definition)} <i>Counted by: {escape(panel.attribution)}.</i></div>"
    )


def drill_rows(panel: Panel, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows the drill-down list offers: all of a short frame; of a long one (a row per
    client at a large MSP) the rows on screen, in the table and a short chart. A list of
    thousands is slow to draw and nobody scrolls it; a click on any bar still drills."""
    if len(frame) <= DRILL_ROWS:
        return frame
    shown = set(frame.head(TABLE_ROWS).index)
    drawn = chart_rows(frame, panel.chart).index if panel.chart.kind != "table" else []
    if len(drawn) <= DRILL_ROWS:  # a chart of every row is not "on screen" row by row
        shown |= set(drawn)
    return frame[frame.index.isin(shown)]


def drill_options(panel: Panel, frame: pd.DataFrame) -> list[tuple[str, tuple[int, str]]]:
    """(label, (row number, field)) for every non-zero count a reader can drill into, on the
    rows of ``drill_rows``."""
    options = []
    for index, row in drill_rows(panel, frame).iterrows():
        label = row[panel.chart.x]
        label = label.strftime("%Y-%m-%d") if isinstance(label, pd.Timestamp) else label
        for field in panel.drill_fields:
            value = row.get(field)
            if value is not None and not pd.isna(value) and value:
                options.append((f"{label} · {field}: {value:,.0f}", (int(index), field)))
    return options


class PanelView:
    """The interactive panel (JupyterLab, Voilà); ``update`` swaps in a new frame."""

    def __init__(self, panel: Panel, frame: pd.DataFrame, drill: Drill) -> None:
        self.panel, self.frame, self._drill = panel, frame, drill
        chart = panel.chart
        self.figure = Chart(panel_figure(frame, chart)) if chart.kind != "table" else None
        if self.figure is not None:
            self.figure.on_click(self._on_click)
        # layouts and styles shared across panels: a tab of 20 panels sends 200 models, not 500
        self.table = shared.html(frame_html(frame))
        self.download = CsvDownload(frame, f"{panel.id}.csv")  # the CSV leaves on a click
        self.download.add_class("dm-download-box")
        self.choice = shared.dropdown("340px", options=[])
        self.choice.add_class("dm-drill-choice")
        self.button = shared.button(description=panel.drill_button, icon="list")
        self.button.add_class("dm-drill-button")
        self.button.on_click(lambda _b: self._show_choice())
        self.tickets = shared.html("")
        self.tickets.add_class("dm-drill-result")
        controls = [self.download]
        if panel.drills:
            controls = [self.choice, self.button, self.download]
        parts = [shared.html(_heading(panel))]
        if self.figure is not None:
            parts.append(self.figure)
        parts += [shared.hbox(controls), self.table, self.tickets]
        self.widget = shared.vbox(parts)
        self.widget.add_class("dm-panel")
        self.widget.add_class(f"dm-panel-{panel.id}")
        self._set_choices()

    def update(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        if self.figure is not None:
            self.figure.apply(panel_chart_data(frame, self.panel.chart))
        self.table.value = frame_html(frame)
        self.download.show(frame)
        self.tickets.value = ""
        self._set_choices()

    def _set_choices(self) -> None:
        if self.panel.drills:
            self.choice.options = drill_options(self.panel, self.frame)

    def _on_click(self, trace, point: int) -> None:
        if not self.panel.drills or trace.customdata is None:
            return
        row = trace.customdata[point]
        field = next(
            (f for f in self.panel.drill_fields if self.panel.chart.name_of(f) == trace.name),
            self.panel.drill_fields[0],
        )
        self.show_tickets(int(row), field)

    def _show_choice(self) -> None:
        if self.choice.value is not None:
            self.show_tickets(*self.choice.value)

    def show_tickets(self, row_number: int, field: str) -> None:
        row = self.frame.loc[row_number].to_dict()
        found = self._drill(self.panel.id, row, field)
        label = row[self.panel.chart.x]
        head = (
            f"<b>{len(found):,} {escape(self.panel.drill_noun)}</b> behind {escape(field)} of "
            f"{escape(str(label)[:10] if isinstance(label, pd.Timestamp) else str(label))}"
        )
        if self.panel.drill_records is not None:  # records: no ticket links
            table = frame_html(found, max_rows=50, css_class="dm-table dm-records")
            name = f"{self.panel.id}-{field}-records.csv"
        else:
            table = frame_html(found, max_rows=50, links="link", css_class="dm-table dm-tickets")
            name = f"{self.panel.id}-tickets.csv"
        self.tickets.value = head + table + download_link(found, name)


def static_panel(
    panel: Panel, frame: pd.DataFrame, *, include_plotlyjs: bool, export_dir: Path | None
) -> HTML:
    """The panel as plain HTML for reports, with its CSV written beside the page."""
    parts = [_heading(panel)]
    if panel.chart.kind != "table":
        fig = panel_figure(frame, panel.chart)
        parts.append(fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs))
    parts.append(frame_html(frame, max_rows=20))
    if export_dir is not None:
        export_dir.mkdir(parents=True, exist_ok=True)
        (export_dir / f"{panel.id}.csv").write_text(csv_text(frame), encoding="utf-8")
        parts.append(
            f'<a class="dm-download" href="{escape(export_dir.name)}/{panel.id}.csv">'
            "Download CSV</a>"
        )
    return HTML(f'<div class="dm-panel dm-panel-{panel.id}">' + "".join(parts) + "</div>")
