"""HTML fragments for KPI tiles and the Dashboard Health panel.

Every piece of data is escaped: ticket titles, client and status names are data, never markup.
Tiles carry ``data-metric`` and ``data-value`` so tests and scrapers read exact numbers.
"""

from __future__ import annotations

from html import escape

from deskmetrics.charts.theme import CONFIDENCE_COLORS
from deskmetrics.metrics.format import format_value

STYLE = """<style>
.dm-tiles{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0}
.dm-kpi{flex:1 1 200px;border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px;
  background:#fff;font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif}
.dm-kpi .dm-label{color:#6b7280;font-size:13px}
.dm-kpi .dm-value{font-size:28px;font-weight:600;color:#111827}
.dm-kpi .dm-note{color:#6b7280;font-size:12px}
.dm-health{border:1px solid #e5e7eb;border-radius:10px;padding:12px 16px;background:#fff;
  font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif}
.dm-health th,.dm-health td{text-align:left;padding:4px 8px;vertical-align:top}
.dm-badge{display:inline-block;padding:2px 10px;border-radius:999px;color:#fff;font-weight:600}
</style>"""


def kpi_tile(name: str, label: str, value: float | None, unit: str, note: str = "") -> str:
    raw = "" if value is None else repr(float(value))
    return (
        f'<div class="dm-kpi" data-metric="{escape(name)}" data-value="{raw}">'
        f'<div class="dm-label">{escape(label)}</div>'
        f'<div class="dm-value">{escape(format_value(value, unit))}</div>'
        f'<div class="dm-note">{escape(note)}</div></div>'
    )


def kpi_row(tiles: list[str]) -> str:
    return STYLE + '<div class="dm-tiles">' + "".join(tiles) + "</div>"


def health_panel(confidence: dict) -> str:
    rating = confidence["rating"]
    colour = CONFIDENCE_COLORS.get(rating, "#6b7280")
    rows = (
        "".join(
            f"<tr><td>{escape(f['reason'])}</td><td>{escape(f['action'])}</td></tr>"
            for f in confidence["findings"]
        )
        or '<tr><td colspan="2">No problems found in the ticket data for this selection.</td></tr>'
    )
    return (
        STYLE + '<div class="dm-health" data-confidence="' + escape(rating) + '">'
        f'<b>Ticket Status Confidence</b> <span class="dm-badge" style="background:{colour}">'
        f"{escape(rating)}</span>"
        f'<div class="dm-note">{confidence["tickets_in_scope"]:,} tickets in scope, '
        f"{confidence['flagged']:,} flagged</div>"
        '<table style="margin-top:8px;border-collapse:collapse;width:100%">'
        '<tr><th style="text-align:left">Reason</th><th style="text-align:left">What to do</th>'
        f"</tr>{rows}</table></div>"
    )
