"""HTML tables and CSV download links for panel frames; every cell is escaped."""

from __future__ import annotations

import base64
import re
from html import escape

import pandas as pd

# what a browser ignores in a URL before reading its scheme ("java\tscript:" is javascript:)
_URL_IGNORED = re.compile(r"[\x00-\x20]")
LINK_SCHEMES = ("http:", "https:")


def safe_href(url: str) -> bool:
    """Whether ``url`` may be a link: http(s), or relative. Escaping keeps a URL inside its
    attribute but cannot stop a ``javascript:`` link from running when clicked."""
    plain = _URL_IGNORED.sub("", url).lower()
    scheme = re.match(r"^[a-z][a-z0-9+.-]*:", plain)
    return scheme is None or scheme.group(0) in LINK_SCHEMES


STYLE = """<style>
.dm-table{border-collapse:collapse;font-size:12px;margin:4px 0;font-family:Inter,Segoe UI,
  Helvetica,Arial,sans-serif}
.dm-table th,.dm-table td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:left}
.dm-table td.num{text-align:right}
.dm-download{font-size:12px}
</style>"""


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


TABLE_ROWS = 12  # rows a panel's table shows; its CSV download holds them all


def frame_html(
    frame: pd.DataFrame,
    *,
    max_rows: int = TABLE_ROWS,
    links: str | None = None,
    css_class: str = "dm-table",
) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = []
    for _, row in frame.head(max_rows).iterrows():
        cells = []
        for column in frame.columns:
            text = escape(_cell(row[column]))
            numeric = isinstance(row[column], int | float) and not isinstance(row[column], bool)
            if links and column == "ticket_id" and row.get(links) and safe_href(row[links]):
                text = f'<a href="{escape(row[links])}" target="_blank" rel="noopener">{text}</a>'
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f'<div class="dm-note">{len(frame) - max_rows:,} more rows in the download</div>'
        if len(frame) > max_rows
        else ""
    )
    return f'{STYLE}<table class="{css_class}"><tr>{head}</tr>{"".join(body)}</table>{more}'


def csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, date_format="%Y-%m-%d")


def download_link(frame: pd.DataFrame, filename: str) -> str:
    """A link that downloads the frame as CSV straight from the page (no server file)."""
    payload = base64.b64encode(csv_text(frame).encode("utf-8")).decode("ascii")
    return (
        f'<a class="dm-download" download="{escape(filename)}" '
        f'href="data:text/csv;base64,{payload}">Download CSV</a>'
    )
