"""Every piece of HTML the tabs build, static (reports) and interactive (widgets), on an MSP whose
names, titles and comments are markup (tests/xss_payloads.py): no element or attribute comes from
the data, and each payload reads back as the text it is."""

from __future__ import annotations

import pandas as pd
import pytest
import xss_payloads as x

from deskmetrics.config import load_settings
from deskmetrics.health.service import Health
from deskmetrics.health.settings import load_health_settings
from deskmetrics.metrics.scope import Scope
from deskmetrics.panels.run import _drill_frame
from deskmetrics.ui.dashboard import DashboardTab
from deskmetrics.ui.health_page import HealthPage
from deskmetrics.ui.tab_page import TabPage
from deskmetrics.ui.tables import frame_html, safe_href

PERIOD = {"date_from": x.PERIOD[0], "date_to": x.PERIOD[1]}


def inert(html: str, *shown: str) -> None:
    """No element from the data in ``html``, and every ``shown`` text in what it reads."""
    assert x.injected_elements(html) == []
    text = x.page_text(html)
    for payload in shown:
        assert payload in text, payload


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile_ui")
    return x.load_hostile_msp(f"duckdb:///{tmp / 'w.duckdb'}", x.write_hostile_msp(tmp / "msp"))


# -- helpers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://psa.example/tickets/T1", True),
        ("http://psa.example/tickets/T1", True),
        ("/tickets/T1", True),
        ("tickets/T1?a=b:c", True),
        ("javascript:window.__dmxss=1", False),
        (" JavaScript:window.__dmxss=1", False),
        ("java\tscript:window.__dmxss=1", False),
        ("data:text/html,<script>window.__dmxss=1</script>", False),
        ("vbscript:msgbox(1)", False),
    ],
)
def test_only_web_and_relative_urls_become_links(url, linked):
    assert safe_href(url) is linked
    frame = pd.DataFrame({"ticket_id": ["T1"], "title": [x.TITLE_T3], "link": [url]})
    html = frame_html(frame, links="link")
    assert ("<a href=" in html) is linked
    inert(html, x.TITLE_T3, url)


def test_table_headers_and_cells_are_text():
    frame = pd.DataFrame({x.SVG: [x.IMG], "client": [x.CLIENT_C2], "n": [1.5]})
    inert(frame_html(frame), x.SVG, x.IMG, x.CLIENT_C2)


def test_ticket_links_keep_a_hostile_id_inside_the_configured_url(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text(
        x.CONFIG.read_text() + "analysis:\n  ticket_url: https://psa.example/t/{ticket_id}\n"
    )
    settings = load_settings(config)
    created = pd.Timestamp("2024-12-02 09:00")
    rows = pd.DataFrame(
        {
            "ticket_id": ["../x?y=1#", "T1"],
            "title": [x.TITLE_T3, "ok"],
            "client_name": [x.CLIENT_C2, "Acme"],
            "client_id": ["C2", "C1"],
            "status": ["New", "New"],
            "owner_name": [x.TECH_K1, None],
            "owner_tech_id": ["K1", None],
            "created_at": [created, created],
            "ended_at": [None, None],
        }
    )
    scope = Scope.for_days(settings, created.date(), created.date())
    links = list(_drill_frame(rows, scope, settings)["link"])
    assert links == ["https://psa.example/t/..%2Fx%3Fy%3D1%23", "https://psa.example/t/T1"]


# -- static pages (papermill reports) ---------------------------------------------------------
def test_static_filter_lines_show_names_as_text(session):
    dashboard = DashboardTab(
        session, **PERIOD, board=x.BOARD_TIER2, category=x.CATEGORY_NETWORK, static=True
    )
    inert(dashboard.filters().data, x.BOARD_TIER2, x.CATEGORY_NETWORK)
    page = TabPage(session, "service_quality", **PERIOD, static=True, board=x.BOARD_TIER2)
    inert(page.filters().data, x.BOARD_TIER2)


@pytest.mark.parametrize(
    ("tab", "panel", "shown"),
    [
        ("service_quality", "tickets_created_by_category", [x.CATEGORY_NETWORK]),
        ("service_quality", "tickets_per_seat", [x.CLIENT_C1, x.CLIENT_C2]),
        ("help_desk", "workload_by_technician", [x.TECH_K2, x.TEAM_K2]),
        ("customer_experience", "survey_comments", [x.COMMENT_S3, x.TITLE_T8, x.TECH_K1]),
    ],
)
def test_static_panels_show_names_as_text(session, tmp_path, tab, panel, shown):
    page = TabPage(session, tab, **PERIOD, static=True, export_dir=str(tmp_path))
    inert(page.panel(panel).data, *shown)


def test_static_dashboard_and_health_pages(session, tmp_path):
    dashboard = DashboardTab(session, **PERIOD, static=True)
    for part in (dashboard.header(), dashboard.kpis(), dashboard.health()):
        inert(part.data)
    health = HealthPage(_health(session), day="2024-12-06", client="C2", static=True)
    for part in (health.header(), health.segments(), health.editors(), health.audit()):
        inert(part.data)
    inert(health.clients().data, x.CLIENT_C2)
    inert(health.detail().data, x.CLIENT_C2, x.HEALTH_NOTE, x.HEALTH_ACTOR)
    everyone = HealthPage(_health(session), day="2024-12-06", static=True)
    inert(everyone.detail().data, x.CLIENT_C1, x.CLIENT_C2)
    unknown = HealthPage(_health(session), day="2024-12-06", client=x.IMG, static=True)
    inert(unknown.header().data, x.IMG)  # "No client <img ...> here"


def _health(session) -> Health:
    return Health(
        session.warehouse, session.settings, load_health_settings(None), actor=x.HEALTH_ACTOR
    )


# -- interactive widgets (Voilà, JupyterLab) --------------------------------------------------
def test_panel_widgets_and_drill_down_show_names_as_text(session):
    page = TabPage(session, "service_quality", **PERIOD)
    page.panel("tickets_created_by_category")
    view = page.views["tickets_created_by_category"]
    inert(view.table.value, x.CATEGORY_NETWORK)
    (choice,) = [v for label, v in view.choice.options if label.startswith(x.CATEGORY_NETWORK)]
    view.show_tickets(*choice)
    inert(view.tickets.value, x.CATEGORY_NETWORK, x.TITLE_T3, x.CLIENT_C2, x.TECH_K2)


def test_dashboard_and_health_widgets_show_names_as_text(session):
    dashboard = DashboardTab(session, **PERIOD)
    inert(dashboard._tiles.value)
    inert(dashboard._health.value)
    health = HealthPage(_health(session), day="2024-12-06", client="C2")
    inert(health.client_list.value, x.CLIENT_C2)
    inert(health.client_detail.summary.value, x.CLIENT_C2)
    inert(health.client_detail.scores_table.value, x.HEALTH_NOTE, x.HEALTH_ACTOR)
    inert(health.audit_table.value, x.HEALTH_ACTOR)
    inert(health.scores_editor.history.value, x.HEALTH_NOTE)
