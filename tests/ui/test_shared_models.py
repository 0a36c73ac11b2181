"""Panel widgets share their layout and style models: a tab sends the browser far fewer models."""

from __future__ import annotations

import pytest

from deskmetrics.panels.model import panels_for
from deskmetrics.ui import shared_models as shared
from deskmetrics.ui.tab_page import TabPage


@pytest.fixture
def session(small_session):
    return small_session


def _tree(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _tree(child)


def test_a_tab_of_panels_shares_a_handful_of_layout_and_style_models(session):
    page = TabPage(session, "service_quality", date_from="2024-12-02", date_to="2024-12-06")
    for panel in panels_for("service_quality"):
        page.panel(panel.id)
    widgets = [w for view in page.views.values() for w in _tree(view.widget)]
    assert len(page.views) >= 20 and len(widgets) > 150
    layouts = {id(w.layout) for w in widgets if hasattr(w, "keys") and "layout" in w.keys}
    styles = {id(w.style) for w in widgets if hasattr(w, "keys") and "style" in w.keys}
    # one per kind (box, text, 340 px drop-down; text, drop-down and button styles), not one each
    assert len(layouts) <= 3 and len(styles) <= 3


def test_a_closed_shared_model_is_made_anew():
    first = shared.layout(width="123px")
    assert shared.layout(width="123px") is first
    first.close()  # Widget.close_all() in a notebook closes them too
    again = shared.layout(width="123px")
    assert again is not first and again.comm is not None
