"""The charts' JavaScript: plotly.js's basic bundle and the chart widget, once per browser.

The stakeholder app's charts are ``ui.chart.Chart`` widgets. Their module is plotly.js's basic
bundle (bar, pie and scatter: every trace type the app draws; 1.2 MB, about a third of a
second to evaluate in Chromium here, against 4.8 MB and 1.3 s for the full bundle that plotly's
own FigureWidget brings) followed by ``static/chart_widget.js``. Under ``deskmetrics serve``
the module is a cached static file of the app: each chart points at its address (anywidget
imports an http(s) address instead of inline code), so it is sent once and cached. Elsewhere
(JupyterLab, plain Voilà) the code travels inline with each chart.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

STATIC = Path(__file__).parent / "static"
PLOTLY_BASIC = STATIC / "plotly-basic.min.js"  # plotly.js-basic-dist-min 4.1.1 from npm
WIDGET_CODE = STATIC / "chart_widget.js"
TRACE_TYPES = frozenset({"bar", "pie", "scatter"})  # what PLOTLY_BASIC can draw


def chart_module() -> str:
    """The module's text: plotly (evaluated once per page, kept apart from any other copy of
    plotly on the page, such as JupyterLab's) and then the widget."""
    return "\n".join(
        [
            "if (!globalThis.__deskmetricsPlotly) {",
            "const otherPlotly = globalThis.Plotly;",
            PLOTLY_BASIC.read_text(encoding="utf-8"),
            "globalThis.__deskmetricsPlotly = globalThis.Plotly;",
            "if (otherPlotly) globalThis.Plotly = otherPlotly;",
            "}",
            WIDGET_CODE.read_text(encoding="utf-8"),
        ]
    )


CHART_MODULE = chart_module()
BUNDLE_ROUTE = "/voila/static/deskmetrics/plotly-charts.js"
# addressed by content, so browsers may cache it for good; the page head loads the same address
BUNDLE_ADDRESS = f"{BUNDLE_ROUTE}?v={hashlib.sha256(CHART_MODULE.encode()).hexdigest()[:16]}"


def page_origin() -> str | None:
    """The address the browser used for this page, from the request Voilà passed on."""
    host = os.environ.get("SERVER_NAME")
    if not host or not os.environ.get("DESKMETRICS_KERNEL_KEY"):
        return None  # not under `deskmetrics serve` (JupyterLab, papermill, plain Voilà)
    port = os.environ.get("SERVER_PORT", "")
    scheme = os.environ.get("HTTP_X_FORWARDED_PROTO", "http").split(",")[0].strip() or "http"
    default = {"http": "80", "https": "443"}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port and port != default else "")
