"""The health metrics editor (Voilà, JupyterLab): one row per metric with Save, Up, Down and
Delete, a form to add a metric, and the deleted metrics with Restore.

Every change goes through HealthStore, which checks it and writes the audit row; a refused
change shows the store's message (what to fix) and leaves the warehouse as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

import ipywidgets as w

from deskmetrics.errors import DeskmetricsError
from deskmetrics.health.model import KIND_LABELS, METRIC_KINDS, HealthMetric
from deskmetrics.health.store import HealthStore
from deskmetrics.ui.health_html import message_html, metric_label

log = logging.getLogger(__name__)
Saved = Callable[[], None]  # called after every saved change: the page redraws
KIND_OPTIONS = [(kind, kind) for kind in METRIC_KINDS]
WIDTHS = {
    "name": "150px",
    "description": "260px",
    "max": "80px",
    "icon": "60px",
    "weight": "80px",
    "percent": "64px",
    "kind": "120px",
    "assessment": "140px",
}


def attempt(area: w.HTML, action: Callable[[], str]) -> bool:
    """Run a change; show its confirmation, or the error that says what to fix. Never raises:
    a refused edit must not break the page."""
    try:
        message = action()
    except DeskmetricsError as exc:
        area.value = message_html(str(exc), error=True)
        return False
    except Exception as exc:  # a database or lock failure: say so, keep the page alive
        log.exception("health edit failed")
        area.value = message_html(f"Not saved: {type(exc).__name__}: {exc}", error=True)
        return False
    area.value = message_html(message, error=False)
    return True


def close_all(widget: w.Widget) -> None:
    """Close a widget and everything inside it, so replaced rows leave no open comms."""
    for child in getattr(widget, "children", ()):
        close_all(child)
    widget.close()


def _text(value: str, width: str, css: str, **kwargs) -> w.Text:
    box = w.Text(value=value, layout=w.Layout(width=width), **kwargs)
    box.add_class(css)
    return box


def _number(value: float, width: str, css: str) -> w.FloatText:
    box = w.FloatText(value=value, layout=w.Layout(width=width))
    box.add_class(css)
    return box


def _button(label: str, css: str, on_click, **kwargs) -> w.Button:
    button = w.Button(description=label, layout=w.Layout(width="auto"), **kwargs)
    button.add_class(css)
    button.on_click(lambda _b: on_click())
    return button


def _kind(value: str) -> w.Dropdown:
    box = w.Dropdown(options=KIND_OPTIONS, value=value, layout=w.Layout(width=WIDTHS["kind"]))
    box.add_class("dm-health-metric-kind")
    box.tooltip = "; ".join(f"{k}: {v}" for k, v in KIND_LABELS.items())
    return box


class MetricFields:
    """The editable fields of one metric, as widgets (a row, or the Add form)."""

    def __init__(self, metric: HealthMetric | None = None) -> None:
        m = metric or HealthMetric("", "", 5.0, 10.0)
        self.name = _text(m.name, WIDTHS["name"], "dm-health-metric-name", placeholder="name")
        self.description = _text(
            m.description,
            WIDTHS["description"],
            "dm-health-metric-description",
            placeholder="what it measures",
        )
        self.max_score = _number(m.max_score, WIDTHS["max"], "dm-health-metric-max")
        self.icon = _text(m.icon, WIDTHS["icon"], "dm-health-metric-icon", placeholder="icon")
        self.weight = _number(m.weight, WIDTHS["weight"], "dm-health-metric-weight")
        self.percent = w.HTML("", layout=w.Layout(width=WIDTHS["percent"]))
        self.percent.add_class("dm-health-metric-percent")
        self.kind = _kind(m.kind)
        self.assessment = _text(
            m.assessment or "",
            WIDTHS["assessment"],
            "dm-health-metric-assessment",
            placeholder="assessment name",
        )
        self.kind.observe(lambda _c: self._kind_changed(), names="value")
        self._kind_changed()

    def _kind_changed(self) -> None:
        self.assessment.disabled = self.kind.value != "assessment"

    def widgets(self) -> list[w.Widget]:
        return [
            self.name,
            self.description,
            self.max_score,
            self.icon,
            self.weight,
            self.percent,
            self.kind,
            self.assessment,
        ]

    def values(self) -> dict:
        """The fields as HealthStore takes them."""
        return {
            "name": self.name.value,
            "description": self.description.value,
            "max_score": float(self.max_score.value),
            "icon": self.icon.value,
            "weight": float(self.weight.value),
            "kind": self.kind.value,
            "assessment": self.assessment.value.strip() or None,
        }


def _header() -> w.HBox:
    titles = [
        ("Name", "name"),
        ("Description", "description"),
        ("Max score", "max"),
        ("Icon", "icon"),
        ("Weight", "weight"),
        ("Share", "percent"),
        ("Kind", "kind"),
        ("Assessment", "assessment"),
    ]
    return w.HBox([w.HTML(f"<b>{t}</b>", layout=w.Layout(width=WIDTHS[k])) for t, k in titles])


class MetricsEditor:
    """Active metrics as editable rows, an Add form and the deleted metrics to restore."""

    def __init__(self, store: HealthStore, saved: Saved) -> None:
        self.store, self._saved = store, saved
        self.message = w.HTML("")
        self.message.add_class("dm-health-metrics-message")
        self.rows_box = w.VBox([])
        self.rows_box.add_class("dm-health-metric-rows")
        self.deleted_box = w.VBox([])
        self.deleted_box.add_class("dm-health-deleted")
        self.new = MetricFields()
        self.new.percent.value = ""
        add = _button("Add metric", "dm-health-metric-add", self._add, icon="plus")
        form = w.HBox([*self.new.widgets(), add])
        form.add_class("dm-health-metric-form")
        self.fields: dict[str, MetricFields] = {}
        self.widget = w.VBox(
            [
                w.HTML("<h4>Metrics</h4>"),
                w.HBox([_header()]),
                self.rows_box,
                w.HTML("<b>Add a metric</b>"),
                form,
                self.message,
                w.HTML("<b>Deleted metrics</b> (left out of every score; restore to use again)"),
                self.deleted_box,
            ]
        )
        self.widget.add_class("dm-health-metrics-editor")
        self.reload()

    # -- building ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Redraw the rows from the warehouse (after a change, or someone else's)."""
        metrics = self.store.metrics(include_deleted=True)
        active = [m for m in metrics if not m.deleted]
        for old in (*self.rows_box.children, *self.deleted_box.children):
            close_all(old)
        self.fields = {m.metric_id: MetricFields(m) for m in active}
        self.rows_box.children = [self._row(m, i, len(active)) for i, m in enumerate(active)]
        for fields in self.fields.values():
            fields.weight.observe(lambda _c: self._show_shares(), names="value")
        self._show_shares()
        deleted = [m for m in metrics if m.deleted]
        self.deleted_box.children = [self._deleted_row(m) for m in deleted] or [
            w.HTML('<span class="dm-health-note">None.</span>')
        ]

    def _row(self, metric: HealthMetric, index: int, count: int) -> w.HBox:
        mid = metric.metric_id
        buttons = [
            _button("Save", "dm-health-metric-save", lambda: self._save(mid), icon="check"),
            _button("Up", "dm-health-metric-up", lambda: self._move(mid, -1), disabled=index == 0),
            _button(
                "Down",
                "dm-health-metric-down",
                lambda: self._move(mid, 1),
                disabled=index == count - 1,
            ),
            _button("Delete", "dm-health-metric-delete", lambda: self._delete(mid), icon="trash"),
        ]
        row = w.HBox([*self.fields[mid].widgets(), *buttons])
        row.add_class("dm-health-metric-row")
        row.add_class(f"dm-health-metric-{mid}")
        return row

    def _deleted_row(self, metric: HealthMetric) -> w.HBox:
        mid = metric.metric_id
        label = w.HTML(escape(metric_label(metric.icon, metric.name)))
        restore = _button("Restore", "dm-health-metric-restore", lambda: self._restore(mid))
        row = w.HBox([label, restore])
        row.add_class("dm-health-deleted-row")
        row.add_class(f"dm-health-deleted-{mid}")
        return row

    def _show_shares(self) -> None:
        """Each weight as a percent of the total, as typed (before saving)."""
        weights = {mid: f.weight.value or 0.0 for mid, f in self.fields.items()}
        total = sum(v for v in weights.values() if v > 0)
        for mid, fields in self.fields.items():
            share = weights[mid] / total * 100 if total and weights[mid] > 0 else 0.0
            fields.percent.value = f"{share:.1f} %"

    # -- changes -----------------------------------------------------------------------------
    def _changed(self, fn: Callable[[], str]) -> None:
        if attempt(self.message, fn):
            self.reload()
            self._saved()

    def _save(self, metric_id: str) -> None:
        def save() -> str:
            current = {m.metric_id: m for m in self.store.metrics()}[metric_id]
            values = self.fields[metric_id].values()
            changes = {k: v for k, v in values.items() if getattr(current, k) != v}
            if not changes:
                return f"{current.name}: nothing changed"
            after = self.store.edit_metric(metric_id, **changes)
            return f"Saved {after.name} ({', '.join(sorted(changes))})"

        self._changed(save)

    def _move(self, metric_id: str, steps: int) -> None:
        def move() -> str:
            order = self.store.move_metric(metric_id, steps)
            return "New order: " + ", ".join(m.name for m in order)

        self._changed(move)

    def _delete(self, metric_id: str) -> None:
        self._changed(lambda: f"Deleted {self.store.delete_metric(metric_id).name}")

    def _restore(self, metric_id: str) -> None:
        self._changed(lambda: f"Restored {self.store.restore_metric(metric_id).name}")

    def _add(self) -> None:
        def add() -> str:
            values = self.new.values()
            metric = self.store.add_metric(
                values.pop("name"), values.pop("max_score"), values.pop("weight"), **values
            )
            return f"Added {metric.name}"

        if attempt(self.message, add):
            self.new.name.value = self.new.description.value = self.new.icon.value = ""
            self.new.assessment.value = ""
            self.reload()
            self._saved()
