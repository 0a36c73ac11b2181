"""A plotly figure on screen, drawn by plotly.js's basic bundle (see ``ui.plotly_assets``).

The app used plotly's FigureWidget, whose 4.8 MB module took about 1.3 s of the browser's main
thread on every page before any widget could show. ``Chart`` keeps the figure in Python (a
``go.Figure``: ``chart.data`` and ``chart.layout`` read as before) and sends it whole, as JSON
text, whenever it changes; a click on a point calls the ``on_click`` callbacks with the trace
and the point's index.
"""

from __future__ import annotations

from collections.abc import Callable

import anywidget
import plotly.graph_objects as go
import plotly.io as pio
import traitlets
from plotly.basedatatypes import BaseTraceType

from deskmetrics.charts.dashboard import ChartData, apply
from deskmetrics.ui.plotly_assets import BUNDLE_ADDRESS, CHART_MODULE, TRACE_TYPES, page_origin

Click = Callable[[BaseTraceType, int], None]  # the trace clicked, the point's index


class Chart(anywidget.AnyWidget):
    _esm = CHART_MODULE
    figure = traitlets.Unicode("{}").tag(sync=True)

    def __init__(self, fig: go.Figure) -> None:
        super().__init__()
        self._clicks: list[Click] = []
        self.on_msg(self._received)
        self.show(fig)

    @property
    def data(self) -> tuple:
        return self._fig.data

    @property
    def layout(self) -> go.Layout:
        return self._fig.layout

    def show(self, fig: go.Figure) -> None:
        """Draw ``fig`` instead of the figure on screen."""
        unknown = {trace.type for trace in fig.data} - TRACE_TYPES
        if unknown:
            raise ValueError(
                f"the app's charts draw {', '.join(sorted(TRACE_TYPES))} traces only; "
                f"this figure has {', '.join(sorted(unknown))} (see ui/plotly_assets.py)"
            )
        self._fig = fig
        self._draw()

    def apply(self, data: ChartData) -> None:
        """New titles and trace data into the figure on screen (its styling stays)."""
        apply(self._fig, data)
        self._draw()

    def on_click(self, callback: Click) -> None:
        """Call ``callback(trace, point_index)`` when a reader clicks a point."""
        self._clicks.append(callback)

    def _draw(self) -> None:
        self.figure = pio.to_json(self._fig, validate=False)

    def _received(self, _widget, content, _buffers) -> None:
        # from the browser: trust nothing but a click on a point that exists
        if not isinstance(content, dict) or content.get("event") != "click":
            return
        trace, point = content.get("trace"), content.get("point")
        if not (isinstance(trace, int) and isinstance(point, int)) or trace < 0 or point < 0:
            return
        if trace >= len(self._fig.data) or point >= _points(self._fig.data[trace]):
            return
        for callback in self._clicks:
            callback(self._fig.data[trace], point)


def _points(trace) -> int:
    for name in ("x", "y", "labels", "values"):
        values = getattr(trace, name, None)
        if values is not None:
            return len(values)
    return 0


def share_chart_module(widgets) -> None:
    """Point these charts, and every chart made from now on, at the app's cached module
    (under ``deskmetrics serve`` only; elsewhere the code stays inline)."""
    origin = page_origin()
    if origin is None:
        return
    url = origin + BUNDLE_ADDRESS
    Chart._esm = url
    for widget in widgets:
        if isinstance(widget, Chart):
            widget._esm = url
