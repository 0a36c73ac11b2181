"""The cut-score editor: a draft table of tiers (name, colour, minimum, the derived maximum)
that "Add row after" and "Delete" change on screen only; "Save cut scores" hands the whole
draft to HealthStore, which saves it or refuses it naming each bad row."""

from __future__ import annotations

import ipywidgets as w

from deskmetrics.health.cut_scores import maxima, row_after
from deskmetrics.health.model import CutScore
from deskmetrics.health.store import HealthStore
from deskmetrics.ui.health_editor import Saved, attempt, close_all
from deskmetrics.ui.health_html import message_html


class CutRow:
    """One tier of the draft as widgets."""

    def __init__(self, cut: CutScore, changed) -> None:
        self.name = w.Text(value=cut.name, layout=w.Layout(width="160px"))
        self.name.add_class("dm-health-cut-name")
        self.colour = w.ColorPicker(value=cut.colour, concise=False, layout=w.Layout(width="150px"))
        self.colour.add_class("dm-health-cut-colour")
        self.minimum = w.FloatText(value=cut.min_score, layout=w.Layout(width="90px"))
        self.minimum.add_class("dm-health-cut-min")
        self.maximum = w.HTML("", layout=w.Layout(width="110px"))
        self.maximum.add_class("dm-health-cut-max")
        self.minimum.observe(lambda _c: changed(), names="value")

    def cut(self) -> CutScore:
        return CutScore(self.name.value, self.colour.value, float(self.minimum.value))


class CutScoreEditor:
    """Edit the tiers as a draft; nothing reaches the warehouse until Save, and then only a
    table the store accepts."""

    def __init__(self, store: HealthStore, saved: Saved) -> None:
        self.store, self._saved = store, saved
        self.rows: list[CutRow] = []
        self.rows_box = w.VBox([])
        self.rows_box.add_class("dm-health-cut-rows")
        self.message = w.HTML("")
        self.message.add_class("dm-health-cuts-message")
        save = w.Button(description="Save cut scores", icon="check", button_style="primary")
        save.add_class("dm-health-cuts-save")
        save.on_click(lambda _b: self.save())
        discard = w.Button(description="Discard changes", icon="undo")
        discard.add_class("dm-health-cuts-reset")
        discard.on_click(lambda _b: self.discard())
        head = w.HBox(
            [
                w.HTML(f"<b>{t}</b>", layout=w.Layout(width=width))
                for t, width in (
                    ("Tier", "160px"),
                    ("Colour", "150px"),
                    ("Minimum", "90px"),
                    ("Up to", "110px"),
                )
            ]
        )
        self.widget = w.VBox(
            [
                w.HTML(
                    "<h4>Cut scores</h4><div class='dm-health-note'>From the highest minimum "
                    "down; exactly one tier starts at 0. A tier runs from its minimum up to the "
                    "minimum of the tier above.</div>"
                ),
                head,
                self.rows_box,
                w.HBox([save, discard]),
                self.message,
            ]
        )
        self.widget.add_class("dm-health-cuts-editor")
        self.discard()

    # -- the draft ---------------------------------------------------------------------------
    def draft(self) -> list[CutScore]:
        return [row.cut() for row in self.rows]

    def show(self, cuts: list[CutScore]) -> None:
        """Draw ``cuts`` as the draft."""
        for old in self.rows_box.children:
            close_all(old)
        self.rows = [CutRow(c, self._show_maxima) for c in cuts]
        boxes = []
        for index, row in enumerate(self.rows):
            add = w.Button(description="Add row after", icon="plus", layout=w.Layout(width="auto"))
            add.add_class("dm-health-cut-add")
            add.on_click(lambda _b, i=index: self.add_after(i))
            remove = w.Button(description="Delete", icon="trash", layout=w.Layout(width="auto"))
            remove.add_class("dm-health-cut-delete")
            remove.on_click(lambda _b, i=index: self.delete(i))
            box = w.HBox([row.name, row.colour, row.minimum, row.maximum, add, remove])
            box.add_class("dm-health-cut-row")
            boxes.append(box)
        self.rows_box.children = boxes
        self._show_maxima()

    def _show_maxima(self) -> None:
        cuts = self.draft()
        for index, (row, top) in enumerate(zip(self.rows, maxima(cuts), strict=True)):
            row.maximum.value = f"{top:g}" if index == 0 else f"below {top:g}"

    def add_after(self, index: int) -> None:
        cuts = self.draft()
        cuts.insert(index + 1, row_after(cuts, index))
        self.show(cuts)
        self.message.value = message_html("Draft changed: Save cut scores to keep it.", error=False)

    def delete(self, index: int) -> None:
        cuts = self.draft()
        del cuts[index]
        self.show(cuts)
        self.message.value = message_html("Draft changed: Save cut scores to keep it.", error=False)

    def discard(self) -> None:
        """Back to the table in the warehouse."""
        self.show(self.store.cut_scores())
        self.message.value = ""

    def save(self) -> bool:
        def save() -> str:
            cuts = self.store.save_cut_scores(self.draft())
            return "Cut scores saved: " + ", ".join(f"{c.name} from {c.min_score:g}" for c in cuts)

        if not attempt(self.message, save):
            return False
        self.show(self.store.cut_scores())
        self._saved()
        return True
