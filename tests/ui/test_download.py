"""The panels' CSV download: the page carries a file name; the CSV leaves the kernel on a click."""

from __future__ import annotations

import json

import pandas as pd

from deskmetrics.ui.download import CsvDownload
from deskmetrics.ui.tables import csv_text


def _sent(link: CsvDownload, monkeypatch) -> list[dict]:
    sent: list[dict] = []
    monkeypatch.setattr(link, "send", lambda content, buffers=None: sent.append(content))
    return sent


def test_the_page_state_holds_no_rows():
    frame = pd.DataFrame({"client": [f"Client {n}" for n in range(5000)], "revenue": 1.5})
    link = CsvDownload(frame, "profitability.csv")
    state = link.get_state()
    state.pop("_esm")
    assert state["filename"] == "profitability.csv"
    assert len(json.dumps(state, default=str)) < 1000  # a data: link carried ~100 kB here
    assert "Client 4999" not in json.dumps(state, default=str)


def test_a_click_gets_the_frame_on_screen_exactly(monkeypatch):
    link = CsvDownload(pd.DataFrame({"day": pd.to_datetime(["2024-12-02"]), "n": [3]}), "a.csv")
    sent = _sent(link, monkeypatch)
    link._received(link, {"event": "csv", "version": 0}, [])
    assert sent == [{"csv": "day,n\n2024-12-02,3\n", "version": 0}]
    newer = pd.DataFrame({"day": pd.to_datetime(["2024-12-03"]), "n": [4]})
    link.show(newer)
    assert link.version == 1
    link._received(link, {"event": "csv", "version": 0}, [])  # asked for before the change
    link._received(link, {"event": "run", "code": "import os"}, [])
    link._received(link, "csv", [])
    assert len(sent) == 1
    link._received(link, {"event": "csv", "version": 1}, [])
    assert sent[-1] == {"csv": csv_text(newer), "version": 1}
