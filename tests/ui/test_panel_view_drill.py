"""PanelView's drill-down: a panel that lists records (the Business tab) shows them through the
same dropdown, button, result table and CSV as a ticket drill, with its own button text."""

from __future__ import annotations

import base64
import re

import pandas as pd

from deskmetrics.charts.panels import chart_rows
from deskmetrics.panels.model import Chart, Panel
from deskmetrics.ui.panel_view import DRILL_ROWS, PanelView, drill_options
from deskmetrics.ui.tables import TABLE_ROWS, csv_text


def _panel(**drill) -> Panel:
    return Panel(
        id="demo_by_client",
        title="Demo",
        tab="business",
        definition="A demo.",
        attribution="line_date",
        query=lambda ctx: pd.DataFrame(),
        chart=Chart("bar", "client", ("revenue",)),
        drill_fields=("revenue",),
        **drill,
    )


FRAME = pd.DataFrame(
    {"client": ["Acme <Dental>", "Birch & Co"], "client_id": ["C1", "C2"], "revenue": [3600.0, 0]}
)
LINES = pd.DataFrame(
    {
        "line": ["L1", "L2"],
        "date": ["2024-12-01", "2024-12-31"],
        "service": ["<script>x</script>", "T&M"],
        "amount": [3000.0, 600.0],
    }
)


def _csv(html: str) -> str:
    payload = re.search(r'href="data:text/csv;base64,([^"]+)"', html).group(1)
    return base64.b64decode(payload).decode("utf-8")


def test_a_record_drill_lists_the_records_behind_the_chosen_row():
    calls = []

    def drill(panel_id, row, field):
        calls.append((panel_id, row["client_id"], field))
        return LINES

    view = PanelView(
        _panel(drill_records=lambda ctx, row, field: LINES, drill_label="List revenue lines"),
        FRAME,
        drill,
    )
    assert view.button.description == "List revenue lines"
    # zero counts are not offered
    assert [label for label, _ in view.choice.options] == ["Acme <Dental> · revenue: 3,600"]
    assert view.choice in view.widget.children[2].children  # dropdown, button, download
    view.choice.value = view.choice.options[0][1]
    view.button.click()
    assert calls == [("demo_by_client", "C1", "revenue")]
    html = view.tickets.value
    assert "<b>2 revenue lines</b> behind revenue of Acme &lt;Dental&gt;" in html
    assert 'class="dm-table dm-records"' in html and "dm-tickets" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    assert "T&amp;M" in html and "3,000" in html
    assert 'download="demo_by_client-revenue-records.csv"' in html
    assert _csv(html) == csv_text(LINES)
    # a new frame clears the result and offers its own rows
    view.update(FRAME.assign(revenue=[0.0, 1200.0]))
    assert view.tickets.value == ""
    assert [label for label, _ in view.choice.options] == ["Birch & Co · revenue: 1,200"]


def test_panels_without_a_drill_show_no_drill_controls():
    view = PanelView(_plain(), FRAME, lambda *a: LINES)
    assert view.choice not in view.widget.children[2].children
    assert view.choice.options == ()


def _plain() -> Panel:
    return Panel(
        id="demo_plain",
        title="Plain",
        tab="business",
        definition="A demo.",
        attribution="line_date",
        query=lambda ctx: pd.DataFrame(),
        chart=Chart("bar", "client", ("revenue",)),
    )


def test_a_ticket_drill_keeps_its_button_and_ticket_table():
    tickets = pd.DataFrame({"ticket_id": ["T1"], "title": ["x"], "link": ["https://psa/T1"]})
    view = PanelView(_panel(drill=lambda ctx, row, field: None), FRAME, lambda *a: tickets)
    assert view.button.description == "List tickets"
    view.choice.value = view.choice.options[0][1]
    view.button.click()
    html = view.tickets.value
    assert "<b>1 tickets</b>" in html and 'class="dm-table dm-tickets"' in html
    assert 'href="https://psa/T1"' in html and 'download="demo_by_client-tickets.csv"' in html


def test_a_long_frame_offers_the_rows_on_screen_and_a_bar_click_still_drills_any_row():
    clients = pd.DataFrame(
        {
            "client": [f"Client {i:04d}" for i in range(6000)],
            "client_id": [f"C{i}" for i in range(6000)],
            "revenue": [float(i % 97) for i in range(6000)],
        }
    )
    bars = _panel()  # a bar chart draws every row (no limit): the list keeps the table's rows
    offered = {row for _, (row, _field) in drill_options(bars, clients)}
    assert offered == {i for i in range(1, TABLE_ROWS)}  # row 0 has no revenue to drill
    top = Panel(**{**_panel().__dict__, "chart": Chart("hbar", "client", ("revenue",), top=5)})
    offered = {row for _, (row, _field) in drill_options(top, clients)}
    drawn = set(chart_rows(clients, top.chart).index)
    assert len(drawn) == 5 and drawn <= offered and len(offered) <= TABLE_ROWS + 5
    short = clients.head(DRILL_ROWS)
    assert len(drill_options(bars, short)) == DRILL_ROWS - 1  # a short frame: every row

    seen = []
    view = PanelView(top, clients, lambda *args: seen.append(args) or LINES)
    view.show_tickets(5999, "revenue")  # what a click on a bar calls, for any row
    assert seen and seen[0][1]["client_id"] == "C5999"
