"""The header on every tab: links to the other tabs, carrying the current filters."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from deskmetrics.access.viewer import STAFF, Viewer
from deskmetrics.panels.model import TABS

STYLE = """<style>
.dm-nav{display:flex;gap:4px;flex-wrap:wrap;margin:4px 0 10px;font-family:Inter,Segoe UI,
  Helvetica,Arial,sans-serif}
.dm-nav a{padding:6px 12px;border-radius:8px;text-decoration:none;color:#1f2937;
  background:#f3f4f6}
.dm-nav a.dm-current{background:#2563eb;color:#fff}
</style>"""


def nav_html(current: str, filters: dict, *, static: bool = False, viewer: Viewer = STAFF) -> str:
    """Links to every tab the viewer may open; under Voilà they keep the filters (and a client
    link) in the query string."""
    chosen = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    query = urlencode({**chosen, **viewer.address_params()})
    links = []
    for tab in TABS.values():
        if not viewer.may_open(tab.id):
            continue
        target = f"{tab.id}.html" if static else f"{tab.id}.ipynb"
        href = target + (f"?{query}" if query and not static else "")
        css = ' class="dm-current"' if tab.id == current else ""
        links.append(f'<a{css} data-tab="{tab.id}" href="{escape(href)}">{escape(tab.title)}</a>')
    return STYLE + '<nav class="dm-nav">' + "".join(links) + "</nav>"
