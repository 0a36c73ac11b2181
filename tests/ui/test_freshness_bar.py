"""The freshness bar: as-of times per source in the settings' zone, escaped names, and the
refresh button driving a real background sync of a fake ConnectWise."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from html import unescape

import ipywidgets as w
import pandas as pd
import pytest
from sqlalchemy import update

from deskmetrics.cli import main
from deskmetrics.config import Settings
from deskmetrics.schema.tables import sync_state
from deskmetrics.session import Session
from deskmetrics.ui.freshness import FreshnessBar, freshness_html
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.load import create_schema, upsert
from fakes.connectwise import ENV, FakeConnectWise

NEW_YORK = Settings(timezone="America/New_York")
TIMEOUT = 120.0


def text_of(html: str) -> str:
    """What a reader sees: no style block, no tags, entities decoded, spaces collapsed."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html))).strip()


def find(widget: w.Widget, css: str) -> list[w.Widget]:
    found = [widget] if css in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += find(child, css)
    return found


def synced(url: str, rows: list[tuple[str, str, datetime]]) -> Session:
    warehouse = Warehouse(url)
    create_schema(warehouse)
    frame = pd.DataFrame(
        [
            {"source": s, "stream": stream, "cursor": "x", "last_success_at": at, "detail": "{}"}
            for s, stream, at in rows
        ]
    )
    with warehouse.writing() as conn:
        upsert(conn, sync_state, frame)
    return Session(url, settings=NEW_YORK)


@pytest.fixture
def two_sources(tmp_path) -> Session:
    # 25 Nov 2024: New York is on EST, UTC-5
    return synced(
        f"duckdb:///{tmp_path / 'w.duckdb'}",
        [
            ("cw", "tickets", datetime(2024, 11, 25, 19, 2, tzinfo=UTC)),
            ("cw", "notes", datetime(2024, 11, 25, 19, 30, tzinfo=UTC)),
            ("crewhu", "surveys", datetime(2024, 11, 25, 18, 58, tzinfo=UTC)),
        ],
    )


def test_the_line_shows_each_source_in_the_settings_zone(two_sources):
    fresh = datetime(2024, 11, 25, 20, 0, tzinfo=UTC)
    assert text_of(freshness_html(two_sources, now=fresh)) == (
        "Data as of: crewhu 25 Nov 2024 13:58 · cw 25 Nov 2024 14:02 (America/New_York)"
    )
    a_day_later = datetime(2024, 11, 26, 19, 1, tzinfo=UTC)  # crewhu is 24 h 3 min old
    assert text_of(freshness_html(two_sources, now=a_day_later)) == (
        "Data as of: crewhu 25 Nov 2024 13:58 (stale) · cw 25 Nov 2024 14:02 (America/New_York)"
    )


def test_the_widget_shows_the_line_without_a_button_for_readers(two_sources):
    bar = FreshnessBar(two_sources, can_refresh=False)
    (box,) = find(bar.widget, "dm-freshness")
    line = text_of(box.children[0].value)
    # both are long past: flagged stale against the wall clock
    assert line == (
        "Data as of: crewhu 25 Nov 2024 13:58 (stale) · cw 25 Nov 2024 14:02 (stale) "
        "(America/New_York)"
    )
    assert find(bar.widget, "dm-refresh-button") == []
    assert find(bar.widget, "dm-refresh-status") == []
    with pytest.raises(PermissionError):
        bar.refresh()


def test_source_names_are_escaped(tmp_path):
    session = synced(
        f"sqlite:///{tmp_path / 'w.sqlite'}",
        [("<script>alert(1)</script>", "tickets", datetime(2024, 11, 25, 19, 2, tzinfo=UTC))],
    )
    html = freshness_html(session)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in FreshnessBar(session, can_refresh=False).as_of.value


def test_an_empty_warehouse_says_so(tmp_path):
    session = synced(f"duckdb:///{tmp_path / 'w.duckdb'}", [])
    assert text_of(freshness_html(session)) == "Data as of: no data loaded yet"


# -- the refresh button ---------------------------------------------------------------------
@pytest.fixture
def cw(monkeypatch, tmp_path):
    """A fake ConnectWise, its sources file and a warehouse synced from it a long time ago."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with FakeConnectWise(tickets=12) as fake:
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            "sources:\n  cw:\n    type: connectwise\n"
            f"    base_url: {fake.url}\n    page_size: 5\n    per_minute: 0\n"
            "    secrets: {company_id: CW_COMPANY_ID, public_key: CW_PUBLIC_KEY,"
            " private_key: CW_PRIVATE_KEY, client_id: CW_CLIENT_ID}\n"
        )
        url = f"duckdb:///{tmp_path / 'w.duckdb'}"
        assert main(["sync", "--all", "--sources", str(sources), "--warehouse", url]) == 0
        with Warehouse(url).writing() as conn:  # make the last sync look old
            conn.execute(update(sync_state).values(last_success_at=datetime(2024, 11, 25, 19, 2)))
        yield fake, sources, Session(url, settings=NEW_YORK)
    assert not fake.server.errors, fake.server.errors[0]


def refresh_bar(session, sources, tmp_path) -> tuple[FreshnessBar, threading.Event]:
    ended = threading.Event()
    bar = FreshnessBar(
        session,
        can_refresh=True,
        on_refreshed=ended.set,
        state_dir=tmp_path / "refresh",
        sources_file=sources,
        actor="ana",
        poll_seconds=0.1,
    )
    return bar, ended


def test_clicking_refresh_syncs_in_the_background_and_reports_the_end(cw, tmp_path):
    fake, sources, session = cw
    fake.server.delay = 0.05  # long enough to see it running
    bar, ended = refresh_bar(session, sources, tmp_path)
    (button,) = find(bar.widget, "dm-refresh-button")
    (status,) = find(bar.widget, "dm-refresh-status")
    assert status.value == "" and "cw 25 Nov 2024 14:02 (stale)" in text_of(bar.as_of.value)

    button.click()

    line = text_of(status.value)
    assert line.startswith("Refreshing since ") and "(started by ana)" in line
    assert "readers see the current data until it finishes" in line and button.disabled
    assert ended.wait(TIMEOUT), "on_refreshed was not called"
    assert text_of(status.value).startswith("Last refresh finished at ")
    assert not button.disabled
    (entry,) = session.freshness()
    assert entry.last_success_at > datetime(2025, 1, 1, tzinfo=UTC)  # moved to now
    as_of = text_of(bar.as_of.value)
    assert "2024" not in as_of and "(stale)" not in as_of and as_of.startswith("Data as of: cw ")


def test_a_failed_refresh_shows_what_to_fix(cw, tmp_path, monkeypatch):
    _fake, sources, session = cw
    monkeypatch.delenv("CW_PUBLIC_KEY")
    bar, ended = refresh_bar(session, sources, tmp_path)
    bar.button.click()
    assert ended.wait(TIMEOUT), "on_refreshed was not called"
    line = text_of(bar.status.value)
    assert "The refresh started by ana failed at" in line
    assert "set the environment variable CW_PUBLIC_KEY" in line
    assert "cw 25 Nov 2024 14:02 (stale)" in text_of(bar.as_of.value)  # the data is unchanged


def test_a_bar_opened_during_a_refresh_follows_it(cw, tmp_path):
    fake, sources, session = cw
    fake.server.delay = 0.05
    first, _ = refresh_bar(session, sources, tmp_path)
    first.refresh()
    second, ended = refresh_bar(session, sources, tmp_path)  # another reader's kernel
    assert second.button.disabled and "started by ana" in text_of(second.status.value)
    assert ended.wait(TIMEOUT)
    assert text_of(second.status.value).startswith("Last refresh finished at ")


def test_a_refresh_that_cannot_start_says_why(two_sources, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")  # the state directory cannot be created under a file
    bar = FreshnessBar(two_sources, can_refresh=True, state_dir=blocked / "refresh", actor="ana")
    bar.button.click()
    assert "not-a-directory" in text_of(bar.status.value) and not bar.button.disabled
