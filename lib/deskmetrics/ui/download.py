"""A "Download CSV" link whose CSV leaves the kernel only when a reader clicks it.

A ``data:`` link carries the whole CSV in the page: on the Business tab at a large MSP that was
1.5 MB for one panel and 4.4 MB for the tab, sent to the browser (and parsed) before anything
showed. This link holds only its file name; the first click asks the kernel for the CSV.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import pandas as pd
import traitlets

from deskmetrics.ui import shared_models as shared
from deskmetrics.ui.tables import csv_text

MODULE = (Path(__file__).parent / "static" / "csv_download.js").read_text(encoding="utf-8")


class CsvDownload(anywidget.AnyWidget):
    _esm = MODULE
    filename = traitlets.Unicode("").tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)  # which frame the link offers

    def __init__(self, frame: pd.DataFrame, filename: str) -> None:
        super().__init__(filename=filename, layout=shared.layout())
        self.frame = frame
        self.on_msg(self._received)

    def show(self, frame: pd.DataFrame) -> None:
        """Offer ``frame`` from now on (a CSV the browser holds for the old one is dropped)."""
        self.frame = frame
        self.version += 1

    def _received(self, _widget, content, _buffers) -> None:
        # from the browser: a request for the frame on screen, nothing else
        asked = isinstance(content, dict) and content.get("event") == "csv"
        if asked and content.get("version") == self.version:
            self.send({"csv": csv_text(self.frame), "version": self.version})
