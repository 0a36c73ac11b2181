"""One client's health on screen: headline, what builds the score (chart and table), the score
history over the tier bands, and the manual scores set for it."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from deskmetrics.charts.health import contributions_figure, history_figure
from deskmetrics.ui.chart import Chart
from deskmetrics.ui.health_html import (
    STYLE,
    contributions_html,
    score_history_html,
    summary_html,
)

HINT = (
    f"{STYLE}<div class='dm-health-note'>Choose a client in the list above to see how its "
    "score is built and how it has moved.</div>"
)
SCORES_HEADING = "<h4>Manual scores set</h4>"


def show_figure(box: w.Box, fig: go.Figure) -> Chart:
    """Draw ``fig`` in ``box``: in the chart already there, or in a new one."""
    if box.children and isinstance(box.children[0], Chart):
        box.children[0].show(fig)
        return box.children[0]
    chart = Chart(fig)
    box.children = [chart]
    return chart


class ClientDetail:
    """The interactive detail; ``show`` swaps in another client."""

    def __init__(self) -> None:
        self.summary = w.HTML("")
        self.summary.add_class("dm-health-detail-summary")
        self.contributions_chart: Chart | None = None
        self.history_chart: Chart | None = None
        self._contributions_box = w.VBox([])
        self.contributions_table = w.HTML("")
        self.contributions_table.add_class("dm-health-detail-contributions")
        self._history_box = w.VBox([])
        self.scores_table = w.HTML("")
        self.scores_table.add_class("dm-health-detail-scores")
        self._parts = w.VBox(
            [
                self._contributions_box,
                self.contributions_table,
                self._history_box,
                w.HTML(SCORES_HEADING),
                self.scores_table,
            ]
        )
        self.widget = w.VBox([self.summary, self._parts])
        self.widget.add_class("dm-health-detail")
        self.hint()

    def hint(self) -> None:
        """No client chosen: say how to choose one, hide the empty charts."""
        self.summary.value = HINT
        self._parts.layout.display = "none"

    def show(
        self,
        row: pd.Series,
        contributions: pd.DataFrame,
        history: dict[str, pd.DataFrame],
        bands: pd.DataFrame,
        names: dict[str, str],
    ) -> None:
        self.summary.value = summary_html(row)
        self._parts.layout.display = None  # visible before drawing: plotly sizes to its box
        self.contributions_chart = show_figure(
            self._contributions_box, contributions_figure(contributions, row["client"])
        )
        self.contributions_table.value = contributions_html(contributions)
        self.history_chart = show_figure(
            self._history_box, history_figure(history["snapshots"], bands, row["client"])
        )
        self.scores_table.value = score_history_html(history["scores"], names)


def static_detail(
    row: pd.Series,
    contributions: pd.DataFrame,
    history: dict[str, pd.DataFrame],
    bands: pd.DataFrame,
    names: dict[str, str],
    figure_html: Callable[[go.Figure], str],
) -> str:
    """The same detail as plain HTML (``figure_html`` draws a figure for the page)."""
    return "".join(
        [
            summary_html(row),
            figure_html(contributions_figure(contributions, row["client"])),
            contributions_html(contributions),
            figure_html(history_figure(history["snapshots"], bands, row["client"])),
            SCORES_HEADING,
            score_history_html(history["scores"], names),
        ]
    )
