"""The preheated path of a page: built with defaults while its kernel waits, then moved to
the address's filters (staff) or thrown away, widgets closed, for a client link."""

from __future__ import annotations

import pytest

from deskmetrics.access import AccessStore
from deskmetrics.cli import main
from deskmetrics.ui import DashboardTab, HealthPage, TabPage, preheat
from deskmetrics.ui import page_request as request_module
from deskmetrics.ui.preheat import live_widgets

SECRET = "preheat-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('preheat') / 'w.duckdb'}"
    assert main(["demo-data", "--tickets", "600", "--warehouse", url]) == 0
    return url


@pytest.fixture
def pooled(monkeypatch, tmp_path):
    """Pretend to be a pooled kernel whose page address arrives as ``address``."""
    monkeypatch.setenv("DESKMETRICS_SECRET_KEY", SECRET)
    monkeypatch.setenv("DESKMETRICS_ACCESS_DB", f"sqlite:///{tmp_path / 'access.sqlite'}")
    monkeypatch.setattr(preheat, "preheating", lambda: True)
    built = {}

    def arrive(address: str):
        def wait() -> None:
            built["before_request"] = set(live_widgets())
            monkeypatch.setenv("QUERY_STRING", address)

        monkeypatch.setattr(request_module, "wait_for_page_address", wait)
        return built

    return arrive


def test_a_staff_address_moves_the_ready_page_in_place(demo, pooled):
    seen = pooled("board=Help%20Desk&date_from=2026-10-01&date_to=2026-10-31")
    page = TabPage.open("service_quality", demo)
    assert page.viewer.is_staff
    assert page.state["board"] == "Help Desk"
    assert str(page.state["date_from"]) == "2026-10-01"
    assert page.filter_bar.dropdowns["board"].value == "Help Desk"
    # every view was built before the request and is the one the page shows
    assert set(page.views) == set(page.results) and len(page.views) > 10
    view = page.views["open_tickets"]
    assert view.widget.model_id in seen["before_request"]


def test_a_client_link_closes_every_widget_of_the_ready_page(demo, pooled):
    _, token = AccessStore().create_link("CL001", days=1, actor="test")
    seen = pooled(f"link={token}&client=CL002")
    earlier = set(live_widgets())
    page = DashboardTab.open(demo)
    assert page.viewer.client_id == "CL001" and page.state["client"] == "CL001"
    warmed = seen["before_request"] - earlier  # the default page, built for staff
    assert warmed, "the pooled kernel built nothing while it waited"
    assert not warmed & set(live_widgets()), "a widget of the default page is still open"
    client = page.filter_bar.dropdowns["client"]
    assert [value for _, value in client.box.options] == ["CL001"]
    assert client.box.disabled and client.value == "CL001"


def test_health_follows_the_address_client(demo, pooled):
    pooled("client=CL003")
    page = HealthPage.open(demo)
    assert page.client == "CL003" and page.client_filter.value == "CL003"
