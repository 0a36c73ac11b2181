"""Data as Plotly text: names draw as typed, never as markup.

Plotly.js reads a subset of HTML in every title, tick label, legend and hover text (``<b>``,
``<br>``, ``<span style>``, ``<a href>``), so a board called ``Tier <a href=...>x</a>`` would draw
as a link reading "Tier x". Escaping ``<``, ``>`` and ``&`` makes it draw literally: Plotly turns
those entities back into characters when it draws, but not ``&quot;``, so quotes stay as they are
(outside a tag they are plain text).
"""

from __future__ import annotations

from html import escape


def plain(value) -> str:
    """``value`` as Plotly text that shows exactly as written."""
    return escape("" if value is None else str(value), quote=False)
