"""Widgets and page builders for the tab notebooks."""

from deskmetrics.ui.dashboard import DashboardTab
from deskmetrics.ui.tab_page import TabPage

__all__ = ["DashboardTab", "TabPage"]
