"""Opening a page in a preheated kernel: build the default page while waiting, then adapt it.

A pooled kernel builds the staff page with the notebook's defaults, widgets and all, before
anyone asks for it; when the request arrives, a staff page is reused (its filters moved in
place if the address asks for others) and a client page is built afresh after every widget of
the default page has been closed, so nothing of it can reach a client's browser. Outside a
pooled kernel the page is simply built for its request.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TypeVar

import ipywidgets as w

from deskmetrics.ui.chart import share_chart_module
from deskmetrics.ui.page_request import PageRequest, page_request, preheating

Page = TypeVar("Page")


def live_widgets() -> dict:
    with warnings.catch_warnings():  # the registry is public but marked deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        return dict(w.Widget.widgets)


def open_page(
    allowed: tuple[str, ...],
    *,
    warm_up: Callable[[], Page],
    reuse: Callable[[Page, dict[str, str]], Page],
    build: Callable[[PageRequest], Page],
) -> Page:
    """The page for this request; see the module docstring for the preheated path."""
    if not preheating():
        request = page_request(allowed)
        share_chart_module([])
        return build(request)
    before = set(live_widgets())
    page = warm_up()
    made = [widget for key, widget in live_widgets().items() if key not in before]
    request = page_request(allowed)
    if request.viewer.is_staff:
        share_chart_module(made)
        return reuse(page, request.params)
    for widget in made:
        widget.close()
    share_chart_module([])
    return build(request)
