"""A client link sees exactly what a warehouse holding only that client would show.

The strongest check against cross-client leakage: every panel, tile, health score, widget
option and drill-down of a client-scoped page over the full demo warehouse must equal the same
page over a warehouse from which every other client was removed, and no other client's name
may appear in any widget the page creates.
"""

from __future__ import annotations

import json

import ipywidgets as w
import pandas as pd
import pytest

from deskmetrics.access import AccessStore, viewer_from_query
from deskmetrics.access.viewer import CLIENT_TABS
from deskmetrics.config import load_settings
from deskmetrics.demo.generator import generate
from deskmetrics.errors import AccessError
from deskmetrics.health.service import Health
from deskmetrics.health.settings import load_health_settings
from deskmetrics.panels.model import get_panel
from deskmetrics.session import Session
from deskmetrics.ui import DashboardTab, HealthPage, TabPage
from deskmetrics.ui.page_request import page_request
from deskmetrics.warehouse.engine import Warehouse
from deskmetrics.warehouse.importer import import_frames

PERIOD = {"date_from": "", "date_to": ""}  # filled with the demo's last 60 days below
SECRET = "scope-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


def _only(frames: dict[str, pd.DataFrame], client: str) -> dict[str, pd.DataFrame]:
    """The demo with every other client removed: rows by client, then by their tickets."""
    tickets = set(frames["tickets"].loc[frames["tickets"]["client_id"] == client, "ticket_id"])
    kept = {}
    for name, frame in frames.items():
        if "client_id" in frame.columns:
            frame = frame[frame["client_id"] == client]
        if "ticket_id" in frame.columns:
            frame = frame[frame["ticket_id"].isna() | frame["ticket_id"].isin(tickets)]
        kept[name] = frame.reset_index(drop=True)
    return kept


@pytest.fixture(scope="module")
def scoped(tmp_path_factory):
    settings = load_settings(None)
    frames = generate(tickets=1500, seed=11, timezone=settings.timezone)
    counts = frames["tickets"]["client_id"].value_counts()
    client = counts.index[0]  # the busiest client: every panel has rows
    folder = tmp_path_factory.mktemp("scope")
    full, alone = (f"duckdb:///{folder / name}.duckdb" for name in ("full", "alone"))
    import_frames(Warehouse(full), frames, settings, source="demo")
    import_frames(Warehouse(alone), _only(frames, client), settings, source="demo")
    last = pd.Timestamp(frames["tickets"]["created_at"].max()).date()
    PERIOD.update(date_from=str(last - pd.Timedelta(days=59)), date_to=str(last))
    others = frames["clients"].loc[frames["clients"]["client_id"] != client, "name"].tolist()
    return {"full": full, "alone": alone, "client": client, "others": others}


@pytest.fixture
def link(scoped, tmp_path, monkeypatch):
    monkeypatch.setenv("DESKMETRICS_SECRET_KEY", SECRET)
    monkeypatch.setenv("DESKMETRICS_ACCESS_DB", f"sqlite:///{tmp_path / 'access.sqlite'}")
    _, token = AccessStore().create_link(scoped["client"], days=1, actor="test")
    return token


def _new_widget_states(before: set[str]) -> str:
    return json.dumps(
        [wid.get_state() for key, wid in list(w.Widget.widgets.items()) if key not in before],
        default=str,
    )


@pytest.mark.parametrize("tab", [t for t in CLIENT_TABS if t not in ("dashboard", "health")])
def test_client_tab_equals_a_warehouse_holding_only_that_client(scoped, link, tab):
    viewer = viewer_from_query(f"link={link}")
    before = set(w.Widget.widgets)
    full = TabPage(Session(scoped["full"]), tab, viewer=viewer, client="", **PERIOD)
    states = _new_widget_states(before)
    alone = TabPage(Session(scoped["alone"]), tab, viewer=viewer, **PERIOD)
    assert full.state["client"] == scoped["client"]
    for panel_id, result in full.results.items():
        pd.testing.assert_frame_equal(
            result.frame, alone.results[panel_id].frame, obj=f"{tab}/{panel_id}"
        )
    leaked = [name for name in scoped["others"] if name in states]
    assert leaked == [], f"other clients in the {tab} widgets: {leaked[:5]}"
    # drill-downs list only this client's records
    for panel_id, result in full.results.items():
        panel = get_panel(panel_id)
        if not panel.drills or result.frame.empty:
            continue
        for field in panel.drill_fields:
            row = result.frame.iloc[0].to_dict()
            found = full.drill(panel_id, row, field)
            if "client_id" in found.columns:
                assert set(found["client_id"].dropna()) <= {scoped["client"]}, panel_id
            text = found.to_csv()
            assert not [n for n in scoped["others"] if n in text], panel_id


def test_dashboard_equals_a_warehouse_holding_only_that_client(scoped, link):
    viewer = viewer_from_query(f"link={link}")
    before = set(w.Widget.widgets)
    full = DashboardTab(Session(scoped["full"]), viewer=viewer, client="", **PERIOD)
    states = _new_widget_states(before)
    alone = DashboardTab(Session(scoped["alone"]), viewer=viewer, **PERIOD)
    assert full._tiles_html() == alone._tiles_html()
    pd.testing.assert_frame_equal(full._bundle["trend"], alone._bundle["trend"])
    pd.testing.assert_frame_equal(
        full._bundle["open_by_category"], alone._bundle["open_by_category"]
    )
    assert [n for n in scoped["others"] if n in states] == []
    assert full.filter_bar.dropdowns["client"].box.options == ((_name(scoped), scoped["client"]),)
    assert full.filter_bar.dropdowns["client"].box.disabled


def test_health_equals_a_warehouse_holding_only_that_client(scoped, link):
    viewer = viewer_from_query(f"link={link}")
    settings = load_settings(None)
    pages = []
    before = set(w.Widget.widgets)
    for url in (scoped["full"], scoped["alone"]):
        health = Health(Warehouse(url), settings, load_health_settings(None))
        pages.append(HealthPage(health, viewer=viewer, day=PERIOD["date_to"]))
    states = _new_widget_states(before)
    full, alone = pages
    pd.testing.assert_frame_equal(full.board.clients, alone.board.clients)
    pd.testing.assert_frame_equal(full.board.contributions, alone.board.contributions)
    assert [n for n in scoped["others"] if n in states] == []
    assert "MSP staff only" in full.audit().data  # the audit log names every client


def test_the_link_wins_over_a_client_parameter(scoped, link, monkeypatch):
    monkeypatch.setenv("QUERY_STRING", f"client=SOMEONE-ELSE&board=x&link={link}")
    request = page_request(("client", "board"))
    assert request.params == {"client": scoped["client"], "board": "x"}
    assert request.viewer.client_id == scoped["client"]


def test_a_tampered_link_in_the_address_is_refused_by_the_kernel(scoped, link, monkeypatch):
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    monkeypatch.setenv("QUERY_STRING", f"link={forged}")
    with pytest.raises(AccessError, match="not valid"):
        page_request(("client",))


def test_a_client_link_cannot_open_the_business_tab(scoped, link):
    viewer = viewer_from_query(f"link={link}")
    with pytest.raises(AccessError, match="client tabs only"):
        TabPage(Session(scoped["full"]), "business", viewer=viewer, **PERIOD)


def test_a_revoked_link_stops_an_open_page_at_its_next_filter_change(scoped, link):
    viewer = viewer_from_query(f"link={link}")
    page = TabPage(Session(scoped["full"]), "help_desk", viewer=viewer, **PERIOD)
    AccessStore().revoke_link(viewer.link_id, actor="test")
    page.filter_bar.submit()
    assert "revoked" in page.filter_bar.status.value


def _name(scoped) -> str:
    with Warehouse(scoped["full"]).reading() as conn:
        from sqlalchemy import select

        from deskmetrics.schema.tables import clients

        query = select(clients.c.name).where(clients.c.client_id == scoped["client"])
        return conn.execute(query).scalar()


# -- under `deskmetrics serve` the kernel trusts only what the guard vouched for ---------------
@pytest.fixture
def served(monkeypatch):
    monkeypatch.setenv("DESKMETRICS_KERNEL_KEY", "k" * 32)
    monkeypatch.delenv("HTTP_X_DESKMETRICS_VIEWER", raising=False)
    return monkeypatch


def test_under_the_app_a_page_the_guard_did_not_vouch_for_is_refused(scoped, link, served):
    served.setenv("QUERY_STRING", f"link={link}")
    with pytest.raises(AccessError, match="did not say who is viewing"):
        page_request(("client",))


def test_under_the_app_the_vouched_link_decides_whatever_the_address_says(scoped, link, served):
    served.setenv("HTTP_X_DESKMETRICS_VIEWER", f"link {link}")
    served.setenv(
        "QUERY_STRING", "%6Cink=x&client=SOMEONE-ELSE"
    )  # an encoded 'link' changes nothing
    request = page_request(("client",))
    assert request.viewer.client_id == scoped["client"]
    assert request.params["client"] == scoped["client"]


def test_a_pooled_kernel_without_its_address_refuses_to_build(served):
    served.setenv("VOILA_PREHEAT", "True")
    served.setenv("HTTP_X_DESKMETRICS_VIEWER", "staff")
    served.delenv("QUERY_STRING", raising=False)
    served.setattr("deskmetrics.ui.page_request.wait_for_page_address", lambda: None)
    with pytest.raises(AccessError, match="never received its address"):
        page_request(("client",))
