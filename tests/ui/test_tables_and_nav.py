"""Panel tables, CSV downloads and the tab header: data is escaped, filters carried over."""

from __future__ import annotations

import base64
import re

import pandas as pd

from deskmetrics.panels.model import TABS
from deskmetrics.ui.nav import nav_html
from deskmetrics.ui.tables import csv_text, download_link, frame_html


def test_table_escapes_cells_and_links_tickets():
    frame = pd.DataFrame(
        {
            "ticket_id": ["T1"],
            "title": ["<img src=x onerror=alert(1)>"],
            "link": ["https://psa.example/tickets/T1"],
        }
    )
    html = frame_html(frame, links="link")
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="https://psa.example/tickets/T1"' in html


def test_download_link_carries_the_exact_csv():
    frame = pd.DataFrame({"bucket": pd.to_datetime(["2024-12-02"]), "tickets": [3]})
    link = download_link(frame, "panel.csv")
    payload = re.search(r"base64,([^\"]+)", link).group(1)
    assert base64.b64decode(payload).decode() == csv_text(frame) == "bucket,tickets\n2024-12-02,3\n"
    assert 'download="panel.csv"' in link


def test_nav_links_every_tab_with_the_filters():
    html = nav_html("help_desk", {"date_from": "2024-12-02", "board": "Tier 2", "client": ""})
    assert html.count("<a") == len(TABS)
    assert all(f'data-tab="{tab}"' in html for tab in TABS)
    assert 'href="service_quality.ipynb?date_from=2024-12-02&amp;board=Tier+2"' in html
    assert 'class="dm-current" data-tab="help_desk"' in html
    static = nav_html("dashboard", {"board": "Tier 2"}, static=True)
    assert 'href="customer_experience.html"' in static
