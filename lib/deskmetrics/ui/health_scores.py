"""The manual score editor: pick a client and a manual metric, give a score within the
metric's range and a note, and save; the history of that client and metric shows below."""

from __future__ import annotations

from datetime import date

import ipywidgets as w
import pandas as pd

from deskmetrics.health.model import HealthMetric
from deskmetrics.health.store import HealthStore
from deskmetrics.ui.client_choice import ClientChoice
from deskmetrics.ui.health_editor import Saved, attempt
from deskmetrics.ui.health_html import metric_label, score_history_html


class ScoreEditor:
    """Set or clear one client's manual score for one metric; each one is kept as history."""

    def __init__(
        self,
        store: HealthStore,
        saved: Saved,
        clients: list[tuple[str, str]],
        *,
        day: date,
        today: date,
    ) -> None:
        self.store, self._saved = store, saved
        self.metrics: dict[str, HealthMetric] = {}
        self.client = ClientChoice(clients, everyone=None)
        self.client.add_class("dm-health-score-client")
        self.metric = w.Dropdown(options=[], description="Metric")
        self.metric.add_class("dm-health-score-metric")
        self.score = w.BoundedFloatText(
            value=0, min=0, max=5, step=0.5, description="Score", layout=w.Layout(width="220px")
        )
        self.score.add_class("dm-health-score-value")
        self.out_of = w.HTML("")
        self.note = w.Text(value="", description="Note", placeholder="why (optional)")
        self.note.add_class("dm-health-score-note")
        self.save_button = w.Button(description="Save score", icon="check", button_style="primary")
        self.save_button.add_class("dm-health-score-save")
        self.save_button.on_click(lambda _b: self.save())
        self.clear_button = w.Button(description="Clear score", icon="eraser")
        self.clear_button.add_class("dm-health-score-clear")
        self.clear_button.on_click(lambda _b: self.save(clear=True))
        self.message = w.HTML("")
        self.message.add_class("dm-health-score-message")
        self.history = w.HTML("")
        self.history.add_class("dm-health-score-history")
        past = (
            f"<div class='dm-health-note'>Scores count from the moment they are saved: this "
            f"page scores {day.isoformat()}, so a new score shows on pages for today on.</div>"
            if day < today
            else ""
        )
        self.widget = w.VBox(
            [
                w.HTML("<h4>Manual scores</h4>" + past),
                w.HBox([self.client, self.metric]),
                w.HBox([self.score, self.out_of, self.note]),
                w.HBox([self.save_button, self.clear_button]),
                self.message,
                self.history,
            ]
        )
        self.widget.add_class("dm-health-score-editor")
        self.client.observe(lambda _c: self._picked(), names="value")
        self.metric.observe(lambda _c: self._picked(), names="value")
        self.set_metrics(store.metrics())

    def set_metrics(self, metrics: list[HealthMetric]) -> None:
        """Offer the active manual metrics (after the metrics change)."""
        self.metrics = {m.metric_id: m for m in metrics if m.kind == "manual"}
        current = self.metric.value
        self.metric.options = [
            (metric_label(m.icon, m.name), mid) for mid, m in self.metrics.items()
        ]
        # ipywidgets leaves the value empty when options replace an empty list: pick one
        if current in self.metrics:
            self.metric.value = current
        elif self.metrics:
            self.metric.value = next(iter(self.metrics))
        enabled = bool(self.metrics)
        self.save_button.disabled = self.clear_button.disabled = not enabled
        if not enabled:
            self.history.value = (
                "<span class='dm-health-note'>No manual metrics: add one (kind manual) in "
                "Metrics above.</span>"
            )
        self._picked()

    def choose(self, client_id: str) -> None:
        """Start from the client the page shows."""
        if self.client.label(client_id):
            self.client.value = client_id

    def _picked(self) -> None:
        metric = self.metrics.get(self.metric.value)
        if metric is None or not self.client.value:
            return
        self.score.max = metric.max_score
        self.out_of.value = f"out of {metric.max_score:g}"
        history = self.store.history(self.client.value, metric.metric_id)
        latest = history["score"].dropna()
        self.score.value = float(latest.iloc[0]) if len(latest) else 0.0
        self.note.value = ""
        self.history.value = score_history_html(history, {metric.metric_id: metric.name})

    def save(self, *, clear: bool = False) -> bool:
        metric = self.metrics.get(self.metric.value)
        client = self.client.value

        def save() -> str:
            value = None if clear else float(self.score.value)
            self.store.set_score(client, self.metric.value, value, self.note.value.strip())
            label = self.client.label(client) or client
            what = "cleared" if value is None else f"set to {value:g} of {metric.max_score:g}"
            return f"{label}: {metric.name} {what}"

        if metric is None or not client:
            self.message.value = "<i>Choose a client first.</i>" if metric else ""
            return False
        if not attempt(self.message, save):
            return False
        self._picked()
        self._saved()
        return True


def client_options(clients: pd.DataFrame) -> list[tuple[str, str]]:
    """(name, id) for every client, by name."""
    pairs = zip(clients["client"], clients["client_id"], strict=True)
    return sorted(pairs, key=lambda p: p[0].casefold())
