"""A small MSP whose names, titles and comments are markup, to prove data never runs as markup.

It is tests/fixtures/dashboard_small (same tickets, times and numbers) with the text fields that
come from a PSA or CSAT tool replaced by script-injection payloads. Every payload, if it ever ran,
would set ``window.__dmxss``; the tests read that flag in a real browser and also look for the
payload's literal text on the page (escaped data shows as the text the client typed).
"""

from __future__ import annotations

import shutil
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).parent / "fixtures"
SOURCE = FIXTURES / "dashboard_small"
CONFIG = SOURCE / "config.yml"
PERIOD = ("2024-12-02", "2024-12-06")

IMG = '<img src=x onerror="window.__dmxss=(window.__dmxss||0)+1">'
SCRIPT = "<script>window.__dmxss=1</script>"
SVG = '"><svg onload="window.__dmxss=1">'
LINK = '<a href="javascript:window.__dmxss=1">x</a>'
PAYLOADS = (IMG, SCRIPT, SVG, LINK)

# where each payload goes (dashboard_small's ids)
CLIENT_C1 = f"Acme {SVG}"
CLIENT_C2 = f"Birch {IMG}"
TECH_K1 = f"Kim {SCRIPT}"
TECH_K2 = f"Sam {IMG}"
TEAM_K2 = f"Escalations {SVG}"
CONTACT_P2 = f"Lee {IMG}"
BOARD_TIER2 = f"Tier {LINK}"  # was "Tier 2": T3, T4, T5
CATEGORY_NETWORK = f"Network {IMG}"  # was "Network": T3 and T4, both open at the period end
TITLE_T3 = f"VPN down {SCRIPT}{IMG}"
TITLE_T8 = f"Mail {LINK}"
COMMENT_S3 = f"Took too long {IMG} {LINK}"  # 2 of 5 stars: dissatisfied, listed first
HEALTH_NOTE = f"after the QBR {IMG}{SCRIPT}"
HEALTH_ACTOR = f"ana {SVG}"


def write_hostile_msp(target: Path) -> Path:
    """dashboard_small with markup in every name, title and comment; returns the folder."""
    shutil.copytree(SOURCE, target)

    def edit(name: str, key: str, changes: dict[str, dict[str, str]]) -> None:
        path = target / name
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for row_id, values in changes.items():
            for column, value in values.items():
                frame.loc[frame[key] == row_id, column] = value
        frame.to_csv(path, index=False)

    edit("clients.csv", "client_id", {"C1": {"name": CLIENT_C1}, "C2": {"name": CLIENT_C2}})
    edit(
        "technicians.csv",
        "tech_id",
        {"K1": {"name": TECH_K1}, "K2": {"name": TECH_K2, "team": TEAM_K2}},
    )
    edit("contacts.csv", "contact_id", {"P2": {"name": CONTACT_P2}})
    edit("surveys.csv", "response_id", {"S3": {"comment": COMMENT_S3}})
    tickets = target / "tickets.csv"
    frame = pd.read_csv(tickets, dtype=str, keep_default_na=False)
    frame["board"] = frame["board"].replace({"Tier 2": BOARD_TIER2})
    frame["category"] = frame["category"].replace({"Network": CATEGORY_NETWORK})
    frame.loc[frame["ticket_id"] == "T3", "title"] = TITLE_T3
    frame.loc[frame["ticket_id"] == "T8", "title"] = TITLE_T8
    frame.to_csv(tickets, index=False)
    return target


def load_hostile_msp(url: str, folder: Path):
    """Import the hostile MSP into ``url`` and give C2 a manual health score with a hostile
    note; returns the Session."""
    from deskmetrics.cli import main
    from deskmetrics.health.service import Health
    from deskmetrics.health.settings import load_health_settings
    from deskmetrics.session import Session

    command = ["import-csv", str(folder), "--warehouse", url, "--config", str(CONFIG)]
    assert main(command) == 0
    session = Session(url, CONFIG)
    health = Health(
        session.warehouse, session.settings, load_health_settings(None), actor=HEALTH_ACTOR
    )
    manual = next(m for m in health.store.metrics() if m.kind == "manual")
    health.store.set_score("C2", manual.metric_id, 2, HEALTH_NOTE, at=datetime(2024, 12, 3, 12))
    return session


class Elements(HTMLParser):
    """Every start tag and attribute name of a page, and its text (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.text.append(data)


def injected_elements(html: str) -> list[str]:
    """Elements or attributes a payload would add if it were not escaped; [] when inert."""
    parser = Elements()
    parser.feed(html)
    found = []
    for tag, attrs in parser.tags:
        if tag in ("img", "svg") and (attrs.get("src") == "x" or "onload" in attrs):
            found.append(f"<{tag} {attrs}>")
        for name, value in attrs.items():
            if name.startswith("on") and "__dmxss" in (value or ""):
                found.append(f"<{tag} {name}={value!r}>")
            if name == "href" and (value or "").strip().lower().startswith("javascript:"):
                found.append(f"<{tag} href={value!r}>")
    scripts = html.split("<script")[1:]
    found += [
        f"<script{s[:40]}" for s in scripts if s.split(">", 1)[-1].startswith("window.__dmxss")
    ]
    return found


def page_text(html: str) -> str:
    """The text a reader sees (outside scripts and styles), entities decoded."""
    parser = Elements()
    parser.feed(html)
    return "".join(parser.text)
