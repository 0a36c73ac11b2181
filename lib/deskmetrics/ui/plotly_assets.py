"""Plotly's widget code once per browser, not once per chart.

Every FigureWidget carries plotly's 5 MB JavaScript bundle in its widget state, so a tab with
twenty charts sent 100 MB before its first chart appeared. Under ``deskmetrics serve`` the
bundle is a cached static file of the app; pointing each figure at its address (anywidget
imports an http(s) address instead of inline code) sends it once and lets the browser cache it.
"""

from __future__ import annotations

import os

import plotly
import plotly.graph_objects as go

BUNDLE_ROUTE = "/voila/static/deskmetrics/plotly-widget.js"
# versioned, so browsers may cache it for good; the page head loads the same address
BUNDLE_ADDRESS = f"{BUNDLE_ROUTE}?v={plotly.__version__}"


def page_origin() -> str | None:
    """The address the browser used for this page, from the request Voilà passed on."""
    host = os.environ.get("SERVER_NAME")
    if not host or not os.environ.get("DESKMETRICS_KERNEL_KEY"):
        return None  # not under `deskmetrics serve` (JupyterLab, papermill, plain Voilà)
    port = os.environ.get("SERVER_PORT", "")
    scheme = os.environ.get("HTTP_X_FORWARDED_PROTO", "http").split(",")[0].strip() or "http"
    default = {"http": "80", "https": "443"}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")


def share_plotly_bundle(figures) -> None:
    """Point these figures, and every figure made from now on, at the app's bundle."""
    origin = page_origin()
    if origin is None:
        return
    url = origin + BUNDLE_ADDRESS
    go.FigureWidget._esm = url
    for figure in figures:
        if isinstance(figure, go.FigureWidget):
            figure._esm = url
